/**
 * What upload-cohort trusts: nothing from outside --from (links out of the folder, FIFOs, sockets and
 * link loops are left out and listed; a FIFO never hangs the run), "already there" only by the
 * checksum S3 stored (a same-size object with other bytes and the right hash in its metadata is
 * replaced; an object with no checksum is uploaded again), and an object whose post-upload check
 * fails is deleted.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as S3 from "@aws-sdk/client-s3";
import { uploadCohortCommand } from "../../scripts/lib/cli/commands/upload-cohort-command";
import { readLocalFolder } from "../../scripts/lib/upload/local-folder";
import { uploadFolder } from "../../scripts/lib/upload/folder-upload";
import { CHECKSUM_METADATA_KEY } from "../../scripts/lib/dev/s3-operations/stored-checksums";
import { run } from "../support/cli-runner";
import { SESSION_KEY, startTestBucket, TestBucket } from "../support/local-bucket";

const PREFIX = "cohorts/safe/";
const SV = "chrom1\tstart1\tend1\tchrom2\tstart2\tend2\tsv_id\tstrand1\tstrand2\n";
const CNV = "chromosome\tstart\tend\ttotal_cn\tmajor_cn\tminor_cn\n";

describe("upload-cohort takes nothing from outside the folder and trusts only S3's checksums", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let folder: string;
  let outside: string;
  const own = { credentialProvider: async () => ({ ...SESSION_KEY }) };
  const upload = (extra: string[] = []) =>
    run(
      uploadCohortCommand,
      [
        ...[
          "--outputs",
          bucket.outputsFile,
          "--endpoint",
          bucket.server.endpoint,
          "--from",
          folder,
          "--prefix",
          PREFIX,
        ],
        ...extra,
      ],
      own,
    );

  beforeEach(async () => {
    bucket = await startTestBucket();
    folder = join(bucket.directory, "cohort");
    outside = join(bucket.directory, "elsewhere");
    mkdirSync(join(folder, "S1"), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(folder, "S1/S1.sv.bedpe"), SV);
    writeFileSync(join(folder, "S1/S1.cna.tsv"), CNV);
  });
  afterEach(() => bucket.close());

  it("leaves out and lists links to outside the folder, a FIFO, a link loop and a broken link; a link inside is uploaded", async () => {
    writeFileSync(join(outside, "credentials"), "[default]\naws_secret_access_key = not-for-the-bucket\n");
    symlinkSync(join(outside, "credentials"), join(folder, "S1/S1.drivers.tsv"));
    symlinkSync("/proc/self/environ", join(folder, "S1/environ.txt"));
    symlinkSync(outside, join(folder, "S2"));
    execFileSync("mkfifo", [join(folder, "S1/S1.snv.vcf.gz")]);
    symlinkSync("..", join(folder, "S1/loop"));
    symlinkSync(join(folder, "nowhere"), join(folder, "S1/broken.tsv"));
    symlinkSync("S1.sv.bedpe", join(folder, "S1/readme.md"));
    const manifest = join(bucket.directory, "m.tsv");
    const result = await upload(["--json", "--manifest-out", manifest, "--cancer", "Breast", "--assembly", "hg38"]);
    assert.equal(result.code, 0, result.stderr);
    for (const line of [
      '"S1/S1.drivers.tsv": a link to outside the folder',
      '"S1/environ.txt": a link to outside the folder',
      '"S2": a link to outside the folder',
      '"S1/S1.snv.vcf.gz": a FIFO',
      '"S1/loop": a link loop',
      '"S1/broken.tsv": a broken link',
    ]) {
      assert.ok(result.stderr.includes(`  ${line}\n`), `${line} in:\n${result.stderr}`);
    }
    assert.deepEqual((await bucket.keys(PREFIX)).sort(), [
      `${PREFIX}S1/S1.cna.tsv`,
      `${PREFIX}S1/S1.sv.bedpe`,
      `${PREFIX}S1/readme.md`,
    ]);
    assert.doesNotMatch(readFileSync(manifest, "utf8"), /drivers|environ|vcf/);

    const followed = readLocalFolder(folder, { followLinks: true });
    assert.ok(
      followed.files.some((file) => file.relativeKey === "S1/S1.drivers.tsv"),
      "--follow-links takes what links point to",
    );
    assert.ok(
      followed.leftOut.some((entry) => entry.name === "S1/S1.snv.vcf.gz" && entry.reason === "a FIFO"),
      "never a FIFO",
    );
  });

  it("a file swapped for a link to outside after the folder was read is not followed: nothing of it is sent", async () => {
    const listed = readLocalFolder(folder).files;
    const secret = join(outside, "credentials");
    writeFileSync(secret, CNV.replace(/[a-z]/g, "x"));
    rmSync(join(folder, "S1/S1.cna.tsv"));
    symlinkSync(secret, join(folder, "S1/S1.cna.tsv"));
    await assert.rejects(
      uploadFolder(
        listed,
        PREFIX,
        { client: bucket.client, store: bucket.store, bucket: bucket.bucket },
        { concurrency: 1 },
      ),
      /S1\/S1\.cna\.tsv" changed while the upload ran \(now a symbolic link, listed as a file\)/,
    );
    assert.ok(!(await bucket.keys(PREFIX)).includes(`${PREFIX}S1/S1.cna.tsv`));
  });

  it("an object of the same size with other bytes and the file's hash in its metadata is replaced", async () => {
    const local = Buffer.from(CNV);
    const forged = Buffer.from(CNV.toUpperCase());
    const sha256 = createHash("sha256").update(local).digest("hex");
    await bucket.client.send(
      new S3.PutObjectCommand({
        Bucket: bucket.bucket,
        Key: `${PREFIX}S1/S1.cna.tsv`,
        Body: forged,
        Metadata: { sha256 },
      }),
    );
    const result = await upload(["--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(
      report.uploaded.find((file: { key: string }) => file.key.endsWith("S1.cna.tsv")).reason,
      "content differs",
    );
    assert.ok((await bucket.store.read(`${PREFIX}S1/S1.cna.tsv`)).equals(local));
  });

  it("an object S3 keeps no checksum for (stored by another tool long ago) is uploaded again", async () => {
    await bucket.upload([{ key: `${PREFIX}S1/S1.cna.tsv`, body: CNV }]);
    const metadataFile = join(
      bucket.directory,
      "s3",
      bucket.bucket,
      "cohorts/safe/S1/S1.cna.tsv._S3rver_metadata.json",
    );
    const metadata = JSON.parse(readFileSync(metadataFile, "utf8"));
    delete metadata[CHECKSUM_METADATA_KEY];
    writeFileSync(metadataFile, JSON.stringify(metadata));
    const report = JSON.parse((await upload(["--json"])).stdout);
    assert.equal(
      report.uploaded.find((file: { key: string }) => file.key.endsWith("S1.cna.tsv")).reason,
      "no comparable checksum stored",
    );
    const head = await bucket.client.send(
      new S3.HeadObjectCommand({ Bucket: bucket.bucket, Key: `${PREFIX}S1/S1.cna.tsv`, ChecksumMode: "ENABLED" }),
    );
    assert.ok(head.ChecksumCRC64NVME, "it now has one");
  });

  it("an object whose post-upload check fails is deleted, and the run fails", async () => {
    // The server answers HeadObject with a checksum other than the one sent (a dropped or altered object).
    bucket.client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "HeadObjectCommand") {
          (result.output as S3.HeadObjectCommandOutput).ChecksumCRC64NVME = "AAAAAAAAAAA=";
        }
        return result;
      },
      { step: "initialize", name: "alterChecksum" },
    );
    const folderFiles = readLocalFolder(folder).files;
    await assert.rejects(
      uploadFolder(
        folderFiles,
        PREFIX,
        { client: bucket.client, store: bucket.store, bucket: bucket.bucket },
        { concurrency: 1 },
      ),
      /does not hold what was uploaded .*the object was deleted/,
    );
    assert.deepEqual(await bucket.keys(PREFIX), []);
  });
});
