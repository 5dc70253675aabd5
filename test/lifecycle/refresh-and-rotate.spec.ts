/**
 * refresh-cohort's and rotate-keys' libraries called directly, without commander: what they
 * decide, publish and run against the embedded S3 server (and a `pulumi` stand-in), as data.
 */
import * as assert from "node:assert/strict";
import { ValidationError } from "../../scripts/lib/errors";
import { planRefresh, refreshCohort, RefreshRequest } from "../../scripts/lib/lifecycle/refresh-cohort";
import { DecidedRotation, rotateKeys } from "../../scripts/lib/lifecycle/rotate-keys";
import { loadPublications, revokePublications } from "../../scripts/lib/lifecycle/publications";
import { randomHex8 } from "../../scripts/lib/naming";
import { publishCohort } from "../../scripts/lib/publication/publish";
import { fromStackKey } from "../../scripts/lib/s3/credentials";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { recordPublication } from "../support/ledger-fixtures";
import { PRESIGNER_KEY, startCohortBucket, TestBucket } from "../support/local-bucket";
import { CONFIG_GET, ROTATION, SLOT_B_KEY, StandIn, standIn, VERSION } from "../support/pulumi-stand-in";

const PREFIXES = { configPrefix: "configs/", ledgerPrefix: "ledger/" };
const TWO_DAYS = 2 * 24 * 3600;

describe("refresh-cohort's library", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  before(async () => ({ bucket, manifest } = await startCohortBucket("cohorts/refresh-library/", 2)));
  after(async () => bucket.close());

  const outputs = () => parseStackOutputs(bucket.outputs, "test outputs");
  const publishContext = () => ({
    outputs: outputs(),
    credentials: fromStackKey(PRESIGNER_KEY),
    store: bucket.store,
    endpoint: bucket.server.endpoint,
    now: () => new Date(),
    randomHex: randomHex8,
  });
  /** Refreshes, publishing for real and logging what the library told and asked, in order. */
  const refresh = (request: RefreshRequest, log: string[] = []) =>
    refreshCohort(
      request,
      {
        store: bucket.store,
        outputs: outputs(),
        now: () => new Date(),
        warn: (message) => log.push(`warn ${message}`),
      },
      {
        planned: (plan) => log.push(`planned ${plan.latest.configKey}`),
        publish: (publish) => {
          log.push("publish");
          return publishCohort(publish, publishContext());
        },
      },
    );

  it("publishes again from the latest publication's recorded inputs, repeating its --expires, and keeps the earlier live", async () => {
    const first = await publishCohort(
      { cohort: "Refresh Lib", source: { kind: "manifest", path: manifest }, expiresSeconds: TWO_DAYS },
      publishContext(),
    );
    const log: string[] = [];
    const outcome = await refresh({ cohort: "Refresh Lib" }, log);
    assert.equal(outcome.kind, "published");
    if (outcome.kind !== "published") return;
    assert.deepEqual(log, [`planned ${first.configKey}`, "publish"], "planned before anything is published");
    const { plan, result, earlierLive } = outcome;
    assert.equal(plan.latest.configKey, first.configKey);
    assert.equal(plan.recordedSeconds, TWO_DAYS);
    assert.equal(plan.publish.expiresSeconds, TWO_DAYS);
    assert.equal(plan.publish.clamp, true, "a repeated --expires is shortened, not refused");
    assert.equal(plan.publish.source.kind, "samples");
    assert.equal(plan.viewerNote, undefined, "the stack's viewer, unchanged");
    assert.notEqual(result.configKey, first.configKey);
    assert.ok(result.link);
    assert.deepEqual(
      earlierLive.map(({ configKey }) => configKey),
      [first.configKey],
    );
    const recorded = await loadPublications(bucket.store, PREFIXES, { cohort: "Refresh Lib" });
    // Both may fall in the same second: the ledger then orders them by their random part.
    assert.deepEqual(recorded.map(({ configKey }) => configKey).sort(), [result.configKey, first.configKey].sort());
    assert.deepEqual(await bucket.keys(result.configKey), [result.configKey], "the new config is stored");
  });

  it("a dry run publishes nothing and finds no earlier publication to end", async () => {
    const before = await loadPublications(bucket.store, PREFIXES, { cohort: "Refresh Lib" });
    const outcome = await refresh({ cohort: "Refresh Lib", dryRun: true, expiresSeconds: 3600 });
    assert.equal(outcome.kind, "published");
    if (outcome.kind !== "published") return;
    assert.equal(outcome.result.dryRun, true);
    assert.equal(outcome.plan.recordedSeconds, undefined, "an --expires given now is not the recorded one");
    assert.equal(outcome.plan.publish.clamp, undefined);
    assert.deepEqual(outcome.earlierLive, []);
    assert.equal((await loadPublications(bucket.store, PREFIXES, { cohort: "Refresh Lib" })).length, before.length);
  });

  it("follows the stack's viewer when it moved since, and says so", async () => {
    const moved = { ...outputs(), viewerUrl: "https://viewer.example.org/app/" };
    const plan = await planRefresh({ cohort: "Refresh Lib" }, { store: bucket.store, outputs: moved, warn: () => {} });
    assert.deepEqual(plan.viewerNote, {
      kind: "stack-moved",
      recorded: outputs().viewerUrl,
      recordedIsViewer: true,
      stackViewer: "https://viewer.example.org/app/",
    });
    assert.equal(plan.publish.viewerUrl, undefined, "publish takes the stack's and records it as the stack's");
  });

  it("refuses to share a revoked cohort again unless allowed, before publishing", async () => {
    const publications = await loadPublications(bucket.store, PREFIXES, { cohort: "Refresh Lib" });
    await revokePublications(publications, {
      store: bucket.store,
      ...PREFIXES,
      now: new Date(),
      randomHex: randomHex8,
    });
    const log: string[] = [];
    await assert.rejects(
      refresh({ cohort: "Refresh Lib" }, log),
      (error: unknown) =>
        error instanceof ValidationError && /was revoked at .*: refreshing would share it again/.test(error.message),
    );
    assert.deepEqual(log, [], "neither planned nor published");
    const allowed = await refresh({ cohort: "Refresh Lib", allowRevoked: true }, log);
    assert.equal(allowed.kind, "published");
    if (allowed.kind === "published") assert.deepEqual(allowed.earlierLive, [], "the revoked ones no longer work");
  });
});

