import {
  deployedStackOutputs,
  MOCK_ORGANIZATION,
  MOCK_PROJECT,
  MOCK_STACK,
  mocksReady,
  recordedResources,
} from "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { buildGuardedStack } from "../../components/chromoscope-stack";
import { keyGenerationProblem, replacedSlots } from "../../components/key-generation";
import { SettingOverrides, settingsFrom, single, synthesize, SynthesizedStack } from "../support/stack-harness";
import { RESOURCE_TYPE } from "../../policy/framework/resource-types";

const SELF = `${MOCK_ORGANIZATION}/${MOCK_PROJECT}/${MOCK_STACK}`;

const ACCESS_KEY = RESOURCE_TYPE.accessKey;

describe("key slots by generation: no spare key", () => {
  it("creates the slot not yet used (slot b at generation 0) Inactive; it is Active once rotated into", async () => {
    const status = (s: SynthesizedStack, slot: string) => single(s, ACCESS_KEY, `-key-${slot}`).inputs.status;
    const listed = (s: SynthesizedStack) =>
      (s.outputs.accessKeys as Array<{ slot: string; status: string }>).map((k) => `${k.slot}:${k.status}`);
    const first = await synthesize({ keyGeneration: 0 }, "slots");
    assert.deepEqual([status(first, "a"), status(first, "b")], ["Active", "Inactive"]);
    assert.deepEqual(listed(first), ["a:Active", "b:Inactive"]);
    const rotated = await synthesize({ keyGeneration: 1 }, "slots");
    assert.deepEqual([status(rotated, "a"), status(rotated, "b")], ["Active", "Active"]);
    assert.deepEqual(listed(rotated), ["a:Active", "b:Active"]);
    assert.equal(
      single(rotated, ACCESS_KEY, "-key-b").opts.replacementTrigger,
      1,
      "rotating into slot b replaces its spare key",
    );
  });
});

