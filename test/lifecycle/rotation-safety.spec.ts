import * as assert from "node:assert/strict";
import { assertGenerationMatches, KeySlots } from "../../scripts/lib/lifecycle/rotation";
import {
  isSlotKey,
  judgeRotationPreview,
  previewErrors,
  pulumiVersionProblem,
  rotationProblems,
} from "../../scripts/lib/lifecycle/rotation-safety";

const STACK = "urn:pulumi:dev::chromoscope-private-data::pulumi:pulumi:Stack::chromoscope-private-data-dev";
const SELF_REFERENCE =
  "urn:pulumi:dev::chromoscope-private-data::pulumi:pulumi:StackReference::organization/chromoscope-private-data/dev";
const KEY_TYPE = "chromoscope-private-data:identity:PresignerIdentity$aws:iam/accessKey:AccessKey";
const keyUrn = (slot: string) =>
  `urn:pulumi:dev::chromoscope-private-data::${KEY_TYPE}::chromoscope-presigner-key-${slot}`;
const POLICY =
  "urn:pulumi:dev::chromoscope-private-data::chromoscope-private-data:storage:PrivateDataBucket$aws:s3/bucketPolicy:BucketPolicy::data-policy";

/** A preview as `pulumi preview --json` prints it: the root stack, the self-reference read, then `steps`. */
const digest = (...steps: object[]) => ({
  config: { "chromoscope-private-data:keyGeneration": "1" },
  steps: [
    { op: "same", urn: STACK, detailedDiff: null },
    { op: "read", urn: SELF_REFERENCE, detailedDiff: null },
    ...steps,
  ],
  changeSummary: { replace: 1, same: 11 },
});

