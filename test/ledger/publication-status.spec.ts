import * as assert from "node:assert/strict";
import { CliIo } from "../../scripts/lib/cli/shell";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { fromStackKey } from "../../scripts/lib/s3/credentials";
import { readLedger, StoredLedgerEntry } from "../../scripts/lib/ledger/ledger";
import {
  judgePublication,
  linkSignerFor,
  stackKeysOf,
  StackKeys,
  UNKNOWN_KEYS,
} from "../../scripts/lib/ledger/publication-status";
import { decideRotation, KeySlots, planRevokeRotation } from "../../scripts/lib/lifecycle/rotation";
import { foldLedger, Publication } from "../../scripts/lib/ledger/fold";
import { StackOutputs } from "../../components/stack-outputs";
import { recordPublication } from "../support/ledger-fixtures";
import { PRESIGNER_KEY, SESSION_KEY, SESSION_TOKEN, TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";
import { roleStackOutputs, userStackOutputs } from "../fixtures/stack-outputs";

const NOW = new Date("2026-12-01T12:00:00.000Z");
const SLOT_A = "AKIASLOTAKEY00000001";
const SLOT_B = "AKIASLOTBKEY00000002";
const ROTATED_OUT = "AKIAROTATEDOUT000003";
const SESSION = "ASIASESSIONKEY000004";
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

function publication(signingAccessKeyId: string, extra: Partial<Publication> = {}, cohort = "Cohort"): Publication {
  return {
    cohort,
    configKey: `configs/${cohort.toLowerCase()}/${signingAccessKeyId}.json`,
    signingAccessKeyId,
    createdAt: at(-3600),
    expiresAt: at(3600),
    ledgerKey: `ledger/${cohort.toLowerCase()}/${signingAccessKeyId}.json`,
    inputs: { samples: [], viewerUrl: "https://chromoscope.bio/app/" },
    ...extra,
  };
}

function outputs(overrides: Record<string, unknown> = {}): StackOutputs {
  return userStackOutputs({
    activeKeySlot: "a",
    presignerAccessKeyId: SLOT_A,
    accessKeys: [
      { slot: "a", accessKeyId: SLOT_A, createdAt: "2026-11-20T00:00:00Z", rotationDueAt: "2026-12-20T00:00:00Z" },
      { slot: "b", accessKeyId: SLOT_B, createdAt: "2026-10-01T00:00:00Z", rotationDueAt: "2026-10-31T00:00:00Z" },
    ],
    ...overrides,
  });
}

describe("whether a publication's links still work (pure)", () => {
  const keys = stackKeysOf(outputs());

  describe("the stack's keys from the outputs", () => {
    it("lists both slots' keys as signing", () => {
      assert.deepEqual(keys, { known: true, signing: new Set([SLOT_A, SLOT_B]), inactive: new Set() });
    });

    it("takes one slot, as a demo's outputs list it", () => {
      const slotA = {
        slot: "a",
        accessKeyId: SLOT_A,
        createdAt: "2026-11-20T00:00:00Z",
        rotationDueAt: "2026-12-20T00:00:00Z",
      };
      const one = stackKeysOf(outputs({ accessKeys: [slotA] }));
      assert.deepEqual(one.signing, new Set([SLOT_A]));
      assert.equal(one.known, true);
    });

    it("keeps a key listed Inactive apart: it signs nothing that works", () => {
      const listed = stackKeysOf(
        outputs({
          accessKeys: [
            {
              slot: "a",
              accessKeyId: SLOT_A,
              createdAt: "2026-11-20T00:00:00Z",
              rotationDueAt: "2026-12-20T00:00:00Z",
              status: "Active",
            },
            {
              slot: "b",
              accessKeyId: SLOT_B,
              createdAt: "2026-11-20T00:00:00Z",
              rotationDueAt: "2026-12-20T00:00:00Z",
              status: "Inactive",
            },
          ],
        }),
      );
      assert.deepEqual(listed, { known: true, signing: new Set([SLOT_A]), inactive: new Set([SLOT_B]) });
    });

    it("knows a role-kind stack has no keys, and that outputs without accessKeys tell nothing", () => {
      const role = stackKeysOf(roleStackOutputs());
      assert.deepEqual(role, { known: true, signing: new Set(), inactive: new Set() });
      assert.equal(stackKeysOf(outputs({ accessKeys: undefined, presignerAccessKeyId: undefined })).known, false);
    });
  });

  const cases: Array<{
    name: string;
    publication: Publication;
    keys?: StackKeys;
    status: string;
    reason?: RegExp;
    linksWork: boolean;
  }> = [
    {
      name: "signed by a current stack key",
      publication: publication(SLOT_B, { signer: "stack-key" }),
      status: "live",
      linksWork: true,
    },
    {
      name: "signed by a stack key that was rotated out",
      publication: publication(ROTATED_OUT, { signer: "stack-key" }),
      status: "dead",
      reason:
        /^its signing key AKIAROTATEDOUT000003 is no longer one of the stack's access keys: rotated out, or from an earlier deployment$/,
      linksWork: false,
    },
    {
      name: "an older entry (no signer recorded) whose key the stack no longer lists",
      publication: publication(ROTATED_OUT),
      status: "dead",
      reason:
        /no longer one of the stack's access keys.*\(an entry that does not record its signer: taken to be a stack key\)/,
      linksWork: false,
    },
    {
      name: "an older entry when the outputs list no keys",
      publication: publication(ROTATED_OUT),
      keys: UNKNOWN_KEYS,
      status: "live",
      linksWork: true,
    },
    {
      name: "a long-term key that never was the stack's (nothing can tell)",
      publication: publication(ROTATED_OUT, { signer: "other-key" }),
      status: "live",
      linksWork: true,
    },
    {
      name: "a session that has ended",
      publication: publication(SESSION, { signer: "session", sessionExpiresAt: at(-1) }),
      status: "dead",
      reason: /^the session credentials that signed it expired at 2026-12-01T11:59:59Z$/,
      linksWork: false,
    },
    {
      name: "a session at its last instant",
      publication: publication(SESSION, { signer: "session", sessionExpiresAt: NOW }),
      status: "live",
      linksWork: true,
    },
    {
      name: "an older session entry (its expiry was capped by the session)",
      publication: publication(SESSION),
      status: "live",
      linksWork: true,
    },
    {
      name: "a key the outputs list as Inactive",
      publication: publication(SLOT_B, { signer: "stack-key" }),
      keys: { known: true, signing: new Set([SLOT_A]), inactive: new Set([SLOT_B]) },
      status: "dead",
      reason: /^its signing key AKIASLOTBKEY00000002 is inactive$/,
      linksWork: false,
    },
    {
      name: "an older entry on a role-kind stack (its user keys are gone)",
      publication: publication(ROTATED_OUT),
      keys: { known: true, signing: new Set(), inactive: new Set() },
      status: "dead",
      linksWork: false,
    },
    {
      name: "an expired publication by a rotated-out key",
      publication: publication(ROTATED_OUT, { signer: "stack-key", expiresAt: at(-1) }),
      status: "expired",
      linksWork: false,
    },
    {
      name: "a revoked one whose key still signs (copied-out data links work)",
      publication: publication(SLOT_A, { revokedAt: at(-60) }),
      status: "revoked",
      linksWork: true,
    },
    {
      name: "a revoked one whose key was rotated out",
      publication: publication(ROTATED_OUT, { signer: "stack-key", revokedAt: at(-60) }),
      status: "revoked",
      reason: /no longer one of the stack's access keys/,
      linksWork: false,
    },
  ];
  for (const { name, publication: judged, keys: given, status, reason, linksWork } of cases) {
    it(`${status}: ${name}`, () => {
      const verdict = judgePublication(judged, given ?? keys, NOW);
      assert.equal(verdict.status, status);
      assert.equal(verdict.linksWork, linksWork);
      if (reason) assert.match(verdict.reason ?? "", reason);
      else if (status === "live") assert.equal(verdict.reason, undefined);
    });
  }

  describe("what publish records", () => {
    const stack = outputs();
    it("the stack's key, however it was handed over", () => {
      assert.deepEqual(linkSignerFor(fromStackKey({ accessKeyId: SLOT_A, secretAccessKey: "x" }), stack), {
        signer: "stack-key",
      });
      const viaEnvironment = {
        kind: "long-term" as const,
        credentials: { accessKeyId: SLOT_B, secretAccessKey: "x" },
        source: "env",
      };
      assert.deepEqual(linkSignerFor(viaEnvironment, stack), { signer: "stack-key" });
    });

    it("another long-term key, and a session with its end when known", () => {
      const otherUser = {
        kind: "long-term" as const,
        credentials: { accessKeyId: ROTATED_OUT, secretAccessKey: "x" },
        source: "env",
      };
      assert.deepEqual(linkSignerFor(otherUser, stack), { signer: "other-key" });
      const session = {
        kind: "session" as const,
        credentials: { accessKeyId: SESSION, secretAccessKey: "x" },
        expiresAt: at(7200),
        source: "sso",
      };
      assert.deepEqual(linkSignerFor(session, stack), {
        signer: "session",
        sessionExpiresAt: "2026-12-01T14:00:00.000Z",
      });
      assert.deepEqual(linkSignerFor({ ...session, expiresAt: undefined }, stack), { signer: "session" });
    });

    it("reads back from the ledger; an unknown signer reads as an older entry", () => {
      const base = {
        event: "publish" as const,
        cohort: "C",
        createdAt: "2026-12-01T00:00:00.000Z",
        expiresAt: "2026-12-02T00:00:00.000Z",
      };
      const inputs = { samples: [], viewerUrl: "x" };
      const sessionEnd = "2026-12-01T06:00:00.000Z";
      const entries: StoredLedgerEntry[] = [
        {
          ...base,
          inputs,
          configKey: "configs/c/1.json",
          signingAccessKeyId: SESSION,
          signer: "session",
          sessionExpiresAt: sessionEnd,
          ledgerKey: "1",
        },
        {
          ...base,
          inputs,
          configKey: "configs/c/2.json",
          signingAccessKeyId: SLOT_A,
          signer: "nonsense" as never,
          ledgerKey: "2",
        },
      ];
      const [second, first] = foldLedger(entries);
      assert.equal(first.signer, "session");
      assert.deepEqual(first.sessionExpiresAt, new Date("2026-12-01T06:00:00.000Z"));
      assert.equal(second.signer, undefined);
      assert.equal(judgePublication(first, keys, NOW).status, "dead", "its session ended at 06:00");
    });
  });

  describe("rotation decisions count only links that still work", () => {
    const slots: KeySlots = {
      active: { slot: "a", accessKeyId: SLOT_A, createdAt: at(-86400), rotationDueAt: at(86400 * 20) },
      inactive: { slot: "b", accessKeyId: SLOT_B, createdAt: at(-86400 * 40), rotationDueAt: at(-86400 * 10) },
    };

    it("revoke --rotate needs no rotation when the cohort's only unexpired links are dead (a rotated-out key, an ended session)", () => {
      const rotatedOut = publication(ROTATED_OUT, { signer: "stack-key" }, "Mistake");
      const endedSession = publication(SESSION, { signer: "session", sessionExpiresAt: at(-5) }, "Mistake");
      const plan = planRevokeRotation(slots, [rotatedOut, endedSession], "Mistake", NOW);
      assert.equal(plan.case, "nothing-live");
      assert.deepEqual(plan.unreachable, []);
      assert.deepEqual(plan.cohortLive, []);
    });

    it("revoke --rotate still lists a live session's links as out of rotation's reach", () => {
      const liveSession = publication(SESSION, { signer: "session", sessionExpiresAt: at(600) }, "Mistake");
      assert.deepEqual(planRevokeRotation(slots, [liveSession], "Mistake", NOW).unreachable, [liveSession]);
    });

    it("a rotation is not blocked by links of an inactive slot's key listed Inactive (they fail already)", () => {
      const byInactive = publication(SLOT_B, { signer: "stack-key" });
      assert.equal(decideRotation(slots, [byInactive], NOW).safe, false, "an Active key's live link blocks");
      assert.equal(
        decideRotation({ ...slots, inactive: { ...slots.inactive, status: "Inactive" } }, [byInactive], NOW).safe,
        true,
      );
    });
  });
});

describe("cohorts never calls a dead link live (embedded S3 server)", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  const inAnHour = () => new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
  const sessionEnds = new Date(Math.floor(Date.now() / 1000) * 1000 + 2 * 3600_000);
  const session = async () => ({ ...SESSION_KEY, sessionToken: SESSION_TOKEN, expiration: sessionEnds });

  before(async () => {
    ({ bucket, manifest } = await startCohortBucket("cohorts/status/", 1));
    const publish = async (cohortName: string, args: string[], io: Partial<CliIo> = {}) => {
      const argv = [
        ...args,
        "--endpoint",
        bucket.server.endpoint,
        "--cohort",
        cohortName,
        "--manifest",
        manifest,
        "--json",
      ];
      const result = await run(publishCohortCommand, argv, io);
      assert.equal(result.code, 0, result.stderr);
    };
    await publish("Current Key", ["--outputs", bucket.outputsFile]);
    await publish("Session Signed", ["--bucket", bucket.bucket, "--region", bucket.server.region], {
      credentialProvider: session,
    });
    await recordPublication(bucket, "Rotated Out", ROTATED_OUT, inAnHour(), { signer: "stack-key" });
    await recordPublication(bucket, "Old Entry", ROTATED_OUT, inAnHour());
    await recordPublication(bucket, "Session Ended", SESSION, inAnHour(), {
      signer: "session",
      sessionExpiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
  });
  after(async () => bucket.close());

  const cohorts = (args: string[]) =>
    run(cohortsCommand, ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, ...args]);

  it("records at publish who signed: the stack's key, or a session with its end", async () => {
    const entries = await readLedger(bucket.store, "ledger/");
    const byCohort = new Map(entries.map((entry) => [entry.cohort, entry]));
    assert.equal(byCohort.get("Current Key")!.signer, "stack-key");
    assert.equal(byCohort.get("Current Key")!.sessionExpiresAt, undefined);
    assert.equal(byCohort.get("Session Signed")!.signer, "session");
    assert.equal(byCohort.get("Session Signed")!.sessionExpiresAt, sessionEnds.toISOString());
  });

  it("lists a publication whose key was rotated out, an older entry's and an ended session's as dead, with the reason, and shows them no link", async () => {
    const result = await cohorts(["--json", "--show-links"]);
    assert.equal(result.code, 0, result.stderr);
    const list = JSON.parse(result.stdout) as Array<{
      cohort: string;
      status: string;
      deadReason?: string;
      link?: string;
    }>;
    const row = (cohort: string) => list.find((item) => item.cohort === cohort)!;
    assert.deepEqual(
      list.map((item) => [item.cohort, item.status, item.link === undefined ? "no link" : "link"]).sort(),
      [
        ["Current Key", "live", "link"],
        ["Old Entry", "dead", "no link"],
        ["Rotated Out", "dead", "no link"],
        ["Session Ended", "dead", "no link"],
        ["Session Signed", "live", "link"],
      ],
    );
    const rotatedOut = `its signing key ${ROTATED_OUT} is no longer one of the stack's access keys: rotated out, or from an earlier deployment`;
    assert.equal(row("Rotated Out").deadReason, rotatedOut);
    assert.match(row("Session Ended").deadReason!, /^the session credentials that signed it expired at \S+Z$/);
    assert.equal(row("Current Key").deadReason, undefined);
  });

  it("says dead in the table, with the reason under the row and no link, and counts it", async () => {
    const result = await cohorts(["--show-links", "--cohort", "Rotated Out"]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split("\n");
    assert.match(
      lines[1],
      new RegExp(
        `\\s+dead\\s+Rotated Out\\s+${ROTATED_OUT} \\(not a current stack key\\)\\s+configs/rotated-out-[0-9a-f]{12}/`,
      ),
    );
    assert.equal(
      lines[2],
      `  dead: its signing key ${ROTATED_OUT} is no longer one of the stack's access keys: rotated out, or from an earlier deployment`,
    );
    assert.equal(lines.length, 3, "no link line");
    assert.doesNotMatch(result.stdout + result.stderr, /X-Amz-Signature/);
    assert.match(result.stderr, /1 publication of 1 cohort in \S+: 0 live, 0 expired, 0 revoked, 1 dead\./);
  });

  it("calls every earlier publication dead after a demo run with fresh keys (outputs list only the new key)", async () => {
    const fresh = {
      ...bucket.outputs,
      presignerAccessKeyId: SESSION_KEY.accessKeyId,
      presignerSecretAccessKey: SESSION_KEY.secretAccessKey,
    };
    const newKey = {
      slot: "a",
      accessKeyId: SESSION_KEY.accessKeyId,
      createdAt: "2026-12-01T00:00:00.000Z",
      rotationDueAt: "2026-12-31T00:00:00.000Z",
    };
    const freshOutputs = bucket.scratch("fresh-demo-outputs.json", JSON.stringify({ ...fresh, accessKeys: [newKey] }));
    const result = await run(cohortsCommand, [
      "--outputs",
      freshOutputs,
      "--endpoint",
      bucket.server.endpoint,
      "--json",
      "--cohort",
      "Current Key",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const [row] = JSON.parse(result.stdout);
    assert.equal(row.status, "dead");
    assert.match(
      row.deadReason,
      new RegExp(`its signing key ${PRESIGNER_KEY.accessKeyId} is no longer one of the stack's access keys`),
    );
  });

  it("revoke-cohort does not promise that a dead publication's copied-out data links stay valid", async () => {
    const result = await run(revokeCohortCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
      "--cohort",
      "Rotated Out",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Every data link of the cohort had stopped working already/);
    assert.doesNotMatch(result.stderr, /stay valid until/);
  });
});
