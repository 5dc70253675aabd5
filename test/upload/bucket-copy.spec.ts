/**
 * upload-cohort --from s3://bucket/prefix/: a cohort in a lab's bucket is copied into the stack's by
 * S3 itself. The embedded server counts the requests: copy requests only (CopyObject, and
 * UploadPartCopy for an object above the multipart threshold), never a GetObject of data; the copies
 * carry the source's CRC-64/NVME, a second run copies nothing, a multipart copy interrupted midway
 * resumes from the parts copied, and the manifest is written as for a folder.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as S3 from "@aws-sdk/client-s3";
import { uploadCohortCommand } from "../../scripts/lib/cli/commands/upload-cohort-command";
import { copyFromBucket } from "../../scripts/lib/upload/bucket-copy";
import { seededBytes } from "../../scripts/lib/dev/seeded-random";
import { checksumOf } from "../../scripts/lib/s3/checksums";
import { createS3Client, s3ObjectStore } from "../../scripts/lib/s3/object-store";
import { run } from "../support/cli-runner";
import { SESSION_KEY, startTestBucket, TestBucket } from "../support/local-bucket";

const SOURCE = "lab-archive";
const MIB = 1024 * 1024;
const FILES = new Map<string, Buffer>([
  ["pcawg/S1/S1.sv.bedpe", Buffer.from("chrom1\tstart1\tend1\tchrom2\tstart2\tend2\tsv_id\tstrand1\tstrand2\n")],
  ["pcawg/S1/S1.cna.tsv", Buffer.from("chromosome\tstart\tend\ttotal_cn\tmajor_cn\tminor_cn\n")],
  ["pcawg/S1/S1.bam", seededBytes(11 * MIB + 7, 5)],
  ["pcawg/S1/S1.bam.bai", seededBytes(1000, 6)],
]);

describe("upload-cohort --from s3://…: server-side copy from a lab's bucket", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  const operations: string[] = [];
  const count = (name: string) => operations.filter((operation) => operation === name).length;
  const own = { credentialProvider: async () => ({ ...SESSION_KEY }) };
  const target = () => ({ client: bucket.client, store: bucket.store, bucket: bucket.bucket });
  const source = () => ({
    client: bucket.client,
    store: s3ObjectStore(bucket.client, SOURCE),
    bucket: SOURCE,
    prefix: "pcawg/",
  });

  beforeEach(async () => {
    bucket = await startTestBucket({ onRequest: (request) => operations.push(request.operation) });
    await bucket.client.send(new S3.CreateBucketCommand({ Bucket: SOURCE }));
    for (const [key, body] of FILES)
      await bucket.client.send(new S3.PutObjectCommand({ Bucket: SOURCE, Key: key, Body: body }));
    operations.length = 0;
  });
  afterEach(() => bucket.close());

  it("copies by CopyObject, downloads nothing, keeps S3's checksums, writes the manifest; a second run copies nothing", async () => {
    const manifest = bucket.scratch("copied.tsv", "");
    const args = [
      ...["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, "--from", `s3://${SOURCE}/pcawg/`],
      ...["--prefix", "cohorts/adopted/", "--manifest-out", manifest, "--cancer", "Breast", "--assembly", "hg38"],
    ];
    const result = await run(uploadCohortCommand, args, own);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /server-side: no bytes pass through this machine/);
    assert.equal(count("CopyObject"), FILES.size);
    assert.equal(count("GetObject"), 0, "no object is downloaded");
    assert.equal(count("PutObject") + count("UploadPart"), 0, "no byte is uploaded");
    for (const [key, body] of FILES) {
      const copied = `cohorts/adopted/${key.slice("pcawg/".length)}`;
      const head = await bucket.client.send(
        new S3.HeadObjectCommand({ Bucket: bucket.bucket, Key: copied, ChecksumMode: "ENABLED" }),
      );
      assert.equal(head.ChecksumCRC64NVME, checksumOf("CRC64NVME", body), copied);
    }
    assert.match(readFileSync(manifest, "utf8"), /^S1\tBreast\thg38\tcohorts\/adopted\/S1\/S1\.sv\.bedpe/m);

    operations.length = 0;
    const again = await run(uploadCohortCommand, [...args, "--json"], own);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).skipped.length, FILES.size);
    assert.equal(count("CopyObject") + count("UploadPartCopy") + count("GetObject"), 0);
  });

  it("above the threshold, UploadPartCopy ranges; an interrupted copy resumes from the parts copied", async () => {
    const controller = new AbortController();
    const options = { concurrency: 1, multipartAbove: 5 * MIB, partSize: 5 * MIB };
    let parts = 0;
    const watcher = setInterval(() => {
      parts = count("UploadPartCopy");
      if (parts >= 1) controller.abort("SIGINT");
    }, 1);
    await assert
      .rejects(
        copyFromBucket(source(), "cohorts/adopted/", target(), { ...options, interruption: controller.signal }),
        { name: "InterruptedError" },
      )
      .finally(() => clearInterval(watcher));
    // Copies S3 had started run to their end server-side: wait until the parts held stop changing.
    const uploads = await bucket.client.send(new S3.ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
    const listParts = async () =>
      (
        await bucket.client.send(
          new S3.ListPartsCommand({
            Bucket: bucket.bucket,
            Key: uploads.Uploads![0].Key,
            UploadId: uploads.Uploads![0].UploadId,
          }),
        )
      ).Parts?.length ?? 0;
    let kept = -1;
    for (let now = await listParts(); now !== kept; now = await listParts()) {
      kept = now;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.ok(kept >= 1, "parts copied before the interruption stay");
    operations.length = 0;
    const result = await copyFromBucket(source(), "cohorts/adopted/", target(), options);
    assert.equal(count("UploadPartCopy"), 3 - kept, `${kept} parts kept, the rest copied`);
    assert.equal(count("GetObject"), 0);
    assert.ok(result.uploaded.some((file) => file.key === "cohorts/adopted/S1/S1.bam"));
    const head = await bucket.client.send(
      new S3.HeadObjectCommand({ Bucket: bucket.bucket, Key: "cohorts/adopted/S1/S1.bam", ChecksumMode: "ENABLED" }),
    );
    assert.equal(head.ChecksumCRC64NVME, checksumOf("CRC64NVME", FILES.get("pcawg/S1/S1.bam")!));
    assert.equal(head.ChecksumType, "FULL_OBJECT");
  });

  it("a source replaced after it was looked at is not copied: each copy is pinned to the ETag seen", async () => {
    // The source client replaces the BAM right after its HeadObject, as another writer could.
    const sourceClient = createS3Client({
      region: bucket.server.region,
      endpoint: bucket.server.endpoint,
      credentials: { ...SESSION_KEY },
    });
    let replacements = 0;
    sourceClient.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = args.input as { Key?: string };
        if (context.commandName === "HeadObjectCommand" && input.Key === "pcawg/S1/S1.bam") {
          await bucket.client.send(
            new S3.PutObjectCommand({
              Bucket: SOURCE,
              Key: input.Key,
              Body: seededBytes(11 * MIB + 7, 100 + replacements++),
            }),
          );
        }
        return result;
      },
      { step: "initialize", name: "replaceSource" },
    );
    for (const multipartAbove of [undefined, 5 * MIB]) {
      operations.length = 0;
      await assert.rejects(
        copyFromBucket({ ...source(), client: sourceClient }, "cohorts/adopted/", target(), {
          concurrency: 1,
          multipartAbove,
          partSize: 5 * MIB,
        }),
        /s3:\/\/lab-archive\/pcawg\/S1\/S1\.bam changed while it was copied .*nothing of it was kept/,
      );
      assert.ok(count(multipartAbove ? "UploadPartCopy" : "CopyObject") >= 1, operations.join(", "));
      assert.ok(!(await bucket.keys("cohorts/adopted/")).includes("cohorts/adopted/S1/S1.bam"), "no copy of either");
      const uploads = await bucket.client.send(new S3.ListMultipartUploadsCommand({ Bucket: bucket.bucket }));
      assert.equal(uploads.Uploads, undefined, "parts copied from the old version are aborted");
    }
    sourceClient.destroy();
  });
});