describe("rotate-keys' library with a `pulumi` stand-in", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let pulumi: StandIn | undefined;
  before(async () => ({ bucket } = await startCohortBucket("cohorts/rotate-library/", 1)));
  after(async () => bucket.close());
  afterEach(() => {
    pulumi?.close();
    pulumi = undefined;
  });

  const rotate = (request: { ifDue?: boolean; force?: boolean }, now: Date, decided: DecidedRotation[]) => {
    pulumi = standIn(bucket);
    const io = { stdout: () => {}, stderr: () => {}, env: pulumi.env };
    return rotateKeys(
      { stack: "dev", print: false, ifDue: false, force: false, ...request },
      { store: bucket.store, outputs: parseStackOutputs(bucket.outputs, "test outputs"), now, warn: () => {}, io },
      { decided: (rotation) => decided.push(rotation) },
    );
  };

  it("is not due before the active key's rotation date: no decision, no Pulumi call", async () => {
    const decided: DecidedRotation[] = [];
    const outcome = await rotate({ ifDue: true }, new Date("2026-12-01T00:00:00Z"), decided);
    assert.equal(outcome.kind, "not-due");
    if (outcome.kind === "not-due") assert.equal(outcome.active.accessKeyId, PRESIGNER_KEY.accessKeyId);
    assert.deepEqual(decided, []);
    assert.deepEqual(pulumi!.calls(), []);
  });

  it("rotates the inactive slot when no live link was signed by it, verified, and says when the next one is safe", async () => {
    const now = new Date();
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + 3600_000);
    await recordPublication(bucket, "Signed By Active", PRESIGNER_KEY.accessKeyId, expiresAt);
    const decided: DecidedRotation[] = [];
    const outcome = await rotate({}, now, decided);
    assert.equal(outcome.kind, "rotated");
    if (outcome.kind !== "rotated") return;
    assert.equal(decided.length, 1);
    assert.equal(decided[0].decision.safe, true);
    assert.equal(decided[0].forced, false);
    assert.equal(outcome.outcome.fromGeneration, 0);
    assert.equal(outcome.outcome.toGeneration, 1);
    assert.equal(outcome.outcome.newSlots?.active.slot, "b");
    assert.notEqual(outcome.outcome.newSlots?.active.accessKeyId, SLOT_B_KEY.accessKeyId, "slot b's key was replaced");
    assert.deepEqual(outcome.nextSafeAfter, expiresAt, "the next rotation waits for the links slot a signed");
    assert.deepEqual(pulumi!.calls(), [VERSION, CONFIG_GET, ...ROTATION(1)]);
  });

  it("refuses to break a live link of the inactive key unless forced, before any Pulumi call", async () => {
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
    const configKey = await recordPublication(bucket, "Signed By Inactive", SLOT_B_KEY.accessKeyId, expiresAt);
    const decided: DecidedRotation[] = [];
    const refused = await rotate({}, new Date(), decided);
    assert.equal(refused.kind, "refused");
    if (refused.kind === "refused") {
      assert.deepEqual(
        refused.rotation.decision.breaking.map((publication) => publication.configKey),
        [configKey],
      );
      assert.deepEqual(refused.rotation.decision.safeAfter, expiresAt);
    }
    assert.equal(decided.length, 1, "told the decision before refusing");
    assert.deepEqual(pulumi!.calls(), []);
    pulumi!.close();
    const forced = await rotate({ force: true }, new Date(), decided);
    assert.equal(forced.kind, "rotated");
    assert.equal(decided[1].forced, true);
    assert.deepEqual(pulumi!.calls(), [VERSION, CONFIG_GET, ...ROTATION(1)]);
  });
});