describe("rotation safety checks (pure)", () => {
  describe("the Pulumi CLI's version", () => {
    for (const ok of ["v3.208.0\n", "3.208.0", "v3.208.1", "v3.219.0", "v4.0.0", "v3.208.0+dirty"]) {
      it(`accepts ${JSON.stringify(ok)}`, () => assert.equal(pulumiVersionProblem(ok), undefined));
    }
    for (const old of ["v3.207.0", "v3.99.9", "v2.300.0", "v3.208.0-alpha.1733"]) {
      it(`refuses ${old}, saying why`, () => {
        const why = `the Pulumi CLI is ${old}, older than 3.208.0: its engine ignores replacementTrigger, so a rotation would replace no key`;
        assert.equal(pulumiVersionProblem(`${old}\n`), why);
      });
    }
    it("refuses an answer that is not a version", () => {
      assert.equal(
        pulumiVersionProblem("warning: something\n"),
        '`pulumi version` printed "warning: something", not a version',
      );
    });
  });

  describe("the preview of a rotation that replaces slot b", () => {
    it("passes the key's replacement, with the stack's read of its own reference and the root stack unchanged", () => {
      assert.deepEqual(judgeRotationPreview(digest({ op: "replace", urn: keyUrn("b") }), "b"), {
        replacesSlot: true,
        unexpected: [],
      });
    });

    it("passes the same replacement shown as its two physical steps (--show-replacement-steps)", () => {
      const steps = [
        { op: "delete-replaced", urn: keyUrn("b") },
        { op: "replace", urn: keyUrn("b") },
        { op: "create-replacement", urn: keyUrn("b") },
      ];
      assert.deepEqual(judgeRotationPreview(digest(...steps), "b"), { replacesSlot: true, unexpected: [] });
    });

    it("lists every other change, with the properties that cause it", () => {
      const judged = judgeRotationPreview(
        digest({ op: "replace", urn: keyUrn("b") }, { op: "update", urn: POLICY, diffReasons: ["policy"] }),
        "b",
      );
      assert.deepEqual(judged, {
        replacesSlot: true,
        unexpected: ["update aws:s3/bucketPolicy:BucketPolicy data-policy (policy)"],
      });
    });

    it("refuses the other slot's replacement (a jump, or a stale generation): it is not the slot being rotated", () => {
      const judged = judgeRotationPreview(
        digest({ op: "replace", urn: keyUrn("a") }, { op: "replace", urn: keyUrn("b") }),
        "b",
      );
      assert.deepEqual(judged.unexpected, ["replace aws:iam/accessKey:AccessKey chromoscope-presigner-key-a"]);
    });

    it("notices a preview that replaces no key (an engine that ignores replacementTrigger)", () => {
      assert.deepEqual(judgeRotationPreview(digest(), "b"), { replacesSlot: false, unexpected: [] });
      assert.deepEqual(judgeRotationPreview({}, "b"), { replacesSlot: false, unexpected: [] });
    });

    it("counts only a read of a StackReference as no change, and never prints control characters", () => {
      const read = { op: "read", urn: "urn:pulumi:dev::p::aws:iam/user:User::x\u001b[2J" };
      assert.deepEqual(judgeRotationPreview(digest({ op: "replace", urn: keyUrn("b") }, read), "b").unexpected, [
        "read aws:iam/user:User x?[2J",
      ]);
    });

    it("tells a slot's key by type and name, whatever the parents", () => {
      assert.equal(isSlotKey(keyUrn("b"), "b"), true);
      assert.equal(isSlotKey(keyUrn("b"), "a"), false);
      assert.equal(isSlotKey("urn:pulumi:dev::p::aws:iam/user:User::chromoscope-presigner-key-b", "b"), false);
    });

    it("reads the error diagnostics of a failed preview", () => {
      const diagnostics = [
        { message: "warning: x", severity: "warning" },
        { message: "error: keyGeneration 3 is neither 0 nor 1\n", severity: "error" },
      ];
      const failed = { diagnostics };
      assert.deepEqual(previewErrors(failed), ["error: keyGeneration 3 is neither 0 nor 1"]);
      assert.deepEqual(previewErrors(undefined), []);
    });
  });

  describe("the outputs after `pulumi up`", () => {
    const key = (slot: "a" | "b", accessKeyId: string) => ({
      slot,
      accessKeyId,
      createdAt: new Date(0),
      rotationDueAt: new Date(0),
    });
    const before: KeySlots = { active: key("a", "AKIAOLDA"), inactive: key("b", "AKIAOLDB") };

    it("accept the rotated slot's new key, the other kept, the rotated slot active", () => {
      assert.deepEqual(
        rotationProblems(before, { active: key("b", "AKIANEWB"), inactive: key("a", "AKIAOLDA") }, "b"),
        [],
      );
    });

    it("say so when the key was not replaced", () => {
      const unchanged = { active: key("b", "AKIAOLDB"), inactive: key("a", "AKIAOLDA") };
      assert.deepEqual(rotationProblems(before, unchanged, "b"), ["slot b's access key is still AKIAOLDB"]);
    });

    it("say so when the wrong slot was replaced", () => {
      assert.deepEqual(
        rotationProblems(before, { active: key("a", "AKIANEWA"), inactive: key("b", "AKIAOLDB") }, "b"),
        [
          "slot b's access key is still AKIAOLDB",
          "slot a's key was replaced too (AKIAOLDA → AKIANEWA): the live links it signed now fail",
          "slot a is active, not slot b",
        ],
      );
    });

    it("say so when the new key is Inactive", () => {
      const after: KeySlots = {
        active: { ...key("b", "AKIANEWB"), status: "Inactive" },
        inactive: key("a", "AKIAOLDA"),
      };
      assert.deepEqual(rotationProblems(before, after, "b"), ["slot b's new key AKIANEWB is Inactive"]);
    });
  });

  describe("the generation against the deployed one", () => {
    const slots: KeySlots = {
      active: { slot: "b", accessKeyId: "AKIAB", createdAt: new Date(0), rotationDueAt: new Date(0) },
      inactive: { slot: "a", accessKeyId: "AKIAA", createdAt: new Date(0), rotationDueAt: new Date(0) },
    };

    it("refuses a generation two behind the outputs' keyGeneration, which the active slot alone cannot tell", () => {
      assert.throws(
        () => assertGenerationMatches(1, slots, "--generation", 3),
        /keyGeneration 1 \(--generation\) is not the deployed one: the stack outputs say 3, so the outputs are stale or a change is pending/,
      );
      assert.doesNotThrow(() => assertGenerationMatches(3, slots, "--generation", 3));
      assert.doesNotThrow(
        () => assertGenerationMatches(1, slots, "--generation"),
        "outputs of older deployments export no keyGeneration",
      );
    });
  });
});
