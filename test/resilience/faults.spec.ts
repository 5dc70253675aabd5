/**
 * Faults between the tools and S3: a fault-injecting proxy (test/support/fault-proxy.ts) sits
 * between every command and the embedded S3 server and answers chosen requests with 500, 503
 * SlowDown, a reset connection or a stall. Transient faults must be survived (the SDK's standard
 * retries, plus a retry of a GET whose body is cut short); persistent ones must end in exit 3 naming
 * the failing step, after a bounded number of attempts and a bounded time, with nothing half-done
 * left in the bucket. Each call here is capped at 3 attempts (5 where faults are transient), 0.5 s of silence and 5 s in all.
 */
import * as assert from "node:assert/strict";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { doctorCommand } from "../../scripts/lib/cli/commands/doctor-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { refreshCohortCommand } from "../../scripts/lib/cli/commands/refresh-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { AwsError } from "../../scripts/lib/errors";
import { LedgerEntry, writeLedgerEntry } from "../../scripts/lib/ledger/ledger";
import { ObjectStore, S3ConnectionOptions } from "../../scripts/lib/s3/object-store";
import {
  addedKeys,
  assertBucketIntact,
  assertLinkWorks,
  assertUnchanged,
  BucketState,
  bucketState,
} from "../support/bucket-audit";
import { FAULT_KINDS, FaultKind, FaultProxy, FaultRule, startFaultProxy } from "../support/fault-proxy";
import { fetchBytes, TestBucket, startCohortBucket } from "../support/local-bucket";
import { CommandRun, run } from "../support/cli-runner";

const MAX_ATTEMPTS = 3;
const FAST: Partial<S3ConnectionOptions> = {
  maxAttempts: MAX_ATTEMPTS,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 500,
  callTimeoutMs: 5_000,
};
/** Transient faults take at most two tries of a request; the spare attempts absorb a slow moment of a loaded machine. */
const TRANSIENT: Partial<S3ConnectionOptions> = { ...FAST, maxAttempts: 5 };
/** A generous bound that proves a command gives up: each call is capped at 5 s and a publish makes a handful. */
const GIVES_UP_WITHIN_MS = 30_000;
const SEED = 20261127;

/** Faults that can follow a request the server handled in full (stallUpload never lets it finish). */
const AFTER_FORWARD_KINDS: readonly FaultKind[] = ["error500", "slowDown", "reset", "stall", "stallBody"];
/** Faults that keep an upload from reaching the server (stallBody needs the server's answer, so the upload is stored). */
const UPLOAD_BLOCKING_KINDS: readonly FaultKind[] = ["error500", "slowDown", "reset", "stall", "stallUpload"];

function assertCleanFailure(result: CommandRun, message: RegExp): void {
  assert.equal(result.code, 3, `exit code; stderr: ${result.stderr}`);
  assert.equal(result.stdout, "", "nothing on stdout: no link");
  assert.match(result.stderr, message);
  const lines = result.stderr.trim().split("\n");
  assert.equal(lines.filter((line) => line.startsWith("error: ")).length, 1, `one error line: ${result.stderr}`);
  assert.match(result.stderr, /^fix: \S/m, "a fix");
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  assert.doesNotMatch(result.stderr, /X-Amz-Signature/, "no presigned URL in an error");
}

