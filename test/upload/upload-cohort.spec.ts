/**
 * upload-cohort against the embedded S3 server: a folder's contents under a prefix with the exact
 * bytes, multipart for a file over the part size, each object's CRC-64/NVME as S3 stored it, nothing
 * sent on a second run, an interrupted run resumed by running it again, and the manifest
 * publish-cohort takes.
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { uploadCohortCommand } from "../../scripts/lib/cli/commands/upload-cohort-command";
import { InterruptSignal } from "../../scripts/lib/errors";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { run } from "../support/cli-runner";
import { PRESIGNER_KEY, SESSION_KEY, startTestBucket, TestBucket } from "../support/local-bucket";
import { sampleIdFrom } from "../../scripts/lib/upload/upload-manifest";
import { checksumOf } from "../../scripts/lib/s3/checksums";
import { baiFile, bamFile, tbiFile, vcfFile } from "../../scripts/lib/dev/genomic-fixtures";

const MIB = 1024 * 1024;
const PREFIX = "cohorts/uploaded/";

/** A cohort folder as a lab has it: one folder per sample, a name with a space, a BAM over 5 MiB (last in key order). */
function writeCohortFolder(root: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>([
    [
      "PD 1/PD 1.sv.bedpe",
      Buffer.from("chrom1\tstart1\tend1\tchrom2\tstart2\tend2\tsv_id\tpe_support\tstrand1\tstrand2\tsvclass\n"),
    ],
    ["PD 1/PD 1.cna.tsv", Buffer.from("chromosome\tstart\tend\ttotal_cn\tmajor_cn\tminor_cn\n")],
    ["PD 1/PD 1.snv.vcf.gz", vcfFile()],
    ["PD 1/PD 1.snv.vcf.gz.tbi", tbiFile()],
    [
      "PD2/PD2.sv.bedpe",
      Buffer.from("chrom1\tstart1\tend1\tchrom2\tstart2\tend2\tsv_id\tpe_support\tstrand1\tstrand2\tsvclass\n"),
    ],
    ["PD2/PD2.cna.tsv", Buffer.from("chromosome\tstart\tend\ttotal_cn\tmajor_cn\tminor_cn\n")],
    // Over the 5 MiB part size, and incompressible, as sequencing data is.
    ["PD2/PD2.bam", Buffer.concat([bamFile(), randomBytes(12 * MIB + 123)])],
    ["PD2/PD2.bam.bai", baiFile()],
    ["PD2/PD2.drivers.tsv", Buffer.from("gene\tchr\tpos\n")],
    ["PD2/empty.txt.unknown", Buffer.alloc(0)],
  ]);
  for (const [name, bytes] of files) {
    mkdirSync(join(root, name, ".."), { recursive: true });
    writeFileSync(join(root, name), bytes);
  }
  writeFileSync(join(root, ".DS_Store"), "finder");
  return files;
}

