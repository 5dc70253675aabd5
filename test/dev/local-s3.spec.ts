/**
 * The embedded S3-API server (scripts/lib/dev/local-s3.ts over @20minutes/s3rver 4.0.4 + our patch).
 * Each `describe` names the patch fix it proves; every case talks real HTTP to a real server.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createInterface } from "node:readline";
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type CORSRule,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  LOCAL_S3_DEFAULT_CREDENTIALS,
  LOCAL_S3_REGION,
  startLocalS3,
  type LocalS3Credentials,
  type LocalS3Options,
  type LocalS3Request,
  type LocalS3Server,
} from "../../scripts/lib/dev/local-s3";

const BUCKET = "chromoscope-test";
const VIEWER_ORIGIN = "http://127.0.0.1:5173";
const GET_ONLY_CORS_RULE: CORSRule = {
  AllowedMethods: ["GET"],
  AllowedOrigins: [VIEWER_ORIGIN],
  AllowedHeaders: ["*"],
  ExposeHeaders: ["Content-Range", "Content-Length", "ETag", "Accept-Ranges"],
  MaxAgeSeconds: 3000,
};
const SERVER_SCRIPT = join(__dirname, "..", "..", "scripts", "lib", "dev", "local-s3-server.ts");

interface Harness {
  server: LocalS3Server;
  s3: S3Client;
  directory: string;
}

/** Registers before/after hooks in the calling `describe`: a fresh directory and server. */
function useLocalS3(options: Partial<LocalS3Options> = {}, bucket: string | null = BUCKET): Harness {
  const harness = {} as Harness;
  before(async () => {
    harness.directory = await mkdtemp(join(tmpdir(), "local-s3-spec-"));
    harness.server = await startLocalS3({ directory: harness.directory, ...options });
    harness.s3 = s3Client(harness.server, harness.server.credentials[0]);
    if (bucket) await harness.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    harness.s3?.destroy();
    try {
      await harness.server?.close();
    } finally {
      if (harness.directory) await rm(harness.directory, { recursive: true, force: true });
    }
  });
  return harness;
}

function s3Client(
  target: { endpoint: string },
  credentials: LocalS3Credentials = LOCAL_S3_DEFAULT_CREDENTIALS,
): S3Client {
  return new S3Client({
    endpoint: target.endpoint,
    region: LOCAL_S3_REGION,
    forcePathStyle: true,
    credentials: { ...credentials }, // the SDK tags the object it is given
    maxAttempts: 1,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request on its own connection (no agent, so nothing is left open). */
function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      { method: init.method ?? "GET", headers: init.headers, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    request.on("error", reject);
    request.end(init.body);
  });
}

function errorCode(response: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(response.body.toString("utf8"))?.[1];
}

async function sdkError(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const { name, $metadata } = error as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name, status: $metadata?.httpStatusCode };
  }
  assert.fail("expected the S3 call to be refused");
}

function presignGet(s3: S3Client, key: string, expiresIn = 300, extra: Partial<GetObjectCommand["input"]> = {}) {
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: key, ...extra }), { expiresIn });
}

async function listAllKeys(
  s3: S3Client,
  prefix: string,
  pageSize?: number,
): Promise<{ keys: string[]; pages: number }> {
  const keys: string[] = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2(
    { client: s3 },
    { Bucket: BUCKET, Prefix: prefix, MaxKeys: pageSize },
  )) {
    pages += 1;
    keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ""));
  }
  return { keys, pages };
}

/** S3 lists keys in UTF-8 binary order. */
function s3Order(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Starts a presigned PUT of `totalBytes`, sends only the first `sentBytes`, waits until the server
 * has started writing them to disk, then destroys the socket (a killed upload).
 */
async function abortedUpload(h: Harness, key: string, totalBytes: number, sentBytes: number): Promise<void> {
  const url = await getSignedUrl(h.s3, new PutObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 300 });
  const before = await filesUnder(h.directory);
  const request = httpRequest(url, {
    method: "PUT",
    agent: false,
    headers: { "Content-Length": String(totalBytes), "Content-Type": "application/octet-stream" },
  });
  const failed = once(request, "error").catch(() => undefined);
  request.write(randomBytes(sentBytes));
  await waitFor(
    async () => (await filesUnder(h.directory)).length > before.length,
    "the server to start writing the upload",
  );
  request.destroy();
  await failed;
  // the server notices the reset asynchronously: give it up to a second to clean up
  const deadline = Date.now() + 1000;
  while (Date.now() < deadline && (await filesUnder(h.directory)).length !== before.length) await sleep(20);
}

