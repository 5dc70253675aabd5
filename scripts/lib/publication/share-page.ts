/**
 * The share sheet: a deep link per sample, and a self-contained HTML page listing a published
 * cohort that people can search, sort and click through.
 *
 * One source of truth: everything comes from the config bytes that were published (parsed back
 * here), never from the manifest, so the page shows exactly what Chromoscope will load.
 *
 * Deep links: Chromoscope strips `&demoIndex=N` from the end of the raw `external=` value before
 * fetching the config, and opens sample N (0-based index into `samples`), so one published config
 * serves a link per sample (see chromoscope.ts).
 *
 * The page is a bearer token like the links it holds. It makes no network request of its own (a
 * Content-Security-Policy meta forbids every fetch; the script and the style are allowed by hash),
 * sends no Referer when a link is followed (so a page served from a presigned URL never leaks that
 * URL), and once the links expire it says so and drops them: a page generated after expiry holds
 * no link at all, and a live page removes its links when its countdown reaches zero.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { chromoscopeLink, opensPublicChromoscope, PUBLIC_VIEWER_NOTICE } from "./chromoscope";
import { cohortFileStem } from "../naming";
import { ResolvedCredentials } from "../s3/credentials";
import { describeDuration } from "../text-format";
import { ValidationError } from "../errors";
import { PROJECT_ROOT } from "../files";
import { ObjectStore } from "../s3/object-store";
import { S3QueryPresigner } from "../s3/presign";

/** How an uploaded share page is served (S3 stores and returns it with the object). */
export const SHARE_PAGE_CONTENT_TYPE = "text/html; charset=utf-8";

/** Rows the page shows at once; the rest are reached by searching (keeps 100,000-sample cohorts fast). */
export const MAX_RENDERED_ROWS = 1000;

/** The schema, built at first use: zod loads slower than Node starts, and `--help` needs none of it. */
function buildPublishedConfigSchema() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  const { z } = require("zod") as typeof import("zod");
  const optionalText = z.string().optional();
  const publishedSampleSchema = z.object({
    id: z.string(),
    cancer: z.string(),
    assembly: z.string(),
    note: optionalText,
    sv: optionalText,
    cnv: optionalText,
    drivers: z.union([z.string(), z.array(z.unknown())]).optional(),
    vcf: optionalText,
    vcfIndex: optionalText,
    vcf2: optionalText,
    vcf2Index: optionalText,
    bam: optionalText,
    bai: optionalText,
  });
  return z.object({ name: z.string(), samples: z.array(publishedSampleSchema) });
}
let publishedConfigSchema: ReturnType<typeof buildPublishedConfigSchema> | undefined;

/** A published Chromoscope config (`{ name, samples }`), as far as the share sheet reads it. */
export type PublishedConfig = z.infer<ReturnType<typeof buildPublishedConfigSchema>>;
export type PublishedSample = PublishedConfig["samples"][number];

