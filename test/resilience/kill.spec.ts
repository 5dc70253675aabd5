/**
 * Killing publish-cohort at any point never leaves a partial or invalid object behind. The real
 * CLI runs as a child process (`node -r ts-node/register/transpile-only scripts/chromoscope-private-data.ts publish-cohort`)
 * against the embedded S3 server through the fault proxy; the proxy holds the chosen request and
 * says so, the test SIGKILLs the child there, and then audits the bucket: every object under
 * configs/ is a complete Chromoscope config, every ledger entry is complete and names a config that
 * exists, and the link was never printed.
 */
import * as assert from "node:assert/strict";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { cohortSlug } from "../../scripts/lib/naming";
import {
  addedKeys,
  assertBucketIntact,
  assertCompleteConfig,
  assertLinkWorks,
  bucketState,
} from "../support/bucket-audit";
import { signalAtPoints } from "../support/cli-child";
import { FaultProxy, FaultRule, ProxiedRequest, startFaultProxy } from "../support/fault-proxy";
import { TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";

interface KillPoint {
  point: string;
  rule: Omit<FaultRule, "onFault" | "times">;
  /** What the bucket holds afterwards, besides what it held before. */
  leaves: "nothing" | "an unlisted config" | "a config and its ledger entry";
}

const POINTS: KillPoint[] = [
  { point: "during the listing", rule: { fault: "stall", operations: ["ListObjectsV2"] }, leaves: "nothing" },
  {
    point: "during the config upload, half its body sent",
    rule: { fault: "stallUpload", operations: ["PutObject"], keyPrefix: "configs/" },
    leaves: "nothing",
  },
  {
    point: "after S3 stored the config, before its answer arrived",
    rule: { fault: "stall", afterForward: true, operations: ["PutObject"], keyPrefix: "configs/" },
    leaves: "an unlisted config",
  },
  {
    point: "between the config PUT and the ledger PUT",
    rule: { fault: "stall", operations: ["PutObject"], keyPrefix: "ledger/" },
    leaves: "an unlisted config",
  },
  {
    point: "during the ledger upload, half its body sent",
    rule: { fault: "stallUpload", operations: ["PutObject"], keyPrefix: "ledger/" },
    leaves: "an unlisted config",
  },
  {
    point: "after S3 stored the ledger entry, before its answer arrived",
    rule: { fault: "stall", afterForward: true, operations: ["PutObject"], keyPrefix: "ledger/" },
    leaves: "a config and its ledger entry",
  },
];

describe("killing publish-cohort (SIGKILL) at any point of a publish", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let proxy: FaultProxy;
  let manifest: string;
  let uploaded: Map<string, string | Buffer>;

  before(async () => {
    ({ bucket, manifest, uploaded } = await startCohortBucket("cohorts/kill/", 40));
    proxy = await startFaultProxy({ target: bucket.server.endpoint });
  });
  after(async () => {
    await proxy.close();
    await bucket.close();
  });

  /** Runs the CLI as a child, kills it once the proxy reached the rule's point, and returns what it printed. */
  async function publishAndKill(
    cohort: string,
    rule: KillPoint["rule"],
  ): Promise<{ stdout: string; reached: ProxiedRequest }> {
    const args = [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      proxy.endpoint,
      "--cohort",
      cohort,
      "--manifest",
      manifest,
    ];
    const killed = await signalAtPoints(proxy, "publish-cohort", args, [{ rule, signal: "SIGKILL" }]);
    assert.equal(killed.signal, "SIGKILL");
    return { stdout: killed.stdout, reached: killed.reached[0] };
  }

  for (const { point, rule, leaves } of POINTS) {
    it(`${point}: leaves ${leaves}, never a partial object, and no link was printed`, async () => {
      const cohort = `Killed ${point.replace(/[^A-Za-z0-9 ]/g, "")}`;
      const before = await bucketState(bucket.store);
      const { stdout, reached } = await publishAndKill(cohort, rule);
      assert.equal(stdout, "", "the link was never printed");
      if (rule.fault === "stallUpload") {
        assert.ok(
          reached.forwardedBytes! > 0 && reached.forwardedBytes! < reached.bodyLength,
          `killed mid-body: ${reached.forwardedBytes} of ${reached.bodyLength} bytes reached the server`,
        );
      }
      const after = await bucketState(bucket.store);
      const added = addedKeys(before, after);
      assertBucketIntact(after);
      const configs = added.filter((key) => key.startsWith("configs/"));
      const ledger = added.filter((key) => key.startsWith("ledger/"));
      assert.deepEqual(
        added.filter((key) => !key.startsWith("configs/") && !key.startsWith("ledger/")),
        [],
        "nothing outside configs/ and ledger/",
      );
      switch (leaves) {
        case "nothing":
          assert.deepEqual(added, [], `nothing left behind (held: ${reached.operation} ${reached.key})`);
          break;
        case "an unlisted config": {
          assert.equal(configs.length, 1);
          assert.deepEqual(ledger, []);
          const config = assertCompleteConfig(after.objects.get(configs[0])!, configs[0]);
          assert.equal(config.name, cohort);
          assert.equal(config.samples.length, 40, "complete: every sample");
          const listed = await run(cohortsCommand, [
            "--outputs",
            bucket.outputsFile,
            "--endpoint",
            bucket.server.endpoint,
            "--json",
          ]);
          assert.equal(listed.code, 0, listed.stderr);
          assert.ok(!listed.stdout.includes(configs[0]), "the config is not listed: nobody was given its link");
          break;
        }
        case "a config and its ledger entry": {
          assert.equal(configs.length, 1);
          assert.equal(ledger.length, 1);
          assert.equal(JSON.parse(after.objects.get(ledger[0])!.toString()).configKey, configs[0]);
          assert.equal(assertCompleteConfig(after.objects.get(configs[0])!, configs[0]).samples.length, 40);
          break;
        }
      }
    });
  }

  it("and revoke-cohort removes every config those kills left unlisted, naming it", async () => {
    for (const { point } of POINTS.filter(({ leaves }) => leaves === "an unlisted config")) {
      const cohort = `Killed ${point.replace(/[^A-Za-z0-9 ]/g, "")}`;
      const folder = `configs/${cohortSlug(cohort)}/`;
      const [orphan, ...more] = await bucket.keys(folder);
      assert.deepEqual(more, [], folder);
      const revoked = await run(revokeCohortCommand, [
        "--outputs",
        bucket.outputsFile,
        "--endpoint",
        bucket.server.endpoint,
        "--cohort",
        cohort,
      ]);
      assert.equal(revoked.code, 0, revoked.stderr);
      const reported = `Also deleted 1 object under ${folder} that no ledger entry names (left by an interrupted or failed publish):\n  ${orphan}\n`;
      assert.ok(revoked.stderr.includes(reported), revoked.stderr);
      assert.deepEqual(await bucket.keys(folder), []);
    }
  });

  it("and a publish after all those kills completes with a working link", async () => {
    const result = await run(publishCohortCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      proxy.endpoint,
      "--cohort",
      "After the kills",
      "--manifest",
      manifest,
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const config = await assertLinkWorks(JSON.parse(result.stdout).link, bucket.bucket, uploaded);
    assert.equal(config.samples.length, 40);
    assertBucketIntact(await bucketState(bucket.store));
  });
});