describe("faults between the tools and S3 (fault-injecting proxy)", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let proxy: FaultProxy;
  let manifest: string;
  let uploaded: Map<string, string | Buffer>;
  /** Configs that a ledger entry names although they are gone: their links were never printed. */
  const neverLinked = new Set<string>();

  before(async () => {
    ({ bucket, manifest, uploaded } = await startCohortBucket("cohorts/faults/", 3));
    proxy = await startFaultProxy({ target: bucket.server.endpoint, seed: SEED });
  });
  after(async () => {
    await proxy.close();
    await bucket.close();
  });
  beforeEach(() => {
    proxy.setRules([]);
    proxy.resetLog();
  });

  const stackArgs = () => ["--outputs", bucket.outputsFile, "--endpoint", proxy.endpoint];
  const publish = (cohort: string, extra: string[] = [], s3 = FAST) =>
    run(publishCohortCommand, [...stackArgs(), "--cohort", cohort, "--manifest", manifest, ...extra], { s3 });
  const state = () => bucketState(bucket.store);
  /** Publishes with faults off (through the proxy, so links point at it) and returns the --json result. */
  async function publishClean(cohort: string): Promise<{ link: string; configKey: string }> {
    proxy.setRules([]);
    const result = await publish(cohort, ["--json"]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout);
  }

  /** The published link works (faults off), its config and ledger entry are in the bucket, nothing else was added. */
  async function assertPublished(result: CommandRun, before: BucketState, cohort: string): Promise<void> {
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { link: string; configKey: string };
    proxy.setRules([]);
    const config = await assertLinkWorks(json.link, bucket.bucket, uploaded);
    assert.equal(config.name, cohort);
    assert.equal(config.samples.length, 3);
    const after = await state();
    const added = addedKeys(before, after);
    assert.equal(added.length, 2, `one config and one ledger entry: ${added.join(", ")}`);
    assert.ok(added.includes(json.configKey));
    assert.ok(added.some((key) => key.startsWith("ledger/")));
    const entries = assertBucketIntact(after, { neverLinked });
    assert.ok(entries.some((entry) => entry.configKey === json.configKey && entry.event === "publish"));
  }

  describe("transient faults: publish-cohort completes and every published link works", () => {
    for (const fault of FAULT_KINDS) {
      it(`${fault} on the first try of every request (listing, content reads, config and ledger uploads)`, async () => {
        const before = await state();
        proxy.setRules([{ fault, when: (request) => request.repeat === 0 }]);
        const cohort = `First try ${fault}`;
        const result = await publish(cohort, ["--check-content", "--json"], TRANSIENT);
        const faulted = proxy.faulted();
        const operations = new Set(faulted.map((request) => request.operation));
        for (const operation of ["ListObjectsV2", "GetObject", "PutObject"])
          assert.ok(operations.has(operation), `${fault} hit ${operation}`);
        assert.ok(faulted.length >= 12, `every request failed once (${faulted.length})`);
        await assertPublished(result, before, cohort);
      });

      it(`${fault} on 30% of requests (seeded), never more than twice for one request`, async () => {
        const before = await state();
        proxy.setRules([{ fault, rate: 0.3, when: (request) => request.repeat < 2 }]);
        const cohort = `Thirty percent ${fault}`;
        const result = await publish(cohort, ["--check-content", "--json"], TRANSIENT);
        assert.ok(proxy.faulted().length >= 1, `seed ${SEED} injected no fault`);
        await assertPublished(result, before, cohort);
      });
    }
  });

  describe("persistent faults: publish-cohort gives up, names the step, and leaves nothing", () => {
    const steps: Array<{
      step: string;
      kinds: readonly FaultKind[];
      rule: Pick<FaultRule, "operations" | "keyPrefix">;
      message: RegExp;
    }> = [
      {
        step: "the listing",
        kinds: FAULT_KINDS,
        rule: { operations: ["ListObjectsV2"] },
        message:
          /^error: listing s3:\/\/chromoscope-test-data\/cohorts\/faults\/\S* failed: .*\(gave up after 3 attempts\)$/m,
      },
      {
        step: "the config upload",
        kinds: UPLOAD_BLOCKING_KINDS,
        rule: { operations: ["PutObject"], keyPrefix: "configs/" },
        message:
          /^error: uploading s3:\/\/chromoscope-test-data\/configs\/persistent-[a-z0-9-]+\/\d{8}T\d{9}Z-[0-9a-f]{8}\.json failed: .*\(gave up after 3 attempts\)$/m,
      },
      {
        step: "the ledger record",
        kinds: UPLOAD_BLOCKING_KINDS,
        rule: { operations: ["PutObject"], keyPrefix: "ledger/" },
        message:
          /^error: recording the publication in the ledger \(ledger\/persistent-[a-z0-9-]+\/\d{8}T\d{9}Z-[0-9a-f]{8}\.json\) failed, so the config was removed: uploading s3:\/\/chromoscope-test-data\/ledger\/\S+ failed: .*\(gave up after 3 attempts\)$/m,
      },
    ];
    for (const { step, kinds, rule, message } of steps) {
      for (const fault of kinds) {
        it(`${fault} on every attempt of ${step}: exit 3 after 3 attempts, no config, no ledger entry`, async () => {
          const before = await state();
          proxy.setRules([{ fault, ...rule }]);
          const started = Date.now();
          const result = await publish(`Persistent ${fault} ${step}`, ["--check-content"]);
          const elapsed = Date.now() - started;
          assertCleanFailure(result, message);
          const attempts = proxy.faulted().map((request) => request.attempt);
          assert.deepEqual(attempts, [1, 2, 3], "the SDK's standard retries: three attempts, then it gives up");
          assert.ok(elapsed < GIVES_UP_WITHIN_MS, `gave up within ${GIVES_UP_WITHIN_MS} ms (took ${elapsed} ms)`);
          proxy.setRules([]);
          assertUnchanged(before, await state());
        });
      }
    }

    for (const fault of AFTER_FORWARD_KINDS) {
      it(`${fault} after every config upload reached the server: the stored config is removed again, exit 3`, async () => {
        const before = await state();
        proxy.setRules([{ fault, afterForward: true, operations: ["PutObject"], keyPrefix: "configs/" }]);
        const result = await publish(`Reached ${fault}`);
        assertCleanFailure(
          result,
          /^error: uploading s3:\/\/chromoscope-test-data\/configs\/reached-[a-z0-9-]+\/\S+\.json failed: /m,
        );
        const reached = proxy.faulted();
        assert.equal(reached.length, 3);
        assert.ok(
          reached.every((request) => request.upstreamStatus === 200),
          "every attempt was stored by the server",
        );
        assert.ok(
          proxy.requests.some(
            (request) => request.operation === "DeleteObject" && request.key.startsWith("configs/reached-"),
          ),
          "the config was deleted",
        );
        proxy.setRules([]);
        assertUnchanged(before, await state());
      });
    }

    it("the first config upload reached the server, the retries did not: the stored config is removed again, exit 3", async () => {
      const before = await state();
      proxy.setRules([
        { fault: "reset", afterForward: true, times: 1, operations: ["PutObject"], keyPrefix: "configs/" },
        { fault: "slowDown", operations: ["PutObject"], keyPrefix: "configs/" },
      ]);
      const result = await publish("Partly reached");
      assertCleanFailure(
        result,
        /^error: uploading s3:\/\/chromoscope-test-data\/configs\/partly-reached-[0-9a-f]{12}\/\S+\.json failed: SlowDown: .*\(gave up after 3 attempts\)$/m,
      );
      assert.deepEqual(
        proxy.faulted().map((request) => [request.fault, request.upstreamStatus]),
        [
          ["reset", 200],
          ["slowDown", undefined],
          ["slowDown", undefined],
        ],
      );
      proxy.setRules([]);
      assertUnchanged(before, await state());
    });

    for (const fault of AFTER_FORWARD_KINDS) {
      it(`${fault} after every ledger upload reached the server: the entry is read back and the publish completes`, async () => {
        const before = await state();
        proxy.setRules([{ fault, afterForward: true, operations: ["PutObject"], keyPrefix: "ledger/" }]);
        const cohort = `Ledger answer lost ${fault}`;
        const result = await publish(cohort, ["--json"]);
        assert.equal(proxy.faulted().length, 3);
        assert.ok(
          proxy.requests.some(
            (request) => request.operation === "GetObject" && request.key.startsWith("ledger/ledger-answer-lost-"),
          ),
          "read back",
        );
        await assertPublished(result, before, cohort);
      });
    }

    it("the ledger entry stored but neither its answer nor a read-back arrives: exit 3, the config removed, its link never printed", async () => {
      const before = await state();
      proxy.setRules([
        { fault: "reset", afterForward: true, operations: ["PutObject"], keyPrefix: "ledger/" },
        { fault: "reset", operations: ["GetObject"], keyPrefix: "ledger/" },
      ]);
      const result = await publish("Ledger unconfirmed");
      assertCleanFailure(
        result,
        /^error: recording the publication in the ledger \(ledger\/ledger-unconfirmed-[0-9a-f]{12}\/\S+\) failed, so the config was removed: /m,
      );
      proxy.setRules([]);
      const after = await state();
      const added = addedKeys(before, after);
      assert.equal(added.length, 1);
      assert.match(added[0], /^ledger\/ledger-unconfirmed-[0-9a-f]{12}\//);
      const entry = JSON.parse(after.objects.get(added[0])!.toString()) as LedgerEntry;
      assert.ok(!after.keys.includes(entry.configKey), "no config");
      // The entry names a config that is gone and whose link nobody ever saw (docs/reliability.md).
      neverLinked.add(entry.configKey);
      assertBucketIntact(after, { neverLinked });
    });
  });

  describe("revoke-cohort (writes) under faults", () => {
    it("a ledger write that fails persistently is not reported as success, and running it again finishes the job", async () => {
      const published = await publishClean("Revoke under faults");
      proxy.setRules([{ fault: "slowDown", operations: ["PutObject"], keyPrefix: "ledger/" }]);
      const failed = await run(revokeCohortCommand, [...stackArgs(), "--cohort", "Revoke under faults"], { s3: FAST });
      assertCleanFailure(
        failed,
        /^error: revoking stopped after 0 of 1 publication: uploading s3:\/\/chromoscope-test-data\/ledger\/revoke-under-faults-[0-9a-f]{12}\/\S+ failed: SlowDown: .*\(gave up after 3 attempts\)$/m,
      );
      assert.doesNotMatch(failed.stderr, /Revoked cohort/);
      assert.match(failed.stderr, /run the same command again/);
      proxy.setRules([]);
      const between = await state();
      assert.ok(!between.keys.includes(published.configKey), "the config was deleted first: its link already fails");
      assert.equal((await fetchBytes(published.link.split("external=")[1])).status, 404);

      const again = await run(revokeCohortCommand, [...stackArgs(), "--cohort", "Revoke under faults"], { s3: FAST });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /Revoked cohort "Revoke under faults": deleted 1 config/);
      const entries = assertBucketIntact(await state(), { neverLinked });
      assert.ok(entries.some((entry) => entry.event === "revoke" && entry.configKey === published.configKey));
    });

    it("a config delete that fails persistently: exit 3, the config and its link intact, no revoke entry", async () => {
      const published = await publishClean("Revoke delete fails");
      const before = await state();
      proxy.setRules([{ fault: "error500", operations: ["DeleteObject"] }]);
      const failed = await run(revokeCohortCommand, [...stackArgs(), "--cohort", "Revoke delete fails"], { s3: FAST });
      assertCleanFailure(
        failed,
        /^error: revoking stopped after 0 of 1 publication: deleting s3:\/\/chromoscope-test-data\/configs\/revoke-delete-fails-[0-9a-f]{12}\/\S+ failed: InternalError: /m,
      );
      proxy.setRules([]);
      assertUnchanged(before, await state());
      await assertLinkWorks(published.link, bucket.bucket, uploaded);
    });
  });

  describe("refresh-cohort (writes) under faults", () => {
    it("completes through transient faults and its new link works", async () => {
      await publishClean("Refresh under faults");
      const before = await state();
      proxy.setRules([{ fault: "reset", when: (request) => request.repeat === 0 }]);
      const result = await run(refreshCohortCommand, [...stackArgs(), "--cohort", "Refresh under faults", "--json"], {
        s3: TRANSIENT,
      });
      assert.ok(proxy.faulted().length >= 4);
      await assertPublished(result, before, "Refresh under faults");
    });
  });

  describe("read-only commands under faults", () => {
    let cleanListing: string;
    before(async () => {
      await publishClean("Listed under faults");
      proxy.setRules([]);
      const clean = await run(cohortsCommand, [...stackArgs(), "--json"], { s3: FAST });
      assert.equal(clean.code, 0, clean.stderr);
      cleanListing = clean.stdout;
    });

    for (const fault of FAULT_KINDS) {
      it(`cohorts: ${fault} on the first try of every request changes nothing in what it lists`, async () => {
        proxy.setRules([{ fault, when: (request) => request.repeat === 0 }]);
        const result = await run(cohortsCommand, [...stackArgs(), "--json"], { s3: TRANSIENT });
        assert.ok(proxy.faulted().length >= 2);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, cleanListing);
      });
    }

    for (const [operation, message] of [
      ["ListObjectsV2", /^error: listing s3:\/\/chromoscope-test-data\/ledger\/ failed: /m],
      ["GetObject", /^error: reading s3:\/\/chromoscope-test-data\/ledger\/\S+\.json failed: /m],
    ] as const) {
      for (const fault of ["slowDown", "stallBody"] as const) {
        it(`cohorts: ${fault} on every ${operation}: exit 3 naming the step, no crash`, async () => {
          proxy.setRules([{ fault, operations: [operation] }]);
          const started = Date.now();
          const result = await run(cohortsCommand, [...stackArgs()], { s3: FAST });
          assertCleanFailure(result, message);
          assert.ok(Date.now() - started < GIVES_UP_WITHIN_MS);
        });
      }
    }

    for (const fault of FAULT_KINDS) {
      it(`doctor: ${fault} on every request ends in FAIL lines with a fix and exit 1, not a crash`, async () => {
        proxy.setRules([{ fault }]);
        const started = Date.now();
        const result = await run(doctorCommand, [...stackArgs(), "--json"], { s3: FAST });
        assert.ok(Date.now() - started < GIVES_UP_WITHIN_MS);
        assert.equal(result.code, 1, result.stderr);
        assert.equal(result.stderr, "");
        const report = JSON.parse(result.stdout) as {
          checks: Array<{ id: string; status: string; detail: string; fix?: string }>;
        };
        const bucketCheck = report.checks.find((check) => check.id === "bucket")!;
        assert.equal(bucketCheck.status, "fail");
        assert.match(bucketCheck.detail, /GetBucketLocation failed: .*\(gave up after 3 attempts\)/);
        assert.match(bucketCheck.fix!, /check the network and --endpoint/);
        assert.doesNotMatch(result.stdout, /X-Amz-Signature/);
      });
    }
  });
});

