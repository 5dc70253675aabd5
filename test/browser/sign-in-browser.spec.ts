/**
 * Sign-in viewing in a real browser (Chromium) through `demo --sign-in`: the demo's own OpenID
 * Connect provider and password form, the sign-in routes, and data paths that answer only with
 * CloudFront signed cookies, with the stand-in viewer (shaped like Chromoscope's build) at /app/.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { demoCommand, DemoLifecycle } from "../../scripts/lib/dev/commands/demo-command";
import { grantCohortCommand } from "../../scripts/lib/cli/commands/grant-cohort-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { demoLayout, DEMO_BUCKET, DEMO_COHORT } from "../../scripts/lib/dev/demo-setup";
import { exampleCohort, exampleManifestTsv } from "../../scripts/lib/dev/example-cohort";
import { createS3Client, s3ObjectStore } from "../../scripts/lib/s3/object-store";
import { run } from "../support/cli-runner";
import { Browser, launchChromiumOrSkip } from "../support/browser";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";

/** No AWS credentials in the chain: the demo's commands fall back to its presigner key, as from a terminal. */
const noChain = { credentialProvider: () => Promise.reject(new Error("no credentials")) };

async function signIn(page: Page, link: string, email: string, password: string): Promise<void> {
  await page.goto(link);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
}

async function cloudFrontCookies(context: BrowserContext): Promise<string[]> {
  return (await context.cookies()).filter(({ name }) => name.startsWith("CloudFront-")).map(({ path }) => path);
}

