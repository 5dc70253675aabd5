/**
 * The self-hosted viewer proven in a real browser (Chromium) on a closed network: every host but
 * 127.0.0.1 is unresolvable. The stand-in viewer (test/fixtures/stand-in-viewer) reproduces
 * Chromoscope's start-up dependency: it opens a link's cohort only after a public cohort list from a
 * third party has loaded, and draws its ideograms from another. Served as `demo --viewer-dist` and
 * the stack's sync serve it, the link opens the cohort; served as built, it shows its built-in sample.
 */
import * as assert from "node:assert/strict";
import { get } from "node:http";
import type { Request } from "playwright-core";
import { GOSLING_TILE_SERVER, viewerSecurityHeaders } from "../../policy/documents/viewer-headers";
import { servedViewer } from "../../components/viewer/served-viewer";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { LocalViewer } from "../../scripts/lib/dev/local-viewer";
import { run } from "../support/cli-runner";
import { Browser, launchChromiumOrSkip, NO_THIRD_PARTY_REACHABLE } from "../support/browser";
import { startCohortBucket, TestBucket } from "../support/local-bucket";
import { STAND_IN_VIEWER, unchangedViewer } from "../support/stand-in-viewer";

interface Opened {
  report: Record<string, any>;
  /** Every request the page made, with how it failed ("" when it did not). */
  requests: Array<{ url: string; type: string; failure: string }>;
}

describe("self-hosted viewer in a real browser (Chromium) with no third party reachable", function () {
  this.timeout(90_000);
  let browser: Browser;
  const servers: TestBucket[] = [];

  /** A server serving `viewer` with a published 2-sample cohort; returns it and the link. */
  async function serve(viewer: LocalViewer): Promise<{ bucket: TestBucket; link: string }> {
    const { bucket, manifest } = await startCohortBucket("cohorts/viewer/", 2, { viewer });
    servers.push(bucket);
    const published = await run(publishCohortCommand, [
      ...["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, "--cohort", "Viewer test"],
      ...["--manifest", manifest],
      ...["--viewer-url", `${bucket.server.endpoint}/app/`],
    ]);
    assert.equal(published.code, 0, published.stderr);
    return { bucket, link: published.stdout.trim() };
  }

  async function open(link: string): Promise<Opened> {
    const page = await browser.context.newPage();
    const requests: Opened["requests"] = [];
    const failures = new Map<Request, string>();
    page.on("request", (request: Request) =>
      requests.push({ url: request.url(), type: request.resourceType(), failure: "" }),
    );
    page.on("requestfailed", (request: Request) => failures.set(request, request.failure()?.errorText ?? "failed"));
    await page.goto(link);
    await page.waitForFunction(() => document.getElementById("root")?.textContent?.includes('"done":true'));
    const report = JSON.parse((await page.textContent("#root")) ?? "{}");
    await page.close();
    for (const [request, failure] of failures) {
      const entry = requests.find((candidate) => candidate.url === request.url());
      if (entry) entry.failure = failure;
    }
    return { report, requests };
  }

  /** A fetch of a presigned URL (the page's own address holds one too: the link). */
  const presignedFetch = (request: Opened["requests"][number]) =>
    request.type === "fetch" && request.url.includes("X-Amz-Signature");
  const elsewhere = (opened: Opened, origin: string) =>
    opened.requests.filter((request) => new URL(request.url).origin !== origin);

  before(async function () {
    browser = await launchChromiumOrSkip(this, [NO_THIRD_PARTY_REACHABLE]);
  });
  after(async () => {
    await browser?.close();
    for (const server of servers) await server.close();
  });

  it("opens the link's cohort: the cohort list and the ideogram bands come from the viewer's own origin", async () => {
    const { bucket, link } = await serve({ served: servedViewer(STAND_IN_VIEWER) });
    const opened = await open(link);
    assert.match(opened.report.cohortList, /^loaded: MSK SPECTRUM \(not loaded/);
    assert.equal(opened.report.config, "2 samples");
    assert.match(opened.report.data, /^200 chrom1\tstart1/);
    assert.equal(opened.report.ideogram, "hg38 chr1,0,2300000,p36.33,gneg");
    assert.equal(opened.report.thirdPartyFetch, "blocked");
    assert.ok(opened.requests.some(presignedFetch), "the config and data fetched through presigned URLs");
    // The page names no third-party script, stylesheet or font: the only request that left is the
    // app's own tile fetch, which the closed network (not the policy) stopped.
    assert.deepEqual(
      elsewhere(opened, bucket.server.endpoint).map((request) => [new URL(request.url).origin, request.failure]),
      [[GOSLING_TILE_SERVER, "net::ERR_NAME_NOT_RESOLVED"]],
    );
    assert.equal(opened.report.tiles, "failed");
    assert.deepEqual(
      opened.report.violations.map((entry: string) => entry.split(" ")[0] + " " + new URL(entry.split(" ")[1]).host),
      ["connect-src www.google-analytics.com"],
    );
  });

  it("served as built (before the viewer made builds self-sufficient), it shows its built-in sample, never the cohort", async () => {
    const { link } = await serve({ served: unchangedViewer(STAND_IN_VIEWER) });
    const opened = await open(link);
    assert.equal(opened.report.cohortList, "failed");
    assert.equal(opened.report.config, "built-in sample shown: the cohort list never loaded");
    assert.ok(!opened.requests.some(presignedFetch), "no config fetched");
  });

  it("with annotationTiles false (viewerAnnotationTiles, demo --no-annotation-tiles) the policy refuses the tile server too", async () => {
    const { bucket, link } = await serve({ served: servedViewer(STAND_IN_VIEWER), annotationTiles: false });
    const opened = await open(link);
    assert.equal(opened.report.config, "2 samples");
    assert.equal(opened.report.tiles, "failed");
    assert.deepEqual(elsewhere(opened, bucket.server.endpoint), [], "no request left the viewer's origin");
    assert.ok(
      opened.report.violations.includes(`connect-src ${GOSLING_TILE_SERVER}/api/v1/tileset_info/?d=gene-annotation`),
      opened.report.violations.join("; "),
    );
  });

  it("serves every viewer file with the headers CloudFront adds (one builder), index.html for the app's routes", async () => {
    const served = servedViewer(STAND_IN_VIEWER);
    const { bucket } = await serve({ served });
    const expected = viewerSecurityHeaders({
      scriptHashes: served.scriptHashes,
      dataOrigins: [bucket.server.endpoint],
    });
    const paths = [
      "/app/",
      "/app/cohort/PD1",
      "/app/assets/app.js",
      "/app/startup/UCSC.HG19.Human.CytoBandIdeogram.csv",
    ];
    for (const path of paths) {
      const response = await fetch(`${bucket.server.endpoint}${path}`);
      assert.equal(response.status, 200, path);
      for (const [name, value] of Object.entries(expected))
        assert.equal(response.headers.get(name), value, `${path} ${name}`);
    }
    const page = await (await fetch(`${bucket.server.endpoint}/app/cohort/PD1`)).text();
    assert.match(page, /<title>Stand-in viewer<\/title>/);
    assert.doesNotMatch(page, /https?:\/\//, "the page names no other origin");
    const readme = await fetch(`${bucket.server.endpoint}/app/startup/README.md`);
    assert.equal(readme.status, 404, "the start-up folder's README is not served");
    const outside = await new Promise<number | undefined>((resolve, reject) =>
      get({ host: "127.0.0.1", port: bucket.server.port, path: "/app/../package.json" }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on("error", reject),
    );
    assert.equal(outside, 404, "nothing outside the build (a raw ../ path, as no browser sends it)");
  });
});
