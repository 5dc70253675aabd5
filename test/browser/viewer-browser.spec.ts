/**
 * The self-hosted viewer's headers, proven in a real browser (Chromium): the stand-in viewer (shaped
 * like Chromoscope's build, see test/fixtures/stand-in-viewer) served by the embedded server as
 * `demo --viewer-dist` serves it, opened through a published link. Its analytics script, polyfill
 * and third-party fetch never leave the page; the config and the presigned data fetch succeed.
 */
import * as assert from "node:assert/strict";
import type { Request } from "playwright-core";
import { viewerSecurityHeaders } from "../../policy/documents/viewer-headers";
import { inlineScriptHashes } from "../../components/viewer-site";
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { run } from "../support/cli-runner";
import { Browser, launchChromiumOrSkip } from "../support/browser";
import { TestBucket, startCohortBucket } from "../support/local-bucket";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";

describe("self-hosted viewer in a real browser (Chromium), served as demo --viewer-dist serves it", function () {
  this.timeout(60_000);
  let browser: Browser;
  let bucket: TestBucket;
  let link: string;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    let manifest: string;
    ({ bucket, manifest } = await startCohortBucket("cohorts/viewer/", 3, { viewerFolder: STAND_IN_VIEWER }));
    const published = await run(publishCohortCommand, [
      ...["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, "--cohort", "Viewer test"],
      ...["--manifest", manifest],
      ...["--viewer-url", `${bucket.server.endpoint}/app/`],
    ]);
    assert.equal(published.code, 0, published.stderr);
    assert.doesNotMatch(published.stderr, /Google Analytics/, "no analytics notice for the lab's own viewer");
    link = published.stdout.trim();
  });
  after(async () => {
    await browser?.close();
    await bucket?.close();
  });

  it("serves every viewer file with the headers CloudFront adds (one builder), index.html for the app's routes", async () => {
    const expected = viewerSecurityHeaders({
      scriptHashes: inlineScriptHashes(readFileSync(join(STAND_IN_VIEWER, "index.html"), "utf8")),
      dataOrigins: [bucket.server.endpoint],
    });
    for (const path of ["/app/", "/app/cohort/PD1", "/app/assets/app.js"]) {
      const response = await fetch(`${bucket.server.endpoint}${path}`);
      assert.equal(response.status, 200, path);
      for (const [name, value] of Object.entries(expected))
        assert.equal(response.headers.get(name), value, `${path} ${name}`);
    }
    assert.match(
      await (await fetch(`${bucket.server.endpoint}/app/cohort/PD1`)).text(),
      /<title>Stand-in viewer<\/title>/,
    );
    const outside = await new Promise<number | undefined>((resolve, reject) =>
      get({ host: "127.0.0.1", port: bucket.server.port, path: "/app/../package.json" }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on("error", reject),
    );
    assert.equal(outside, 404, "nothing outside the build (a raw ../ path, as no browser sends it)");
  });

  it("the link loads the config and a presigned data file; analytics, the polyfill and a third-party fetch never leave the page", async () => {
    const page = await browser.context.newPage();
    const requested: string[] = [];
    const failures = new Map<string, string>();
    page.on("request", (request: Request) => requested.push(request.url()));
    page.on("requestfailed", (request: Request) => failures.set(request.url(), request.failure()?.errorText ?? ""));
    await page.goto(link);
    await page.waitForFunction(() => document.getElementById("root")?.textContent?.includes('"done":true'));
    const report = JSON.parse((await page.textContent("#root")) ?? "{}");
    assert.equal(report.config, "3 samples");
    assert.match(report.data, /^200 chrom1\tstart1/);
    assert.equal(report.thirdPartyFetch, "blocked");
    const origin = new URL(bucket.server.endpoint).origin;
    const thirdParty = requested.filter((url) => new URL(url).origin !== origin);
    assert.deepEqual(thirdParty.map((url) => new URL(url).host).sort(), ["bundle.run", "www.googletagmanager.com"]);
    // Each was refused by the Content-Security-Policy before any connection was made.
    for (const url of thirdParty) assert.equal(failures.get(url), "csp", url);
    const violated = report.violations.map(
      (entry: string) => entry.split(" ")[0] + " " + new URL(entry.split(" ")[1]).host,
    );
    // The page saw its own fetch refused (the scripts in <head> were refused before it listened).
    assert.ok(violated.includes("connect-src www.google-analytics.com"), violated.join("; "));
    assert.ok(
      requested.some((url) => url.includes("X-Amz-Signature")),
      "the data was fetched through presigned URLs",
    );
    await page.close();
  });
});
