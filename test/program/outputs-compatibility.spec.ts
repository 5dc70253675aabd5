import "../support/pulumi-mocks";
import * as assert from "node:assert/strict";
import { keySlotsOf } from "../../scripts/lib/lifecycle/rotation";
import { defaultSettings } from "../../components/settings";
import { parseStackOutputs, stackOutputsFor } from "../../scripts/lib/s3/outputs-source";
import { synthesize } from "../support/stack-harness";

/** A well-formed secret access key (the mocks' secrets are placeholders the CLI would refuse). */
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const KEY_A = "AKIA4EXAMPLEKEYSLOTA";
const KEY_B = "AKIA4EXAMPLEKEYSLOTB";

/** What `pulumi stack output --json --show-secrets` printed for a generation-1 stack before keyGeneration and key status existed. */
const EARLIER_DEPLOYMENT = {
  ...stackOutputsFor(defaultSettings(), {
    bucket: "chromoscope-data-3f9a2c1",
    region: "eu-west-2",
    presigner: {
      userName: "chromoscope-presigner-dev",
      accessKeyId: KEY_B,
      secretAccessKey: SECRET,
      createdAt: new Date("2026-02-04T09:00:00.000Z"),
    },
  }),
  activeKeySlot: "b",
  accessKeys: [
    { slot: "a", accessKeyId: KEY_A, createdAt: "2026-01-05T09:00:00.000Z", rotationDueAt: "2026-02-04T09:00:00.000Z" },
    { slot: "b", accessKeyId: KEY_B, createdAt: "2026-02-04T09:00:00.000Z", rotationDueAt: "2026-03-06T09:00:00.000Z" },
  ],
};

describe("stack outputs: the program's and the tools' view agree, earlier outputs files keep working", () => {
  for (const generation of [0, 1]) {
    it(`the program's outputs at generation ${generation} (keyGeneration, key status) pass the tools' schema`, async () => {
      const stack = await synthesize({ keyGeneration: generation }, "outputs");
      const exported = JSON.parse(JSON.stringify({ ...stack.outputs, presignerSecretAccessKey: SECRET }));
      const outputs = parseStackOutputs(exported, "test outputs");
      assert.equal(outputs.keyGeneration, generation);
      assert.deepEqual(
        outputs.accessKeys?.map((key) => `${key.slot}:${key.status}`),
        generation === 0 ? ["a:Active", "b:Inactive"] : ["a:Active", "b:Active"],
      );
      assert.equal(keySlotsOf(outputs).active.slot, generation === 0 ? "a" : "b");
    });
  }

  it("the program's outputs of a role-kind stack pass the tools' schema, and hold no key", async () => {
    const stack = await synthesize({ presignerKind: "role", trustedPrincipals: ["ec2.amazonaws.com"] }, "outputs");
    const outputs = parseStackOutputs(JSON.parse(JSON.stringify(stack.outputs)), "test outputs");
    assert.equal(outputs.presignerKind, "role");
    assert.match(outputs.presignerRoleArn ?? "", /^arn:aws:iam::\d{12}:role\//);
    assert.equal(outputs.accessKeys, undefined);
    assert.deepEqual(Object.keys(outputs).sort(), Object.keys(stack.outputs).sort());
  });

  it("the tools keep every output a user-kind program exports (the parser drops none)", async () => {
    const user = await synthesize({}, "outputs");
    const exported = JSON.parse(JSON.stringify({ ...user.outputs, presignerSecretAccessKey: SECRET }));
    assert.deepEqual(Object.keys(parseStackOutputs(exported, "test outputs")).sort(), Object.keys(exported).sort());
  });

  it("refuses outputs that mix the kinds: keys on a role stack, a role on a user stack, or no kind", () => {
    const role = {
      ...EARLIER_DEPLOYMENT,
      presignerKind: "role",
      presignerRoleArn: "arn:aws:iam::123456789012:role/presigner",
    };
    assert.throws(() => parseStackOutputs(role, "--outputs mixed.json"), /--outputs mixed\.json .*accessKeys/);
    const roleOnUser = { ...EARLIER_DEPLOYMENT, presignerRoleArn: "arn:aws:iam::123456789012:role/presigner" };
    assert.throws(() => parseStackOutputs(roleOnUser, "--outputs mixed.json"), /presignerRoleArn/);
    const { presignerKind: _kind, ...noKind } = EARLIER_DEPLOYMENT;
    assert.throws(() => parseStackOutputs(noKind, "--outputs old.json"), /presignerKind: missing/);
    const { presignerRoleArn: _arn, ...roleWithoutArn } = {
      ...role,
      accessKeys: undefined,
      activeKeySlot: undefined,
      presignerAccessKeyId: undefined,
      presignerSecretAccessKey: undefined,
      presignerUserName: undefined,
    };
    assert.throws(() => parseStackOutputs(roleWithoutArn, "--outputs role.json"), /presignerRoleArn: missing/);
  });

  it("accepts an outputs file of an earlier deployment (no keyGeneration, no key status)", () => {
    const outputs = parseStackOutputs(structuredClone(EARLIER_DEPLOYMENT), "--outputs old.json");
    assert.equal(outputs.keyGeneration, undefined);
    assert.equal(outputs.accessKeys?.[0].status, undefined);
    assert.equal(keySlotsOf(outputs).active.accessKeyId, KEY_B);
  });

  it("accepts one key slot (a stand-in stack) as well as two", () => {
    const outputs = parseStackOutputs(
      { ...EARLIER_DEPLOYMENT, accessKeys: EARLIER_DEPLOYMENT.accessKeys.slice(1) },
      "--outputs one.json",
    );
    assert.equal(outputs.accessKeys?.length, 1);
  });

  it("refuses an unknown key status or a negative generation, naming the output", () => {
    const badStatus = structuredClone(EARLIER_DEPLOYMENT);
    Object.assign(badStatus.accessKeys[1], { status: "Expired" });
    assert.throws(
      () => parseStackOutputs(badStatus, "--outputs bad.json"),
      /--outputs bad\.json .*accessKeys\.1\.status/,
    );
    assert.throws(
      () => parseStackOutputs({ ...EARLIER_DEPLOYMENT, keyGeneration: -1 }, "--outputs bad.json"),
      /keyGeneration/,
    );
  });
});
