/**
 * An interrupted upload resumes inside a file, from the parts S3 holds: after SIGINT (in-process)
 * and after SIGKILL (the real CLI as a child process, killed while a part is held by the fault
 * proxy), the next run finds the upload by listing, checks the parts held against the file by their
 * CRC-64/NVME and sends only the rest; the bytes the server receives prove it. A file changed since
 * starts afresh, its stale upload aborted.
 */
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as S3 from "@aws-sdk/client-s3";
import { uploadCohortCommand } from "../../scripts/lib/cli/commands/upload-cohort-command";
import { InterruptSignal } from "../../scripts/lib/errors";
import { seededBytes } from "../../scripts/lib/dev/seeded-random";
import { checksumOf } from "../../scripts/lib/s3/checksums";
import { run } from "../support/cli-runner";
import { signalAtPoints } from "../support/cli-child";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import { SESSION_KEY, startTestBucket, TestBucket } from "../support/local-bucket";

const MIB = 1024 * 1024;
const PREFIX = "cohorts/resumed/";
const BIG = "S1/S1.bam";
/** Six parts of 5 MiB (the last one short): four are in flight at once, so the sixth starts after two are stored. */
const BIG_SIZE = 25 * MIB + 123;

describe("upload-cohort resumes inside a file", function () {
  this.timeout(120_000);
  let bucket: TestBucket;
  let folder: string;
  let big: Buffer;
  const operations: string[] = [];
  const own = { credentialProvider: async () => ({ ...SESSION_KEY }) };
  const args = (endpoint: string) => [
    ...["--outputs", bucket.outputsFile, "--endpoint", endpoint, "--from", folder, "--prefix", PREFIX],
    ...["--part-size", "5", "--concurrency", "1"],
  ];
  const count = (name: string) => operations.filter((operation) => operation === name).length;
  /** Parts of the upload in progress that the server has stored whole (the side file is written last). */
  const storedParts = () => {
    const uploads = join(bucket.directory, "s3", bucket.bucket, "._S3rver_uploads");
    const root = existsSync(uploads) ? uploads : undefined;
    if (root === undefined) return 0;
    return readdirSync(root).reduce(
      (sum, id) => sum + readdirSync(join(root, id)).filter((name) => name.endsWith(".checksum.json")).length,
      0,
    );
  };
  /**
   * Waits until the server has received nothing for a while: parts of the interrupted run still in
   * flight (or in the sockets' buffers) may yet be stored, and must be before the held parts are counted.
   */
  const settled = async () => {
    const state = () => `${bucket.server.bytesReceived()} ${storedParts()}`;
    for (let last = ""; last !== state();) {
      last = state();
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  };
  const held = async () => {
    await settled();
    const uploads = await bucket.client.send(
      new S3.ListMultipartUploadsCommand({ Bucket: bucket.bucket, Prefix: PREFIX }),
    );
    assert.equal(uploads.Uploads?.length, 1, "one upload in progress, kept for the next run");
    const upload = uploads.Uploads[0];
    const parts = await bucket.client.send(
      new S3.ListPartsCommand({ Bucket: bucket.bucket, Key: upload.Key, UploadId: upload.UploadId }),
    );
    return { id: upload.UploadId!, parts: parts.Parts ?? [] };
  };

  /** Runs the upload again in-process and checks it sent only what S3 did not hold. */
  async function resumeAndCheck(heldBytes: number, heldParts: number) {
    await settled();
    operations.length = 0;
    const before = bucket.server.bytesReceived();
    const result = await run(uploadCohortCommand, [...args(bucket.server.endpoint), "--json"], own);
    assert.equal(result.code, 0, result.stderr);
    const received = bucket.server.bytesReceived() - before;
    const missing = BIG_SIZE - heldBytes;
    assert.equal(count("UploadPart"), 6 - heldParts, "only the parts S3 did not hold are sent");
    assert.equal(count("CreateMultipartUpload"), 0, "the upload in progress is resumed, not restarted");
    assert.ok(received >= missing, `received ${received} bytes, ${missing} were missing`);
    assert.ok(received < missing + 256 * 1024, `received ${received} bytes: only the ${missing} missing and requests`);
    const report = JSON.parse(result.stdout);
    const resumed = report.uploaded.find((file: { key: string }) => file.key === PREFIX + BIG);
    assert.deepEqual(resumed.kept, { parts: heldParts, bytes: heldBytes });
    assert.match(result.stderr, /resumed 1 file from the parts S3 held/);
    assert.ok((await bucket.store.read(PREFIX + BIG)).equals(big), "the object holds the file's bytes");
    const head = await bucket.client.send(
      new S3.HeadObjectCommand({ Bucket: bucket.bucket, Key: PREFIX + BIG, ChecksumMode: "ENABLED" }),
    );
    assert.equal(head.ChecksumCRC64NVME, checksumOf("CRC64NVME", big));
    assert.equal(
      (await bucket.client.send(new S3.ListMultipartUploadsCommand({ Bucket: bucket.bucket }))).Uploads,
      undefined,
    );
  }

  beforeEach(async () => {
    operations.length = 0;
    bucket = await startTestBucket({ onRequest: (request) => operations.push(request.operation) });
    folder = join(bucket.directory, "cohort");
    mkdirSync(join(folder, "S1"), { recursive: true });
    big = seededBytes(BIG_SIZE, 11);
    writeFileSync(join(folder, BIG), big);
    writeFileSync(
      join(folder, "S1/S1.sv.bedpe"),
      "chrom1\tstart1\tend1\tchrom2\tstart2\tend2\tsv_id\tstrand1\tstrand2\n",
    );
  });
  afterEach(() => bucket.close());

  it("after SIGINT: the parts sent stay on S3, and the next run sends only the missing ones", async () => {
    let interrupt: ((signal: InterruptSignal) => void) | undefined;
    const io = {
      ...own,
      onInterrupt: (handler: (signal: InterruptSignal) => void) => {
        interrupt = handler;
        return () => (interrupt = undefined);
      },
    };
    const watcher = setInterval(() => {
      if (storedParts() >= 2) interrupt?.("SIGINT");
    }, 2);
    const first = await run(uploadCohortCommand, args(bucket.server.endpoint), io).finally(() =>
      clearInterval(watcher),
    );
    assert.equal(first.code, 130, first.stderr);
    assert.match(first.stderr, /^fix: run the same command again: .*a large file resumes from the parts S3 holds/m);
    assert.equal(count("AbortMultipartUpload"), 0, "an interrupt keeps the parts for the next run");
    const { parts } = await held();
    assert.ok(parts.length >= 2 && parts.length < 6, `${parts.length} parts held`);
    await resumeAndCheck(
      parts.reduce((sum, part) => sum + (part.Size ?? 0), 0),
      parts.length,
    );
  });

  describe("after SIGKILL", () => {
    let proxy: FaultProxy;
    beforeEach(async () => (proxy = await startFaultProxy({ target: bucket.server.endpoint })));
    afterEach(() => proxy.close());

    it("nothing local survives, yet the next run finds the upload by listing and sends only the missing parts", async () => {
      const killed = await signalAtPoints(
        proxy,
        "upload-cohort",
        args(proxy.endpoint),
        [
          {
            // The proxy names operations coarsely (a part is a PutObject to it): the sixth part by its query.
            rule: {
              fault: "stall",
              when: (request) => request.method === "PUT" && /[?&]partNumber=6(&|$)/.test(request.url),
            },
            signal: "SIGKILL",
          },
        ],
        { AWS_ACCESS_KEY_ID: SESSION_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: SESSION_KEY.secretAccessKey },
      );
      assert.equal(killed.signal, "SIGKILL");
      const { parts } = await held();
      assert.ok(parts.length >= 2 && parts.length < 6, `${parts.length} parts held`);
      await resumeAndCheck(
        parts.reduce((sum, part) => sum + (part.Size ?? 0), 0),
        parts.length,
      );
    });
  });

  it("a file changed since its parts were sent starts afresh: the stale upload is aborted", async () => {
    let interrupt: ((signal: InterruptSignal) => void) | undefined;
    const watcher = setInterval(() => {
      if (storedParts() >= 2) interrupt?.("SIGINT");
    }, 2);
    const first = await run(uploadCohortCommand, args(bucket.server.endpoint), {
      ...own,
      onInterrupt: (handler) => {
        interrupt = handler;
        return () => (interrupt = undefined);
      },
    }).finally(() => clearInterval(watcher));
    assert.equal(first.code, 130, first.stderr);
    const stale = await held();
    big[10] ^= 0xff;
    writeFileSync(join(folder, BIG), big);
    operations.length = 0;
    const again = await run(uploadCohortCommand, args(bucket.server.endpoint), own);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(count("UploadPart"), 6, "every part sent again");
    assert.equal(count("AbortMultipartUpload"), 1);
    await assert.rejects(
      bucket.client.send(new S3.ListPartsCommand({ Bucket: bucket.bucket, Key: PREFIX + BIG, UploadId: stale.id })),
      { name: "NoSuchUpload" },
    );
    assert.ok((await bucket.store.read(PREFIX + BIG)).equals(big));
  });
});