describe("local S3 server", () => {
  describe("fix 1: SigV4 canonical URI keeps the trailing '/' of path-style bucket URLs", () => {
    const h = useLocalS3({}, null);

    it("accepts CreateBucket signed by the current SDK", async () => {
      const result = await h.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      assert.equal(result.$metadata.httpStatusCode, 200);
    });

    it("accepts PutBucketCors and returns the rule with GetBucketCors", async () => {
      await h.s3.send(
        new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules: [GET_ONLY_CORS_RULE] } }),
      );
      const { CORSRules } = await h.s3.send(new GetBucketCorsCommand({ Bucket: BUCKET }));
      assert.deepEqual(
        CORSRules?.map((rule) => [rule.AllowedMethods, rule.AllowedOrigins, rule.MaxAgeSeconds]),
        [[["GET"], [VIEWER_ORIGIN], 3000]],
      );
    });

    it("accepts ListObjectsV2", async () => {
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "one.tsv", Body: "x" }));
      const { Contents } = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      assert.deepEqual(
        Contents?.map((object) => object.Key),
        ["one.tsv"],
      );
    });

    it("accepts DeleteObjects", async () => {
      const { Deleted } = await h.s3.send(
        new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: "one.tsv" }] } }),
      );
      assert.deepEqual(
        Deleted?.map((object) => object.Key),
        ["one.tsv"],
      );
      const { KeyCount } = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      assert.equal(KeyCount, 0);
    });
  });

  describe("fix 2: query values are RFC 3986 encoded in the canonical query string", () => {
    const h = useLocalS3();
    const keys = ["punct/bang!quote'paren(1)star*.tsv", "punct/plain.tsv"];
    before(async () => {
      for (const key of keys) await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    });

    it("accepts ListObjectsV2 with a Prefix containing !'()* and filters by it", async () => {
      const { KeyCount } = await h.s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "punct/bang!quote'paren(1)star*" }),
      );
      assert.equal(KeyCount, 1);
    });

    it("serves a presigned GET whose signed query contains !'()*", async () => {
      const disposition = `attachment; filename="it's (really) *the* one!.tsv"`;
      const url = await presignGet(h.s3, keys[0], 300, { ResponseContentDisposition: disposition });
      assert.match(url, /%21|%27|%28|%29|%2A/);
      const response = await send(url);
      assert.equal(response.status, 200, errorCode(response));
      assert.equal(response.headers["content-disposition"], disposition);
      assert.equal(response.body.toString(), keys[0]);
    });
  });

  describe("fix 3: listing pagination (continuation tokens without DES, S3 key order)", () => {
    const h = useLocalS3();

    it("paginateListObjectsV2 returns each of 1005 keys exactly once, in pages of 1000", async () => {
      const keys = Array.from({ length: 1005 }, (_, i) => `many/sample-${String(i).padStart(4, "0")}.tsv`);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(
          keys.slice(i, i + 50).map((key) => h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }))),
        );
      }
      const listed = await listAllKeys(h.s3, "many/");
      assert.equal(listed.pages, 2);
      assert.deepEqual(listed.keys, keys);
    });

    it("lists keys in S3 order across small pages when the file layout sorts differently", async () => {
      // on disk "a/" is a directory next to files "a._S3rver_object", "a-1._S3rver_object", ...
      const keys = [
        "order/a",
        "order/a b",
        "order/a!",
        "order/a-1",
        "order/a.txt",
        "order/a/b",
        "order/a/c/d",
        "order/a0",
        "order/b",
      ];
      for (const key of keys) await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
      const listed = await listAllKeys(h.s3, "order/", 2);
      assert.deepEqual(listed.keys, s3Order(keys));
    });

    it("with a Delimiter, counts common prefixes as entries and returns each one once across pages", async () => {
      const keys = ["tree/a.tsv", "tree/b/1.tsv", "tree/b/2.tsv", "tree/b-c.tsv", "tree/c/1.tsv", "tree/d.tsv"];
      for (const key of keys) await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
      const entries: string[] = [];
      let pages = 0;
      for await (const page of paginateListObjectsV2(
        { client: h.s3 },
        { Bucket: BUCKET, Prefix: "tree/", Delimiter: "/", MaxKeys: 2 },
      )) {
        pages += 1;
        entries.push(
          ...(page.Contents ?? []).map((o) => `key ${o.Key}`),
          ...(page.CommonPrefixes ?? []).map((p) => `prefix ${p.Prefix}`),
        );
      }
      assert.deepEqual(entries.sort(), [
        "key tree/a.tsv",
        "key tree/b-c.tsv",
        "key tree/d.tsv",
        "prefix tree/b/",
        "prefix tree/c/",
      ]);
      assert.equal(pages, 3);
    });

    it("with a Delimiter, lists a common prefix whose keys all sit in deeper folders", async () => {
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "deep/cohort/sample/sv.bedpe", Body: "x" }));
      const { CommonPrefixes, Contents } = await h.s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "deep/", Delimiter: "/" }),
      );
      assert.deepEqual(
        { prefixes: CommonPrefixes?.map((p) => p.Prefix), keys: Contents?.map((o) => o.Key) ?? [] },
        { prefixes: ["deep/cohort/"], keys: [] },
      );
    });

    it("refuses a continuation token it did not issue with 400 InvalidArgument", async () => {
      const error = await sdkError(
        h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: "bm90LWEtdG9rZW4" })),
      );
      assert.deepEqual(error, { name: "InvalidArgument", status: 400 });
    });
  });

  describe("fix 4: objects are written to a temporary file and renamed into place", () => {
    const h = useLocalS3();
    const previous = randomBytes(4096);

    before(async () => {
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "aborted/overwrite.bin", Body: previous }));
    });

    it("an upload aborted mid-body leaves no object to GET", async () => {
      await abortedUpload(h, "aborted/new.bin", 4 << 20, 1 << 20);
      const error = await sdkError(h.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "aborted/new.bin" })));
      assert.deepEqual(error, { name: "NoSuchKey", status: 404 });
    });

    it("an upload aborted mid-body leaves no entry in ListObjectsV2", async () => {
      await abortedUpload(h, "aborted/listed.bin", 4 << 20, 1 << 20);
      const { Contents } = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "aborted/" }));
      assert.deepEqual(
        Contents?.map((object) => object.Key),
        ["aborted/overwrite.bin"],
      );
    });

    it("an upload aborted mid-body leaves no file behind on disk", async () => {
      const before = await filesUnder(h.directory);
      await abortedUpload(h, "aborted/on-disk.bin", 4 << 20, 1 << 20);
      assert.deepEqual(await filesUnder(h.directory), before);
    });

    it("an overwrite aborted mid-body keeps the previous object intact", async () => {
      await abortedUpload(h, "aborted/overwrite.bin", 4 << 20, 1 << 20);
      const url = await presignGet(h.s3, "aborted/overwrite.bin");
      const response = await send(url);
      assert.equal(response.status, 200);
      assert.ok(response.body.equals(previous), `got ${response.body.length} bytes instead of the previous 4096`);
    });

    it("a completed upload is readable with its metadata", async () => {
      const body = randomBytes(100_000);
      await h.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: "aborted/complete.bin",
          Body: body,
          ContentType: "text/tab-separated-values",
        }),
      );
      const head = await h.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "aborted/complete.bin" }));
      assert.equal(head.ContentLength, body.length);
      assert.equal(head.ContentType, "text/tab-separated-values");
      assert.ok((await send(await presignGet(h.s3, "aborted/complete.bin"))).body.equals(body));
    });
  });

  describe("fix 5: unsigned requests are refused unless allowAnonymous", () => {
    const h = useLocalS3();
    before(async () => {
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "private.tsv", Body: "secret data" }));
    });

    it("answers an unsigned GET of an existing object with 403 AccessDenied as S3 XML", async () => {
      const response = await send(`${h.server.endpoint}/${BUCKET}/private.tsv`);
      assert.equal(response.status, 403);
      assert.match(String(response.headers["content-type"]), /^application\/xml/);
      assert.equal(errorCode(response), "AccessDenied");
      assert.doesNotMatch(response.body.toString(), /secret data/);
    });

    it("answers an unsigned bucket listing with 403 AccessDenied", async () => {
      const response = await send(`${h.server.endpoint}/${BUCKET}/?list-type=2`);
      assert.deepEqual([response.status, errorCode(response)], [403, "AccessDenied"]);
    });

    it("refuses an unsigned PUT and stores nothing", async () => {
      const response = await send(`${h.server.endpoint}/${BUCKET}/planted.tsv`, { method: "PUT", body: "planted" });
      assert.deepEqual([response.status, errorCode(response)], [403, "AccessDenied"]);
      const error = await sdkError(h.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "planted.tsv" })));
      assert.equal(error.status, 404);
    });

    describe("with allowAnonymous: true", () => {
      const open = useLocalS3({ allowAnonymous: true });

      it("serves an unsigned GET", async () => {
        await open.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "public.tsv", Body: "public data" }));
        const response = await send(`${open.server.endpoint}/${BUCKET}/public.tsv`);
        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), "public data");
      });
    });
  });

  describe("credentials are per server (patched: no process-wide key registry)", () => {
    const rotated: LocalS3Credentials[] = [
      { accessKeyId: "LOCALSLOTA0000000000", secretAccessKey: "slot-a-secret" },
      { accessKeyId: "LOCALSLOTB0000000000", secretAccessKey: "slot-b-secret" },
    ];
    const h = useLocalS3({ credentials: rotated });
    const other = useLocalS3({}, null);

    for (const credentials of rotated) {
      it(`accepts every configured key (${credentials.accessKeyId})`, async () => {
        const client = s3Client(h.server, credentials);
        try {
          const { KeyCount } = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
          assert.equal(KeyCount, 0);
        } finally {
          client.destroy();
        }
      });
    }

    it("refuses s3rver's built-in S3RVER/S3RVER key with 403 InvalidAccessKeyId", async () => {
      const client = s3Client(h.server, { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
      try {
        assert.deepEqual(await sdkError(client.send(new ListObjectsV2Command({ Bucket: BUCKET }))), {
          name: "InvalidAccessKeyId",
          status: 403,
        });
      } finally {
        client.destroy();
      }
    });

    it("refuses the key of another server running in the same process", async () => {
      assert.notEqual(other.server.credentials[0].accessKeyId, rotated[0].accessKeyId);
      const client = s3Client(h.server, other.server.credentials[0]);
      try {
        assert.deepEqual(await sdkError(client.send(new ListObjectsV2Command({ Bucket: BUCKET }))), {
          name: "InvalidAccessKeyId",
          status: 403,
        });
      } finally {
        client.destroy();
      }
    });
  });

  describe("presigned URLs", () => {
    const h = useLocalS3();
    const data = randomBytes(1000);
    before(async () => {
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "cohorts/demo/sample.bam", Body: data }));
    });

    it("a presigned GET signs only host and answers 200 with the exact bytes", async () => {
      const url = await presignGet(h.s3, "cohorts/demo/sample.bam");
      assert.equal(new URL(url).searchParams.get("X-Amz-SignedHeaders"), "host");
      const response = await send(url);
      assert.equal(response.status, 200);
      assert.ok(response.body.equals(data));
    });

    it("a presigned URL with one signature character changed answers 403 SignatureDoesNotMatch", async () => {
      const url = await presignGet(h.s3, "cohorts/demo/sample.bam");
      const tampered = url.replace(
        /(X-Amz-Signature=[0-9a-f]*)([0-9a-f])/,
        (_, head: string, last: string) => head + (last === "0" ? "1" : "0"),
      );
      assert.notEqual(tampered, url);
      const response = await send(tampered);
      assert.deepEqual([response.status, errorCode(response)], [403, "SignatureDoesNotMatch"]);
    });

    it("a presigned URL with a 1-second expiry answers 403 once it has lapsed", async () => {
      const url = await presignGet(h.s3, "cohorts/demo/sample.bam", 1);
      await sleep(2100); // X-Amz-Date has whole seconds
      const response = await send(url);
      assert.deepEqual([response.status, errorCode(response)], [403, "AccessDenied"]);
      assert.match(response.body.toString(), /Request has expired/);
    });

    it("a presigned GET with Range: bytes=0-99 answers 206 with 100 bytes and Content-Range", async () => {
      const response = await send(await presignGet(h.s3, "cohorts/demo/sample.bam"), {
        headers: { Range: "bytes=0-99" },
      });
      assert.equal(response.status, 206);
      assert.equal(response.headers["content-range"], "bytes 0-99/1000");
      assert.ok(response.body.equals(data.subarray(0, 100)));
    });

    it("a request signed with a wrong secret key answers 403 SignatureDoesNotMatch", async () => {
      const client = s3Client(h.server, { ...LOCAL_S3_DEFAULT_CREDENTIALS, secretAccessKey: "wrong-secret" });
      try {
        assert.deepEqual(
          await sdkError(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: "cohorts/demo/sample.bam" }))),
          {
            name: "SignatureDoesNotMatch",
            status: 403,
          },
        );
        const response = await send(await presignGet(client, "cohorts/demo/sample.bam"));
        assert.deepEqual([response.status, errorCode(response)], [403, "SignatureDoesNotMatch"]);
      } finally {
        client.destroy();
      }
    });

    for (const key of [
      "cohorts/with space.tsv",
      "cohorts/plus+sign.tsv",
      "cohorts/ünïcødé-日本語-🧬.tsv",
      "cohorts/bang!quote'paren(1)star*.tsv",
      "cohorts/dir with space/a+b (c)=d&e.tsv",
      'cohorts/xml <special> & "quoted" `tick`.tsv',
    ]) {
      it(`key ${JSON.stringify(key)} round-trips via presigned GET`, async () => {
        await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: `contents of ${key}` }));
        const response = await send(await presignGet(h.s3, key));
        assert.equal(response.status, 200, errorCode(response));
        assert.equal(response.body.toString("utf8"), `contents of ${key}`);
      });

      it(`key ${JSON.stringify(key)} is listed verbatim by ListObjectsV2 (patched: XML escaped once)`, async () => {
        const { Contents } = await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
        assert.deepEqual(
          Contents?.map((object) => object.Key),
          [key],
        );
      });
    }
  });

  describe("CORS with a GET-only rule (as S3)", () => {
    const h = useLocalS3();
    let objectUrl = "";
    before(async () => {
      await h.s3.send(
        new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules: [GET_ONLY_CORS_RULE] } }),
      );
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "cohorts/demo/sv.bedpe", Body: "chrom1\tstart1\n" }));
      objectUrl = `${h.server.endpoint}/${BUCKET}/cohorts/demo/sv.bedpe`;
    });

    it("a GET from an allowed Origin gets Access-Control-Allow-Origin and Access-Control-Expose-Headers", async () => {
      const response = await send(await presignGet(h.s3, "cohorts/demo/sv.bedpe"), {
        headers: { Origin: VIEWER_ORIGIN },
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers["access-control-allow-origin"], VIEWER_ORIGIN);
      assert.equal(
        response.headers["access-control-expose-headers"],
        "Content-Range, Content-Length, ETag, Accept-Ranges",
      );
    });

    it("a GET from another Origin gets no Access-Control-Allow-Origin", async () => {
      const response = await send(await presignGet(h.s3, "cohorts/demo/sv.bedpe"), {
        headers: { Origin: "https://evil.example" },
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers["access-control-allow-origin"], undefined);
    });

    it("a preflight for PUT is refused with 403 and no Access-Control-Allow-* headers", async () => {
      const response = await send(objectUrl, {
        method: "OPTIONS",
        headers: { Origin: VIEWER_ORIGIN, "Access-Control-Request-Method": "PUT" },
      });
      assert.equal(response.status, 403);
      assert.deepEqual(
        Object.keys(response.headers).filter((name) => name.startsWith("access-control-allow")),
        [],
      );
    });

    it("a preflight for GET with a Range header is allowed (unsigned, although anonymous requests are refused)", async () => {
      const response = await send(objectUrl, {
        method: "OPTIONS",
        headers: {
          Origin: VIEWER_ORIGIN,
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "range",
        },
      });
      assert.equal(response.status, 200);
      assert.match(String(response.headers["access-control-allow-methods"]), /\bGET\b/);
      assert.equal(response.headers["access-control-allow-headers"], "range");
    });

    it("a preflight echoes the Origin, not '*' (patched, as S3 for a rule without a wildcard origin)", async () => {
      const response = await send(objectUrl, {
        method: "OPTIONS",
        headers: { Origin: VIEWER_ORIGIN, "Access-Control-Request-Method": "GET" },
      });
      assert.equal(response.headers["access-control-allow-origin"], VIEWER_ORIGIN);
    });

    it("a preflight carries the rule's Access-Control-Max-Age and Expose-Headers (patched, as S3)", async () => {
      const response = await send(objectUrl, {
        method: "OPTIONS",
        headers: {
          Origin: VIEWER_ORIGIN,
          "Access-Control-Request-Method": "GET",
          "Access-Control-Request-Headers": "range",
        },
      });
      assert.equal(response.headers["access-control-max-age"], "3000");
      assert.equal(
        response.headers["access-control-expose-headers"],
        "Content-Range, Content-Length, ETag, Accept-Ranges",
      );
    });

    it("a refused (expired) presigned GET still carries CORS headers, so the viewer can read the 403", async () => {
      const url = await presignGet(h.s3, "cohorts/demo/sv.bedpe", 1);
      await sleep(2100);
      const response = await send(url, { headers: { Origin: VIEWER_ORIGIN } });
      assert.equal(response.status, 403);
      assert.equal(response.headers["access-control-allow-origin"], VIEWER_ORIGIN);
    });
  });

  describe("CORS with a wildcard-origin rule (as S3)", () => {
    const h = useLocalS3();
    let objectUrl = "";
    before(async () => {
      await h.s3.send(
        new PutBucketCorsCommand({
          Bucket: BUCKET,
          CORSConfiguration: { CORSRules: [{ ...GET_ONLY_CORS_RULE, AllowedOrigins: ["*"] }] },
        }),
      );
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "sv.bedpe", Body: "x" }));
      objectUrl = `${h.server.endpoint}/${BUCKET}/sv.bedpe`;
    });

    it("a GET from any Origin gets Access-Control-Allow-Origin '*' and no Allow-Credentials (patched)", async () => {
      const response = await send(await presignGet(h.s3, "sv.bedpe"), {
        headers: { Origin: "https://anywhere.example" },
      });
      assert.deepEqual(
        [response.headers["access-control-allow-origin"], response.headers["access-control-allow-credentials"]],
        ["*", undefined],
      );
    });

    it("a preflight from any Origin gets Access-Control-Allow-Origin '*' and no Allow-Credentials", async () => {
      const response = await send(objectUrl, {
        method: "OPTIONS",
        headers: { Origin: "https://anywhere.example", "Access-Control-Request-Method": "GET" },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(
        [response.headers["access-control-allow-origin"], response.headers["access-control-allow-credentials"]],
        ["*", undefined],
      );
    });
  });

  describe("onRequest", () => {
    const seen: LocalS3Request[] = [];
    const h = useLocalS3({ onRequest: (request) => seen.push(request) }, null);

    it("reports each request with its S3 operation name", async () => {
      await h.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await h.s3.send(
        new PutBucketCorsCommand({ Bucket: BUCKET, CORSConfiguration: { CORSRules: [GET_ONLY_CORS_RULE] } }),
      );
      await h.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "a b.tsv", Body: "x" }));
      await h.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "a b.tsv" }));
      await send(await presignGet(h.s3, "a b.tsv"));
      await h.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      await send(`${h.server.endpoint}/${BUCKET}/a%20b.tsv`, {
        method: "OPTIONS",
        headers: { Origin: VIEWER_ORIGIN, "Access-Control-Request-Method": "GET" },
      });
      await h.s3.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: "a b.tsv" }] } }));
      assert.deepEqual(
        seen.map((request) => request.operation),
        [
          "CreateBucket",
          "PutBucketCors",
          "PutObject",
          "HeadObject",
          "GetObject",
          "ListObjectsV2",
          "OPTIONS",
          "DeleteObjects",
        ],
      );
      assert.deepEqual({ method: seen[4].method, path: seen[4].path }, { method: "GET", path: `/${BUCKET}/a%20b.tsv` });
      assert.match(seen[4].query, /X-Amz-Signature=/);
    });
  });

  describe("startLocalS3 / close", () => {
    it("listens on 127.0.0.1 with the documented defaults", async () => {
      const directory = await mkdtemp(join(tmpdir(), "local-s3-spec-"));
      const server = await startLocalS3({ directory: join(directory, "created", "on", "demand") });
      try {
        assert.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(server.endpoint, `http://127.0.0.1:${server.port}`);
        assert.equal(server.region, "us-east-1");
        assert.deepEqual(server.credentials, [LOCAL_S3_DEFAULT_CREDENTIALS]);
      } finally {
        await server.close();
        await rm(directory, { recursive: true, force: true });
      }
    });

    it("close() resolves while an SDK client holds a keep-alive connection, and refuses new connections", async () => {
      const directory = await mkdtemp(join(tmpdir(), "local-s3-spec-"));
      const server = await startLocalS3({ directory });
      const client = s3Client(server);
      try {
        await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
        await server.close();
        await server.close(); // idempotent
        await assert.rejects(send(`${server.endpoint}/`), { code: "ECONNREFUSED" });
      } finally {
        client.destroy();
        await rm(directory, { recursive: true, force: true });
      }
    });

    it("refuses an empty credentials list", async () => {
      await assert.rejects(startLocalS3({ directory: tmpdir(), credentials: [] }), /at least one access key/);
    });
  });

  describe("scripts/lib/dev/local-s3-server.ts as a separate process", () => {
    let directory = "";
    let child: ChildProcessWithoutNullStreams;
    const lines: string[] = [];
    let stderr = "";
    let firstLine: Promise<string>;

    before(async () => {
      directory = await mkdtemp(join(tmpdir(), "local-s3-spec-"));
      child = spawn(
        process.execPath,
        ["--require", "ts-node/register/transpile-only", SERVER_SCRIPT, "--directory", directory],
        {
          cwd: join(__dirname, "..", ".."),
        },
      );
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const reader = createInterface({ input: child.stdout });
      firstLine = new Promise((resolve, reject) => {
        reader.on("line", (line) => {
          lines.push(line);
          if (lines.length === 1) resolve(line);
        });
        child.once("exit", () => reject(new Error(`server exited before it was ready: ${stderr}`)));
      });
      firstLine.catch(() => undefined);
    });
    after(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await rm(directory, { recursive: true, force: true });
    });

    it("prints one JSON line with endpoint, port and region when ready", async () => {
      const ready = JSON.parse(await firstLine) as Record<string, unknown>;
      assert.deepEqual(Object.keys(ready).sort(), ["endpoint", "port", "region"]);
      assert.equal(ready.endpoint, `http://127.0.0.1:${ready.port}`);
      assert.equal(ready.region, LOCAL_S3_REGION);
    });

    it("serves requests signed with LOCAL_S3_DEFAULT_CREDENTIALS", async () => {
      const { endpoint } = JSON.parse(await firstLine) as { endpoint: string };
      const client = s3Client({ endpoint });
      try {
        await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "k.tsv", Body: "served" }));
        const response = await send(await getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: "k.tsv" })));
        assert.equal(response.body.toString(), "served");
      } finally {
        client.destroy();
      }
    });

    it("on SIGTERM prints the per-operation request counts as its last line and exits 0", async () => {
      await firstLine;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr);
      assert.equal(lines.length, 2);
      assert.deepEqual(JSON.parse(lines[1]), { requests: { CreateBucket: 1, PutObject: 1, GetObject: 1 } });
    });

    it("never prints the secret key", () => {
      assert.doesNotMatch(lines.join("\n") + stderr, new RegExp(LOCAL_S3_DEFAULT_CREDENTIALS.secretAccessKey));
    });

    it("exits 2 with a usage message when --directory is missing", async () => {
      const usage = spawn(process.execPath, ["--require", "ts-node/register/transpile-only", SERVER_SCRIPT], {
        cwd: join(__dirname, "..", ".."),
      });
      let output = "";
      usage.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const [code] = (await once(usage, "exit")) as [number | null];
      assert.equal(code, 2);
      assert.match(output, /missing --directory/);
    });
  });
});
