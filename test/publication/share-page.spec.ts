import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildConfig, parseChromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { fromStackKey } from "../../scripts/lib/s3/credentials";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { reportPublication } from "../../scripts/lib/cli/output/publication-output";
import { AwsError, CliError, ValidationError } from "../../scripts/lib/errors";
import { ExampleSample } from "../../scripts/lib/dev/example-cohort";
import { ObjectStore } from "../../scripts/lib/s3/object-store";
import { PublishResult } from "../../scripts/lib/publication/publish";
import { cohortSlug } from "../../scripts/lib/naming";
import {
  buildSharePage,
  escapeHtml,
  jsonForScript,
  parsePublishedConfig,
  PublishedConfig,
  sampleLinks,
  sampleTracks,
  sharePageKey,
  SharePageInput,
} from "../../scripts/lib/publication/share-page";
import {
  COHORT_NAME,
  CONFIG_URL,
  EXPIRES_AT,
  hostileConfig,
  IMG_MARKUP,
  PUBLISHED_AT,
  PUBLISHED_BY,
  SCRIPT_MARKUP,
  SEPARATORS,
  trackConfig,
  VIEWER_URL,
} from "../fixtures/share-page";
import { fetchBytes, PRESIGNER_KEY, TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";

/** The cohort link as the README documents it, written out here rather than by the code under test. */
const COHORT_LINK = `${VIEWER_URL}?showSamples=false&cohortId=Lab%20cohort%20(hg38)&external=${CONFIG_URL}`;

function page(overrides: Partial<SharePageInput> = {}): string {
  return buildSharePage({
    config: trackConfig(),
    link: { viewerUrl: VIEWER_URL, configUrl: CONFIG_URL },
    publishedAt: PUBLISHED_AT,
    expiresAt: EXPIRES_AT,
    publishedBy: PUBLISHED_BY,
    now: new Date(PUBLISHED_AT.getTime() + 60_000),
    ...overrides,
  });
}

interface PageData {
  expiresAt: string;
  cohortLink: string | null;
  sampleLinkPrefix: string | null;
  samples: Array<{ id: string; cancer: string; assembly: string; tracks: string[]; note: string }>;
}

function between(html: string, open: string, close: string): string[] {
  const found: string[] = [];
  let at = html.indexOf(open);
  while (at >= 0) {
    const end = html.indexOf(close, at + open.length);
    found.push(html.slice(at + open.length, end));
    at = html.indexOf(open, end);
  }
  return found;
}

function pageData(html: string): PageData {
  const [json] = between(html, '<script type="application/json" id="share-data">', "</script>");
  return JSON.parse(json);
}

const sha256 = (text: string) => `sha256-${createHash("sha256").update(text).digest("base64")}`;

describe("share sheet: deep links", () => {
  it("gives every sample the cohort link plus &demoIndex=<its index>, after the raw config URL", () => {
    const config = trackConfig();
    const links = sampleLinks(config, { viewerUrl: VIEWER_URL, configUrl: CONFIG_URL });
    assert.deepEqual(
      links.map(({ id, index }) => [id, index]),
      config.samples.map((sample, index) => [sample.id, index]),
    );
    for (const { index, link } of links) {
      assert.equal(link, `${COHORT_LINK}&demoIndex=${index}`);
      const parsed = parseChromoscopeLink(link);
      assert.equal(parsed.viewerUrl, VIEWER_URL);
      assert.equal(parsed.cohortId, COHORT_NAME);
      assert.equal(parsed.external, CONFIG_URL, "Chromoscope fetches exactly the presigned config URL");
      assert.equal(parsed.demoIndex, index);
      assert.equal(
        link.slice(link.indexOf("&external=") + "&external=".length),
        `${CONFIG_URL}&demoIndex=${index}`,
        "only &demoIndex follows the raw URL",
      );
    }
  });

  it("keeps the config URL raw (not percent-encoded) in every link", () => {
    assert.match(CONFIG_URL, /X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261127%2Feu-west-2%2Fs3%2Faws4_request/);
    for (const { link } of sampleLinks(trackConfig(), { viewerUrl: VIEWER_URL, configUrl: CONFIG_URL }))
      assert.ok(link.includes(CONFIG_URL));
  });
});

describe("share sheet: the page", () => {
  it("names the tracks each sample opens with (VCF and BAM only with their index)", () => {
    assert.deepEqual(trackConfig().samples.map(sampleTracks), [
      ["SV", "CNV", "drivers"],
      ["SV", "CNV", "VCF"],
      ["SV", "CNV", "drivers", "BAM"],
      ["SV", "CNV", "VCF"],
      ["SV", "CNV"],
    ]);
    assert.deepEqual(sampleTracks({ id: "x", cancer: "c", assembly: "hg38", sv: "s", cnv: "c", vcf: "v", bam: "b" }), [
      "SV",
      "CNV",
    ]);
  });

  it("carries the cohort, its samples in config order, who published it and when", () => {
    const html = page();
    const data = pageData(html);
    assert.deepEqual(
      data.samples.map(({ id, cancer, assembly, note }) => ({ id, cancer, assembly, note })),
      trackConfig().samples.map(({ id, cancer, assembly, note }) => ({ id, cancer, assembly, note: note ?? "" })),
    );
    assert.equal(data.expiresAt, "2026-11-30T09:30:00.000Z");
    assert.match(html, /<h1 id="cohort-name">Lab cohort \(hg38\)<\/h1>/);
    assert.match(html, /<time datetime="2026-11-27T09:30:00.000Z">2026-11-27 09:30:00 UTC<\/time>/);
    assert.match(html, /<time id="expires-at" datetime="2026-11-30T09:30:00.000Z">2026-11-30 09:30:00 UTC<\/time>/);
    assert.ok(html.includes(escapeHtml(PUBLISHED_BY)));
    assert.match(html, /in 2 days 23 hours/, "the countdown as of generation, before the script takes over");
    assert.match(html, /Anyone holding this page or any link on it can read the cohort's data until the links expire/);
  });

  it("holds the cohort link (copy box and button) and derives exactly each sample's deep link", () => {
    const html = page();
    const data = pageData(html);
    assert.equal(data.cohortLink, COHORT_LINK);
    const links = sampleLinks(trackConfig(), { viewerUrl: VIEWER_URL, configUrl: CONFIG_URL });
    assert.deepEqual(
      links.map(({ index }) => `${data.sampleLinkPrefix}${index}`),
      links.map(({ link }) => link),
    );
    assert.ok(html.includes(`value="${escapeHtml(COHORT_LINK)}"`));
    assert.ok(
      html.includes(
        `<a id="open-cohort" class="button primary" href="${escapeHtml(COHORT_LINK)}" target="_blank" rel="noopener noreferrer">`,
      ),
    );
    assert.match(html, /<body class="live">/);
    assert.match(html, /<p id="expired-banner" class="expired-banner" role="alert" hidden>/);
  });

  it("forbids every network request with a CSP whose hashes match its only script and style", () => {
    const html = page();
    const [csp] = between(html, '<meta http-equiv="Content-Security-Policy" content="', '">');
    const directives = csp.replace(/&#39;/g, "'").split("; ");
    const scripts = between(html, "<script>", "</script>");
    const styles = between(html, "<style>", "</style>");
    assert.equal(scripts.length, 1);
    assert.equal(styles.length, 1);
    assert.deepEqual(directives, [
      "default-src 'none'",
      `script-src '${sha256(scripts[0])}'`,
      `style-src '${sha256(styles[0])}'`,
      "base-uri 'none'",
      "form-action 'none'",
    ]);
    assert.match(html, /<meta name="referrer" content="no-referrer">/, "following a link never sends this page's URL");
    assert.doesNotMatch(html, /\ssrc=|<link\b|<iframe|@import|url\(/i, "nothing to load");
  });

  it("inlines its script and styles from their own files, the type-checked script and the stylesheet", () => {
    const html = page();
    const folder = join(__dirname, "..", "..", "scripts", "lib", "publication");
    assert.deepEqual(between(html, "<script>", "</script>"), [
      readFileSync(join(folder, "share-page.browser.js"), "utf8"),
    ]);
    assert.deepEqual(between(html, "<style>", "</style>"), [readFileSync(join(folder, "share-page.css"), "utf8")]);
    assert.match(readFileSync(join(folder, "share-page.browser.js"), "utf8"), /^\/\/ @ts-check\n/);
  });

  it("says once that chromoscope.bio records addresses, and offers the config to open with Chromoscope's upload dialog", () => {
    const html = page();
    assert.equal(html.split('id="viewer-notice"').length - 1, 1);
    assert.match(html, /chromoscope\.bio loads Google Analytics, which records the page address, this link included/);
    assert.match(html, /<a id="download-config" href="[^"]+" download="lab-cohort-hg38\.json" rel="noreferrer">/);
    assert.match(html, /upload dialog's Configuration File/);
    const selfHosted = page({
      link: { viewerUrl: "https://d111111abcdef8.cloudfront.net/app/", configUrl: CONFIG_URL },
    });
    assert.doesNotMatch(selfHosted, /viewer-notice|Google Analytics/);
    assert.match(selfHosted, /id="download-config"/);
  });

  it("holds no URL but the cohort link, the deep links' common prefix and the config's own (to download)", () => {
    const html = page();
    const data = pageData(html);
    const configUrl = data.cohortLink!.slice(data.cohortLink!.indexOf("external=") + "external=".length);
    let rest = html;
    for (const url of [data.cohortLink!, data.sampleLinkPrefix!, configUrl]) {
      for (const form of [url, escapeHtml(url), jsonForScript(url).slice(1, -1)]) rest = rest.split(form).join("");
    }
    assert.doesNotMatch(rest, /https?:|X-Amz-/);
    assert.equal(
      html.split("X-Amz-Signature=").length - 1,
      5,
      "the config URL: copy box, open button, download link, and the script data's cohort link and deep-link prefix",
    );
  });

  for (const [when, now] of [
    ["at the expiry instant", EXPIRES_AT],
    ["after expiry", new Date(EXPIRES_AT.getTime() + 86_400_000)],
  ] as const) {
    it(`is generated in the expired state, without a single link, ${when}`, () => {
      const html = page({ now });
      assert.doesNotMatch(html, /X-Amz-|href=|chromoscope\.bio|genomics-lab-tumour-data/);
      const data = pageData(html);
      assert.equal(data.cohortLink, null);
      assert.equal(data.sampleLinkPrefix, null);
      assert.equal(data.samples.length, 5, "the samples are still listed");
      assert.match(html, /<body class="expired">/);
      assert.match(
        html,
        /<p id="expired-banner" class="expired-banner" role="alert">These links expired on 2026-11-30 09:30:00 UTC\./,
      );
      assert.match(html, /<span id="countdown" class="countdown">expired<\/span>/);
      assert.doesNotMatch(html, /id="copy-link"/);
    });
  }

  it("escapes user data in the markup and in the script data, and keeps it intact", () => {
    const config = hostileConfig();
    const html = page({ config });
    assert.doesNotMatch(html, /<img|<svg|<b>|alert\(2\)<\/script>|<!--/);
    assert.equal(html.split("<script").length - 1, 2, "only the data block and the page's own script");
    assert.equal(html.split("</script>").length - 1, 2);
    assert.ok(
      html.includes(
        "<title>Cohort &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot; &#39;x&#39; · Chromoscope share sheet</title>",
      ),
    );
    const data = pageData(html);
    assert.deepEqual(
      data.samples.map(({ id, cancer, note }) => [id, cancer, note]),
      config.samples.map(({ id, cancer, note }) => [id, cancer, note]),
    );
    assert.equal(data.samples[0].id, IMG_MARKUP);
    assert.equal(data.samples[0].note, SCRIPT_MARKUP);
    assert.equal(data.samples[1].note, SEPARATORS);
    assert.doesNotMatch(html, /[\u2028\u2029]/, "U+2028/U+2029 travel escaped");
  });

  it("writes JSON for a script element with < > & U+2028 U+2029 escaped, parsing back to the same value", () => {
    const value = { text: `</script><!-- & ${SEPARATORS} >` };
    const json = jsonForScript(value);
    assert.equal(json, '{"text":"\\u003c/script\\u003e\\u003c!-- \\u0026 line\\u2028paragraph\\u2029end \\u003e"}');
    assert.deepEqual(JSON.parse(json), value);
  });

  it("reads only published { name, samples } configs", () => {
    const config = trackConfig();
    assert.deepEqual(parsePublishedConfig(Buffer.from(JSON.stringify(config))), config);
    for (const [bytes, message] of [
      ["{not json", /the published config is not JSON/],
      [JSON.stringify(config.samples), /not a Chromoscope cohort config: \(root\)/],
      [JSON.stringify({ name: "x", samples: [{ cancer: "Breast", assembly: "hg38" }] }), /samples\.0\.id/],
    ] as const) {
      assert.throws(
        () => parsePublishedConfig(bytes),
        (error: unknown) => error instanceof ValidationError && message.test(error.message) && error.exitCode === 1,
      );
    }
  });

  it("keys an uploaded page next to its config, under the config prefix", () => {
    assert.equal(
      sharePageKey("configs/lab-cohort/20261127T093000000Z-3f9a1c07.json"),
      "configs/lab-cohort/20261127T093000000Z-3f9a1c07.html",
    );
    assert.throws(() => sharePageKey("configs/lab-cohort/x.html"), /does not end with \.json/);
  });
});

describe("share sheet: publish-cohort against the embedded S3 server", function () {
  this.timeout(30_000);
  let bucket: TestBucket;
  let cohort: ExampleSample[];
  let manifest: string;

  before(async () => {
    ({ bucket, cohort, manifest } = await startCohortBucket("cohorts/share/", 4));
  });
  after(async () => bucket.close());

  const publish = (args: string[]) =>
    run(publishCohortCommand, ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, ...args]);
  const fetchConfig = async (link: string) =>
    JSON.parse((await fetchBytes(parseChromoscopeLink(link).external!)).body.toString()) as PublishedConfig;

  it("--sample-links prints 'id<TAB>link' per sample after the cohort link", async () => {
    const result = await publish(["--cohort", "Share (hg38)", "--manifest", manifest, "--sample-links"]);
    assert.equal(result.code, 0, result.stderr);
    const [cohortLink, ...lines] = result.stdout.trimEnd().split("\n");
    const config = await fetchConfig(cohortLink);
    assert.deepEqual(
      lines.map((line) => line.split("\t")[0]),
      config.samples.map((sample) => sample.id),
    );
    assert.deepEqual(
      config.samples.map((sample) => sample.id),
      cohort.map(({ sample }) => sample.id),
    );
    lines.forEach((line, index) => {
      const [, link] = line.split("\t");
      assert.equal(link, `${cohortLink}&demoIndex=${index}`);
      assert.equal(parseChromoscopeLink(link).external, parseChromoscopeLink(cohortLink).external);
    });
  });

  it("--json --sample-links carries samples: [{ id, index, link }]", async () => {
    const result = await publish(["--cohort", "share-json", "--manifest", manifest, "--json", "--sample-links"]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.deepEqual(
      json.samples,
      cohort.map(({ sample }, index) => ({ id: sample.id, index, link: `${json.link}&demoIndex=${index}` })),
    );
    assert.equal(json.sharePage, undefined);
  });

  it("--share-page writes the page (mode 0600) from the published config, and uploads nothing unasked", async () => {
    const file = `${bucket.directory}/share.html`;
    const before = await bucket.keys(`configs/${cohortSlug("share page")}/`);
    const result = await publish(["--cohort", "share page", "--manifest", manifest, "--share-page", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim().split("\n").length, 1, "stdout: the cohort link only");
    assert.match(result.stderr, new RegExp(`Share page written to ${file} \\(mode 0600\\)`));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const html = readFileSync(file, "utf8");
    const data = pageData(html);
    const config = await fetchConfig(result.stdout.trim());
    assert.equal(data.cohortLink, result.stdout.trim());
    assert.deepEqual(
      data.samples.map(({ id, cancer, assembly, note }) => ({ id, cancer, assembly, note })),
      config.samples.map(({ id, cancer, assembly, note }) => ({ id, cancer, assembly, note })),
    );
    assert.deepEqual(
      data.samples.map((sample) => sample.tracks),
      config.samples.map(() => ["SV", "CNV", "drivers"]),
    );
    assert.ok(
      html.includes(
        `signed with <span id="published-by">access key ${PRESIGNER_KEY.accessKeyId} of the stack&#39;s presigner user chromoscope-presigner-user-test</span>`,
      ),
    );
    assert.ok(!html.includes(PRESIGNER_KEY.secretAccessKey));
    const keys = await bucket.keys(`configs/${cohortSlug("share page")}/`);
    assert.equal(keys.length, before.length + 1);
    assert.ok(
      keys.every((key) => key.endsWith(".json")),
      "no page uploaded without --upload-share-page",
    );
  });

  it("--upload-share-page stores the page privately next to the config and prints its link, which dies with the config", async () => {
    const file = `${bucket.directory}/uploaded.html`;
    const result = await publish([
      "--cohort",
      "uploaded",
      "--manifest",
      manifest,
      "--expires",
      "2d",
      "--share-page",
      file,
      "--upload-share-page",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.equal(json.sharePage.key, json.configKey.replace(/\.json$/, ".html"));
    assert.equal(json.sharePage.file, file);
    assert.equal(json.sharePage.expiresAt, json.expiresAt);
    const pageUrl = new URL(json.sharePage.url);
    const configUrl = new URL(json.configUrl);
    for (const name of ["X-Amz-Date", "X-Amz-Expires", "X-Amz-Credential"])
      assert.equal(pageUrl.searchParams.get(name), configUrl.searchParams.get(name), name);
    assert.equal(pageUrl.searchParams.get("X-Amz-Expires"), String(2 * 86400));
    const served = await fetchBytes(json.sharePage.url);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("content-type"), "text/html; charset=utf-8");
    assert.deepEqual(served.body, readFileSync(file), "the uploaded page is the local page");
    assert.equal(
      (await fetchBytes(json.sharePage.url.split("?")[0])).status,
      403,
      "private: an unsigned GET is refused",
    );
  });

  it("--upload-share-page without --json prints the page's link last", async () => {
    const result = await publish([
      "--cohort",
      "uploaded text",
      "--manifest",
      manifest,
      "--upload-share-page",
      "--sample-links",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 1 + cohort.length + 1);
    assert.match(
      lines[lines.length - 1],
      /^http:\/\/127\.0\.0\.1:\d+\/chromoscope-test-data\/configs\/uploaded-text-[0-9a-f]{12}\/\d{8}T\d{9}Z-[0-9a-f]{8}\.html\?X-Amz-/,
    );
    assert.match(
      result.stderr,
      /Share page stored privately at s3:\/\/chromoscope-test-data\/configs\/uploaded-text-[0-9a-f]{12}\/.*\.html; its link \(the last line of the output\) expires with the config/,
    );
    const served = await fetchBytes(lines[lines.length - 1]);
    assert.equal(pageData(served.body.toString()).cohortLink, lines[0]);
  });

  it("renders markup in a published cancer type and note as text", async () => {
    const rows = cohort
      .slice(0, 2)
      .map(({ sample }, index) =>
        [
          sample.id,
          index === 0 ? IMG_MARKUP : "Breast",
          "hg38",
          sample.sv,
          sample.cnv,
          sample.drivers,
          index === 0 ? SCRIPT_MARKUP : `note & <b>${index}</b>`,
        ].join("\t"),
      );
    const markupManifest = bucket.scratch(
      "markup.tsv",
      ["id\tcancer\tassembly\tsv\tcnv\tdrivers\tnote", ...rows].join("\n"),
    );
    const file = `${bucket.directory}/markup.html`;
    const result = await publish(["--cohort", "markup", "--manifest", markupManifest, "--share-page", file]);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(file, "utf8");
    assert.doesNotMatch(html, /<img|<b>|alert\(2\)<\/script>/);
    const data = pageData(html);
    assert.equal(data.samples[0].cancer, IMG_MARKUP);
    assert.equal(data.samples[0].note, SCRIPT_MARKUP);
    assert.equal(data.samples[1].note, "note & <b>1</b>");
  });

  describe("refusals before anything is published", () => {
    async function assertRefused(args: string[], message: RegExp): Promise<void> {
      const configsBefore = await bucket.keys("configs/");
      const ledgerBefore = await bucket.keys("ledger/");
      const result = await publish(args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stdout, "");
      assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
      assert.deepEqual(await bucket.keys("configs/"), configsBefore);
      assert.deepEqual(await bucket.keys("ledger/"), ledgerBefore);
    }

    it("share options on a dry run", async () => {
      await assertRefused(
        [
          "--cohort",
          "dry",
          "--manifest",
          manifest,
          "--dry-run",
          "--sample-links",
          "--share-page",
          `${bucket.directory}/d.html`,
        ],
        /--sample-links and --share-page need a published config, and a dry run publishes none/,
      );
      await assertRefused(
        ["--cohort", "dry", "--manifest", manifest, "--dry-run", "--upload-share-page"],
        /--upload-share-page needs a published config/,
      );
    });

    it("a share page in a folder that does not exist", async () => {
      await assertRefused(
        ["--cohort", "nofolder", "--manifest", manifest, "--share-page", `${bucket.directory}/missing/page.html`],
        /--share-page ".*\/missing\/page\.html" is in a folder that does not exist/,
      );
    });

    it("a share page that is a folder, or the --out file", async () => {
      await assertRefused(
        ["--cohort", "folder", "--manifest", manifest, "--share-page", bucket.directory],
        /--share-page ".*" is a folder/,
      );
      const same = `${bucket.directory}/same.out`;
      await assertRefused(
        ["--cohort", "same", "--manifest", manifest, "--out", same, "--share-page", same],
        /--out and --share-page both name/,
      );
    });
  });
});

describe("share sheet: a share step failing after the publish", () => {
  const built = buildConfig(
    COHORT_NAME,
    trackConfig()
      .samples.slice(0, 2)
      .map((sample) => ({
        sample: { id: sample.id, cancer: sample.cancer, assembly: sample.assembly, sv: "a", cnv: "b" },
        source: "",
      })),
    (key) => `https://example.invalid/${key}`,
  );
  const configBody = Buffer.concat(built.chunks);
  const result: PublishResult = {
    cohort: COHORT_NAME,
    dryRun: false,
    link: COHORT_LINK,
    configKey: "configs/lab-cohort-hg38/20261127T093000000Z-3f9a1c07.json",
    configUrl: CONFIG_URL,
    createdAt: PUBLISHED_AT,
    expiresAt: EXPIRES_AT,
    expiry: { seconds: 3 * 86400, expiresAt: EXPIRES_AT, limit: "request", warnings: [] },
    viewerUrl: VIEWER_URL,
    sampleIds: ["PD-010", "PD-002"],
    urlCount: 4,
    configBytes: configBody.length,
    configBody,
    signingAccessKeyId: PRESIGNER_KEY.accessKeyId,
  };
  const failingStore: ObjectStore = {
    bucket: "b",
    list: async function* () {},
    put: async () => {
      throw new AwsError("uploading s3://b/x.html failed: ServiceUnavailable", { fix: "S3 is failing or throttling" });
    },
    remove: async () => undefined,
    read: async () => Buffer.alloc(0),
  };

  function capture() {
    const out = { stdout: "", stderr: "" };
    const io = {
      stdout: (text: string) => void (out.stdout += text),
      stderr: (text: string) => void (out.stderr += text),
      isTTY: false,
      now: () => PUBLISHED_AT,
      env: {},
    };
    return { out, io };
  }
  const signing = {
    outputs: { bucketName: "b", region: "eu-west-2" } as never,
    credentials: fromStackKey(PRESIGNER_KEY),
    store: failingStore,
  };

  it("still prints the link, then fails with the upload's exit code and fix", async () => {
    const { out, io } = capture();
    await assert.rejects(
      async () =>
        reportPublication(
          result,
          { uploadSharePage: true, sampleLinks: true },
          io,
          "the stack's presigner user",
          signing,
        ),
      (error: unknown) =>
        error instanceof CliError &&
        error.exitCode === 3 &&
        /the cohort was published and its link printed, but the share step failed: uploading s3:\/\/b\/x\.html failed/.test(
          error.message,
        ) &&
        error.fix === "S3 is failing or throttling",
    );
    assert.deepEqual(out.stdout.trimEnd().split("\n"), [
      COHORT_LINK,
      `PD-010\t${COHORT_LINK}&demoIndex=0`,
      `PD-002\t${COHORT_LINK}&demoIndex=1`,
    ]);
    assert.match(out.stderr, /Published cohort "Lab cohort \(hg38\)"/);
  });

  it("prints synchronously when nothing is uploaded, and reports a local page it could not write after the link", () => {
    const { out, io } = capture();
    assert.equal(
      reportPublication(result, {}, io, "the stack's presigner user"),
      undefined,
      "no promise: callers that do not await keep their output order",
    );
    assert.equal(out.stdout, `${COHORT_LINK}\n`);
    const failing = capture();
    assert.throws(
      () =>
        reportPublication(
          result,
          { sharePage: "/nonexistent-folder/page.html" },
          failing.io,
          "the stack's presigner user",
          signing,
        ),
      (error: unknown) =>
        error instanceof CliError &&
        error.exitCode === 2 &&
        /share step failed: --share-page "\/nonexistent-folder\/page\.html": cannot write the file/.test(error.message),
    );
    assert.equal(failing.out.stdout, `${COHORT_LINK}\n`);
  });
});