/** Parses the bytes of a published config; anything else is refused with a ValidationError. */
export function parsePublishedConfig(bytes: Buffer | string): PublishedConfig {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === "string" ? bytes : bytes.toString("utf8"));
  } catch (error) {
    throw new ValidationError(`the published config is not JSON (${(error as Error).message})`, {
      fix: "build the share sheet from the bytes publish-cohort uploaded",
      cause: error,
    });
  }
  const parsed = (publishedConfigSchema ??= buildPublishedConfigSchema()).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `the published config is not a Chromoscope cohort config: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      {
        fix: 'build the share sheet from a { "name", "samples" } config published by publish-cohort',
      },
    );
  }
  return parsed.data;
}

/** Tracks a sample opens with, as the page names them; VCF and BAM count only with their index. */
export const TRACKS: ReadonlyArray<{ label: string; present(sample: PublishedSample): boolean }> = [
  { label: "SV", present: (sample) => Boolean(sample.sv) },
  { label: "CNV", present: (sample) => Boolean(sample.cnv) },
  {
    label: "drivers",
    present: (sample) => (Array.isArray(sample.drivers) ? sample.drivers.length > 0 : Boolean(sample.drivers)),
  },
  { label: "VCF", present: (sample) => Boolean((sample.vcf && sample.vcfIndex) || (sample.vcf2 && sample.vcf2Index)) },
  { label: "BAM", present: (sample) => Boolean(sample.bam && sample.bai) },
];

export function sampleTracks(sample: PublishedSample): string[] {
  return TRACKS.filter((track) => track.present(sample)).map((track) => track.label);
}

/** Where the published config is and which Chromoscope opens it. */
export interface CohortLinkParts {
  viewerUrl: string;
  /** The presigned config URL, raw. */
  configUrl: string;
}

export interface SampleLink {
  id: string;
  /** 0-based position in the config's `samples`: Chromoscope's `demoIndex`. */
  index: number;
  link: string;
}

/** The deep link of every sample of the published config, in config order. */
export function sampleLinks(config: PublishedConfig, parts: CohortLinkParts): SampleLink[] {
  return config.samples.map((sample, index) => ({
    id: sample.id,
    index,
    link: chromoscopeLink({
      viewerUrl: parts.viewerUrl,
      cohort: config.name,
      configUrl: parts.configUrl,
      demoIndex: index,
    }),
  }));
}

/**
 * Everything of a deep link but the index (chromoscopeLink appends `demoIndex` last), so the page
 * carries the config URL once instead of once per sample.
 */
function sampleLinkPrefix(config: PublishedConfig, parts: CohortLinkParts): string {
  const first = chromoscopeLink({
    viewerUrl: parts.viewerUrl,
    cohort: config.name,
    configUrl: parts.configUrl,
    demoIndex: 0,
  });
  if (!first.endsWith("=0"))
    throw new Error(`chromoscopeLink no longer ends with the sample index: ${first.slice(-20)}`);
  return first.slice(0, -1);
}

/** The object key of a config's share page: next to it, under the config prefix, with `.html`. */
export function sharePageKey(configKey: string): string {
  if (!configKey.endsWith(".json")) throw new Error(`config key ${JSON.stringify(configKey)} does not end with .json`);
  return `${configKey.slice(0, -".json".length)}.html`;
}

export interface SharePageInput {
  /** The published config, parsed from the bytes that were uploaded. */
  config: PublishedConfig;
  /** Where the config is; absent or expired: the page is built without any link. */
  link: CohortLinkParts;
  publishedAt: Date;
  expiresAt: Date;
  /** The signing identity, e.g. "access key AKIA... of the stack's presigner user x" (never a secret). */
  publishedBy: string;
  /** When the page is generated: a page generated at or after `expiresAt` is born expired. */
  now: Date;
}

/** Data handed to the page's script (links only while live). */
interface PageData {
  expiresAt: string;
  expiresAtText: string;
  cohortLink: string | null;
  sampleLinkPrefix: string | null;
  maxRows: number;
  samples: Array<{ id: string; cancer: string; assembly: string; tracks: string[]; note: string }>;
}

/** The data the page's script renders the sample table from. */
function pageData(input: SharePageInput, cohortLink: string | null): PageData {
  const { config, expiresAt } = input;
  return {
    expiresAt: expiresAt.toISOString(),
    expiresAtText: utcText(expiresAt),
    cohortLink,
    sampleLinkPrefix: cohortLink === null ? null : sampleLinkPrefix(config, input.link),
    maxRows: MAX_RENDERED_ROWS,
    samples: config.samples.map((sample) => ({
      id: sample.id,
      cancer: sample.cancer,
      assembly: sample.assembly,
      tracks: sampleTracks(sample),
      note: sample.note ?? "",
    })),
  };
}

/** Nothing but the page's own script and styles (by hash) runs or loads. */
function contentSecurityPolicy(assets: { script: string; style: string }): string {
  return [
    "default-src 'none'",
    `script-src '${sha256(assets.script)}'`,
    `style-src '${sha256(assets.style)}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/** The whole cohort's link with its buttons, or the line saying it expired. */
