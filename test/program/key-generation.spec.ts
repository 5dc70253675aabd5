import {
  deployedSecretOutputNames,
  deployedStackOutputs,
  MOCK_ORGANIZATION,
  MOCK_PROJECT,
  MOCK_STACK,
  mocksReady,
  recordedResources,
} from "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { buildGuardedStack } from "../../components/chromoscope-stack";
import {
  keyGenerationProblem,
  replacedSlots,
  unrecordedGenerationProblem,
} from "../../components/key-guard/key-generation";
import { BackendFacts, backendUrl, fileBackendFolder, stateBackend } from "../../components/key-guard/state-backend";
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

    it("key slots without a recorded generation: every generation refused until confirmed once with allowKeyGenerationJump", () => {
      for (const requested of [0, 1, 3]) {
        const problem = String(unrecordedGenerationProblem(requested, "b", false));
        assert.match(problem, /^the deployed stack has access keys \(its active slot is b: /);
        assert.match(problem, new RegExp(`keyGeneration ${requested} cannot be checked`));
        assert.match(problem, /Check that \d+ is the keyGeneration of the last deployment/);
        assert.match(problem, /pulumi config set allowKeyGenerationJump true/);
        assert.match(problem, /pulumi config rm allowKeyGenerationJump/);
      }
      assert.match(String(unrecordedGenerationProblem(3, "b", false)), /keyGeneration 3 makes slot b active/);
      assert.equal(unrecordedGenerationProblem(3, "b", true), undefined);
    });
  });

  describe("the program, reading the deployed value through a StackReference to itself (mocks)", () => {
    let counter = 0;
    const CLOUD: BackendFacts = { layout: "cloud" };

    /** Runs the guarded program; `declared` lists every resource it constructed (none when refused). */
    async function deploy(
      overrides: SettingOverrides,
      deployed?: Record<string, unknown>,
      options: { secret?: string[]; backend?: BackendFacts } = {},
    ) {
      await mocksReady;
      if (deployed) deployedStackOutputs.set(SELF, deployed);
      if (options.secret) deployedSecretOutputNames.set(SELF, options.secret);
      const declared: string[] = [];
      const capture: pulumi.ResourceTransformation = (args) => {
        declared.push(args.name);
        return undefined;
      };
      const name = `guard${++counter}`;
      try {
        const outputs = await buildGuardedStack(
          settingsFrom(overrides),
          name,
          { transformations: [capture] },
          { backend: options.backend ?? CLOUD },
        );
        return { name, outputs, declared };
      } catch (error) {
        return { name, error: error as Error, declared };
      }
    }

    afterEach(() => {
      deployedStackOutputs.delete(SELF);
      deployedSecretOutputNames.delete(SELF);
    });

    it("reads the stack itself, org/project/stack", async () => {
      const { name } = await deploy({ keyGeneration: 2 }, { keyGeneration: 2 });
      const reference = recordedResources.find((resource) => resource.name === `${name}-deployed`);
      assert.equal(reference?.type, "pulumi:pulumi:StackReference");
      assert.equal(reference?.inputs.name, "lab-org/chromoscope-private-data/dev");
    });

    it("first deployment (no key slots deployed): any generation, exported as keyGeneration", async () => {
      const { outputs, error } = await deploy({ keyGeneration: 6 }, { bucketName: "a-role-kind-stack-until-now" });
      assert.equal(error, undefined);
      assert.equal(outputs?.keyGeneration, 6);
    });

    const UPGRADED = {
      bucketName: "deployed-before-the-keyGeneration-output",
      activeKeySlot: "a",
      accessKeys: [{ slot: "a", accessKeyId: "AKIAOLDSTACKSLOTA000" }],
    };

    for (const requested of [0, 1, 3]) {
      it(`key slots but no recorded generation: keyGeneration ${requested} refused before any resource is declared`, async () => {
        const { error, declared } = await deploy({ keyGeneration: requested }, UPGRADED);
        assert.ok(error instanceof pulumi.RunError, `expected a RunError, got ${error}`);
        assert.match(error.message, /records no keyGeneration .*allowKeyGenerationJump true/);
        assert.deepEqual(declared, []);
      });
    }

    it("key slots but no recorded generation, confirmed with allowKeyGenerationJump: deploys and records it", async () => {
      const { outputs, error } = await deploy({ keyGeneration: 2, allowKeyGenerationJump: true }, UPGRADED);
      assert.equal(error, undefined);
      assert.equal(outputs?.keyGeneration, 2);
    });

    it("only accessKeys left to show the slots (activeKeySlot gone): still refused", async () => {
      const { error } = await deploy({ keyGeneration: 0 }, { accessKeys: UPGRADED.accessKeys });
      assert.match(String(error?.message), /records no keyGeneration/);
    });

    it("reads outputs marked secret: a secret keyGeneration still guards", async () => {
      const { error, declared } = await deploy(
        { keyGeneration: 3 },
        { keyGeneration: 4 },
        { secret: ["keyGeneration"] },
      );
      assert.match(String(error?.message), /keyGeneration 3 is lower than the deployed generation 4/);
      assert.deepEqual(declared, []);
      const slots = await deploy({ keyGeneration: 0 }, UPGRADED, { secret: ["activeKeySlot", "accessKeys"] });
      assert.match(String(slots.error?.message), /records no keyGeneration/);
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

describe("the guard's self-reference on each kind of state backend", () => {
  let folder: string;
  let saved: string | undefined;
  let counter = 0;
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), "pulumi-state-"));
    saved = process.env.PULUMI_BACKEND_URL;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PULUMI_BACKEND_URL;
    else process.env.PULUMI_BACKEND_URL = saved;
    rmSync(folder, { recursive: true, force: true });
  });

  /** The name the program's StackReference to itself took, with PULUMI_BACKEND_URL as given. */
  async function referenceName(url: string): Promise<string> {
    await mocksReady;
    process.env.PULUMI_BACKEND_URL = url;
    const name = `backend${++counter}`;
    await buildGuardedStack(settingsFrom({}), name);
    const reference = recordedResources.find((resource) => resource.name === `${name}-deployed`);
    return String(reference?.inputs.name);
  }

  it("a file:// backend in the legacy layout (no .pulumi/meta.yaml): the bare stack name", async () => {
    assert.equal(await referenceName(`file://${folder}`), MOCK_STACK);
  });

  it("a file:// backend whose meta.yaml says version 0: the bare stack name", async () => {
    mkdirSync(join(folder, ".pulumi"));
    writeFileSync(join(folder, ".pulumi", "meta.yaml"), "version: 0\n");
    assert.equal(await referenceName(`file://${folder}`), MOCK_STACK);
  });

  it("a file:// backend moved with `pulumi state upgrade` (meta.yaml version 1): organization/<project>/<stack>", async () => {
    mkdirSync(join(folder, ".pulumi"));
    writeFileSync(join(folder, ".pulumi", "meta.yaml"), "version: 1\n");
    assert.equal(await referenceName(`file://${folder}`), `organization/${MOCK_PROJECT}/${MOCK_STACK}`);
  });

  it("s3://, gs://, azblob://: the bare name, which both layouts accept", async () => {
    for (const url of ["s3://lab-pulumi-state?region=eu-west-2", "gs://lab-state", "azblob://state"]) {
      assert.equal(await referenceName(url), MOCK_STACK, url);
    }
  });

  it("Pulumi Cloud (an https:// URL): org/project/stack", async () => {
    assert.equal(await referenceName("https://api.pulumi.com"), SELF);
  });

  it("finds the backend as the CLI does: PULUMI_BACKEND_URL, then Pulumi.yaml, then the login state", () => {
    const files: Record<string, string> = {
      "/lab/Pulumi.yaml": "name: x\nbackend:\n  url: file://./state\n",
      "/home/lab/.pulumi-home/credentials.json": JSON.stringify({ current: "s3://from-login" }),
    };
    const readText = (path: string) => files[path];
    const home = { PULUMI_HOME: "/home/lab/.pulumi-home" };
    assert.deepEqual(backendUrl({ env: { ...home, PULUMI_BACKEND_URL: "gs://env" }, projectDir: "/lab", readText }), {
      url: "gs://env",
      source: "PULUMI_BACKEND_URL",
    });
    assert.equal(backendUrl({ env: home, projectDir: "/lab", readText }).url, "file://./state");
    assert.equal(backendUrl({ env: home, projectDir: "/elsewhere", readText }).url, "s3://from-login");
    assert.deepEqual(backendUrl({ env: {}, projectDir: "/elsewhere", readText: () => undefined }), {});
    assert.equal(fileBackendFolder("file://./state", "/lab"), "/lab/state");
    assert.equal(fileBackendFolder("file:///srv/state?no_tmp_dir=true", "/lab"), "/srv/state");
    assert.equal(fileBackendFolder("file://~", "/lab"), homedir());
    assert.equal(stateBackend({ env: {}, projectDir: "/elsewhere", readText: () => undefined }).layout, "cloud");
  });
});
