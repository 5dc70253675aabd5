/**
 * rotate-keys and revoke-cohort --rotate say a rotation happened only when it did: a `pulumi`
 * stand-in that misbehaves (an old engine, a preview with another change, an `up` that replaced
 * nothing or the wrong slot) must make them refuse or fail, never report success.
 */
import * as assert from "node:assert/strict";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { rotateKeysCommand } from "../../scripts/lib/cli/commands/rotate-keys-command";
import { recordPublication } from "../support/ledger-fixtures";
import { PRESIGNER_KEY, SESSION_KEY, TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";
import {
  CONFIG_GET,
  configSet,
  GENERATION_KEY,
  PREVIEW,
  ROTATION,
  SLOT_B_KEY,
  STACK_OUTPUT,
  StandIn,
  standIn,
  StandInOptions,
  UP,
  VERSION,
} from "../support/pulumi-stand-in";

const POLICY_URN =
  "urn:pulumi:dev::chromoscope-private-data::chromoscope-private-data:storage:PrivateDataBucket$aws:s3/bucketPolicy:BucketPolicy::policy";

describe("rotations that did not happen are never reported as done (`pulumi` stand-in)", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let pulumi: StandIn;
  before(async () => {
    ({ bucket } = await startCohortBucket("cohorts/rotation/", 1));
  });
  after(async () => bucket.close());
  afterEach(() => pulumi?.close());

  const rotate = (options: StandInOptions, args: string[] = []) => {
    pulumi = standIn(bucket, options);
    return run(rotateKeysCommand, ["--stack", "dev", "--endpoint", bucket.server.endpoint, ...args], {
      env: pulumi.env,
    });
  };
  const keysUnchanged = () => {
    const { keys } = pulumi.state();
    assert.equal(keys.a.accessKeyId, PRESIGNER_KEY.accessKeyId);
    assert.equal(keys.b.accessKeyId, SLOT_B_KEY.accessKeyId);
  };

  it("refuses a Pulumi CLI older than 3.208.0 before anything changes, with the upgrade command (exit 2)", async () => {
    const result = await rotate({ version: "v3.207.0" });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /error: the Pulumi CLI is v3\.207\.0, older than 3\.208\.0: its engine ignores replacementTrigger, so a rotation/,
    );
    assert.match(result.stderr, /; nothing was changed\n/);
    assert.match(
      result.stderr,
      /fix: upgrade the Pulumi CLI to 3\.208\.0 or newer: curl -fsSL https:\/\/get\.pulumi\.com \| sh/,
    );
    assert.deepEqual(pulumi.calls(), [STACK_OUTPUT, VERSION]);
    assert.doesNotMatch(result.stderr, /Rotated/);
  });

  it("refuses when the preview shows another change, lists it, and sets keyGeneration back (exit 1)", async () => {
    const result = await rotate({ previewExtra: [{ op: "update", urn: POLICY_URN, diffReasons: ["policy"] }] });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /error: the update would change more than slot b's access key: refused, so no key was rotated\n/,
    );
    assert.match(result.stderr, /\n {2}- update aws:s3\/bucketPolicy:BucketPolicy policy \(policy\)\n/);
    assert.match(
      result.stderr,
      /fix: keyGeneration was set back to 0\. Those changes are pending on the stack .*`pulumi preview --diff --stack dev`/,
    );
    assert.deepEqual(
      pulumi.calls(),
      [STACK_OUTPUT, VERSION, CONFIG_GET, configSet(1), PREVIEW, configSet(0)],
      "no `up`",
    );
    assert.equal(pulumi.state().config[GENERATION_KEY], "0");
    keysUnchanged();
  });

  it("fails when the preview replaces no key (an engine that ignores replacementTrigger), setting keyGeneration back (exit 3)", async () => {
    const result = await rotate({ oldEngine: true });
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /error: the preview does not replace slot b's access key: the engine would not rotate it/,
    );
    assert.deepEqual(pulumi.calls().slice(-3), [configSet(1), PREVIEW, configSet(0)]);
    assert.equal(pulumi.state().config[GENERATION_KEY], "0");
  });

  it("fails with the program's error when the preview fails, setting keyGeneration back (exit 3)", async () => {
    const result = await rotate({ previewFails: "keyGeneration 1 is neither the deployed generation 3 nor 4" });
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /error: `pulumi preview --json --stack dev` failed \(exit 255\): error: keyGeneration 1 is neither the deployed/,
    );
    assert.match(result.stderr, /fix: keyGeneration was set back to 0; fix the cause and run the command again/);
    assert.equal(pulumi.state().config[GENERATION_KEY], "0");
  });

  it("exits 3 saying the engine did not rotate when `up` replaced no key", async () => {
    const result = await rotate({ upSkipsReplace: true });
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /error: the engine did not rotate as asked \(keyGeneration is now 1\): slot b's access key is still AKIATESTPRESIGNER002\n/,
    );
    assert.match(
      result.stderr,
      /fix: do not rely on the rotation: inspect `pulumi stack output accessKeys --stack dev`/,
    );
    assert.deepEqual(pulumi.calls(), [STACK_OUTPUT, VERSION, CONFIG_GET, ...ROTATION(1)]);
    assert.doesNotMatch(result.stderr, /Rotated|Verified/);
  });

  it("exits 3 when `up` replaced the wrong slot's key, naming the key whose links died", async () => {
    const result = await rotate({ upReplacesWrongSlot: true });
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        "error: the engine did not rotate as asked \\(keyGeneration is now 1\\): slot b's access key is still AKIATESTPRESIGNER002; " +
          `slot a's key was replaced too \\(AKIATESTPRESIGNER001 → ${SESSION_KEY.accessKeyId}\\): the live links it signed now fail`,
      ),
    );
  });

  it("revoke --rotate checks the engine before deleting anything", async () => {
    pulumi = standIn(bucket, { version: "v3.100.0" });
    const configKey = await recordPublication(
      bucket,
      "Leaked",
      SLOT_B_KEY.accessKeyId,
      new Date(Date.now() + 3600_000),
    );
    const argv = ["--stack", "dev", "--endpoint", bucket.server.endpoint, "--cohort", "Leaked", "--rotate", "--yes"];
    const result = await run(revokeCohortCommand, argv, { env: pulumi.env });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /older than 3\.208\.0/);
    assert.deepEqual(await bucket.keys(configKey), [configKey], "the config is still there");
    assert.ok(!pulumi.calls().some((args) => args[0] === "config" || args[0] === "up"));
  });

  it("revoke --rotate of an active-key cohort runs two +1 steps; when the second `up` fails it says the first is done and verified", async () => {
    await recordPublication(bucket, "Active Leak", PRESIGNER_KEY.accessKeyId, new Date(Date.now() + 3600_000));
    pulumi = standIn(bucket, { failUpAfter: 1 });
    const argv = [
      "--stack",
      "dev",
      "--endpoint",
      bucket.server.endpoint,
      "--cohort",
      "Active Leak",
      "--rotate",
      "--yes",
    ];
    const result = await run(revokeCohortCommand, argv, { env: pulumi.env });
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /Verified: slot b's key was replaced \(AKIATESTPRESIGNER002 → ASIATESTSESSION00001\); slot a's key AKIATESTPRESIGNER001 is/,
    );
    assert.match(
      result.stderr,
      /fix: rotation 1 of 2 is done and verified \(keyGeneration 1\); keyGeneration is already 2/,
    );
    assert.deepEqual(
      pulumi.calls(),
      [STACK_OUTPUT, VERSION, CONFIG_GET, ...ROTATION(1), configSet(2), PREVIEW, UP],
      "two +1 steps, the first verified",
    );
  });
});
