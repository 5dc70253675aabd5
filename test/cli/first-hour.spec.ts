/**
 * The slips of a lab's first hour, caught with a clear answer: options npm kept for itself because
 * `--` was missing, and an endpoint that cannot be reached.
 */
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { run } from "../support/cli-runner";
import {
  SESSION_KEY,
  startCohortBucket,
  startTestBucket,
  TestBucket,
  uploadExampleCohort,
} from "../support/local-bucket";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { exampleManifestTsv } from "../../scripts/lib/dev/example-cohort";
import { MAX_PROBLEM_LINES, SampleInput } from "../../scripts/lib/cohort/samples";
import { baiFile, bamFile, vcfFile } from "../../scripts/lib/dev/genomic-fixtures";
import { cohortSlug } from "../../scripts/lib/naming";
import { withoutNpmVariables } from "../../scripts/lib/cli/shell";

const ROOT = join(__dirname, "..", "..");

/** `npm run ARGS` in the project's folder, without blocking this process (whose servers must answer). */
async function npmRun(args: readonly string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn("npm", ["run", ...args], {
    cwd: ROOT,
    env: withoutNpmSettings(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [status] = (await once(child, "exit")) as [number | null];
  return { status, stderr };
}

/** This process's environment without npm's settings (the suite itself may run under npm or npx --yes). */
function withoutNpmSettings(): NodeJS.ProcessEnv {
  return { ...withoutNpmVariables(process.env), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
}

describe("first-hour slips", function () {
  this.timeout(60_000);

  it("npm run without `--`: says npm took the options and how to pass them (exit 2)", () => {
    const result = spawnSync("npm", ["run", "-s", "publish-cohort", "--cohort", "Breast", "--manifest", "m.tsv"], {
      cwd: ROOT,
      encoding: "utf8",
      env: withoutNpmSettings(),
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(
      result.stderr,
      /^error: npm took --cohort, --manifest as options of its own, so they never reached publish-cohort: nothing was done$/m,
    );
    assert.match(result.stderr, /^fix: put them after --: npm run publish-cohort -- --cohort … --manifest …/m);
    assert.doesNotMatch(result.stderr, /required option/);
  });

  describe("an option npm took while others reached the command: refused before anything happens", () => {
    let bucket: TestBucket;
    let manifest: string;
    const stack = () => ["--outputs", bucket.outputsFile];
    const underNpm = (script: string, settings: NodeJS.ProcessEnv) => ({
      env: {
        npm_command: "run",
        npm_lifecycle_event: script,
        npm_config_prefix: "/usr",
        npm_config_yes: "",
        ...settings,
      },
    });

    before(async () => {
      bucket = await startTestBucket();
      const outputs = JSON.parse(readFileSync(bucket.outputsFile, "utf8")) as Record<string, unknown>;
      writeFileSync(bucket.outputsFile, JSON.stringify({ ...outputs, endpoint: bucket.server.endpoint }), {
        mode: 0o600,
      });
      manifest = bucket.scratch("m.tsv", exampleManifestTsv(await uploadExampleCohort(bucket, "cohorts/npm/", 1)));
      const published = await run(publishCohortCommand, [...stack(), "--cohort", "Npm", "--manifest", manifest]);
      assert.equal(published.code, 0, published.stderr);
    });
    after(() => bucket.close());

    it("`npm run revoke-cohort --dry-run -- …` (real npm): exit 2, and nothing is revoked", async () => {
      const configs = await bucket.keys("configs/");
      // Not spawnSync: the bucket's server runs in this process and must answer meanwhile.
      const result = await npmRun(["-s", "revoke-cohort", "--dry-run", "--", ...stack(), "--cohort", "Npm"]);
      assert.equal(result.status, 2, result.stderr);
      assert.match(
        result.stderr,
        /^error: npm took --dry-run as an option of its own, so it never reached revoke-cohort: nothing was done$/m,
      );
      assert.match(result.stderr, /^ {2}- npm_config_dry_run=true: npm sets it for --dry-run written before --/m);
      assert.match(result.stderr, /^fix: put it after --: npm run revoke-cohort -- --dry-run …/m);
      assert.deepEqual(await bucket.keys("configs/"), configs);
      assert.equal((await bucket.keys("ledger/")).length, 1, "no revoke entry");
    });

    it("publish-cohort with npm_config_dry_run: exit 2, and nothing is uploaded (a lab's own script name too)", async () => {
      const before = await bucket.keys("");
      const result = await run(
        publishCohortCommand,
        [...stack(), "--cohort", "Npm", "--manifest", manifest],
        underNpm("share-breast", { npm_config_dry_run: "true", npm_config_json: "true" }),
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^error: npm took --dry-run, --json as options of its own/m);
      assert.match(result.stderr, /^fix: put them after --: npm run share-breast -- --dry-run --json …/m);
      assert.equal(result.stdout, "");
      assert.deepEqual(await bucket.keys(""), before);
    });

    it("a --no-… option npm took is named too", async () => {
      const result = await run(
        publishCohortCommand,
        [...stack(), "--cohort", "Npm", "--manifest", manifest],
        underNpm("publish-cohort", { npm_config_check_content: "" }),
      );
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /npm took --no-check-content as an option of its own/);
    });

    it("says where else the setting can come from (an .npmrc, NPM_CONFIG_*, npx --yes)", async () => {
      const result = await run(cohortsCommand, stack(), underNpm("cohorts", { npm_config_json: "true" }));
      assert.equal(result.code, 2);
      assert.match(
        result.stderr,
        /^ {2}- npm_config_json=true: .* \(or from an \.npmrc or an NPM_CONFIG_JSON variable\)$/m,
      );
      assert.match(result.stderr, /if you did not write it, unset the variable above$/m);
      const yes = await run(
        revokeCohortCommand,
        [...stack(), "--cohort", "Npm", "--dry-run"],
        underNpm("revoke-cohort", { npm_config_yes: "true" }),
      );
      assert.equal(yes.code, 2);
      assert.match(yes.stderr, /NPM_CONFIG_YES variable; an outer npx --yes sets it too\)$/m);
    });

    it("no refusal: under npx, npm's defaults, an option that reached the command anyway, or outside npm", async () => {
      const cases: Array<[string[], NodeJS.ProcessEnv]> = [
        [[], { npm_command: "exec", npm_lifecycle_event: "npx", npm_config_json: "true" }],
        [[], underNpm("cohorts", {}).env],
        [["--json"], underNpm("cohorts", { npm_config_json: "true" }).env],
        [["--cohort=Npm"], underNpm("cohorts", { npm_config_cohort: "true" }).env],
        [[], { npm_config_json: "true" }],
      ];
      for (const [extra, env] of cases) {
        const result = await run(cohortsCommand, [...stack(), ...extra], { env });
        assert.equal(result.code, 0, `${JSON.stringify(env)}: ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /npm took/);
      }
    });
  });

  const unreachable: Array<[string, string, RegExp, RegExp]> = [
    [
      "a host name that does not resolve",
      "http://nonexistent.invalid:4569",
      /failed: the endpoint's host nonexistent\.invalid does not resolve \((ENOTFOUND|EAI_AGAIN)\)$/,
      /^fix: check the endpoint's host name/m,
    ],
    [
      "a port where nothing listens",
      "http://127.0.0.1:9",
      /failed: nothing answers at 127\.0\.0\.1:9 \(connection refused\)$/,
      /^fix: start the server that endpoint names/m,
    ],
  ];
  for (const [what, endpoint, error, fix] of unreachable) {
    it(`an endpoint with ${what} is one clear error line and its fix (exit 3)`, async () => {
      const result = await run(
        cohortsCommand,
        ["--bucket", "lab-data", "--region", "eu-west-2", "--endpoint", endpoint],
        {
          credentialProvider: async () => ({ ...SESSION_KEY }),
        },
      );
      assert.equal(result.code, 3);
      const errors = result.stderr.split("\n").filter((line) => line.startsWith("error:"));
      assert.equal(errors.length, 1, result.stderr);
      assert.match(errors[0], error);
      assert.match(result.stderr, fix);
      assert.doesNotMatch(result.stderr, /gave up after/);
    });
  }

  describe("revoke with precision: --dry-run, --publication, and a question on a terminal", () => {
    let bucket: TestBucket;
    let older: string;
    let newer: string;
    const stack = () => ["--outputs", bucket.outputsFile];
    const configKeys = () => bucket.keys(`configs/${cohortSlug("Precise")}/`);

    before(async () => {
      let manifest: string;
      ({ bucket, manifest } = await startCohortBucket("cohorts/precise/", 2));
      // The outputs name their server, as the demo's do: no --endpoint below.
      const outputs = JSON.parse(readFileSync(bucket.outputsFile, "utf8")) as Record<string, unknown>;
      writeFileSync(bucket.outputsFile, JSON.stringify({ ...outputs, endpoint: bucket.server.endpoint }), {
        mode: 0o600,
      });
      const publish = async () => {
        const result = await run(publishCohortCommand, [
          ...stack(),
          "--cohort",
          "Precise",
          "--manifest",
          manifest,
          "--json",
        ]);
        assert.equal(result.code, 0, result.stderr);
        return (JSON.parse(result.stdout) as { configKey: string }).configKey;
      };
      older = await publish();
      newer = await publish();
    });
    after(() => bucket.close());

    it("--dry-run says which configs it would delete, and deletes nothing", async () => {
      const result = await run(revokeCohortCommand, [...stack(), "--cohort", "Precise", "--dry-run"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^Dry run: revoking "Precise" would delete 2 configs/m);
      assert.ok(result.stderr.includes(`  ${older}\n`) && result.stderr.includes(`  ${newer}\n`));
      assert.match(result.stderr, /^Nothing was changed\.$/m);
      assert.deepEqual((await configKeys()).sort(), [newer, older].sort());
    });

    it("on a terminal it asks first: no is exit 1 and nothing deleted", async () => {
      const questions: string[] = [];
      const confirm = async (question: string) => {
        questions.push(question);
        return false;
      };
      const result = await run(revokeCohortCommand, [...stack(), "--cohort", "Precise"], { confirm });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /not confirmed: nothing was revoked/);
      assert.deepEqual(questions, [
        'Revoke "Precise": delete 2 configs and 0 unrecorded objects, so their links fail?',
      ]);
      assert.equal((await configKeys()).length, 2);
    });

    it("--publication names an unknown config: refused, listing the cohort's publications", async () => {
      const result = await run(revokeCohortCommand, [
        ...stack(),
        "--cohort",
        "Precise",
        "--publication",
        "configs/x.json",
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /--publication "configs\/x\.json" is not a publication of cohort "Precise"/);
      assert.ok(result.stderr.includes(`  - ${older}`) && result.stderr.includes(`  - ${newer}`));
    });

    it("--publication revokes that publication only (with --yes, no question); the other stays live", async () => {
      const confirm = async () => assert.fail("--yes asks nothing");
      const result = await run(
        revokeCohortCommand,
        [...stack(), "--cohort", "Precise", "--publication", older, "--yes"],
        { confirm },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(await configKeys(), [newer]);
      const listed = JSON.parse((await run(cohortsCommand, [...stack(), "--json"])).stdout) as Array<{
        configKey: string;
        status: string;
      }>;
      assert.deepEqual(
        listed.map((entry) => `${entry.configKey} ${entry.status}`).sort(),
        [`${newer} live`, `${older} revoked`].sort(),
      );
    });
  });

  describe("every problem in one run", () => {
    let bucket: TestBucket;
    let cohort: Awaited<ReturnType<typeof uploadExampleCohort>>;
    before(async () => {
      ({ bucket, cohort } = await startCohortBucket("cohorts/problems/", 2));
    });
    after(() => bucket.close());
    const publish = (manifest: string, extra: string[] = []) =>
      run(publishCohortCommand, [
        ...["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint],
        ...["--cohort", "Problems", "--manifest", bucket.scratch("problems.tsv", manifest), "--dry-run", ...extra],
      ]);
    const details = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("  - "));

    it("reports a bad header beside a missing file, grouped by sample (content is read where the file exists)", async () => {
      await bucket.upload([{ key: String(cohort[0].sample.cnv), body: "chrom\tfrom\tto\n1\t1\t2\n" }]);
      const missing = { ...cohort[1].sample, sv: "cohorts/problems/PD-missing.bedpe" };
      const tsv = exampleManifestTsv([cohort[0], { ...cohort[1], sample: missing }]);
      const result = await publish(tsv, ["--check-content"]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^error: 2 problems in cohort "Problems"; nothing was published$/m);
      const lines = details(result.stderr);
      assert.equal(lines.length, 2, result.stderr);
      assert.match(lines[0], new RegExp(`\\(${cohort[0].sample.id}\\): cnv .* lacks the header columns? `));
      assert.match(lines[1], new RegExp(`\\(${cohort[1].sample.id}\\): sv .*PD-missing\\.bedpe does not exist`));
    });

    it(`shows at most ${MAX_PROBLEM_LINES} lines, then how many more`, async () => {
      // The CNV file as uploaded (the test above replaced it with one whose header is wrong).
      await bucket.upload(cohort[0].files);
      const rows = Array.from({ length: 60 }, (_, index) => ({
        ...cohort[0],
        sample: { ...cohort[0].sample, id: `PD${1000 + index}`, sv: `cohorts/problems/missing-${index}.bedpe` },
      }));
      const result = await publish(exampleManifestTsv(rows));
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^error: 60 problems in cohort "Problems"; nothing was published$/m);
      const lines = details(result.stderr);
      assert.equal(lines.length, MAX_PROBLEM_LINES + 1);
      assert.equal(lines[MAX_PROBLEM_LINES], "  - … and 10 more problems (60 samples with problems in all)");
    });
    /** A manifest with the columns given, one row per sample. */
    const manifestOf = (columns: ReadonlyArray<keyof SampleInput>, rows: readonly SampleInput[]) =>
      [columns, ...rows.map((row) => columns.map((column) => String(row[column] ?? "")))]
        .map((row) => row.join("\t"))
        .join("\n");

    it("a VCF without its index, an empty CNV file and a PNG named .bam: all three at once, each with its fix", async () => {
      const folder = "cohorts/problems/PD-all/";
      const png = Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), Buffer.alloc(64)]);
      await bucket.upload([
        { key: `${folder}PD-all.cna.tsv`, body: Buffer.alloc(0) },
        { key: `${folder}PD-all.snv.vcf.gz`, body: vcfFile() },
        { key: `${folder}PD-all.bam`, body: png },
        { key: `${folder}PD-all.bam.bai`, body: baiFile() },
      ]);
      const sample = {
        ...cohort[0].sample,
        id: "PD-all",
        cnv: `${folder}PD-all.cna.tsv`,
        vcf: `${folder}PD-all.snv.vcf.gz`,
        bam: `${folder}PD-all.bam`,
        bai: `${folder}PD-all.bam.bai`,
      };
      const columns = ["id", "cancer", "assembly", "sv", "cnv", "vcf", "bam", "bai"] as const;
      const result = await publish(manifestOf(columns, [cohort[1].sample, sample]));
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^error: 3 problems in cohort "Problems"; nothing was published$/m);
      const lines = details(result.stderr);
      assert.equal(lines.length, 3, result.stderr);
      assert.match(
        lines[0],
        /^ {2}- line 3 \(PD-all\): vcf is set without vcfIndex \(fix: .*`tabix -p vcf PD-all\.snv\.vcf\.gz`/,
      );
      assert.match(lines[1], /^ {2}- line 3 \(PD-all\): cnv s3:\/\/\S+\/PD-all\.cna\.tsv is empty \(0 bytes\)/);
      assert.match(
        lines[2],
        /^ {2}- line 3 \(PD-all\): bam s3:\/\/\S+\/PD-all\.bam is not a BAM file \(it starts "\\u0089PNG/,
      );
    });

    it("discovery (--prefix): a sample without a CNV file still has its other files read", async () => {
      const folder = "cohorts/discovered/PD-nocnv/";
      const png = Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), Buffer.alloc(64)]);
      await bucket.upload([
        { key: `${folder}PD-nocnv.sv.bedpe`, body: cohort[0].files.find((file) => file.key.endsWith(".bedpe"))!.body },
        { key: `${folder}PD-nocnv.bam`, body: png },
        { key: `${folder}PD-nocnv.bam.bai`, body: baiFile() },
      ]);
      const result = await run(publishCohortCommand, [
        ...["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, "--cohort", "Problems"],
        ...["--prefix", "cohorts/discovered/", "--cancer", "Breast", "--assembly", "hg38", "--dry-run"],
      ]);
      assert.equal(result.code, 1, result.stderr);
      const lines = details(result.stderr);
      assert.equal(lines.length, 2, result.stderr);
      assert.match(lines[0], /PD-nocnv\/: no CNV file/);
      assert.match(lines[1], /PD-nocnv\/ \(PD-nocnv\): bam \S+ is not a BAM file/);
    });

    it("a missing BAM index names `samtools index`", async () => {
      const sample = { ...cohort[0].sample, id: "PD-bam", bam: "cohorts/problems/PD-bam.bam" };
      await bucket.upload([{ key: "cohorts/problems/PD-bam.bam", body: bamFile() }]);
      const result = await publish(manifestOf(["id", "cancer", "assembly", "sv", "cnv", "bam"], [sample]));
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /bam is set without bai \(fix: .*`samtools index PD-bam\.bam`/);
    });
  });
});
