/**
 * The content check, on by default: each data file's first bytes are what its field needs (header
 * columns for SV, CNV and drivers; BGZF and the magic numbers for VCF, BAM and their indexes), judged
 * against files htslib's own tools write; every problem in one report; beyond 1,000 files a sample.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { signatureProblem } from "../../scripts/lib/cohort/file-signatures";
import { CONTENT_CHECK_BYTES, checkContent, headerColumns } from "../../scripts/lib/cohort/content-check";
import { FileField, LocatedSample } from "../../scripts/lib/cohort/samples";
import { baiFile, bamFile, bgzf, BGZF_EOF, tbiFile, vcfFile } from "../../scripts/lib/dev/genomic-fixtures";
import { SyntheticListingStore, syntheticSample } from "../../scripts/lib/dev/bench/synthetic-cohort";
import { publishCohort } from "../../scripts/lib/publication/publish";
import { fromStackKey } from "../../scripts/lib/s3/credentials";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { localStackOutputs } from "../../scripts/lib/dev/bench/publish-bench";
import { run } from "../support/cli-runner";
import { PRESIGNER_KEY, startTestBucket, TestBucket } from "../support/local-bucket";

const HTSLIB_TOOLS = ["bgzip", "tabix", "samtools"];
const head = (bytes: Buffer) => bytes.subarray(0, CONTENT_CHECK_BYTES);

function missingTools(): string[] {
  return HTSLIB_TOOLS.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
}

describe("header columns of text files", () => {
  it("reads header columns, allowing a leading #", () => {
    assert.deepEqual(headerColumns(Buffer.from("#chrom1\tstart1\n1\t2")), ["chrom1", "start1"]);
    assert.equal(headerColumns(Buffer.from([0x1f, 0x8b, 8, 0])), undefined);
  });
});

describe("content check", function () {
  this.timeout(60_000);

  describe("against files htslib writes", function () {
    let directory: string;
    before(function () {
      const missing = missingTools();
      if (missing.length > 0) {
        const notice = `${missing.join(", ")} not found (Debian packages "tabix" and "samtools"; .ci/run installs them)`;
        if (process.env.CI === "true") throw new Error(`${notice}: these tests cannot be skipped under CI=true`);
        console.log(`      NOTICE: skipping the htslib reference tests: ${notice}`);
        this.skip();
      }
      directory = mkdtempSync(join(tmpdir(), "htslib-"));
    });
    after(() => directory && rmSync(directory, { recursive: true, force: true }));

    it("passes bgzip's VCF, tabix's .tbi, samtools' BAM and .bai; refuses CSI indexes, which Chromoscope cannot read", () => {
      const vcf = join(directory, "real.vcf");
      writeFileSync(
        vcf,
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t10\t.\tC\tT\t60\tPASS\t.\n",
      );
      execFileSync("bgzip", ["-f", vcf]);
      execFileSync("tabix", ["-p", "vcf", `${vcf}.gz`]);
      execFileSync("tabix", ["-C", "-f", "-p", "vcf", `${vcf}.gz`]);
      const sam = join(directory, "real.sam");
      writeFileSync(sam, "@HD\tVN:1.6\n@SQ\tSN:chr1\tLN:248956422\nr1\t0\tchr1\t1000\t60\t4M\t*\t0\t0\tACGT\tIIII\n");
      const bam = join(directory, "real.bam");
      execFileSync("samtools", ["view", "-b", "-o", bam, sam]);
      execFileSync("samtools", ["index", bam]);
      execFileSync("samtools", ["index", "-c", bam, "-o", `${bam}.csi`]);
      const real: Array<[FileField, string]> = [
        ["vcf", `${vcf}.gz`],
        ["vcf2", `${vcf}.gz`],
        ["vcfIndex", `${vcf}.gz.tbi`],
        ["vcf2Index", `${vcf}.gz.tbi`],
        ["bam", bam],
        ["bai", `${bam}.bai`],
      ];
      for (const [field, path] of real)
        assert.equal(signatureProblem(field, head(readFileSync(path))), undefined, path);
      const csi = (field: FileField, path: string) => signatureProblem(field, head(readFileSync(path)))?.message;
      assert.match(
        csi("vcfIndex", `${vcf}.gz.csi`) ?? "",
        /is not a tabix index \(\.tbi\) \(it is BGZF whose data starts "CSI/,
      );
      assert.match(csi("bai", `${bam}.csi`) ?? "", /is not a BAM index \(\.bai\) \(it is BGZF whose data starts "CSI/);
    });

    it("the project's fixtures are what htslib reads (so the demo, benchmarks and tests use real formats)", () => {
      const text = execFileSync("bgzip", ["-d", "-c"], { input: vcfFile("PD1") }).toString();
      assert.match(text, /^##fileformat=VCFv4\.2\n[\s\S]*\tPD1\nchr1\t1000000\t/);
      const bam = join(directory, "fixture.bam");
      writeFileSync(bam, bamFile());
      assert.equal(execFileSync("samtools", ["view", "-c", bam]).toString().trim(), "0");
      const large = Buffer.alloc(200_000, "ACGT");
      assert.ok(execFileSync("bgzip", ["-d", "-c"], { input: bgzf(large) }).equals(large), "multi-block BGZF");
      for (const [field, bytes] of [
        ["vcfIndex", tbiFile()],
        ["bai", baiFile()],
      ] as const)
        assert.equal(signatureProblem(field, head(bytes)), undefined);
    });
  });

  it("names what a mislabelled file is, with the fix", () => {
    const cases: Array<[FileField, Buffer, RegExp, RegExp]> = [
      ["vcf", gzipSync("##fileformat=VCFv4.2\n"), /is not a bgzipped VCF \(it is plain gzip, not BGZF\)/, /bgzip/],
      ["vcf", Buffer.from("##fileformat=VCFv4.2\n"), /is not a bgzipped VCF \(it starts "##fileformat=VCF"\)/, /bgzip/],
      ["vcf", BGZF_EOF, /is not a bgzipped VCF \(it is BGZF holding nothing\)/, /bgzip/],
      ["vcf", bamFile(), /is not a bgzipped VCF \(it is BGZF whose data starts "BAM/, /bgzip/],
      ["vcfIndex", baiFile(), /is not a tabix index \(\.tbi\) \(it starts "BAI/, /tabix -p vcf/],
      ["bam", Buffer.from("@HD\tVN:1.6\n"), /is not a BAM file \(it starts "@HD/, /samtools view -b/],
      ["bam", vcfFile(), /is not a BAM file \(it is BGZF whose data starts "##fileformat/, /samtools/],
      ["bai", tbiFile(), /is not a BAM index \(\.bai\) \(it is BGZF whose data starts "TBI/, /samtools index/],
    ];
    for (const [field, bytes, message, fix] of cases) {
      const problem = signatureProblem(field, head(bytes));
      assert.ok(problem, `${field}: a problem`);
      assert.match(problem.message, message);
      assert.match(problem.fix, fix);
    }
    assert.equal(signatureProblem("thumbnail", Buffer.from("anything")), undefined, "thumbnails are not checked");
  });

  describe("publish-cohort, by default", () => {
    let bucket: TestBucket;
    const operations: string[] = [];
    const PREFIX = "cohorts/checked/";
    const sv = "chrom1\tstart1\tend1\tchrom2\tstart2\tend2\tsv_id\tstrand1\tstrand2\n";
    before(async () => {
      bucket = await startTestBucket({ onRequest: (request) => operations.push(request.operation) });
      await bucket.upload([
        { key: `${PREFIX}A/A.sv.bedpe`, body: sv },
        { key: `${PREFIX}A/A.cna.tsv`, body: "chromosome\tstart\tend\n" },
        { key: `${PREFIX}A/A.snv.vcf.gz`, body: gzipSync("##fileformat=VCFv4.2\n") },
        { key: `${PREFIX}A/A.snv.vcf.gz.tbi`, body: tbiFile() },
        { key: `${PREFIX}B/B.sv.bedpe`, body: sv },
        { key: `${PREFIX}B/B.cna.tsv`, body: "chromosome\tstart\tend\ttotal_cn\tmajor_cn\tminor_cn\n" },
        { key: `${PREFIX}B/B.bam`, body: Buffer.from("@HD\tVN:1.6\n") },
        { key: `${PREFIX}B/B.bam.bai`, body: baiFile() },
      ]);
    });
    after(() => bucket.close());
    const publish = (extra: string[] = []) =>
      run(publishCohortCommand, [
        ...["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, "--cohort", "Checked"],
        ...["--prefix", PREFIX, "--cancer", "Breast", "--assembly", "hg38", ...extra],
      ]);

    it("reports a gzip VCF, a SAM named .bam and a CNV without its columns in one run, and publishes nothing", async () => {
      const result = await publish();
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /^error: 3 problems in cohort "Checked"; nothing was published$/m);
      assert.match(
        result.stderr,
        /cnv s3:\/\/\S+\/A\/A\.cna\.tsv lacks the header columns total_cn, major_cn, minor_cn/,
      );
      assert.match(
        result.stderr,
        /vcf s3:\/\/\S+\/A\/A\.snv\.vcf\.gz is not a bgzipped VCF \(it is plain gzip, not BGZF\)/,
      );
      assert.match(result.stderr, /bam s3:\/\/\S+\/B\/B\.bam is not a BAM file \(it starts "@HD/);
      assert.equal(result.stdout, "");
      assert.deepEqual(await bucket.keys("configs/"), []);
    });

    it("--no-check-content reads no file and publishes", async () => {
      operations.length = 0;
      const result = await publish(["--no-check-content", "--dry-run"]);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(!operations.includes("GetObject"), operations.join(" "));
    });
  });

  it("beyond 1,000 files reads every file of the first 20 samples and 1,000 more at random, and says so", async () => {
    const samples = 300; // 1,200 files
    const store = new SyntheticListingStore("bench-data", "cohorts/big/", samples);
    const reads: string[] = [];
    const counting = {
      ...store,
      bucket: store.bucket,
      list: store.list.bind(store),
      put: store.put.bind(store),
      remove: store.remove.bind(store),
      read: (key: string, range?: { start: number; end: number }) => (reads.push(key), store.read(key, range)),
    };
    const warnings: string[] = [];
    const outputs = parseStackOutputs({ ...localStackOutputs("bench-data") }, "test outputs");
    const result = await publishCohort(
      {
        cohort: "Big",
        source: { kind: "prefix", prefix: "cohorts/big/", cancer: "Breast", assembly: "hg38" },
        dryRun: true,
      },
      {
        outputs,
        credentials: fromStackKey(PRESIGNER_KEY),
        store: counting,
        now: () => new Date(),
        randomHex: () => "0123abcd",
        warn: (message) => warnings.push(message),
      },
    );
    assert.equal(result.urlCount, 1200);
    assert.equal(reads.length, 20 * 4 + 1000);
    assert.equal(new Set(reads).size, reads.length, "no file read twice");
    const firstSamples = new Set(Array.from({ length: 20 }, (_, index) => syntheticSample("cohorts/big/", index).id));
    assert.equal(reads.filter((key) => firstSamples.has(key.split("/")[2])).length, 80);
    assert.deepEqual(warnings, [
      "content checked in 1,080 of 1,200 files: every file of the first 20 samples and 1,000 chosen at random from the rest (the others exist and are not empty)",
    ]);
  });

  it("samples with the random source it is given, and not at all up to the limit", async () => {
    const samples: LocatedSample[] = Array.from({ length: 6 }, (_, index) => ({
      sample: syntheticSample("cohorts/s/", index),
      source: `row ${index + 1}`,
    }));
    const store = new SyntheticListingStore("b", "cohorts/s/", 6);
    const limits = { files: 5, firstSamples: 1 };
    const picked = await checkContent(samples, store, { limits, random: () => 0 });
    assert.deepEqual([picked.checked, picked.files], [4 + 5, 24]);
    const all = await checkContent(samples, store, { limits: { files: 24, firstSamples: 1 } });
    assert.deepEqual([all.checked, all.files, all.problems], [24, 24, []]);
  });
});