describe("sign-in viewing in a real browser (Chromium), through demo --sign-in", function () {
  this.timeout(120_000);
  let browser: Browser;
  let dataDir: string;
  let link = "";
  let stderr = "";
  let stop: (reason: string) => void = () => undefined;
  let demo: Promise<{ code: number }>;
  const password = (email: string) =>
    new RegExp(`^  ${email.replace(".", "\\.")} / (\\S+)$`, "m").exec(stderr)?.[1] ?? "";

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    dataDir = mkdtempSync(join(tmpdir(), "sign-in-demo-"));
    const lifecycle: DemoLifecycle = { untilStopped: () => new Promise((resolve) => (stop = resolve)) };
    let linkSeen: () => void = () => undefined;
    const printed = new Promise<void>((resolve) => (linkSeen = resolve));
    demo = run(
      (io) => demoCommand(io, lifecycle),
      ["--sign-in", "--data-dir", dataDir, "--port", "0", "--viewer-dist", STAND_IN_VIEWER],
      {
        stdout: (text) => {
          link += text;
          if (link.endsWith("\n")) linkSeen();
        },
        stderr: (text) => {
          stderr += text;
        },
      },
    );
    await Promise.race([printed, demo.then(() => assert.fail(`the demo stopped early:\n${stderr}`))]);
    link = link.trim();
  });
  after(async () => {
    stop("test over");
    await demo;
    await browser?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("prints only the stable link on stdout, and the two people on stderr", () => {
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/open\/demo-cohort-hg38-dc19c1599857$/);
    assert.ok(password("reader@demo.lab").length >= 8 && password("outsider@demo.lab").length >= 8, stderr);
  });

  it("the reader signs in through the form and the viewer loads the config and data with the cookies", async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    const carried = new Map<string, string>();
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (/^\/(configs|cohorts)\//.test(path))
        void request.allHeaders().then((headers) => carried.set(path, headers.cookie ?? ""));
    });
    await signIn(page, link, "reader@demo.lab", password("reader@demo.lab"));
    await page.waitForFunction(() => document.getElementById("root")?.textContent?.includes('"done":true'));
    const report = JSON.parse((await page.textContent("#root")) ?? "{}") as Record<string, string>;
    assert.equal(report.config, "3 samples");
    assert.match(report.data, /^200 chrom1\tstart1/);
    assert.ok(
      page.url().includes(`cohortId=${encodeURIComponent(DEMO_COHORT)}&external=${new URL(link).origin}/configs/`),
    );
    assert.ok(carried.size >= 2, [...carried.keys()].join(", "));
    for (const [path, cookie] of carried) assert.match(cookie, /CloudFront-Policy=/, path);
    assert.deepEqual([...new Set(await cloudFrontCookies(browser.context))].sort(), [
      "/cohorts/demo/",
      "/configs/demo-cohort-hg38-dc19c1599857/",
    ]);
    await page.close();
  });

  it("the outsider gets the refusal page and no data", async () => {
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await signIn(page, link, "outsider@demo.lab", password("outsider@demo.lab"));
    assert.match((await page.textContent("h1")) ?? "", /No access to this cohort/);
    assert.deepEqual(await cloudFrontCookies(browser.context), []);
    const config = readFileSync(demoLayout(dataDir).configFile, "utf8");
    const dataUrl = (JSON.parse(config) as { samples: Array<{ sv: string }> }).samples[0].sv;
    // The refusal page loads nothing (its policy is default-src 'none'): open the data URL itself.
    const status = (await page.goto(dataUrl))?.status();
    assert.equal(status, 403);
    await page.close();
  });

  it("a data URL without cookies is refused", async () => {
    const config = readFileSync(demoLayout(dataDir).configFile, "utf8");
    const dataUrl = (JSON.parse(config) as { samples: Array<{ sv: string }> }).samples[0].sv;
    const answer = await fetch(dataUrl);
    assert.equal(answer.status, 403);
    assert.match(await answer.text(), /<Code>MissingKey<\/Code>/);
  });

  it("a cookie for one cohort does not open another", async () => {
    const outputs = JSON.parse(readFileSync(demoLayout(dataDir).outputsFile, "utf8")) as Record<string, string>;
    const client = createS3Client({
      region: outputs.region,
      credentials: { accessKeyId: outputs.presignerAccessKeyId, secretAccessKey: outputs.presignerSecretAccessKey },
      endpoint: outputs.endpoint,
    });
    const other = exampleCohort({ prefix: "cohorts/other/", samples: 1 });
    for (const file of other.flatMap((sample) => sample.files))
      await s3ObjectStore(client, DEMO_BUCKET).put(file.key, file.body, file.contentType);
    client.destroy();
    const stack = ["--outputs", demoLayout(dataDir).outputsFile];
    const manifest = join(dataDir, "other.tsv");
    writeFileSync(manifest, exampleManifestTsv(other));
    assert.equal(
      (await run(publishCohortCommand, [...stack, "--cohort", "Other", "--manifest", manifest], noChain)).code,
      0,
    );
    assert.equal(
      (await run(grantCohortCommand, [...stack, "--cohort", "Other", "--group", "other-team"], noChain)).code,
      0,
    );

    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await signIn(page, link, "reader@demo.lab", password("reader@demo.lab"));
    const origin = new URL(link).origin;
    const otherData = `${origin}/${other[0].files[0].key}`;
    const fetched = await page.evaluate(async (url) => (await fetch(url, { cache: "no-store" })).status, otherData);
    assert.equal(fetched, 403, "the demo cohort's cookies do not reach cohorts/other/");
    await page.goto(`${origin}/open/other`);
    assert.match((await page.textContent("h1")) ?? "", /No access to this cohort/);
    await page.close();
  });

  it("after a revoke, the next sign-in opens nothing", async () => {
    const stack = ["--outputs", demoLayout(dataDir).outputsFile];
    const revoked = await run(revokeCohortCommand, [...stack, "--cohort", DEMO_COHORT, "--yes"], noChain);
    assert.equal(revoked.code, 0, revoked.stderr);
    await browser.context.clearCookies();
    const page = await browser.context.newPage();
    await signIn(page, link, "reader@demo.lab", password("reader@demo.lab"));
    assert.match((await page.textContent("h1")) ?? "", /No access to this cohort|Nothing published/);
    assert.deepEqual(await cloudFrontCookies(browser.context), []);
    await page.close();
  });
});
