/**
 * revoke-cohort's library called directly, without commander: what it tells its hooks and in which
 * order, what a dry run leaves, and that a hook that throws stops it before anything is deleted.
 */
import * as assert from "node:assert/strict";
import { fromStackKey } from "../../scripts/lib/s3/credentials";
import { randomHex8 } from "../../scripts/lib/naming";
import { publishCohort, PublishResult } from "../../scripts/lib/publication/publish";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { loadPublications } from "../../scripts/lib/lifecycle/publications";
import {
  RevokeCohortContext,
  revokeCohort,
  RevokeHooks,
  RevokeMode,
  RevokeRequest,
} from "../../scripts/lib/lifecycle/revoke-cohort";
import { StackOutputs } from "../../components/stack-outputs";
import { fetchBytes, PRESIGNER_KEY, startCohortBucket, TestBucket } from "../support/local-bucket";

describe("revokeCohort (the library under revoke-cohort)", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  let outputs: StackOutputs;
  before(async () => {
    ({ bucket, manifest } = await startCohortBucket("cohorts/revoke-library/", 1));
    outputs = parseStackOutputs(bucket.outputs, "test outputs");
  });
  after(async () => bucket.close());

  async function publish(cohort: string): Promise<PublishResult> {
    const context = {
      outputs,
      credentials: fromStackKey(PRESIGNER_KEY),
      store: bucket.store,
      endpoint: bucket.server.endpoint,
      now: () => new Date(),
      randomHex: randomHex8,
    };
    return publishCohort({ cohort, source: { kind: "manifest", path: manifest } }, context);
  }

  function context(): RevokeCohortContext {
    const io = { stdout: () => undefined, stderr: () => undefined, env: {} };
    return { store: bucket.store, outputs, now: new Date(), warn: () => undefined, io };
  }

  /** Hooks that record what they were told, in order; `refuse` makes the confirmation throw. */
  function recordingHooks(refuse = false): { hooks: RevokeHooks; calls: string[] } {
    const calls: string[] = [];
    const hooks: RevokeHooks = {
      rotationPlanned: async () => void calls.push("rotationPlanned"),
      confirmRevoke: async (target) => {
        calls.push(`confirmRevoke ${target.publications.length}`);
        if (refuse) throw new Error("not confirmed");
      },
      revoked: (result) => void calls.push(`revoked ${result.revoked.length}`),
      straysDeleted: (_strays, deleted) => void calls.push(`straysDeleted ${deleted.length}`),
    };
    return { hooks, calls };
  }

  const request = (cohort: string, mode: RevokeMode, publication?: string): RevokeRequest => ({
    cohort,
    mode,
    publication,
  });

  it("deletes the configs, records the revocation and tells the hooks in order", async () => {
    const published = await publish("Library revoke");
    const { hooks, calls } = recordingHooks();
    const outcome = await revokeCohort(request("Library revoke", { kind: "revoke", ask: true }), context(), hooks);
    assert.deepEqual(calls, ["confirmRevoke 1", "revoked 1", "straysDeleted 0"]);
    assert.equal(outcome.kind, "revoked");
    if (outcome.kind !== "revoked") return;
    assert.equal(outcome.rotation, undefined, "no rotation without --rotate");
    assert.equal(outcome.dataEnd?.getTime(), published.expiresAt.getTime(), "data links copied out live until expiry");
    assert.equal((await fetchBytes(published.configUrl!)).status, 404, "the config is gone");
    const [publication] = await loadPublications(bucket.store, outputs, { cohort: "Library revoke" });
    assert.ok(publication.revokedAt, "the ledger records the revocation");
  });

  it("a dry run tells nothing but the target and changes nothing", async () => {
    const published = await publish("Library dry run");
    const { hooks, calls } = recordingHooks();
    const mode = { kind: "dry-run", rotate: false } as const;
    const outcome = await revokeCohort(request("Library dry run", mode), context(), hooks);
    assert.deepEqual(calls, []);
    assert.equal(outcome.kind, "dry-run");
    assert.deepEqual(
      outcome.target.publications.map((publication) => publication.configKey),
      [published.configKey],
    );
    assert.equal((await fetchBytes(published.configUrl!)).status, 200, "the config is still there");
  });

  it("a confirmation that throws stops it before anything is deleted", async () => {
    const published = await publish("Library refused");
    const { hooks, calls } = recordingHooks(true);
    await assert.rejects(
      revokeCohort(request("Library refused", { kind: "revoke", ask: true }), context(), hooks),
      /not confirmed/,
    );
    assert.deepEqual(calls, ["confirmRevoke 1"]);
    assert.equal((await fetchBytes(published.configUrl!)).status, 200, "the config is still there");
  });

  it("with a publication named, acts on that one only", async () => {
    const older = await publish("Library one");
    const newer = await publish("Library one");
    const { hooks } = recordingHooks();
    const mode = { kind: "revoke", ask: false } as const;
    await revokeCohort(request("Library one", mode, older.configKey), context(), hooks);
    assert.equal((await fetchBytes(older.configUrl!)).status, 404);
    assert.equal((await fetchBytes(newer.configUrl!)).status, 200);
  });
});