describe("ledger writes whose answer was lost", () => {
  const entry: LedgerEntry = {
    event: "publish",
    cohort: "c",
    configKey: "configs/c/20260101T000000000Z-00000000.json",
    signingAccessKeyId: "AKIATESTPRESIGNER001",
    createdAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2026-01-08T00:00:00.000Z",
    inputs: { samples: [], viewerUrl: "https://chromoscope.bio/app/" },
  };
  /** A store whose create-only PUT stores the body and then fails as S3 does on a retry (412), or stores something else. */
  function storeWhere(stored: string | undefined): ObjectStore & { objects: Map<string, Buffer> } {
    const objects = new Map<string, Buffer>();
    return {
      bucket: "b",
      objects,
      list: async function* () {},
      async put(key) {
        if (stored !== undefined) objects.set(key, Buffer.from(stored));
        throw new AwsError(
          `uploading s3://b/${key} failed: PreconditionFailed: At least one of the pre-conditions you specified did not hold`,
          { fix: "x" },
        );
      },
      remove: async () => undefined,
      async read(key) {
        const body = objects.get(key);
        if (!body) throw new AwsError(`reading s3://b/${key} failed: NoSuchKey`);
        return body;
      },
    };
  }

  it("succeeds when the key holds exactly the entry (a retried create-only PUT met 412)", async () => {
    const store = storeWhere(`${JSON.stringify(entry)}\n`);
    assert.equal(
      await writeLedgerEntry(store, "ledger/", "c/20260101T000000000Z-00000000", entry),
      "ledger/c/20260101T000000000Z-00000000.json",
    );
  });

  it("fails when the key holds another entry (a real collision) or nothing", async () => {
    for (const stored of [`${JSON.stringify({ ...entry, cohort: "other" })}\n`, undefined]) {
      await assert.rejects(
        writeLedgerEntry(storeWhere(stored), "ledger/", "c/20260101T000000000Z-00000000", entry),
        (error: unknown) => error instanceof AwsError && /PreconditionFailed/.test(error.message),
      );
    }
  });
});
