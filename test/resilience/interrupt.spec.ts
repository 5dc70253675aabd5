/**
 * Interrupting publish-cohort (SIGINT, as Ctrl-C sends; SIGTERM, as a CI runner or `kill` sends) at
 * every step of a publish leaves nothing behind that the ledger does not know. The real CLI runs as
 * a child process through the fault proxy, which holds the chosen request; the test signals the
 * child there and audits the bucket. Before the ledger entry is written, the publish removes the
 * config it stored and exits 130 (SIGINT) or 143 (SIGTERM) saying so; once the entry is written,
 * the publication stands and the user is told how to get its link or withdraw it. A second signal
 * quits at once; revoke-cohort then removes what was left.
 */
import * as assert from "node:assert/strict";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { addedKeys, assertBucketIntact, assertCompleteConfig, bucketState } from "../support/bucket-audit";
import { signalAtPoints, SignalStep } from "../support/cli-child";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import { TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";

interface InterruptPoint {
  point: string;
  rule: SignalStep["rule"];
  signal: "SIGINT" | "SIGTERM";
  /** What the bucket holds afterwards, besides what it held before. */
  leaves: "nothing" | "a recorded publication";
  says: RegExp;
  extraArgs?: string[];
}

const REMOVED =
  /before the publication was recorded: its config \(s3:\/\/chromoscope-test-data\/configs\/[^)]+\.json\) was removed, so nothing was published/;
const RECORDED =
  /after the publication was recorded \(ledger\/[^)]+\.json\): cohort "[^"]+" is published, but its link was not printed/;

const POINTS: InterruptPoint[] = [
  {
    point: "before any write (the listing held)",
    rule: { fault: "stall", operations: ["ListObjectsV2"] },
    signal: "SIGINT",
    leaves: "nothing",
    says: /before anything was uploaded: nothing was published/,
  },
  {
    point: "while the config PUT is in flight (half its body sent)",
    rule: { fault: "stallUpload", operations: ["PutObject"], keyPrefix: "configs/" },
    signal: "SIGTERM",
    leaves: "nothing",
    says: REMOVED,
  },
  {
    point: "after S3 stored the config, its answer still in flight",
    rule: { fault: "stall", afterForward: true, operations: ["PutObject"], keyPrefix: "configs/" },
    signal: "SIGINT",
    leaves: "nothing",
    says: REMOVED,
  },
  {
    point: "after the config is stored, before the ledger PUT reached S3",
    rule: { fault: "stall", operations: ["PutObject"], keyPrefix: "ledger/" },
    signal: "SIGTERM",
    leaves: "nothing",
    says: REMOVED,
  },
  {
    point: "while the ledger PUT is in flight (half its body sent)",
    rule: { fault: "stallUpload", operations: ["PutObject"], keyPrefix: "ledger/" },
    signal: "SIGINT",
    leaves: "nothing",
    says: REMOVED,
  },
  {
    point: "after S3 stored the ledger entry, its answer still in flight",
    rule: { fault: "stall", afterForward: true, operations: ["PutObject"], keyPrefix: "ledger/" },
    signal: "SIGTERM",
    leaves: "a recorded publication",
    says: RECORDED,
  },
  {
    point: "after the ledger entry is written, while the share page uploads",
    rule: { fault: "stall", operations: ["PutObject"], when: (request) => request.key.endsWith(".html") },
    signal: "SIGINT",
    leaves: "a recorded publication",
    says: RECORDED,
    extraArgs: ["--upload-share-page"],
  },
];

