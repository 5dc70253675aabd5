/**
 * The cookieKeyGeneration guard: `pulumi up` in sign-in mode reads the deployed cookie-key generation
 * back and refuses, before any resource is declared, a move that would replace the key signing the
 * current sessions (a lower generation) or both keys (a jump) without allowKeyGenerationJump.
 */
import { deployedStackOutputs, MOCK_ORGANIZATION, MOCK_PROJECT, MOCK_STACK, mocksReady } from "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { buildGuardedStack } from "../../components/chromoscope-stack";
import { cookieKeyGenerationProblem } from "../../components/sign-in/cookie-key-guard";
import { SettingOverrides, settingsFrom, signInHandlerEntry } from "../support/stack-harness";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";

const SELF = `${MOCK_ORGANIZATION}/${MOCK_PROJECT}/${MOCK_STACK}`;
/** Role kind, so only the cookie keys are guarded here (key-generation.spec.ts covers the access keys). */
const SIGN_IN: SettingOverrides = {
  viewer: "self-hosted",
  viewerDistPath: STAND_IN_VIEWER,
  access: "sign-in",
  presignerKind: "role",
  trustedPrincipals: ["ec2.amazonaws.com"],
};

describe("cookieKeyGeneration guard", () => {
  describe("the rule", () => {
    it("allows a first deployment, the deployed generation and the next one", () => {
      assert.equal(cookieKeyGenerationProblem(7, undefined, false), undefined);
      assert.equal(cookieKeyGenerationProblem(4, 4, false), undefined);
      assert.equal(cookieKeyGenerationProblem(5, 4, false), undefined);
    });

    it("refuses a lower generation, naming the slot whose key signs sessions now and the fix", () => {
      assert.equal(
        cookieKeyGenerationProblem(3, 4, true),
        "cookieKeyGeneration 3 is lower than the deployed generation 4 (a stale checkout or CI job?): this update would " +
          "replace slot a's key, the one that signs sessions now, and sign everyone out; set it to 4 (no rotation) or 5 " +
          "(rotate once, keeping sessions): `pulumi config set cookieKeyGeneration 5`",
      );
    });

    it("refuses a jump of two unless allowKeyGenerationJump is set", () => {
      const problem = String(cookieKeyGenerationProblem(6, 4, false));
      assert.match(problem, /^cookieKeyGeneration 6 is 2 generations past the deployed generation 4: .*slots a and b/);
      assert.match(problem, /set allowKeyGenerationJump to true for that one update$/);
      assert.equal(cookieKeyGenerationProblem(6, 4, true), undefined);
    });
  });

  describe("the program, reading the deployed value through a StackReference to itself (mocks)", () => {
    let counter = 0;

    /** Runs the guarded program; `declared` lists every resource it constructed (none when refused). */
    async function deploy(overrides: SettingOverrides, deployed: Record<string, unknown>) {
      await mocksReady;
      deployedStackOutputs.set(SELF, deployed);
      const declared: string[] = [];
      const capture: pulumi.ResourceTransformation = (args) => {
        declared.push(args.name);
        return undefined;
      };
      try {
        const outputs = await buildGuardedStack(
          settingsFrom({ ...SIGN_IN, ...overrides }),
          `cookieguard${++counter}`,
          { transformations: [capture] },
          // The stack's name as Pulumi Cloud takes it, whatever backend this machine's CLI is logged in to.
          { signInHandlerEntry: signInHandlerEntry(), backend: { layout: "cloud" } },
        );
        return { outputs, declared };
      } catch (error) {
        return { error: error as Error, declared };
      }
    }

    afterEach(() => deployedStackOutputs.delete(SELF));

    it("exports cookieKeyGeneration, so the next update can read it back", async () => {
      const { outputs, error } = await deploy({ cookieKeyGeneration: 6 }, { access: "links" });
      assert.equal(error, undefined);
      assert.equal(outputs?.cookieKeyGeneration, 6);
    });

    it("the deployed generation + 1 deploys", async () => {
      const { outputs, error } = await deploy({ cookieKeyGeneration: 5 }, { cookieKeyGeneration: 4 });
      assert.equal(error, undefined);
      assert.equal(outputs?.cookieKeyGeneration, 5);
    });

    for (const [label, requested] of [
      ["- 1 (a stale checkout)", 3],
      ["+ 2 (both slots)", 6],
    ] as const) {
      it(`the deployed generation ${label}: refused before any resource is declared`, async () => {
        const { error, declared } = await deploy({ cookieKeyGeneration: requested }, { cookieKeyGeneration: 4 });
        assert.ok(error instanceof pulumi.RunError, `expected a RunError, got ${error}`);
        assert.match(
          error.message,
          new RegExp(`^cookieKeyGeneration ${requested} .*pulumi config set cookieKeyGeneration 5`),
        );
        assert.deepEqual(declared, []);
      });
    }

    it("allowKeyGenerationJump set: + 2 deploys, - 1 is still refused", async () => {
      const jump = await deploy({ cookieKeyGeneration: 6, allowKeyGenerationJump: true }, { cookieKeyGeneration: 4 });
      assert.equal(jump.outputs?.cookieKeyGeneration, 6);
      const stale = await deploy({ cookieKeyGeneration: 3, allowKeyGenerationJump: true }, { cookieKeyGeneration: 4 });
      assert.match(String(stale.error?.message), /cookieKeyGeneration 3 is lower than the deployed generation 4/);
      assert.deepEqual(stale.declared, []);
    });

    it("links mode: no cookie keys, so no guard and no output", async () => {
      const { outputs, error } = await deploy({ access: "links", cookieKeyGeneration: 9 }, { cookieKeyGeneration: 2 });
      assert.equal(error, undefined);
      assert.ok(outputs && !("cookieKeyGeneration" in outputs));
    });
  });
});
