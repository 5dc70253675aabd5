import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { keySlotPlan } from "../../components/key-slots";
import { KEY_SLOTS } from "../../policy/documents/limits";
import { ExitCode, UsageError, ValidationError } from "../../scripts/lib/errors";
import { StoredLedgerEntry } from "../../scripts/lib/ledger/ledger";
import {
  assertGenerationMatches,
  decideRotation,
  generationQueryArgs,
  KeySlots,
  keySlotsOf,
  parseGeneration,
  planRevokeRotation,
  PULUMI_PROJECT,
  generationSetArgs,
  previewArgs,
  upArgs,
} from "../../scripts/lib/lifecycle/rotation";
import { foldLedger, Publication } from "../../scripts/lib/ledger/fold";
import { isLive } from "../../scripts/lib/ledger/publication-status";
import { StackOutputs } from "../../components/stack-outputs";
import { shellCommand } from "../../scripts/lib/text-format";
import { roleStackOutputs, userStackOutputs } from "../fixtures/stack-outputs";
import { judgePublication, StackKeys } from "../../scripts/lib/ledger/publication-status";

const NOW = new Date("2026-12-01T12:00:00.000Z");
const ACTIVE_KEY = "AKIAACTIVEKEY0000001";
const INACTIVE_KEY = "AKIAINACTIVEKEY00002";
const SESSION_KEY = "ASIASESSIONKEY000003";

const SLOTS: KeySlots = {
  active: {
    slot: "b",
    accessKeyId: ACTIVE_KEY,
    createdAt: new Date("2026-11-20T00:00:00Z"),
    rotationDueAt: new Date("2026-12-20T00:00:00Z"),
  },
  inactive: {
    slot: "a",
    accessKeyId: INACTIVE_KEY,
    createdAt: new Date("2026-10-01T00:00:00Z"),
    rotationDueAt: new Date("2026-10-31T00:00:00Z"),
  },
};

const at = (offsetSeconds: number) => new Date(NOW.getTime() + offsetSeconds * 1000);
let serial = 0;

/** A publication created a day before its expiry, `expiresIn` seconds from NOW (negative: past). */
function publication(cohort: string, signingAccessKeyId: string, expiresIn: number, revoked = false): Publication {
  serial++;
  return {
    cohort,
    configKey: `configs/${cohort.toLowerCase()}/2026112${serial % 10}T000000000Z-0000000${serial % 10}.json`,
    signingAccessKeyId,
    createdAt: at(expiresIn - 86400),
    expiresAt: at(expiresIn),
    ledgerKey: `ledger/${cohort.toLowerCase()}/${serial}.json`,
    inputs: { samples: [], viewerUrl: "https://chromoscope.bio/app/" },
    ...(revoked ? { revokedAt: at(-60) } : {}),
  };
}

function outputs(overrides: Record<string, unknown> = {}): StackOutputs {
  return userStackOutputs({
    activeKeySlot: "b",
    accessKeys: [
      {
        slot: "a",
        accessKeyId: INACTIVE_KEY,
        createdAt: "2026-10-01T00:00:00Z",
        rotationDueAt: "2026-10-31T00:00:00Z",
      },
      { slot: "b", accessKeyId: ACTIVE_KEY, createdAt: "2026-11-20T00:00:00Z", rotationDueAt: "2026-12-20T00:00:00Z" },
    ],
    ...overrides,
  });
}