describe("upload-cohort", function () {
  this.timeout(120_000);
  let bucket: TestBucket;
  let folder: string;
  let files: Map<string, Buffer>;
  const operations: string[] = [];
  const own = { credentialProvider: async () => ({ ...SESSION_KEY }) };
  const upload = (extra: string[] = [], io: Parameters<typeof run>[2] = own) =>
    run(
      uploadCohortCommand,
      [
        "--outputs",
        bucket.outputsFile,
        "--endpoint",
        bucket.server.endpoint,
        "--from",
        folder,
        "--prefix",
        PREFIX,
        "--part-size",
        "5",
        ...extra,
      ],
      io,
    );
  const sent = () =>
    operations.filter((operation) => ["PutObject", "UploadPart", "CreateMultipartUpload"].includes(operation));

  beforeEach(async () => {
    operations.length = 0;
    bucket = await startTestBucket({ onRequest: (request) => operations.push(request.operation) });
    folder = join(bucket.directory, "cohort");
    files = writeCohortFolder(folder);
  });
  afterEach(() => bucket.close());

  it("uploads the folder's contents with the exact bytes, the BAM in parts, each with the CRC-64/NVME S3 stored", async () => {
    const result = await upload(["--concurrency", "3"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    assert.deepEqual((await bucket.keys(PREFIX)).sort(), [...files.keys()].map((name) => PREFIX + name).sort());
    for (const [name, bytes] of files) {
      assert.ok((await bucket.store.read(PREFIX + name)).equals(bytes), `${name}: same bytes`);
      const head = await bucket.client.send(
        new HeadObjectCommand({ Bucket: bucket.bucket, Key: PREFIX + name, ChecksumMode: "ENABLED" }),
      );
      assert.equal(head.ChecksumCRC64NVME, checksumOf("CRC64NVME", bytes), `${name}: S3's checksum`);
      assert.equal(head.ChecksumType, "FULL_OBJECT");
      assert.deepEqual(head.Metadata, {}, `${name}: nothing in user metadata`);
    }
    // 12 MiB in 5 MiB parts: one multipart upload of three parts; the other files in one PUT each.
    assert.equal(operations.filter((operation) => operation === "CreateMultipartUpload").length, 1);
    assert.equal(operations.filter((operation) => operation === "UploadPart").length, 3);
    assert.equal(operations.filter((operation) => operation === "CompleteMultipartUpload").length, 1);
    assert.equal(operations.filter((operation) => operation === "PutObject").length, files.size - 1);
    assert.match(result.stderr, /Leaving out 1 hidden name \(starting with "\."\): \.DS_Store/);
    assert.match(
      result.stderr,
      /^Uploaded 10 files \(13 MB\) to s3:\/\/chromoscope-test-data\/cohorts\/uploaded\/ in/m,
    );
    assert.match(
      result.stderr,
      /^Next: npm run publish-cohort -- --outputs .* --cohort NAME --prefix cohorts\/uploaded\//m,
    );
    assert.doesNotMatch(result.stderr, /presigner key/, "the caller's own credentials raise no warning");
  });

  it("many requests in flight on the one interruption signal: no MaxListenersExceededWarning printed", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on("warning", onWarning);
    try {
      const result = await upload(["--concurrency", "8"]);
      assert.equal(result.code, 0, result.stderr);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    assert.deepEqual(
      warnings.filter((warning) => warning.startsWith("MaxListenersExceededWarning")),
      [],
    );
  });

  it("a second run sends nothing; a file changed since is sent again", async () => {
    assert.equal((await upload()).code, 0);
    operations.length = 0;
    const again = await upload(["--json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(sent(), []);
    const report = JSON.parse(again.stdout);
    assert.equal(report.uploaded.length, 0);
    assert.equal(report.skipped.length, files.size);
    assert.match(
      again.stderr,
      /10 files \(13 MB\) already there with the same size and checksum \(as S3 stored it\), skipped/,
    );

    const changed = Buffer.from("chromosome\tstart\tend\ttotal_cn\tmajor_cn\tMINOR_cn\n");
    writeFileSync(join(folder, "PD2/PD2.cna.tsv"), changed);
    operations.length = 0;
    const third = JSON.parse((await upload(["--json"])).stdout);
    assert.deepEqual(
      third.uploaded.map((file: { key: string; reason: string }) => [file.key, file.reason]),
      [[`${PREFIX}PD2/PD2.cna.tsv`, "content differs"]],
    );
    assert.deepEqual(sent(), ["PutObject"]);
    assert.ok((await bucket.store.read(`${PREFIX}PD2/PD2.cna.tsv`)).equals(changed));
  });

  it("interrupted while resuming: counts the files already there, not just those this run uploaded", async () => {
    const bam = join(folder, "PD2", "PD2.bam");
    const aside = join(bucket.directory, "PD2.bam");
    renameSync(bam, aside);
    const first = await upload();
    assert.equal(first.code, 0, first.stderr);
    renameSync(aside, bam);
    let interrupt: ((signal: InterruptSignal) => void) | undefined;
    const io = {
      ...own,
      onInterrupt: (handler: (signal: InterruptSignal) => void) => {
        interrupt = handler;
        return () => (interrupt = undefined);
      },
    };
    operations.length = 0;
    const watcher = setInterval(() => {
      if (!operations.includes("UploadPart")) return;
      interrupt?.("SIGINT");
      interrupt = undefined;
    }, 1);
    let result;
    try {
      result = await upload(["--concurrency", "1"], io);
    } finally {
      clearInterval(watcher);
    }
    assert.equal(result.code, 130, result.stderr);
    assert.match(
      result.stderr,
      // One file at a time, in the folder's order: PD 1's four files (there already), then the BAM.
      /^error: interrupted \(SIGINT\) with 4 of 10 files in place: 0 uploaded by this run, 4 already there \(skipped\); 6 left$/m,
    );
  });

  it("--manifest-out writes the manifest publish-cohort takes: ids from folder names, _ for what ids cannot hold", async () => {
    const manifest = join(bucket.directory, "cohort.tsv");
    const result = await upload(["--manifest-out", manifest, "--cancer", "Breast", "--assembly", "hg38"]);
    assert.equal(result.code, 0, result.stderr);
    const rows = readFileSync(manifest, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => line.split("\t"));
    assert.deepEqual(rows[0], ["id", "cancer", "assembly", "sv", "cnv", "drivers", "vcf", "vcfIndex", "bam", "bai"]);
    assert.deepEqual(
      rows.slice(1).map((row) => row.slice(0, 3)),
      [
        ["PD_1", "Breast", "hg38"],
        ["PD2", "Breast", "hg38"],
      ],
    );
    assert.equal(rows[2][rows[0].indexOf("bam")], `${PREFIX}PD2/PD2.bam`);
    assert.equal(rows[1][rows[0].indexOf("sv")], `${PREFIX}PD 1/PD 1.sv.bedpe`);
    assert.equal(statSync(manifest).mode & 0o777, 0o600);
    assert.match(result.stderr, /1 name became an id with _: "PD 1" → PD_1/);
    assert.match(result.stderr, /1 uploaded file belongs to no sample .*empty\.txt\.unknown/);
    assert.match(result.stderr, /^Next: npm run publish-cohort -- .* --cohort NAME --manifest /m);

    const published = await run(publishCohortCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
      "--cohort",
      "Uploaded",
      "--manifest",
      manifest,
      "--dry-run",
    ]);
    assert.equal(published.code, 0, published.stderr);
  });

  it("sample ids: every character an id may not hold becomes _", () => {
    assert.equal(sampleIdFrom("PD 1"), "PD_1");
    assert.equal(sampleIdFrom(".hidden#1/x"), "_hidden_1_x");
    assert.equal(sampleIdFrom("tumour-A.1:2+3"), "tumour-A.1:2+3");
    assert.equal(sampleIdFrom("é".repeat(200)).length, 128);
  });

  it("refuses a prefix outside the data prefixes, and --manifest-out without --cancer, before sending anything", async () => {
    // A second --prefix overrides the helper's (commander keeps the last).
    const outside = await upload(["--prefix", "configs/x/"]);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /--prefix "configs\/x\/" is not inside a data prefix of the stack/);
    assert.match(outside.stderr, /^fix: upload under cohorts\/<cohort>\//m);
    const noCancer = await upload(["--manifest-out", join(bucket.directory, "m.tsv")]);
    assert.equal(noCancer.code, 2);
    assert.match(noCancer.stderr, /--manifest-out needs --cancer and --assembly/);
    assert.deepEqual(sent(), []);
  });

  it("--dry-run says what it would send, and sends and writes nothing (not even --manifest-out)", async () => {
    const manifest = join(bucket.directory, "dry.tsv");
    const result = await upload(["--dry-run", "--manifest-out", manifest, "--cancer", "Breast", "--assembly", "hg38"]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^Dry run: would upload 10 files \(13 MB\)/m);
    assert.match(result.stderr, /^ {2}cohorts\/uploaded\/PD2\/PD2\.bam \(new\)$/m);
    assert.match(result.stderr, /^Dry run: .*dry\.tsv not written\.$/m);
    assert.deepEqual(sent(), []);
    assert.throws(() => statSync(manifest), { code: "ENOENT" });
  });

  it("warns when the credentials are the stack's presigner key (which cannot write on AWS), and tries", async () => {
    const result = await upload([], { credentialProvider: async () => ({ ...PRESIGNER_KEY }) });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /^warning: uploading with the stack's presigner key AKIATESTPRESIGNER001, which on AWS can read the data prefixes but not write them/m,
    );
    assert.doesNotMatch(result.stderr, /tEsTpReSiGnEr/, "never the secret");
  });

  it("without credentials: a stand-in stack (its endpoint in the outputs, as the demo's) uses its key; AWS says what to configure", async () => {
    const none = {
      credentialProvider: async () => Promise.reject(new Error("Could not load credentials from any providers")),
    };
    const outputs = JSON.parse(readFileSync(bucket.outputsFile, "utf8"));
    const standIn = join(bucket.directory, "stand-in.json");
    writeFileSync(standIn, JSON.stringify({ ...outputs, endpoint: bucket.server.endpoint }), { mode: 0o600 });
    const demo = await run(uploadCohortCommand, ["--outputs", standIn, "--from", folder, "--prefix", PREFIX], none);
    assert.equal(demo.code, 0, demo.stderr);
    assert.match(demo.stderr, /^warning: uploading with the stack's presigner key/m);

    const aws = await run(
      uploadCohortCommand,
      ["--outputs", bucket.outputsFile, "--from", folder, "--prefix", PREFIX],
      none,
    );
    assert.equal(aws.code, 3);
    assert.match(aws.stderr, /^error: no AWS credentials found/m);
  });
});
