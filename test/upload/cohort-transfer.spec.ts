/**
 * upload-cohort's library call without commander: transferCohort puts a local folder's files, or a
 * bucket prefix's objects (copied by S3), under the prefix and returns the keys for the manifest.
 */
import * as assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as S3 from "@aws-sdk/client-s3";
import { transferCohort } from "../../scripts/lib/upload/cohort-transfer";
import { readLocalFolder } from "../../scripts/lib/upload/local-folder";
import { SESSION_KEY, startTestBucket, TestBucket } from "../support/local-bucket";

describe("transferCohort (the library under upload-cohort)", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  const operations: string[] = [];
  before(async () => {
    bucket = await startTestBucket({ onRequest: (request) => operations.push(request.operation) });
  });
  after(() => bucket.close());
  const connection = () => ({ region: "us-east-1", credentials: { ...SESSION_KEY }, endpoint: bucket.server.endpoint });
  const into = (prefix: string) => ({ bucket: bucket.bucket, prefix });

  it("uploads a local folder's files under the prefix and returns their keys", async () => {
    const folder = join(bucket.directory, "transfer-folder");
    mkdirSync(join(folder, "S1"), { recursive: true });
    writeFileSync(join(folder, "S1", "S1.sv.bedpe"), "chrom1\tstart1\tend1\tchrom2\tstart2\tend2\n");
    writeFileSync(join(folder, "S1", "S1.cna.tsv"), "chromosome\tstart\tend\ttotal_cn\n");
    const source = { kind: "folder" as const, files: readLocalFolder(folder).files };
    const result = await transferCohort(source, into("cohorts/transfer/"), connection(), { concurrency: 2 });
    assert.deepEqual(result.keys, ["cohorts/transfer/S1/S1.cna.tsv", "cohorts/transfer/S1/S1.sv.bedpe"]);
    assert.equal(result.uploaded.length, 2);
    assert.deepEqual(await bucket.keys("cohorts/transfer/"), result.keys);
  });

  it("copies a bucket prefix by S3 itself: CopyObject, no GetObject", async () => {
    await bucket.client.send(new S3.CreateBucketCommand({ Bucket: "lab-source" }));
    await bucket.client.send(new S3.PutObjectCommand({ Bucket: "lab-source", Key: "run/S2.bam.bai", Body: "index" }));
    operations.length = 0;
    const source = { kind: "bucket" as const, place: { bucket: "lab-source", prefix: "run/" } };
    const result = await transferCohort(source, into("cohorts/copied/"), connection(), { concurrency: 2 });
    assert.deepEqual(result.keys, ["cohorts/copied/S2.bam.bai"]);
    assert.equal(operations.filter((operation) => operation === "CopyObject").length, 1);
    assert.equal(operations.filter((operation) => operation === "GetObject").length, 0);
  });
});