describe("interrupting publish-cohort (SIGINT, SIGTERM) at every step of a publish", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let proxy: FaultProxy;
  let manifest: string;
  const stack = () => ["--outputs", bucket.outputsFile, "--endpoint", proxy.endpoint];

  before(async () => {
    ({ bucket, manifest } = await startCohortBucket("cohorts/interrupt/", 20));
    proxy = await startFaultProxy({ target: bucket.server.endpoint });
  });
  after(async () => {
    await proxy.close();
    await bucket.close();
  });

  for (const { point, rule, signal, leaves, says, extraArgs = [] } of POINTS) {
    it(`${point}: ${signal} exits ${signal === "SIGINT" ? 130 : 143} and leaves ${leaves}`, async () => {
      const cohort = `Interrupted ${point.replace(/[^A-Za-z0-9 ]/g, "")}`;
      const before = await bucketState(bucket.store);
      const result = await signalAtPoints(
        proxy,
        "publish-cohort",
        [...stack(), "--cohort", cohort, "--manifest", manifest, ...extraArgs],
        [{ rule, signal }],
      );
      assert.equal(result.signal, null, "the command handled the signal");
      assert.equal(result.code, signal === "SIGINT" ? 130 : 143, result.stderr);
      assert.equal(result.stdout, "", "no link was printed");
      assert.match(result.stderr, new RegExp(`${signal}: stopping and cleaning up`));
      assert.match(result.stderr, new RegExp(`error: interrupted by ${signal} ${says.source}`));

      const after = await bucketState(bucket.store);
      assertBucketIntact(after);
      const added = addedKeys(before, after);
      if (leaves === "nothing") {
        assert.deepEqual(
          added,
          [],
          `nothing left behind (held: ${result.reached[0].operation} ${result.reached[0].key})`,
        );
        return;
      }
      // The publication stands: its config and ledger entry, no share page (its upload was stopped).
      const [config, ...otherConfigs] = added.filter((key) => key.startsWith("configs/"));
      const ledger = added.filter((key) => key.startsWith("ledger/"));
      assert.deepEqual([otherConfigs, ledger.length, added.length], [[], 1, 2], added.join(", "));
      assert.equal(JSON.parse(after.objects.get(ledger[0])!.toString()).configKey, config);
      assert.equal(assertCompleteConfig(after.objects.get(config)!, config).name, cohort);
      const fix = `fix: print a link with \`npm run cohorts -- --outputs ${bucket.outputsFile} --endpoint ${proxy.endpoint} --cohort '${cohort}' --show-links\``;
      assert.ok(result.stderr.includes(fix), result.stderr);
      const listed = await run(cohortsCommand, [...stack(), "--cohort", cohort, "--json"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /"status": "live"/);
    });
  }

  it("a second signal quits at once, and revoke-cohort then removes the config that was left", async () => {
    const cohort = "Interrupted twice";
    const before = await bucketState(bucket.store);
    const steps: SignalStep[] = [
      { rule: { fault: "stall", operations: ["PutObject"], keyPrefix: "ledger/" }, signal: "SIGINT" },
      // The clean-up's DELETE of the config is held too: the user gives up waiting.
      { rule: { fault: "stall", operations: ["DeleteObject"], keyPrefix: "configs/" }, signal: "SIGINT" },
    ];
    const result = await signalAtPoints(
      proxy,
      "publish-cohort",
      [...stack(), "--cohort", cohort, "--manifest", manifest],
      steps,
    );
    assert.equal(result.signal, "SIGINT", "the second signal ended the process");
    assert.match(
      result.stderr,
      /SIGINT: stopping and cleaning up \(nothing is left half-published\); signal again to quit at once/,
    );
    const [orphan, ...others] = addedKeys(before, await bucketState(bucket.store));
    assert.deepEqual(others, []);
    assert.match(orphan, /^configs\/interrupted-twice-[0-9a-f]{12}\/.*\.json$/);

    const revoked = await run(revokeCohortCommand, [...stack(), "--cohort", cohort]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const reported = `Also deleted 1 object under ${orphan.slice(0, orphan.lastIndexOf("/") + 1)} that no ledger entry names (left by an interrupted or failed publish):\n  ${orphan}\n`;
    assert.ok(revoked.stderr.includes(reported), revoked.stderr);
    assert.deepEqual(addedKeys(before, await bucketState(bucket.store)), []);
  });
});
