import * as assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Page } from "playwright-core";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { exampleManifestTsv } from "../../scripts/lib/dev/example-cohort";
import { buildSharePage, PublishedConfig } from "../../scripts/lib/publication/share-page";
import {
  CONFIG_URL,
  hostileConfig,
  IMG_MARKUP,
  PUBLISHED_BY,
  SCRIPT_MARKUP,
  SEPARATORS,
  trackConfig,
  VIEWER_URL,
} from "../fixtures/share-page";
import { Browser, launchChromiumOrSkip } from "../support/browser";
import { startTestBucket, uploadExampleCohort } from "../support/local-bucket";
import { run } from "../support/cli-runner";

const COHORT_LINK = `${VIEWER_URL}?showSamples=false&cohortId=Lab%20cohort%20(hg38)&external=${CONFIG_URL}`;

interface OpenedPage {
  page: Page;
  /** Every URL the page requested (the page itself included). */
  requests: string[];
  dialogs: string[];
  consoleErrors: string[];
}

describe("share page in Chromium", function () {
  this.timeout(60_000);
  let browser: Browser;
  let directory: string;
  let fileCount = 0;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"]);
    directory = mkdtempSync(join(tmpdir(), "share-page-browser-"));
  });
  after(async () => {
    await browser?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  async function open(url: string): Promise<OpenedPage> {
    const page = await browser.context.newPage();
    const opened: OpenedPage = { page, requests: [], dialogs: [], consoleErrors: [] };
    page.on("request", (request) => opened.requests.push(request.url()));
    page.on("dialog", (dialog) => {
      opened.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on("console", (message) => {
      if (message.type() === "error") opened.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => opened.consoleErrors.push(error.message));
    await page.goto(url);
    return opened;
  }

  /** Writes the page to disk and opens it as a file:// URL, as a recipient would. */
  async function openFile(html: string): Promise<OpenedPage> {
    const file = join(directory, `page-${++fileCount}.html`);
    writeFileSync(file, html);
    return open(pathToFileURL(file).href);
  }

  function livePage(config: PublishedConfig = trackConfig(), expiresInMs = 2 * 86_400_000): string {
    const now = new Date();
    return buildSharePage({
      config,
      link: { viewerUrl: VIEWER_URL, configUrl: CONFIG_URL },
      publishedAt: new Date(now.getTime() - 60_000),
      expiresAt: new Date(now.getTime() + expiresInMs),
      publishedBy: PUBLISHED_BY,
      now,
    });
  }

  const rowIds = (page: Page) =>
    page.$$eval("#sample-rows tr", (rows) => rows.map((row) => row.querySelector("td.id")?.textContent ?? ""));
  /** [data-index, href] of every sample row's link. */
  const rowLinks = (page: Page) =>
    page.$$eval("#sample-rows tr", (rows) =>
      rows.map(
        (row) =>
          [Number((row as HTMLElement).dataset.index), row.querySelector("a")?.getAttribute("href") ?? null] as const,
      ),
    );

  describe("a live page opened from disk", () => {
    let opened: OpenedPage;
    before(async () => {
      opened = await openFile(livePage());
      await opened.page.waitForSelector("#sample-rows tr");
    });
    after(async () => opened.page.close());

    it("shows one row per sample, each linking to its deep link", async () => {
      const { page } = opened;
      assert.deepEqual(
        await rowIds(page),
        trackConfig().samples.map((sample) => sample.id),
      );
      assert.deepEqual(
        await rowLinks(page),
        trackConfig().samples.map((_, index) => [index, `${COHORT_LINK}&demoIndex=${index}`]),
      );
      assert.equal(await page.getAttribute("#open-cohort", "href"), COHORT_LINK);
      assert.deepEqual(
        await page.$$eval("#sample-rows tr", (rows) =>
          rows.map((row) => Array.from(row.querySelectorAll(".track"), (chip) => chip.textContent)),
        ),
        [
          ["SV", "CNV", "drivers"],
          ["SV", "CNV", "VCF"],
          ["SV", "CNV", "drivers", "BAM"],
          ["SV", "CNV", "VCF"],
          ["SV", "CNV"],
        ],
      );
      assert.equal(await page.textContent("#match-count"), "5 samples");
    });

    it("counts down to the expiry and keeps the expired banner hidden", async () => {
      assert.match((await opened.page.textContent("#countdown")) ?? "", /^in (1 day|2 days), \d\d:\d\d:\d\d$/);
      assert.equal(await opened.page.isHidden("#expired-banner"), true);
    });

    it("makes no network request and breaks no Content-Security-Policy rule", () => {
      assert.equal(opened.requests.length, 1, opened.requests.join("\n"));
      assert.match(opened.requests[0], /^file:\/\//);
      assert.deepEqual(opened.consoleErrors, []);
    });

    it("filters rows by search terms (id, cancer, tracks, note), all terms required", async () => {
      const { page } = opened;
      const search = async (text: string) => {
        await page.fill("#search", text);
        return rowIds(page);
      };
      assert.deepEqual(await search("breast"), ["PD-010", "PD-003"]);
      assert.equal(await page.textContent("#match-count"), "2 of 5 samples");
      assert.deepEqual(await search("VCF"), ["PD-002", "PD-004"]);
      assert.deepEqual(await search("liver"), ["PD-1", "PD-003"], "cancer Liver, and a note naming the liver");
      assert.deepEqual(await search("breast  METASTASIS"), ["PD-003"]);
      assert.deepEqual(await search("pd-00"), ["PD-002", "PD-004", "PD-003"]);
      assert.deepEqual(await search("no-such-sample"), [""]);
      assert.equal(await page.textContent("#sample-rows td.empty"), "No sample matches the search.");
      assert.deepEqual(
        await search(""),
        trackConfig().samples.map((sample) => sample.id),
      );
      assert.equal(await page.textContent("#match-count"), "5 samples");
    });

    it("sorts by a column (natural order of ids), reverses on a second click, and keeps every link right", async () => {
      const { page } = opened;
      const sortBy = async (key: string) => {
        await page.click(`th button[data-sort="${key}"]`);
        return rowIds(page);
      };
      assert.deepEqual(await sortBy("id"), ["PD-1", "PD-002", "PD-003", "PD-004", "PD-010"]);
      assert.equal(await page.getAttribute('th:has(button[data-sort="id"])', "aria-sort"), "ascending");
      assert.deepEqual(await sortBy("id"), ["PD-010", "PD-004", "PD-003", "PD-002", "PD-1"]);
      assert.equal(await page.getAttribute('th:has(button[data-sort="id"])', "aria-sort"), "descending");
      assert.equal(await page.getAttribute('th:has(button[data-sort="index"])', "aria-sort"), "none");
      for (const [index, href] of await rowLinks(page)) assert.equal(href, `${COHORT_LINK}&demoIndex=${index}`);
      assert.deepEqual(
        await sortBy("cancer"),
        ["PD-010", "PD-003", "PD-1", "PD-002", "PD-004"],
        "Breast (config order on ties), Liver, Ovary, Pancreas",
      );
      await page.fill("#search", "breast");
      assert.deepEqual(await sortBy("cancer"), ["PD-003", "PD-010"], "search and sort combine");
      await page.fill("#search", "");
      assert.deepEqual(
        await sortBy("index"),
        trackConfig().samples.map((sample) => sample.id),
      );
    });

    it("copies the cohort link to the clipboard", async () => {
      const { page } = opened;
      await page.evaluate(() => navigator.clipboard.writeText("something else"));
      await page.click("#copy-link");
      await page.waitForFunction(() => document.getElementById("copy-status")?.textContent !== "");
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), COHORT_LINK);
      assert.match((await page.textContent("#copy-status")) ?? "", /^Copied\./);
    });
  });

  it("a page generated after expiry shows the expired state and no link at all", async () => {
    const now = new Date();
    const html = buildSharePage({
      config: trackConfig(),
      link: { viewerUrl: VIEWER_URL, configUrl: CONFIG_URL },
      publishedAt: new Date(now.getTime() - 3 * 86_400_000),
      expiresAt: new Date(now.getTime() - 60_000),
      publishedBy: PUBLISHED_BY,
      now,
    });
    const { page, consoleErrors } = await openFile(html);
    try {
      await page.waitForSelector("#sample-rows tr");
      assert.equal(await page.getAttribute("body", "class"), "expired");
      assert.equal(await page.isVisible("#expired-banner"), true);
      assert.equal(await page.locator("a").count(), 0);
      assert.equal(await page.locator("#copy-link").count(), 0);
      assert.deepEqual(
        await rowIds(page),
        trackConfig().samples.map((sample) => sample.id),
      );
      assert.deepEqual(await page.$$eval("#sample-rows td.link", (cells) => cells.map((cell) => cell.textContent)), [
        "Expired",
        "Expired",
        "Expired",
        "Expired",
        "Expired",
      ]);
      assert.equal(await page.textContent("#countdown"), "expired");
      assert.doesNotMatch(await page.content(), /X-Amz-/);
      assert.deepEqual(consoleErrors, []);
    } finally {
      await page.close();
    }
  });

  it("a live page flips to expired when its countdown reaches zero, dropping every link", async () => {
    const { page, consoleErrors } = await openFile(livePage(trackConfig(), 2500));
    try {
      await page.waitForSelector("#sample-rows tr");
      assert.equal(await page.locator("#sample-rows a").count(), 5, "live before expiry");
      assert.equal(await page.isHidden("#expired-banner"), true);
      await page.waitForSelector("body.expired", { timeout: 15_000 });
      assert.equal(await page.locator("a").count(), 0);
      assert.equal(await page.isVisible("#expired-banner"), true);
      assert.equal(await page.locator("#copy-link").count(), 0);
      assert.equal(await page.textContent("#countdown"), "expired");
      assert.equal(await page.textContent("#share-data"), "", "the script's copy of the links is gone too");
      assert.doesNotMatch(await page.content(), /X-Amz-/);
      assert.deepEqual(consoleErrors, []);
    } finally {
      await page.close();
    }
  });

  async function assertRenderedAsText(
    opened: OpenedPage,
    expected: ReadonlyArray<{ id: string; cancer: string; note: string }>,
  ): Promise<void> {
    const { page } = opened;
    await page.waitForSelector("#sample-rows tr");
    assert.deepEqual(
      await page.$$eval("#sample-rows tr", (rows) =>
        rows.map((row) => ({
          id: row.querySelector("td.id")!.textContent,
          cancer: row.querySelector("td.cancer")!.textContent,
          note: row.querySelector("td.note")!.textContent,
        })),
      ),
      expected,
    );
    assert.equal(await page.locator("img, svg, b, iframe").count(), 0, "no element made from user data");
    assert.equal(await page.locator("script").count(), 2, "no script element made from user data");
    assert.deepEqual(opened.dialogs, [], "no script ran");
    assert.deepEqual(opened.consoleErrors, []);
  }

  it("renders markup in sample ids, cancer types, notes and the cohort name as text", async () => {
    const config = hostileConfig();
    const opened = await openFile(livePage(config));
    try {
      await assertRenderedAsText(
        opened,
        config.samples.map(({ id, cancer, note }) => ({ id, cancer, note: note ?? "" })),
      );
      assert.equal(await opened.page.title(), `${config.name} · Chromoscope share sheet`);
      assert.equal(await opened.page.textContent("h1"), config.name);
      await opened.page.fill("#search", "onerror");
      assert.deepEqual(await rowIds(opened.page), [IMG_MARKUP]);
      assert.deepEqual(opened.dialogs, []);
      assert.equal(config.samples[1].note, SEPARATORS);
    } finally {
      await opened.page.close();
    }
  });

  it("renders markup in a published cohort's cancer type and note as text, from disk and from its presigned link", async () => {
    const bucket = await startTestBucket();
    try {
      const cohort = await uploadExampleCohort(bucket, "cohorts/markup/", 2);
      cohort[0].sample.cancer = IMG_MARKUP;
      cohort[0].sample.note = SCRIPT_MARKUP;
      cohort[1].sample.note = `<svg onload=alert(3)>`;
      const manifest = bucket.scratch("markup.tsv", exampleManifestTsv(cohort));
      const file = join(directory, "published.html");
      const result = await run(publishCohortCommand, [
        "--outputs",
        bucket.outputsFile,
        "--endpoint",
        bucket.server.endpoint,
        "--cohort",
        "Markup cohort",
        "--manifest",
        manifest,
        "--share-page",
        file,
        "--upload-share-page",
        "--json",
      ]);
      assert.equal(result.code, 0, result.stderr);
      const json = JSON.parse(result.stdout);
      const expected = cohort.map(({ sample }) => ({ id: sample.id, cancer: sample.cancer, note: sample.note ?? "" }));

      const fromDisk = await open(pathToFileURL(file).href);
      await assertRenderedAsText(fromDisk, expected);
      assert.deepEqual(
        await rowLinks(fromDisk.page),
        cohort.map((_, index) => [index, `${json.link}&demoIndex=${index}`]),
      );
      await fromDisk.page.close();

      const served = await open(json.sharePage.url);
      await assertRenderedAsText(served, expected);
      assert.deepEqual(
        await rowLinks(served.page),
        cohort.map((_, index) => [index, `${json.link}&demoIndex=${index}`]),
      );
      assert.deepEqual(served.requests, [json.sharePage.url], "the served page loads nothing else either");
      await served.page.close();
    } finally {
      await bucket.close();
    }
  });
});
