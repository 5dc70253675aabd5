/**
 * The embedded server keeps checksums and multipart uploads as S3 does: it validates what a client
 * sends (header or aws-chunked trailer), stores and returns the checksum (only when asked), makes a
 * multipart upload's full-object CRC-64/NVME or composite checksum, lists uploads in progress and
 * their parts, and an abort or an interrupted part leaves no bytes on disk. Expected values come
 * from the bytes themselves (node's hashes, the published-vector-checked CRCs) or from botocore.
 */
import * as assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import * as S3 from "@aws-sdk/client-s3";
import { SignatureV4 } from "@smithy/signature-v4";
import { LOCAL_S3_DEFAULT_CREDENTIALS, LocalS3Server, startLocalS3 } from "../../scripts/lib/dev/local-s3";
import { checksumOf } from "../../scripts/lib/s3/checksums";
import { seededBytes } from "../../scripts/lib/dev/seeded-random";
import { PYTHON, runBotocoreJobAsync } from "../../scripts/lib/dev/botocore-runner";
import { NodeSha256 } from "../../scripts/lib/dev/bench/signers";

const BUCKET = "checksum-test";
const MIB = 1024 * 1024;

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe("local S3 server: checksums and multipart uploads as S3", function () {
  this.timeout(60_000);
  let directory: string;
  let server: LocalS3Server;
  let s3: S3.S3Client;
  const operations: string[] = [];
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "local-s3-checksums-"));
    server = await startLocalS3({ directory, onRequest: ({ operation }) => operations.push(operation) });
    s3 = new S3.S3Client({
      region: server.region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { ...LOCAL_S3_DEFAULT_CREDENTIALS },
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    await s3.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(async () => {
    s3.destroy();
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });
  const head = (key: string, mode = true) =>
    s3.send(new S3.HeadObjectCommand({ Bucket: BUCKET, Key: key, ...(mode ? { ChecksumMode: "ENABLED" } : {}) }));

  describe("PutObject", () => {
    const data = seededBytes(100_000, 1);
    it("a streamed upload with a trailing checksum (aws-chunked, as the SDK sends it) is stored whole, its CRC-64/NVME returned", async () => {
      const put = await s3.send(
        new S3.PutObjectCommand({
          Bucket: BUCKET,
          Key: "streamed",
          Body: Readable.from([data.subarray(0, 30_000), data.subarray(30_000)]),
          ContentLength: data.length,
          ChecksumAlgorithm: "CRC64NVME",
        }),
      );
      assert.equal(put.ChecksumCRC64NVME, checksumOf("CRC64NVME", data));
      const stored = await head("streamed");
      assert.equal(stored.ChecksumCRC64NVME, checksumOf("CRC64NVME", data));
      assert.equal(stored.ChecksumType, "FULL_OBJECT");
      assert.equal(stored.ContentEncoding, undefined, "aws-chunked is the transfer's coding, not the object's");
      const got = await s3.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: "streamed" }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data));
    });

    for (const algorithm of ["SHA256", "SHA1", "CRC32", "CRC32C"] as const) {
      it(`a ${algorithm} trailer is validated and stored`, async () => {
        const put = await s3.send(
          new S3.PutObjectCommand({
            Bucket: BUCKET,
            Key: `trailer-${algorithm}`,
            Body: Readable.from([data]),
            ContentLength: data.length,
            ChecksumAlgorithm: algorithm,
          }),
        );
        assert.equal(put[`Checksum${algorithm}`], checksumOf(algorithm, data));
        assert.equal((await head(`trailer-${algorithm}`))[`Checksum${algorithm}`], checksumOf(algorithm, data));
      });
    }

    it("a wrong checksum header is refused with 400 BadDigest and nothing is stored", async () => {
      await assert.rejects(
        s3.send(
          new S3.PutObjectCommand({
            Bucket: BUCKET,
            Key: "refused",
            Body: data,
            ChecksumCRC64NVME: checksumOf("CRC64NVME", Buffer.from("other")),
          }),
        ),
        (error: Error & { $metadata?: { httpStatusCode?: number } }) =>
          error.name === "BadDigest" && error.$metadata?.httpStatusCode === 400,
      );
      await assert.rejects(head("refused"), { name: "NotFound" });
    });

    it("a wrong trailer is refused: the body is checked before the object is renamed into place", async () => {
      const body = "hello";
      const chunked = `5\r\n${body}\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n`;
      const status = await rawPut("bad-trailer", chunked, {
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "content-encoding": "aws-chunked",
        "x-amz-decoded-content-length": "5",
        "x-amz-trailer": "x-amz-checksum-crc32",
      });
      assert.equal(status, 400);
      await assert.rejects(head("bad-trailer"), { name: "NotFound" });
    });

    it("without a checksum, the object gets CRC-64/NVME (S3's default), returned only with ChecksumMode", async () => {
      await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: "plain", Body: data }));
      assert.equal((await head("plain")).ChecksumCRC64NVME, checksumOf("CRC64NVME", data));
      assert.equal((await head("plain", false)).ChecksumCRC64NVME, undefined);
      const ranged = await s3.send(
        new S3.GetObjectCommand({ Bucket: BUCKET, Key: "plain", Range: "bytes=0-9", ChecksumMode: "ENABLED" }),
      );
      assert.equal(ranged.ChecksumCRC64NVME, undefined, "a range has no checksum of its own");
      await ranged.Body!.transformToByteArray();
    });

    it("user metadata never becomes a checksum", async () => {
      await s3.send(
        new S3.PutObjectCommand({
          Bucket: BUCKET,
          Key: "forged",
          Body: data,
          Metadata: { "checksum-crc64nvme": "SoXXbx67KpE=" },
        }),
      );
      assert.equal((await head("forged")).ChecksumCRC64NVME, checksumOf("CRC64NVME", data));
    });
  });

  describe("multipart uploads", () => {
    const big = seededBytes(11 * MIB + 5, 2);
    const pieces = [big.subarray(0, 5 * MIB), big.subarray(5 * MIB, 10 * MIB), big.subarray(10 * MIB)];

    async function uploadParts(
      key: string,
      algorithm?: "CRC64NVME" | "SHA256" | "CRC32",
      type?: "FULL_OBJECT" | "COMPOSITE",
    ) {
      const { UploadId } = await s3.send(
        new S3.CreateMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          ChecksumAlgorithm: algorithm,
          ChecksumType: type,
        }),
      );
      const parts: S3.CompletedPart[] = [];
      for (const [index, body] of pieces.entries()) {
        const field = algorithm ? { [`Checksum${algorithm}`]: checksumOf(algorithm, body) } : {};
        const part = await s3.send(
          new S3.UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: index + 1, Body: body, ...field }),
        );
        parts.push({ PartNumber: index + 1, ETag: part.ETag, ...field });
      }
      return { UploadId: UploadId!, parts };
    }

    it("CRC-64/NVME: the object's checksum is the full-object CRC of every byte", async () => {
      const { UploadId, parts } = await uploadParts("full", "CRC64NVME", "FULL_OBJECT");
      const done = await s3.send(
        new S3.CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: "full",
          UploadId,
          MultipartUpload: { Parts: parts },
          ChecksumType: "FULL_OBJECT",
          ChecksumCRC64NVME: checksumOf("CRC64NVME", big),
        }),
      );
      assert.equal(done.ChecksumCRC64NVME, checksumOf("CRC64NVME", big));
      const stored = await head("full");
      assert.equal(stored.ChecksumCRC64NVME, checksumOf("CRC64NVME", big));
      assert.equal(stored.ChecksumType, "FULL_OBJECT");
      assert.equal(stored.ContentLength, big.length);
    });

    it("without an algorithm, S3's default full-object CRC-64/NVME", async () => {
      const { UploadId, parts } = await uploadParts("default");
      await s3.send(
        new S3.CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: "default",
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      assert.equal((await head("default")).ChecksumCRC64NVME, checksumOf("CRC64NVME", big));
    });

    it("reads the parts' ETags written as character references (&#34;, as Go's XML encoder in rclone writes them)", async () => {
      for (const [key, quote] of [
        ["decimal-references", "&#34;"],
        ["hex-references", "&#x22;"],
      ]) {
        const { UploadId, parts } = await uploadParts(key);
        const complete = new S3.CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: parts },
        });
        // Rewritten before signing, as the client sends it.
        complete.middlewareStack.add(
          (next) => async (args) => {
            const request = args.request as { body: string; headers: Record<string, string> };
            request.body = request.body.replaceAll("&quot;", quote);
            assert.ok(request.body.includes(`<ETag>${quote}`), request.body);
            request.headers["content-length"] = String(Buffer.byteLength(request.body));
            return next(args);
          },
          { step: "build", priority: "low" },
        );
        await s3.send(complete);
        assert.equal((await head(key)).ContentLength, big.length, key);
      }
    });

    it("SHA-256 (and CRC32 by default): COMPOSITE, the checksum of the parts' checksums with -3", async () => {
      for (const algorithm of ["SHA256", "CRC32"] as const) {
        const key = `composite-${algorithm}`;
        const { UploadId, parts } = await uploadParts(key, algorithm);
        await s3.send(
          new S3.CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: key,
            UploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
        const raw = Buffer.concat(pieces.map((piece) => Buffer.from(checksumOf(algorithm, piece), "base64")));
        const stored = await head(key);
        assert.equal(stored[`Checksum${algorithm}`], `${checksumOf(algorithm, raw)}-3`, algorithm);
        assert.equal(stored.ChecksumType, "COMPOSITE");
      }
    });

    it("CRC32 with FULL_OBJECT: the CRC-32 of every byte", async () => {
      const { UploadId, parts } = await uploadParts("crc32-full", "CRC32", "FULL_OBJECT");
      await s3.send(
        new S3.CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: "crc32-full",
          UploadId,
          MultipartUpload: { Parts: parts },
          ChecksumType: "FULL_OBJECT",
        }),
      );
      assert.equal((await head("crc32-full")).ChecksumCRC32, checksumOf("CRC32", big));
    });

    it("refuses SHA-256 FULL_OBJECT, a part of another algorithm, a wrong part checksum and a wrong full-object checksum", async () => {
      await assert.rejects(
        s3.send(
          new S3.CreateMultipartUploadCommand({
            Bucket: BUCKET,
            Key: "x",
            ChecksumAlgorithm: "SHA256",
            ChecksumType: "FULL_OBJECT",
          }),
        ),
        { name: "InvalidRequest" },
      );
      const { UploadId } = await s3.send(
        new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "strict", ChecksumAlgorithm: "CRC64NVME" }),
      );
      await assert.rejects(
        s3.send(
          new S3.UploadPartCommand({
            Bucket: BUCKET,
            Key: "strict",
            UploadId,
            PartNumber: 1,
            Body: pieces[0],
            ChecksumCRC32: checksumOf("CRC32", pieces[0]),
          }),
        ),
        (error: Error) => error.name === "InvalidRequest" && /Checksum Type mismatch/.test(error.message),
      );
      const part = await s3.send(
        new S3.UploadPartCommand({
          Bucket: BUCKET,
          Key: "strict",
          UploadId,
          PartNumber: 1,
          Body: pieces[2],
          ChecksumCRC64NVME: checksumOf("CRC64NVME", pieces[2]),
        }),
      );
      await assert.rejects(
        s3.send(
          new S3.CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: "strict",
            UploadId,
            MultipartUpload: {
              Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC64NVME: checksumOf("CRC64NVME", pieces[0]) }],
            },
          }),
        ),
        { name: "InvalidPart" },
      );
      await assert.rejects(
        s3.send(
          new S3.CompleteMultipartUploadCommand({
            Bucket: BUCKET,
            Key: "strict",
            UploadId,
            ChecksumCRC64NVME: checksumOf("CRC64NVME", pieces[0]),
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC64NVME: part.ChecksumCRC64NVME }] },
          }),
        ),
        { name: "BadDigest" },
      );
      await assert.rejects(head("strict"), { name: "NotFound" });
      await s3.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "strict", UploadId }));
    });

    it("lists uploads in progress and their parts with checksums; an abort removes every part from disk", async () => {
      const { UploadId } = await uploadParts("in-progress", "CRC64NVME");
      const uploads = await s3.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "in-progress" }));
      assert.deepEqual(
        uploads.Uploads?.map((upload) => [upload.Key, upload.UploadId, upload.ChecksumAlgorithm, upload.ChecksumType]),
        [["in-progress", UploadId, "CRC64NVME", "FULL_OBJECT"]],
      );
      const listed = await s3.send(
        new S3.ListPartsCommand({ Bucket: BUCKET, Key: "in-progress", UploadId, MaxParts: 2 }),
      );
      assert.deepEqual(
        listed.Parts?.map((part) => [part.PartNumber, part.Size, part.ChecksumCRC64NVME]),
        pieces.slice(0, 2).map((piece, index) => [index + 1, piece.length, checksumOf("CRC64NVME", piece)]),
      );
      assert.equal(listed.IsTruncated, true);
      const rest = await s3.send(
        new S3.ListPartsCommand({
          Bucket: BUCKET,
          Key: "in-progress",
          UploadId,
          PartNumberMarker: listed.NextPartNumberMarker,
        }),
      );
      assert.deepEqual(
        rest.Parts?.map((part) => part.PartNumber),
        [3],
      );
      const before = (await filesUnder(directory)).filter((file) => file.includes(UploadId));
      assert.ok(before.length >= 3, "the parts are on disk while the upload is in progress");
      await s3.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "in-progress", UploadId }));
      assert.deepEqual(
        (await filesUnder(directory)).filter((file) => file.includes(UploadId)),
        [],
      );
      await assert.rejects(s3.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: "in-progress", UploadId })), {
        name: "NoSuchUpload",
      });
      assert.equal(
        (await s3.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "in-progress" }))).Uploads,
        undefined,
      );
      for (const name of ["ListMultipartUploads", "ListParts", "AbortMultipartUpload"])
        assert.ok(operations.includes(name), name);
    });

    it("a part cut off mid-body leaves no part and no file behind", async () => {
      const { UploadId } = await s3.send(
        new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "cut", ChecksumAlgorithm: "CRC64NVME" }),
      );
      const controller = new AbortController();
      const body = new Readable({ read() {} });
      body.push(Buffer.alloc(MIB));
      const sending = s3.send(
        new S3.UploadPartCommand({
          Bucket: BUCKET,
          Key: "cut",
          UploadId,
          PartNumber: 1,
          Body: body,
          ContentLength: 5 * MIB,
          ChecksumAlgorithm: "CRC64NVME",
        }),
        { abortSignal: controller.signal },
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      controller.abort();
      await assert.rejects(sending);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const parts = await s3.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: "cut", UploadId }));
      assert.equal(parts.Parts, undefined);
      assert.deepEqual(
        (await filesUnder(directory)).filter((file) => file.includes(UploadId!) && !/\/(key|metadata)$/.test(file)),
        [],
      );
    });
  });

  it("copies keep the source's checksum; a copy asked for another algorithm gets it", async () => {
    const data = seededBytes(20_000, 3);
    await s3.send(
      new S3.PutObjectCommand({
        Bucket: BUCKET,
        Key: "source",
        Body: data,
        ChecksumSHA256: checksumOf("SHA256", data),
      }),
    );
    const kept = await s3.send(
      new S3.CopyObjectCommand({ Bucket: BUCKET, Key: "copy kept", CopySource: `${BUCKET}/source` }),
    );
    assert.equal(kept.CopyObjectResult?.ChecksumSHA256, checksumOf("SHA256", data));
    const other = await s3.send(
      new S3.CopyObjectCommand({
        Bucket: BUCKET,
        Key: "copy+crc",
        CopySource: `${BUCKET}/source`,
        ChecksumAlgorithm: "CRC64NVME",
      }),
    );
    assert.equal(other.CopyObjectResult?.ChecksumCRC64NVME, checksumOf("CRC64NVME", data));
    assert.equal((await head("copy+crc")).ChecksumCRC64NVME, checksumOf("CRC64NVME", data));
  });

  it("a copy whose source is no longer the ETag named (x-amz-copy-source-if-match) fails with 412 and writes nothing", async () => {
    const data = seededBytes(6 * MIB, 7);
    const { ETag } = await s3.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: "pinned", Body: data }));
    const stale = `"${"0".repeat(32)}"`;
    await assert.rejects(
      s3.send(
        new S3.CopyObjectCommand({
          Bucket: BUCKET,
          Key: "pinned copy",
          CopySource: `${BUCKET}/pinned`,
          CopySourceIfMatch: stale,
        }),
      ),
      (error: S3.S3ServiceException) => error.name === "PreconditionFailed" && error.$metadata.httpStatusCode === 412,
    );
    await assert.rejects(head("pinned copy"), { name: "NotFound" });
    await assert.rejects(
      s3.send(
        new S3.CopyObjectCommand({
          Bucket: BUCKET,
          Key: "pinned copy",
          CopySource: `${BUCKET}/pinned`,
          CopySourceIfNoneMatch: ETag,
        }),
      ),
      { name: "PreconditionFailed" },
    );
    const { UploadId } = await s3.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "pinned parts" }));
    const copyPart = (ifMatch: string | undefined) =>
      s3.send(
        new S3.UploadPartCopyCommand({
          Bucket: BUCKET,
          Key: "pinned parts",
          UploadId,
          PartNumber: 1,
          CopySource: `${BUCKET}/pinned`,
          CopySourceRange: `bytes=0-${5 * MIB - 1}`,
          CopySourceIfMatch: ifMatch,
        }),
      );
    await assert.rejects(copyPart(stale), { name: "PreconditionFailed" });
    assert.equal(
      (await s3.send(new S3.ListPartsCommand({ Bucket: BUCKET, Key: "pinned parts", UploadId }))).Parts,
      undefined,
    );
    await copyPart(ETag);
    await s3.send(
      new S3.CopyObjectCommand({
        Bucket: BUCKET,
        Key: "pinned copy",
        CopySource: `${BUCKET}/pinned`,
        CopySourceIfMatch: ETag,
      }),
    );
    assert.equal((await head("pinned copy")).ContentLength, data.length);
  });

  it("agrees with botocore: its checksum headers (CRC32, CRC32C via the AWS CRT, SHA1, SHA256) are accepted and returned, and its composite multipart values match", async function () {
    const result = await runBotocoreJobAsync<{ single: Record<string, [string, string]>; composite: [string, string] }>(
      String.raw`
import base64, hashlib, json, sys
job = json.loads(sys.stdin.read())
try:
    import boto3
    from botocore.config import Config
    from awscrt import checksums
except ImportError as error:
    print(json.dumps({"unavailable": "cannot import boto3/awscrt: %s" % error})); sys.exit(0)
s3 = boto3.session.Session(aws_access_key_id=job["accessKeyId"], aws_secret_access_key=job["secretAccessKey"], region_name="us-east-1").client(
    "s3", endpoint_url=job["endpoint"], config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
data = bytes(range(256)) * 40
reference = {
    "CRC32": checksums.crc32(data).to_bytes(4, "big"), "CRC32C": checksums.crc32c(data).to_bytes(4, "big"),
    "SHA1": hashlib.sha1(data).digest(), "SHA256": hashlib.sha256(data).digest(),
}
single = {}
for algorithm, raw in reference.items():
    s3.put_object(Bucket=job["bucket"], Key="boto-" + algorithm, Body=data, ChecksumAlgorithm=algorithm)
    stored = s3.head_object(Bucket=job["bucket"], Key="boto-" + algorithm, ChecksumMode="ENABLED")
    single[algorithm] = [stored.get("Checksum" + algorithm), base64.b64encode(raw).decode()]
part = bytes([7]) * (5 * 1024 * 1024)
upload = s3.create_multipart_upload(Bucket=job["bucket"], Key="boto-composite", ChecksumAlgorithm="SHA256")
parts = []
for number, body in ((1, part), (2, data)):
    sent = s3.upload_part(Bucket=job["bucket"], Key="boto-composite", UploadId=upload["UploadId"], PartNumber=number, Body=body, ChecksumAlgorithm="SHA256")
    parts.append({"PartNumber": number, "ETag": sent["ETag"], "ChecksumSHA256": sent["ChecksumSHA256"]})
s3.complete_multipart_upload(Bucket=job["bucket"], Key="boto-composite", UploadId=upload["UploadId"], MultipartUpload={"Parts": parts})
stored = s3.head_object(Bucket=job["bucket"], Key="boto-composite", ChecksumMode="ENABLED")
expected = base64.b64encode(hashlib.sha256(hashlib.sha256(part).digest() + hashlib.sha256(data).digest()).digest()).decode() + "-2"
print(json.dumps({"single": single, "composite": [stored.get("ChecksumSHA256"), expected]}))
`,
      { endpoint: server.endpoint, bucket: BUCKET, ...LOCAL_S3_DEFAULT_CREDENTIALS },
      { timeoutMs: 60_000 },
    );
    if (!result.available) {
      if (process.env.CI === "true" || result.failed) assert.fail(result.reason);
      console.log(`      (skipped: ${result.reason}; needs ${PYTHON} with boto3 and awscrt)`);
      return this.skip();
    }
    for (const [algorithm, [stored, expected]] of Object.entries(result.output.single)) {
      assert.equal(stored, expected, algorithm);
    }
    assert.equal(result.output.composite[0], result.output.composite[1]);
  });

  /** A PUT with a raw body and headers, signed by the SDK's signer through a throwaway command. */
  async function rawPut(key: string, body: string, headers: Record<string, string>): Promise<number> {
    const signer = new SignatureV4({
      credentials: { ...LOCAL_S3_DEFAULT_CREDENTIALS },
      region: server.region,
      service: "s3",
      sha256: NodeSha256,
      uriEscapePath: false,
    });
    const url = new URL(`${server.endpoint}/${BUCKET}/${key}`);
    const signed = await signer.sign({
      method: "PUT",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...headers, "content-length": String(Buffer.byteLength(body)) },
      body,
    });
    return new Promise((resolve, reject) => {
      const request = httpRequest(url, { method: "PUT", headers: signed.headers }, (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
      });
      request.on("error", reject);
      request.end(body);
    });
  }
});