function cohortSectionHtml(input: SharePageInput, cohortLink: string | null): string {
  const { config, expiresAt } = input;
  return cohortLink === null
    ? `<p class="dead-link">The cohort link expired on ${escapeHtml(utcText(expiresAt))}.</p>`
    : `<div class="link-row" id="cohort-link-row">
        <input id="cohort-link" type="text" readonly value="${escapeHtml(cohortLink)}" aria-label="Cohort link" spellcheck="false">
        <button id="copy-link" type="button">Copy link</button>
        <a id="open-cohort" class="button primary" href="${escapeHtml(cohortLink)}" target="_blank" rel="noopener noreferrer">Open in Chromoscope</a>
      </div>
      <p id="copy-status" class="status" role="status"></p>
      ${opensPublicChromoscope(input.link.viewerUrl) ? `<p class="note" id="viewer-notice">${escapeHtml(PUBLIC_VIEWER_NOTICE)}</p>` : ""}
      <p class="note" id="config-download">To keep the key out of every page address: <a id="download-config" href="${escapeHtml(input.link.configUrl)}" download="${escapeHtml(cohortFileStem(config.name))}.json" rel="noreferrer">download the config</a> (save it as a .json file), then in Chromoscope choose the upload dialog's Configuration File and pick it. The dialog needs an SV file for every sample and takes drivers only as a file, not inline.</p>`;
}

/** Builds the self-contained share page (UTF-8 HTML). Pure: time is an argument. */
export function buildSharePage(input: SharePageInput): string {
  const { config, publishedAt, expiresAt, publishedBy, now } = input;
  const expired = now.getTime() >= expiresAt.getTime();
  const cohortLink = expired
    ? null
    : chromoscopeLink({ viewerUrl: input.link.viewerUrl, cohort: config.name, configUrl: input.link.configUrl });
  const data = pageData(input, cohortLink);
  const count = config.samples.length;
  const samplesText = `${count} sample${count === 1 ? "" : "s"}`;
  const assets = pageAssets();
  const csp = contentSecurityPolicy(assets);
  const cohortSection = cohortSectionHtml(input, cohortLink);
  const header = (key: string, label: string, sorted = false) =>
    `<th scope="col" aria-sort="${sorted ? "ascending" : "none"}"><button type="button" data-sort="${key}">${label}</button></th>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(config.name)} · Chromoscope share sheet</title>
<style>${assets.style}</style>
</head>
<body class="${expired ? "expired" : "live"}">
<main>
  <header>
    <p class="eyebrow">Chromoscope share sheet</p>
    <h1 id="cohort-name">${escapeHtml(config.name)}</h1>
    <dl class="facts">
      <div><dt>Samples</dt><dd id="sample-total">${samplesText}</dd></div>
      <div><dt>Published</dt><dd><time datetime="${publishedAt.toISOString()}">${escapeHtml(utcText(publishedAt))}</time><br><span class="muted">signed with <span id="published-by">${escapeHtml(publishedBy)}</span></span></dd></div>
      <div><dt>Links expire</dt><dd><time id="expires-at" datetime="${expiresAt.toISOString()}">${escapeHtml(utcText(expiresAt))}</time><br><span id="countdown" class="countdown">${expired ? "expired" : `in ${escapeHtml(describeDuration((expiresAt.getTime() - now.getTime()) / 1000))}`}</span></dd></div>
    </dl>
  </header>
  <p class="warning" role="note"><strong>These links are keys.</strong> Anyone holding this page or any link on it can read the cohort's data until the links expire. Share them only with people allowed to see the data.</p>
  <p id="expired-banner" class="expired-banner" role="alert"${expired ? "" : " hidden"}>These links expired on ${escapeHtml(utcText(expiresAt))}. They no longer open the data: ask whoever shared them for a fresh link.</p>
  <section class="card" aria-labelledby="cohort-heading">
    <h2 id="cohort-heading">Whole cohort</h2>
    ${cohortSection}
  </section>
  <section class="card" aria-labelledby="samples-heading">
    <div class="toolbar">
      <h2 id="samples-heading">Samples</h2>
      <input id="search" type="search" placeholder="Search id, cancer, track or note" aria-label="Search samples" autocomplete="off" spellcheck="false">
      <span id="match-count" class="muted" role="status">${samplesText}</span>
    </div>
    <div class="table-wrap">
      <table id="samples">
        <thead><tr>${header("index", "#", true)}${header("id", "Sample")}${header("cancer", "Cancer")}${header("assembly", "Assembly")}${header("tracks", "Tracks")}${header("note", "Note")}<th scope="col">Chromoscope</th></tr></thead>
        <tbody id="sample-rows"></tbody>
      </table>
    </div>
    <p id="row-limit" class="muted" hidden></p>
    <noscript><p class="muted">Turn on JavaScript to list, search and sort the samples.</p></noscript>
  </section>
  <footer class="muted">Generated ${escapeHtml(utcText(now))} by chromoscope-private-data. This page is self-contained: it loads nothing from the network and works offline. Times are UTC; the countdown uses this computer's clock.</footer>
</main>
<script type="application/json" id="share-data">${jsonForScript(data)}</script>
<script>${assets.script}</script>
</body>
</html>
`;
}