describe("keyGeneration guard", () => {
  describe("the rule", () => {
    it("allows a first deployment, the deployed generation and the next one", () => {
      assert.equal(keyGenerationProblem(7, undefined, false), undefined);
      assert.equal(keyGenerationProblem(4, 4, false), undefined);
      assert.equal(keyGenerationProblem(5, 4, false), undefined);
    });

    it("names the slots a move would replace: none, the inactive one, or the active one and then both", () => {
      assert.deepEqual(replacedSlots(4, 4), []);
      assert.deepEqual(replacedSlots(4, 5), ["b"]);
      assert.deepEqual(replacedSlots(4, 3), ["a"]);
      assert.deepEqual(replacedSlots(4, 6), ["a", "b"]);
    });

    it("refuses a lower generation, naming both numbers, the active slot it would replace and the fix", () => {
      assert.equal(
        keyGenerationProblem(3, 4, false),
        "keyGeneration 3 is lower than the deployed generation 4 (a stale checkout or CI job?): this update would replace slot a's key, " +
          "the active key that signs new links, and kill every live link it signed; set it to 4 (no rotation) or 5 " +
          "(rotate once, as `npm run rotate-keys` does): `pulumi config set keyGeneration 5`",
      );
    });

    it("refuses two lower, which replaces both slots", () => {
      assert.match(
        String(keyGenerationProblem(2, 4, false)),
        /^keyGeneration 2 is lower .* would replace the keys of slots a and b and kill every live link;/,
      );
    });

    it("refuses a jump of two, which replaces both slots, and points to allowKeyGenerationJump", () => {
      const problem = keyGenerationProblem(6, 4, false);
      assert.match(
        String(problem),
        /^keyGeneration 6 is 2 generations past the deployed generation 4: this update would replace the keys of slots a and b and kill every live link; set it to 4 .* or 5 /,
      );
      assert.match(String(problem), /set allowKeyGenerationJump to true for that one update$/);
    });

    it("allowKeyGenerationJump admits a jump forward, never a lower generation", () => {
      assert.equal(keyGenerationProblem(9, 4, true), undefined);
      assert.match(String(keyGenerationProblem(3, 4, true)), /keyGeneration 3 is lower than the deployed generation 4/);
    });
  });

  describe("the program, reading the deployed value through a StackReference to itself (mocks)", () => {
    let counter = 0;

    /** Runs the guarded program; `declared` lists every resource it constructed (none when refused). */
    async function deploy(overrides: SettingOverrides, deployed?: Record<string, unknown>) {
      await mocksReady;
      if (deployed) deployedStackOutputs.set(SELF, deployed);
      const declared: string[] = [];
      const capture: pulumi.ResourceTransformation = (args) => {
        declared.push(args.name);
        return undefined;
      };
      const name = `guard${++counter}`;
      try {
        const outputs = await buildGuardedStack(settingsFrom(overrides), name, { transformations: [capture] });
        return { name, outputs, declared };
      } catch (error) {
        return { name, error: error as Error, declared };
      }
    }

    afterEach(() => deployedStackOutputs.delete(SELF));

    it("reads the stack itself, org/project/stack", async () => {
      const { name } = await deploy({ keyGeneration: 2 }, { keyGeneration: 2 });
      const reference = recordedResources.find((resource) => resource.name === `${name}-deployed`);
      assert.equal(reference?.type, "pulumi:pulumi:StackReference");
      assert.equal(reference?.inputs.name, "lab-org/chromoscope-private-data/dev");
    });

    it("first deployment (no keyGeneration output): any generation, exported as keyGeneration", async () => {
      const { outputs, error } = await deploy({ keyGeneration: 6 }, { bucketName: "older-stack-without-the-output" });
      assert.equal(error, undefined);
      assert.equal(outputs?.keyGeneration, 6);
    });

    it("the deployed generation again: deploys", async () => {
      const { outputs, declared } = await deploy({ keyGeneration: 4 }, { keyGeneration: 4 });
      assert.equal(outputs?.keyGeneration, 4);
      assert.ok(declared.some((name) => name.endsWith("-presigner-key-a")));
    });

    it("the deployed generation + 1: deploys", async () => {
      const { outputs } = await deploy({ keyGeneration: 5 }, { keyGeneration: 4 });
      assert.equal(outputs?.activeKeySlot, "b");
    });

    for (const [label, requested] of [
      ["- 1 (a stale checkout)", 3],
      ["+ 2 (both slots)", 6],
    ] as const) {
      it(`the deployed generation ${label}: refused before any resource is declared`, async () => {
        const { error, declared } = await deploy({ keyGeneration: requested }, { keyGeneration: 4 });
        assert.ok(error instanceof pulumi.RunError, `expected a RunError, got ${error}`);
        assert.match(
          error.message,
          new RegExp(`^keyGeneration ${requested} .*deployed generation 4.*pulumi config set keyGeneration 5`),
        );
        assert.deepEqual(declared, []);
      });
    }

    it("allowKeyGenerationJump set: + 2 deploys, - 1 is still refused", async () => {
      const jump = await deploy({ keyGeneration: 6, allowKeyGenerationJump: true }, { keyGeneration: 4 });
      assert.equal(jump.outputs?.keyGeneration, 6);
      const stale = await deploy({ keyGeneration: 3, allowKeyGenerationJump: true }, { keyGeneration: 4 });
      assert.match(String(stale.error?.message), /keyGeneration 3 is lower than the deployed generation 4/);
      assert.deepEqual(stale.declared, []);
    });

    it("role kind: no keys, so no reference and no guard", async () => {
      const { name, outputs } = await deploy(
        { presignerKind: "role", trustedPrincipals: ["ec2.amazonaws.com"], keyGeneration: 9 },
        { keyGeneration: 2 },
      );
      assert.ok(outputs && !("keyGeneration" in outputs));
      assert.ok(!recordedResources.some((resource) => resource.name === `${name}-deployed`));
    });
  });
});
