import { mocksReady } from "./support/pulumi-mocks";
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { resolved } from "./support/stack-harness";

describe("index.ts (the program `pulumi up` runs)", () => {
  let program: Record<string, unknown>;
  before(async () => {
    await mocksReady;
    pulumi.runtime.setAllConfig({
      "aws:region": "eu-west-2",
      "chromoscope-private-data:keyRotationDays": "45",
      "chromoscope-private-data:allowedOrigins": '["https://chromoscope.bio","https://viewer.lab.example.org"]',
    });
    // The program runs once per process, when first required.
    program = require("../index");
  });

  async function output(name: string): Promise<unknown> {
    const value = program[name];
    return pulumi.Output.isInstance(value) ? resolved(value) : value;
  }

  it("reads the stack config through the typed settings", async () => {
    assert.deepEqual(await output("allowedOrigins"), ["https://chromoscope.bio", "https://viewer.lab.example.org"]);
    const keys = (await output("accessKeys")) as Array<{ createdAt: string; rotationDueAt: string }>;
    assert.equal(Date.parse(keys[0].rotationDueAt) - Date.parse(keys[0].createdAt), 45 * 86_400_000);
  });

  it("exports the contract's outputs by name, the secret as a secret", async () => {
    const exported = Object.keys(program).filter((key) => key !== "__esModule" && program[key] !== undefined).sort();
    assert.deepEqual(exported, [
      "accessKeys", "activeKeySlot", "allowedOrigins", "bucketArn", "bucketName", "configPrefix", "dataPrefixes",
      "ledgerPrefix", "logBucketName", "maxLinkLifetimeSeconds", "presignerAccessKeyId", "presignerKind",
      "presignerSecretAccessKey", "presignerUserName", "region", "viewerUrl",
    ]);
    assert.equal(await pulumi.isSecret(program.presignerSecretAccessKey as pulumi.Output<string>), true);
    assert.equal(await output("region"), "eu-west-2");
    assert.match(String(await output("bucketName")), /^chromoscope-data-bucket-/);
  });
});