describe("link lifecycle decisions (pure)", () => {
  describe("when a link stops being live", () => {
    const expiresAt = new Date("2026-12-01T12:00:00.000Z");

    it("is live at its expiry instant (S3 refuses only once the time is past it)", () => {
      assert.equal(isLive(expiresAt, new Date("2026-12-01T12:00:00.000Z")), true);
    });

    it("is expired one millisecond after it", () => {
      assert.equal(isLive(expiresAt, new Date("2026-12-01T12:00:00.001Z")), false);
    });

    it("reports revoked before live or expired", () => {
      const keys: StackKeys = { known: true, signing: new Set([ACTIVE_KEY]), inactive: new Set() };
      const publicationStatus = (publication: Publication, now: Date) =>
        judgePublication(publication, keys, now).status;
      assert.equal(publicationStatus(publication("A", ACTIVE_KEY, 3600), NOW), "live");
      assert.equal(publicationStatus(publication("A", ACTIVE_KEY, -1), NOW), "expired");
      assert.equal(publicationStatus(publication("A", ACTIVE_KEY, 3600, true), NOW), "revoked");
      assert.equal(publicationStatus(publication("A", ACTIVE_KEY, -1, true), NOW), "revoked");
    });
  });

  describe("folding the ledger", () => {
    const base = {
      signingAccessKeyId: ACTIVE_KEY,
      expiresAt: "2026-12-08T00:00:00.000Z",
      inputs: {
        samples: [{ id: "S1", cancer: "Breast", assembly: "hg38" }],
        viewerUrl: "https://chromoscope.bio/app/",
      },
    };
    const entries: StoredLedgerEntry[] = [
      {
        ...base,
        event: "publish",
        cohort: "Alpha",
        configKey: "configs/alpha/1.json",
        createdAt: "2026-12-01T00:00:00.000Z",
        ledgerKey: "ledger/alpha/20261201T000000000Z-aaaaaaaa.json",
      },
      {
        ...base,
        event: "publish",
        cohort: "Beta",
        configKey: "configs/beta/1.json",
        createdAt: "2026-12-01T01:00:00.000Z",
        ledgerKey: "ledger/beta/20261201T010000000Z-bbbbbbbb.json",
      },
      {
        ...base,
        event: "revoke",
        cohort: "Alpha",
        configKey: "configs/alpha/1.json",
        createdAt: "2026-12-01T02:00:00.000Z",
        ledgerKey: "ledger/alpha/20261201T020000000Z-cccccccc.json",
        inputs: { samples: [], viewerUrl: base.inputs.viewerUrl },
      },
      {
        ...base,
        event: "revoke",
        cohort: "Gone",
        configKey: "configs/gone/1.json",
        createdAt: "2026-12-01T02:00:00.000Z",
        ledgerKey: "ledger/gone/20261201T020000000Z-dddddddd.json",
      },
      {
        ...base,
        event: "publish",
        cohort: "Broken",
        configKey: "configs/broken/1.json",
        createdAt: "2026-12-01T03:00:00.000Z",
        expiresAt: "not a date",
        ledgerKey: "ledger/broken/x.json",
      },
    ];

    it("returns the publications newest first, each revoke folded into its publication", () => {
      const warnings: string[] = [];
      const folded = foldLedger(entries, (message) => warnings.push(message));
      assert.deepEqual(
        folded.map((p) => [p.cohort, p.revokedAt?.toISOString()]),
        [
          ["Beta", undefined],
          ["Alpha", "2026-12-01T02:00:00.000Z"],
        ],
      );
      assert.deepEqual(folded[1].inputs.samples, base.inputs.samples, "the publication keeps its own inputs");
      assert.deepEqual(warnings, [
        "ledger entry ledger/broken/x.json is neither a complete publish nor a revoke entry; skipped",
      ]);
    });
  });

  describe("routine rotation (rotate-keys)", () => {
    const cases: Array<{ name: string; ledger: Publication[]; breaking: number[]; safeAfter?: number }> = [
      { name: "an empty ledger", ledger: [], breaking: [] },
      { name: "live links signed by the active key only", ledger: [publication("A", ACTIVE_KEY, 3600)], breaking: [] },
      {
        name: "links of the inactive key that have expired",
        ledger: [publication("A", INACTIVE_KEY, -1), publication("B", INACTIVE_KEY, -86400)],
        breaking: [],
      },
      {
        name: "a live link of the inactive key",
        ledger: [publication("A", INACTIVE_KEY, 3600), publication("B", ACTIVE_KEY, 7200)],
        breaking: [0],
        safeAfter: 3600,
      },
      {
        name: "several live links of the inactive key (safe after the latest)",
        ledger: [
          publication("A", INACTIVE_KEY, 600),
          publication("B", INACTIVE_KEY, 5000),
          publication("C", INACTIVE_KEY, -5),
        ],
        breaking: [1, 0],
        safeAfter: 5000,
      },
      {
        name: "a link of the inactive key expiring exactly now (still live)",
        ledger: [publication("A", INACTIVE_KEY, 0)],
        breaking: [0],
        safeAfter: 0,
      },
      {
        name: "a link of the inactive key that expired a millisecond ago",
        ledger: [publication("A", INACTIVE_KEY, -0.001)],
        breaking: [],
      },
      {
        name: "a revoked, still-live link of the inactive key (breaking it is welcome)",
        ledger: [publication("A", INACTIVE_KEY, 3600, true)],
        breaking: [],
      },
      {
        name: "a live link signed by session credentials (no slot's key)",
        ledger: [publication("A", SESSION_KEY, 3600)],
        breaking: [],
      },
    ];
    for (const { name, ledger, breaking, safeAfter } of cases) {
      it(`${breaking.length === 0 ? "is safe" : "refuses"} with ${name}`, () => {
        const decision = decideRotation(SLOTS, ledger, NOW);
        assert.equal(decision.replaced, SLOTS.inactive, "always the inactive slot");
        assert.equal(decision.safe, breaking.length === 0);
        assert.deepEqual(
          decision.breaking,
          breaking.map((index) => ledger[index]),
        );
        assert.deepEqual(decision.safeAfter, safeAfter === undefined ? undefined : at(safeAfter));
      });
    }

    it("becomes safe strictly after the last link of the inactive key expires", () => {
      const ledger = [publication("A", INACTIVE_KEY, 0)];
      assert.equal(decideRotation(SLOTS, ledger, NOW).safe, false);
      assert.equal(decideRotation(SLOTS, ledger, new Date(NOW.getTime() + 1)).safe, true);
    });

    it("replaces the slot the program's keySlotPlan replaces when the generation goes up by one", () => {
      for (let generation = 0; generation < 6; generation++) {
        const before = keySlotPlan(generation);
        const after = keySlotPlan(generation + 1);
        const changed = KEY_SLOTS.filter(
          (slot) => before.writtenAtGeneration[slot] !== after.writtenAtGeneration[slot],
        );
        const activeSlot = before.activeSlot;
        const slots = keySlotsOf(outputs({ activeKeySlot: activeSlot }));
        assert.deepEqual(changed, [slots.inactive.slot], `generation ${generation}`);
        assert.equal(after.activeSlot, slots.inactive.slot, "the replaced slot becomes the active one");
        const twice = keySlotPlan(generation + 2);
        assert.deepEqual(
          KEY_SLOTS.filter((slot) => before.writtenAtGeneration[slot] !== twice.writtenAtGeneration[slot]),
          ["a", "b"],
          "two bumps replace both",
        );
      }
    });
  });

  describe("rotation to revoke a cohort (revoke-cohort --rotate)", () => {
    it("takes one rotation when the cohort was signed by the inactive key, breaking only that key's other live links", () => {
      const mistake = publication("Mistake", INACTIVE_KEY, 3600);
      const sameKey = publication("Other", INACTIVE_KEY, 1800);
      const sameKeyRevoked = publication("Withdrawn", INACTIVE_KEY, 1800, true);
      const sameKeyExpired = publication("Old", INACTIVE_KEY, -10);
      const activeKey = publication("Fine", ACTIVE_KEY, 3600);
      const plan = planRevokeRotation(
        SLOTS,
        [mistake, sameKey, sameKeyRevoked, sameKeyExpired, activeKey],
        "Mistake",
        NOW,
      );
      assert.equal(plan.case, "inactive-key");
      assert.equal(plan.rotations, 1);
      assert.deepEqual(plan.replaced, [SLOTS.inactive]);
      assert.deepEqual(plan.cohortLive, [mistake]);
      assert.deepEqual(plan.breaking, [sameKey]);
      assert.deepEqual(plan.unreachable, []);
    });

    it("takes two rotations when any live link was signed by the active key, breaking every live link of both keys", () => {
      const mistakeOld = publication("Mistake", INACTIVE_KEY, 600);
      const mistakeNew = publication("Mistake", ACTIVE_KEY, 3600);
      const byInactive = publication("Other", INACTIVE_KEY, 1800);
      const byActive = publication("Fine", ACTIVE_KEY, 7200);
      const expired = publication("Old", ACTIVE_KEY, -1);
      const plan = planRevokeRotation(SLOTS, [mistakeOld, mistakeNew, byInactive, byActive, expired], "Mistake", NOW);
      assert.equal(plan.case, "active-key");
      assert.equal(plan.rotations, 2);
      assert.deepEqual(plan.replaced, [SLOTS.inactive, SLOTS.active]);
      assert.deepEqual(new Set(plan.cohortLive), new Set([mistakeOld, mistakeNew]));
      assert.deepEqual(new Set(plan.breaking), new Set([byInactive, byActive]));
    });

    it("counts a revoked cohort's own live links (its copied-out data links still work)", () => {
      const revoked = publication("Mistake", INACTIVE_KEY, 3600, true);
      const plan = planRevokeRotation(SLOTS, [revoked], "Mistake", NOW);
      assert.equal(plan.case, "inactive-key");
      assert.deepEqual(plan.cohortLive, [revoked]);
    });

    it("needs no rotation when every link of the cohort has expired", () => {
      const plan = planRevokeRotation(
        SLOTS,
        [publication("Mistake", ACTIVE_KEY, -1), publication("Other", INACTIVE_KEY, 3600)],
        "Mistake",
        NOW,
      );
      assert.equal(plan.case, "nothing-live");
      assert.equal(plan.rotations, 0);
      assert.deepEqual(plan.breaking, []);
    });

    it("cannot reach links signed by keys outside the slots, and says which", () => {
      const bySession = publication("Mistake", SESSION_KEY, 3600);
      const plan = planRevokeRotation(SLOTS, [bySession, publication("Other", INACTIVE_KEY, 3600)], "Mistake", NOW);
      assert.equal(plan.case, "other-keys-only");
      assert.equal(plan.rotations, 0);
      assert.deepEqual(plan.unreachable, [bySession]);
      assert.deepEqual(plan.breaking, []);
    });

    it("matches cohorts by exact name, not by slug", () => {
      const plan = planRevokeRotation(
        SLOTS,
        [publication("Mistake", INACTIVE_KEY, 3600), publication("mistake", INACTIVE_KEY, 3600)],
        "Mistake",
        NOW,
      );
      assert.equal(plan.cohortLive.length, 1);
      assert.equal(plan.breaking[0].cohort, "mistake");
    });
  });

  describe("key slots from the stack outputs", () => {
    it("reads the active and inactive slots", () => {
      const slots = keySlotsOf(outputs());
      assert.equal(slots.active.slot, "b");
      assert.equal(slots.active.accessKeyId, ACTIVE_KEY);
      assert.equal(slots.inactive.accessKeyId, INACTIVE_KEY);
      assert.deepEqual(slots.inactive.rotationDueAt, new Date("2026-10-31T00:00:00Z"));
    });

    it("refuses a role-kind stack with a usage error", () => {
      assert.throws(
        () => keySlotsOf(roleStackOutputs()),
        (error: unknown) =>
          error instanceof UsageError &&
          error.exitCode === ExitCode.usage &&
          /IAM role: it has no access keys to rotate/.test(error.message),
      );
    });

    it("refuses outputs without the key slots", () => {
      assert.throws(
        () => keySlotsOf(outputs({ accessKeys: undefined })),
        (error: unknown) => error instanceof ValidationError && /no activeKeySlot and accessKeys/.test(error.message),
      );
    });

    it("checks the generation against the active slot", () => {
      const slots = keySlotsOf(outputs());
      assert.doesNotThrow(() => assertGenerationMatches(5, slots, "--generation"));
      assert.throws(
        () => assertGenerationMatches(4, slots, "--generation"),
        /keyGeneration 4 \(--generation\) makes slot a active, but the stack outputs say slot b signs/,
      );
    });
  });

  describe("the Pulumi commands", () => {
    it("sets the generation, previews and deploys, on the named stack", () => {
      assert.deepEqual(generationSetArgs("dev", 7), [
        "config",
        "set",
        "chromoscope-private-data:keyGeneration",
        "7",
        "--stack",
        "dev",
      ]);
      assert.deepEqual(previewArgs("dev", "json"), ["preview", "--json", "--stack", "dev"]);
      assert.deepEqual(upArgs("dev"), ["up", "--yes", "--stack", "dev"]);
      assert.deepEqual(generationQueryArgs("dev"), [
        "config",
        "get",
        "chromoscope-private-data:keyGeneration",
        "--stack",
        "dev",
      ]);
    });

    it("names the config key after the project of Pulumi.yaml", () => {
      const project = parseYaml(readFileSync(join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as {
        name: string;
        config: Record<string, unknown>;
      };
      assert.equal(PULUMI_PROJECT, project.name);
      assert.ok("keyGeneration" in project.config);
    });

    it("quotes arguments for the shell only when needed, leaving placeholders as they are", () => {
      assert.equal(
        shellCommand("pulumi", ["up", "--yes", "--stack", "org/lab/prod"]),
        "pulumi up --yes --stack org/lab/prod",
      );
      assert.equal(
        shellCommand("npm", ["run", "x", "--", "--cohort", "PCAWG Breast (it's)"]),
        "npm run x -- --cohort 'PCAWG Breast (it'\\''s)'",
      );
      assert.equal(
        shellCommand("pulumi", ["config", "set", "k", "<n+1>", "--stack", "<stack>"]),
        "pulumi config set k <n+1> --stack <stack>",
      );
    });

    it("parses a generation, refusing anything but a whole number", () => {
      assert.equal(parseGeneration("12\n", "pulumi config get"), 12);
      for (const bad of ["", "-1", "1.5", "abc", "1e3"])
        assert.throws(() => parseGeneration(bad, "--generation"), /--generation is ".*", not a whole number/);
    });
  });
});
