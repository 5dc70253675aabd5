/**
 * The bucket's CORS rule, proven in a real browser: headless Debian Chromium (playwright-core) on a
 * page served from one 127.0.0.1 port, fetching presigned URLs from the embedded S3 server on
 * another, with the rule the component declares (viewerCorsRule, the page's origin allowed).
 */
import * as assert from "node:assert/strict";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Page } from "playwright-core";
import { S3QueryPresigner } from "../../scripts/lib/s3/presign";
import { ExampleSample } from "../../scripts/lib/dev/example-cohort";
import { Browser, launchChromiumOrSkip, PageServer, servePage } from "../support/browser";
import { fetchBytes, PRESIGNER_KEY, TestBucket, startCohortBucket } from "../support/local-bucket";

const PAGE = "<!doctype html><meta charset=utf-8><title>chromoscope CORS test</title>";

/** What page script can observe of one fetch; `error` when the browser refused to hand over the response. */
interface Observed {
  error?: string;
  status?: number;
  type?: string;
  body?: string;
  contentRange?: string | null;
  contentLength?: string | null;
}

/** Runs fetch(url, init) inside the page, never from the browser's HTTP cache. */
function fetchInPage(
  page: Page,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string; mode?: "cors" | "no-cors" } = {},
): Promise<Observed> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const response = await fetch(url, { ...init, cache: "no-store" });
        return {
          status: response.status,
          type: response.type,
          body: await response.text(),
          contentRange: response.headers.get("Content-Range"),
          contentLength: response.headers.get("Content-Length"),
        };
      } catch (error) {
        return { error: `${(error as Error).name}: ${(error as Error).message}` };
      }
    },
    { url, init },
  );
}

describe("CORS in a real browser (Chromium) against the embedded S3 server", function () {
  this.timeout(60_000);
  let browser: Browser;
  let allowedPage: PageServer;
  let otherPage: PageServer;
  let bucket: TestBucket;
  let cohort: ExampleSample[];
  let presigner: S3QueryPresigner;
  let allowed: Page;
  let other: Page;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    allowedPage = await servePage(PAGE);
    otherPage = await servePage(PAGE);
    // the rule is the component's own (startCohortBucket applies viewerCorsRule / toS3CorsRule)
    ({ bucket, cohort } = await startCohortBucket("cohorts/browser/", 1, { allowedOrigins: [allowedPage.origin] }));
    presigner = new S3QueryPresigner({
      bucket: bucket.bucket,
      region: bucket.server.region,
      endpoint: bucket.server.endpoint,
      credentials: PRESIGNER_KEY,
      expiresInSeconds: 3600,
      signingDate: new Date(),
    });
    allowed = await browser.context.newPage();
    await allowed.goto(`${allowedPage.origin}/`);
    other = await browser.context.newPage();
    await other.goto(`${otherPage.origin}/`);
  });
  after(async () => {
    await browser?.close();
    await allowedPage?.close();
    await otherPage?.close();
    await bucket?.close();
  });

  const file = (index: number) => cohort[0].files[index];

  it("serves the page and the bucket from distinct origins on 127.0.0.1", () => {
    assert.notEqual(allowedPage.origin, otherPage.origin);
    assert.notEqual(new URL(bucket.server.endpoint).origin, allowedPage.origin);
    assert.equal(new URL(bucket.server.endpoint).hostname, "127.0.0.1");
  });

  it("a page from an allowed origin fetches a presigned URL and reads the exact bytes", async () => {
    const observed = await fetchInPage(allowed, presigner.presignGet(file(0).key));
    assert.equal(observed.error, undefined);
    assert.equal(observed.status, 200);
    assert.equal(observed.type, "cors");
    assert.equal(observed.body, file(0).body);
  });

  it("a Range: bytes=0-99 fetch gets 206, the first 100 bytes, and a Content-Range script can read", async () => {
    const { body } = file(1);
    assert.ok(body.length > 100, "the CNV file is longer than the range");
    const observed = await fetchInPage(allowed, presigner.presignGet(file(1).key), {
      headers: { Range: "bytes=0-99" },
    });
    assert.equal(observed.error, undefined);
    assert.equal(observed.status, 206);
    assert.equal(observed.body, body.slice(0, 100));
    assert.equal(observed.contentRange, `bytes 0-99/${Buffer.byteLength(body)}`);
    assert.equal(observed.contentLength, "100");
  });

  it("a page from an origin not in the rule cannot read the response", async () => {
    const url = presigner.presignGet(file(0).key);
    const observed = await fetchInPage(other, url);
    assert.equal(observed.status, undefined);
    assert.match(observed.error ?? "", /^TypeError: Failed to fetch/);
    // the server did answer: without CORS the page gets only an opaque response it cannot read
    const opaque = await fetchInPage(other, url, { mode: "no-cors" });
    assert.deepEqual(
      { type: opaque.type, status: opaque.status, body: opaque.body },
      { type: "opaque", status: 0, body: "" },
    );
  });

  it("a cross-origin PUT to a presigned PUT URL is refused by CORS (GET-only rule), and nothing is written", async () => {
    const key = "configs/browser/forged.json";
    // The tools presign no writes (and a deployed bucket's policy denies presigned writes): the SDK signs this one.
    const url = await getSignedUrl(bucket.client, new PutObjectCommand({ Bucket: bucket.bucket, Key: key }), {
      expiresIn: 300,
    });
    const observed = await fetchInPage(allowed, url, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: '{"forged":true}',
    });
    assert.equal(observed.status, undefined);
    assert.match(observed.error ?? "", /^TypeError: Failed to fetch/);
    assert.deepEqual(await bucket.keys("configs/browser/"), []);
    // the URL itself is valid on this server (it does not enforce bucket policies): the same PUT outside a
    // browser (no CORS) is stored, so CORS alone refused it
    const direct = await fetchBytes(url, { method: "PUT", body: "direct" });
    assert.equal(direct.status, 200);
    assert.deepEqual(await bucket.keys("configs/browser/"), [key]);
  });

  it("a tampered presigned URL yields a 403 that script can read (the error carries CORS headers)", async () => {
    const url = presigner.presignGet(file(0).key);
    const signature = new URL(url).searchParams.get("X-Amz-Signature")!;
    const tampered = url.replace(signature, `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`);
    assert.notEqual(tampered, url);
    const observed = await fetchInPage(allowed, tampered);
    assert.equal(observed.error, undefined);
    assert.equal(observed.status, 403);
    assert.match(observed.body ?? "", /<Code>SignatureDoesNotMatch<\/Code>/);
  });

  it("an expired presigned URL yields a readable 403 too", async () => {
    const expired = new S3QueryPresigner({
      bucket: bucket.bucket,
      region: bucket.server.region,
      endpoint: bucket.server.endpoint,
      credentials: PRESIGNER_KEY,
      expiresInSeconds: 60,
      signingDate: new Date(Date.now() - 3_600_000),
    });
    const observed = await fetchInPage(allowed, expired.presignGet(file(0).key));
    assert.equal(observed.status, 403);
    assert.match(observed.body ?? "", /<Code>AccessDenied<\/Code>[\s\S]*expired/i);
  });

  it("an unsigned URL is refused with a readable 403 even from an allowed origin (the bucket stays private)", async () => {
    const observed = await fetchInPage(allowed, presigner.objectUrl(file(0).key));
    assert.equal(observed.status, 403);
    assert.match(observed.body ?? "", /<Code>AccessDenied<\/Code>/);
  });
});