export interface SharePageUpload {
  bucket: string;
  key: string;
  /** Presigned GET URL of the page; dies with the config's links. */
  url: string;
  expiresAt: Date;
}

export interface SharePageTarget {
  store: ObjectStore;
  outputs: { bucketName: string; region: string };
  credentials: ResolvedCredentials;
  endpoint?: string;
}

/**
 * Stores the page privately next to its config and presigns it with the config's signing time and
 * lifetime, so the page's link expires at the same instant as the links it holds.
 */
export async function uploadSharePage(
  html: string,
  publication: { configKey: string; createdAt: Date; expirySeconds: number },
  target: SharePageTarget,
): Promise<SharePageUpload> {
  const key = sharePageKey(publication.configKey);
  await target.store.put(key, Buffer.from(html, "utf8"), SHARE_PAGE_CONTENT_TYPE);
  const presigner = new S3QueryPresigner({
    bucket: target.outputs.bucketName,
    region: target.outputs.region,
    endpoint: target.endpoint,
    credentials: target.credentials.credentials,
    expiresInSeconds: publication.expirySeconds,
    signingDate: publication.createdAt,
  });
  return { bucket: target.outputs.bucketName, key, url: presigner.presignGet(key), expiresAt: presigner.expiresAt };
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` (so no `</script>`
 * or `<!--` can end or alter the element) and U+2028/U+2029 are written as \u escapes.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** `2026-12-04 10:00:00 UTC` */
export function utcText(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, " UTC");
}

function sha256(text: string): string {
  return `sha256-${createHash("sha256").update(text, "utf8").digest("base64")}`;
}

interface PageAssets {
  script: string;
  style: string;
}

let loadedAssets: PageAssets | undefined;

/**
 * The page's script and styles, kept in their own files (type-checked and linted like the rest)
 * and inlined into every page, where the Content-Security-Policy allows exactly them by hash.
 */
function pageAssets(): PageAssets {
  if (loadedAssets === undefined) {
    const folder = join(PROJECT_ROOT, "scripts", "lib", "publication");
    const script = readFileSync(join(folder, "share-page.browser.js"), "utf8");
    const style = readFileSync(join(folder, "share-page.css"), "utf8");
    // Inlined text must not end its own element early.
    if (/<\/script/i.test(script) || /<\/style/i.test(style))
      throw new Error("a share page asset closes its own element");
    loadedAssets = { script, style };
  }
  return loadedAssets;
}
