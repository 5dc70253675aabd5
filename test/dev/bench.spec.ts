/**
 * The benchmark's plumbing at tiny sizes: that it compares equal work, counts what it claims to
 * count, reads the measured process's own resources, and turns figures into PASS/MISS. No timing is
 * asserted here (speed belongs to `npm run bench`); and the publish-path changes made for scale
 * (one listing for discovery, config blocks) are checked on real output.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchCommand } from "../../scripts/lib/dev/commands/bench-command";
import { benchStartup } from "../../scripts/lib/dev/bench/startup-bench";
import { COMMANDS } from "../../scripts/lib/cli/command-registry";
import { PYTHON } from "../../scripts/lib/dev/botocore-runner";
import { benchInMemory } from "../../scripts/lib/dev/bench/in-memory-bench";
import { interleavedTimings, median } from "../../scripts/lib/dev/bench/measure";
import { benchPresigners, PresignBenchResult } from "../../scripts/lib/dev/bench/presign-bench";
import {
  BENCH_BUCKET,
  benchPublish,
  localStackOutputs,
  PublishBenchResult,
} from "../../scripts/lib/dev/bench/publish-bench";
import { BenchReport, evaluateTargets, presignRatios, TARGETS } from "../../scripts/lib/dev/bench/bench-report";
import { benchUpload, uploadSection } from "../../scripts/lib/dev/upload-bench";
import {
  BENCH_SIGNING,
  checkEquivalence,
  floorContestant,
  getSignedUrlContestant,
  projectContestant,
  smithyContestant,
} from "../../scripts/lib/dev/bench/signers";
import {
  SyntheticListingStore,
  syntheticKeys,
  syntheticManifestTsv,
  syntheticObjects,
  SYNTHETIC_FILES,
} from "../../scripts/lib/dev/bench/synthetic-cohort";
import { buildConfig } from "../../scripts/lib/publication/chromoscope";
import { fromStackKey } from "../../scripts/lib/s3/credentials";
import { discoverSamples } from "../../scripts/lib/cohort/discover";
import { checkObjectsExist } from "../../scripts/lib/cohort/existence";
import { parseManifest } from "../../scripts/lib/cohort/manifest";
import { ObjectStore } from "../../scripts/lib/s3/object-store";
import { publishCohort } from "../../scripts/lib/publication/publish";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { validateSamples } from "../../scripts/lib/cohort/validate";
import { run } from "../support/cli-runner";

const PREFIX = "cohorts/bench-test/";
const RULES = { bucket: BENCH_BUCKET, dataPrefixes: ["cohorts/"] };
const JS_SIGNERS = ["project", "getSignedUrl", "smithy", "floor"] as const;

describe("benchmark plumbing (tiny sizes, no timing asserted)", function () {
  this.timeout(120_000);

  describe("synthetic cohort", () => {
    it("lists four objects per sample in S3's key order", () => {
      const keys = [...syntheticObjects(PREFIX, 3)].map((object) => object.key);
      assert.equal(keys.length, 12);
      assert.deepEqual(keys, [...keys].sort());
      assert.deepEqual(syntheticKeys(PREFIX, 6), keys.slice(0, 6));
    });

    it("validates by manifest and by discovery, giving the same samples", async () => {
      const manifest = parseManifest("cohort.tsv", Buffer.from(syntheticManifestTsv(PREFIX, 5)));
      assert.deepEqual(manifest.problems, []);
      const validated = validateSamples(manifest.samples, RULES);
      assert.deepEqual(validated.problems, []);
      const discovered = await discoverSamples(syntheticObjects(PREFIX, 5), {
        prefix: PREFIX,
        cancer: "Breast",
        assembly: "hg38",
        bucket: BENCH_BUCKET,
      });
      assert.deepEqual(discovered.problems, []);
      assert.deepEqual(
        discovered.samples.map(({ sample }) => sample),
        validated.samples.map(({ sample }) => sample),
      );
      assert.deepEqual(
        Object.keys(discovered.samples[0].sample).sort(),
        ["assembly", "cancer", "id", ...SYNTHETIC_FILES.map((file) => file.field)].sort(),
      );
    });
  });

  describe("signers", () => {
    const keys = syntheticKeys(PREFIX, 8);

    it("all sign what the project presigner signs (smithy byte for byte, getSignedUrl plus x-id, the floor's HMAC)", async () => {
      const sdk = getSignedUrlContestant(BENCH_SIGNING, keys);
      try {
        const contestants = [
          projectContestant(BENCH_SIGNING, keys),
          sdk,
          smithyContestant(BENCH_SIGNING, keys),
          floorContestant(BENCH_SIGNING, keys, keys.length),
        ];
        assert.deepEqual(await checkEquivalence(contestants, [0, 3, 7]), []);
      } finally {
        sdk.client.destroy();
      }
    });

    it("the check catches a signer that signs another expiry or with another key", async () => {
      const contestants = [
        projectContestant(BENCH_SIGNING, keys),
        smithyContestant({ ...BENCH_SIGNING, expiresInSeconds: 3600 }, keys),
        floorContestant(
          {
            ...BENCH_SIGNING,
            credentials: { ...BENCH_SIGNING.credentials, secretAccessKey: "another-secret-access-key-of-forty-chars" },
          },
          keys,
          keys.length,
        ),
      ];
      const mismatches = await checkEquivalence(contestants, [0]);
      assert.equal(mismatches.length, 2);
      assert.match(mismatches[0], /smithy.*key #0/);
      assert.match(mismatches[1], /crypto floor.*key #0/);
    });
  });

  describe("timing rounds", () => {
    it("alternates the works, stops at maxRounds and keeps one median per work", async () => {
      const order: string[] = [];
      const timings = await interleavedTimings([() => order.push("a"), () => order.push("b")], {
        maxRounds: 3,
        budgetSeconds: 60,
      });
      assert.deepEqual(order, ["a", "b", "a", "b", "a", "b"]);
      assert.deepEqual(
        timings.map((timing) => timing.runs),
        [3, 3],
      );
    });

    it("runs a single round once the budget is spent", async () => {
      let calls = 0;
      const [timing] = await interleavedTimings([() => calls++], { maxRounds: 10, budgetSeconds: 0 });
      assert.equal(calls, 1);
      assert.equal(timing.runs, 1);
    });

    it("takes the middle value, or the mean of the two middle ones", () => {
      assert.equal(median([5, 1, 3]), 3);
      assert.equal(median([4, 1, 3, 2]), 2.5);
    });
  });

  describe("presign benchmark", () => {
    it("times every signer at every size, and boto3 when it is installed", async () => {
      const result = await benchPresigners({ sizes: [40, 20], boto3: true, budgetSeconds: 0.05, warmup: 10 });
      assert.deepEqual(result.sizes, [20, 40]);
      const boto3Installed = result.boto3.available;
      if (!boto3Installed) assert.match(result.boto3.reason ?? "", /python3-boto3|not found|boto3/);
      if (existsSync(PYTHON) && process.env.CI === "true") assert.ok(boto3Installed, result.boto3.reason);
      for (const count of result.sizes) {
        for (const signer of [...JS_SIGNERS, ...(boto3Installed ? (["boto3"] as const) : [])]) {
          const row = result.rows.find((candidate) => candidate.signer === signer && candidate.count === count);
          assert.ok(row, `${signer} at ${count}`);
          assert.ok(row.urlsPerSecond > 0 && row.runs >= 1);
          assert.ok(
            Math.abs(row.urlsPerSecond * row.microsPerUrl - 1e6) < 1e-3 * 1e6,
            "µs/URL is the inverse of URLs/s",
          );
        }
      }
      const ratios = presignRatios(result);
      assert.deepEqual(
        [...new Set(ratios.map((ratio) => ratio.name))],
        [
          "project ÷ getSignedUrl",
          "project ÷ smithy",
          ...(boto3Installed ? ["project ÷ boto3"] : []),
          "project ÷ floor",
        ],
      );
    });
  });

  describe("publish path at scale", () => {
    const outputs = parseStackOutputs(
      { ...localStackOutputs(BENCH_BUCKET), region: BENCH_SIGNING.region },
      "test outputs",
    );
    const context = (store: ObjectStore) => ({
      outputs,
      credentials: fromStackKey(BENCH_SIGNING.credentials),
      store,
      now: () => new Date(),
      randomHex: () => "0123abcd",
    });

    it("lists a discovered cohort once: the existence check reuses discovery's listing", async () => {
      const store = new SyntheticListingStore(BENCH_BUCKET, PREFIX, 7);
      const result = await publishCohort(
        {
          cohort: "Bench",
          source: { kind: "prefix", prefix: PREFIX, cancer: "Breast", assembly: "hg38" },
          dryRun: true,
        },
        context(store),
      );
      assert.equal(result.urlCount, 28);
      assert.deepEqual(store.listings, [PREFIX]);
    });

    it("lists a manifest cohort once too (its deepest common folder)", async () => {
      const directory = mkdtempSync(join(tmpdir(), "bench-spec-"));
      try {
        const manifest = join(directory, "cohort.tsv");
        writeFileSync(manifest, syntheticManifestTsv(PREFIX, 7));
        const store = new SyntheticListingStore(BENCH_BUCKET, PREFIX, 7);
        const result = await publishCohort(
          { cohort: "Bench", source: { kind: "manifest", path: manifest }, dryRun: true },
          context(store),
        );
        assert.equal(result.urlCount, 28);
        assert.deepEqual(store.listings, [PREFIX]);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });

    it("takes sizes from a listing already made, and still reports an empty or missing object", async () => {
      const samples = [0, 1].map((index) => {
        const sample = {
          id: `S${index}`,
          cancer: "Breast",
          assembly: "hg38",
          sv: `${PREFIX}S${index}/s.bedpe`,
          cnv: `${PREFIX}S${index}/c.tsv`,
        };
        return { sample, source: `line ${index + 2}` };
      });
      const listed = new Map([
        [`${PREFIX}S0/s.bedpe`, 10],
        [`${PREFIX}S0/c.tsv`, 0],
        [`${PREFIX}S1/s.bedpe`, 10],
        [`${PREFIX}S1/c.tsv`, 10],
      ]);
      const refusingStore: ObjectStore = {
        bucket: BENCH_BUCKET,
        list: () => {
          throw new Error("must not list");
        },
        put: () => Promise.reject(new Error("no")),
        remove: () => Promise.reject(new Error("no")),
        read: () => Promise.reject(new Error("no")),
      };
      const known = await checkObjectsExist(samples, ["cohorts/"], refusingStore, listed);
      assert.deepEqual(known.listings, []);
      assert.deepEqual(known.problems, [
        {
          source: "line 2 (S0)",
          message: `cnv s3://${BENCH_BUCKET}/${PREFIX}S0/c.tsv is empty (0 bytes)`,
          fix: "upload the complete file",
        },
      ]);
      listed.delete(`${PREFIX}S1/c.tsv`);
      const store = new SyntheticListingStore(BENCH_BUCKET, "cohorts/elsewhere/", 1);
      const partly = await checkObjectsExist(samples, ["cohorts/"], store, listed);
      assert.deepEqual(partly.listings, [`${PREFIX}S1/`], "only the key the listing did not cover is listed");
      assert.match(partly.problems[1].message, /^cnv s3:\/\/.*S1\/c\.tsv does not exist$/);
    });

    it("serialises a big config into few large blocks holding exactly the config", () => {
      const samples = Array.from({ length: 3000 }, (_, index) => ({
        sample: {
          id: `PD${index}`,
          cancer: "Breast",
          assembly: "hg38",
          sv: `${PREFIX}${index}.bedpe`,
          cnv: `${PREFIX}${index}.tsv`,
        },
        source: "",
      }));
      const config = buildConfig(
        "Big",
        samples,
        (key) => `https://example.invalid/${key}?X-Amz-Signature=${"0".repeat(64)}`,
      );
      assert.ok(config.chunks.length < 3, `${config.chunks.length} blocks`);
      const body = Buffer.concat(config.chunks);
      assert.equal(body.length, config.byteLength);
      const parsed = JSON.parse(body.toString("utf8"));
      assert.equal(parsed.samples.length, 3000);
      assert.equal(
        parsed.samples[2999].cnv,
        `https://example.invalid/${PREFIX}2999.tsv?X-Amz-Signature=${"0".repeat(64)}`,
      );
    });

    it("gives a sample larger than a block a block of its own", () => {
      const huge = "x".repeat(1_500_000);
      const samples = ["A", "B"].map((id) => ({
        sample: { id, cancer: "Breast", assembly: "hg38", sv: `${PREFIX}${id}.bedpe`, cnv: `${PREFIX}${id}.tsv` },
        source: "",
      }));
      const config = buildConfig("Huge", samples, (key) => `${key}#${huge}`);
      const parsed = JSON.parse(Buffer.concat(config.chunks).toString("utf8"));
      assert.deepEqual(
        parsed.samples.map((sample: { id: string }) => sample.id),
        ["A", "B"],
      );
      assert.equal(parsed.samples[1].sv, `${PREFIX}B.bedpe#${huge}`);
    });
  });

  describe("measured child processes", () => {
    it("a dry run reports its own CPU, peak RSS and steps, lists the bucket once and writes nothing", async () => {
      const result = await benchInMemory({ samples: 30, source: "prefix" });
      assert.equal(result.samples, 30);
      assert.equal(result.urls, 120);
      assert.equal(result.listings, 1);
      assert.equal(result.writtenBytes, 0);
      assert.ok(result.maxRssBytes > 20e6, `peak RSS ${result.maxRssBytes}`);
      assert.ok(result.processCpuSeconds >= result.publishCpuSeconds && result.publishCpuSeconds > 0);
      assert.deepEqual(Object.keys(result.stepsMs), [
        "read-input",
        "validate",
        "check-existence",
        "check-content",
        "sign",
      ]);
    });

    it("an upload into memory from a manifest writes the config and one ledger entry", async () => {
      const result = await benchInMemory({ samples: 30, source: "manifest", upload: true });
      assert.equal(result.dryRun, false);
      assert.equal(result.listings, 1);
      assert.ok(
        result.writtenBytes > result.configBytes,
        `${result.writtenBytes} bytes written for a ${result.configBytes}-byte config`,
      );
      assert.deepEqual(Object.keys(result.stepsMs), [
        "read-input",
        "validate",
        "check-existence",
        "check-content",
        "sign",
        "upload-config",
        "write-ledger",
      ]);
    });

    it("a publish by the real CLI against the server process: one listing, two PUTs, a read per file checked, and the link opens the config", async () => {
      const result: PublishBenchResult = await benchPublish({ samples: 25 });
      assert.deepEqual(result.requests, { GetObject: 100, ListObjectsV2: 1, PutObject: 2 });
      assert.equal(result.contentReads, 100);
      assert.equal(result.requestsBesidesConfigUpload, 2);
      assert.equal(result.urls, 100);
      assert.deepEqual(result.verified, { configSamples: 25, dataUrlStatus: 200, dataBodyMatches: true });
      assert.deepEqual(Object.keys(result.stepsMs), [
        "read-input",
        "validate",
        "check-existence",
        "check-content",
        "sign",
        "upload-config",
        "write-ledger",
      ]);
      assert.ok(
        result.signSeconds > 0 &&
          result.signSeconds < result.publishSeconds &&
          result.publishSeconds < result.wallSeconds,
      );
      assert.ok(result.maxRssBytes > 20e6 && result.userCpuSeconds > 0);
    });
  });

  describe("targets", () => {
    const presign = (project: number, sdk: number, floor: number): PresignBenchResult => ({
      sizes: [TARGETS.presignSize],
      rows: (
        [
          ["project", project],
          ["getSignedUrl", sdk],
          ["floor", floor],
        ] as const
      ).map(([signer, urlsPerSecond]) => ({
        signer,
        label: signer,
        count: TARGETS.presignSize,
        seconds: 1,
        runs: 1,
        urlsPerSecond,
        microsPerUrl: 1e6 / urlsPerSecond,
      })),
      boto3: { available: false, reason: "test" },
    });
    const publish = (requestsBesidesConfigUpload: number, signSeconds: number) =>
      ({
        samples: TARGETS.publishSamples,
        objects: 40_000,
        requestsBesidesConfigUpload,
        signSeconds,
        publishSeconds: 10,
        wallSeconds: 12,
      }) as BenchReport["publish"];
    const dryRun = (processCpuSeconds: number, maxRssBytes: number, isDryRun = true) =>
      ({
        samples: TARGETS.dryRunSamples,
        source: "prefix",
        dryRun: isDryRun,
        processCpuSeconds,
        maxRssBytes,
      }) as NonNullable<BenchReport["inMemory"]>[number];
    const startup = (slowestRatio: number) =>
      ({
        baselineSeconds: 0.1,
        compiled: true,
        rows: [
          { args: "--help", seconds: 0.15, runs: 3, ratio: 1.5 },
          { args: "demo --help", seconds: slowestRatio / 10, runs: 3, ratio: slowestRatio },
        ],
        tsNode: { seconds: 1.5, runs: 1, ratio: 15 },
      }) as BenchReport["startup"];
    const upload = (value: number) =>
      ({ files: 62, bytes: 1, rounds: 5, tools: [], ratio: { peer: "rclone copy", value } }) as BenchReport["upload"];
    const outcomes = (report: Pick<BenchReport, "startup" | "presign" | "publish" | "inMemory" | "upload">) =>
      Object.fromEntries(evaluateTargets(report).map((target) => [target.id, target.pass]));

    it("PASS at the limits' right side (an upload into memory is not held to the dry-run targets)", () => {
      const report = {
        startup: startup(4),
        presign: { ...presign(400_000, 16_000, 799_999), ratios: [] },
        publish: publish(45, 0.49),
        inMemory: [dryRun(9.9, 499e6), dryRun(20, 900e6, false)],
        upload: upload(1),
      };
      assert.deepEqual(outcomes(report), {
        startup: true,
        "presigner-vs-getSignedUrl": true,
        "presigner-vs-floor": true,
        "publish-requests": true,
        "publish-signing-share": true,
        "dry-run-cpu": true,
        "dry-run-rss": true,
        "upload-vs-peers": true,
      });
    });

    it("MISS just past them", () => {
      const report = {
        startup: startup(4.01),
        presign: { ...presign(400_000, 16_001, 800_001), ratios: [] },
        publish: publish(46, 0.5),
        inMemory: [dryRun(10, 500e6)],
        upload: upload(0.99),
      };
      assert.ok(
        Object.values(outcomes(report)).every((pass) => pass === false),
        JSON.stringify(outcomes(report)),
      );
    });

    it("n/a for start-up when the entry ran through ts-node (dist/ missing or stale), with the fix", () => {
      const [target] = evaluateTargets({ startup: { ...startup(20)!, compiled: false } });
      assert.equal(target.pass, undefined);
      assert.match(target.note ?? "", /run npm run build/);
    });

    it("n/a for a section that did not run", () => {
      assert.ok(evaluateTargets({}).every((target) => target.pass === undefined && target.measured === "not run"));
    });
  });

  describe("upload section", () => {
    it("uploads one folder with upload-cohort, aws s3 cp and rclone copy, each into a fresh prefix, and reports MB/s and the ratio", async function () {
      const scratch = mkdtempSync(join(tmpdir(), "upload-bench-"));
      try {
        const result = await benchUpload({
          scratch,
          rounds: 1,
          largeFiles: 1,
          largeFileBytes: 64 * 1024,
          smallFiles: 3,
        });
        assert.equal(result.files, 4);
        const own = result.tools.find((tool) => tool.tool === "upload-cohort")!;
        assert.equal(own.megabytesPerSecond.length, 1, own.reason);
        const missing = result.tools.filter((tool) => !tool.available);
        if (missing.length > 0) {
          if (process.env.CI === "true") assert.fail(missing.map((tool) => `${tool.tool}: ${tool.reason}`).join("; "));
          console.log(`      (peers not measured: ${missing.map((tool) => tool.reason).join("; ")})`);
          return;
        }
        for (const tool of result.tools)
          assert.equal(tool.megabytesPerSecond.length, 1, `${tool.tool}: ${tool.reason}`);
        assert.ok(result.ratio && result.ratio.value > 0);
        assert.match(uploadSection(result).join("\n"), /upload-cohort ÷ (aws s3 cp|rclone copy): \d+\.\d\d×/);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
      }
    });
  });

  describe("start-up section", () => {
    it("times every command's --help against node -e 0 in the same rounds, and the ts-node entry", async () => {
      const result = await benchStartup({ repeat: { maxRounds: 1, budgetSeconds: 0 } });
      assert.deepEqual(
        result.rows.map((row) => row.args),
        ["--help", ...COMMANDS.map((command) => `${command.name} --help`)],
      );
      for (const row of result.rows) {
        assert.equal(row.runs, 1);
        assert.ok(row.seconds > 0);
        assert.equal(row.ratio, row.seconds / result.baselineSeconds);
      }
      assert.ok(result.tsNode.runs >= 1);
    });

    it("times the commands, not the npm script around the bench (an outer npx --yes sets npm_config_yes)", async () => {
      const npm = { npm_command: "run-script", npm_lifecycle_event: "bench", npm_config_yes: "true" };
      const saved = Object.keys(npm).map((name) => [name, process.env[name]] as const);
      Object.assign(process.env, npm);
      try {
        const result = await benchStartup({ repeat: { maxRounds: 1, budgetSeconds: 0 } });
        assert.ok(result.rows.every((row) => row.runs === 1));
      } finally {
        for (const [name, value] of saved) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  });

  describe("npm run bench", () => {
    let directory: string;
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), "bench-command-"));
    });
    afterEach(() => rmSync(directory, { recursive: true, force: true }));

    it("prints every section and a verdict per target, writes --json (mode 0600), and prints no presigned URL", async () => {
      const json = join(directory, "figures.json");
      const result = await run(benchCommand, [
        ...["--only", "presign", "publish", "dry-run"],
        "--sizes",
        "20,40",
        "--publish-samples",
        "10",
        "--dry-run-samples",
        "20",
        "--no-boto3",
        "--scratch",
        directory,
        "--json",
        json,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^Presigning GET URLs/m);
      assert.match(result.stdout, /^Publish: 10 samples × 4 files \(40 objects\)/m);
      assert.match(result.stdout, /^Dry run: 20 samples .* discovered/m);
      assert.match(result.stdout, /^Dry run: 20 samples .* manifest/m);
      assert.match(result.stdout, /^Publish into memory .*: 20 samples .* discovered/m);
      assert.equal((result.stdout.match(/^ {2}(PASS|MISS) {2}/gm) ?? []).length, 6);
      const figures = JSON.parse(readFileSync(json, "utf8")) as BenchReport;
      assert.equal(statSync(json).mode & 0o777, 0o600);
      assert.deepEqual(
        figures.targets.map((target) => target.id),
        evaluateTargets(figures).map((target) => target.id),
      );
      // The content check reads the start of each of the 40 files; those reads are counted apart.
      assert.deepEqual(figures.publish?.requests, { GetObject: 40, ListObjectsV2: 1, PutObject: 2 });
      assert.equal(figures.publish?.contentReads, 40);
      assert.equal(figures.publish?.requestsBesidesConfigUpload, 2);
      for (const text of [result.stdout, result.stderr, readFileSync(json, "utf8")])
        assert.doesNotMatch(text, /X-Amz-Signature|X-Amz-Credential/);
    });

    it("refuses a size that is not a positive whole number (exit 2, nothing measured)", async () => {
      const result = await run(benchCommand, ["--sizes", "100,0"]);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        /^error: --sizes "0" is not a positive whole number\nfix: pass e\.g\. --sizes 10000\n$/,
      );
    });

    it("refuses --json into a folder that does not exist before measuring anything", async () => {
      const result = await run(benchCommand, ["--json", join(directory, "missing", "figures.json")]);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /^error: --json: folder ".*missing" does not exist\n/);
    });
  });
});
