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
import { z } from "zod";
import { chromoscopeLink } from "./chromoscope";
import { ResolvedCredentials } from "../s3/credentials";
import { describeDuration } from "../text-format";
import { ValidationError } from "../errors";
import { ObjectStore } from "../s3/object-store";
import { S3QueryPresigner } from "../s3/presign";

/** How an uploaded share page is served (S3 stores and returns it with the object). */
export const SHARE_PAGE_CONTENT_TYPE = "text/html; charset=utf-8";

/** Rows the page shows at once; the rest are reached by searching (keeps 100,000-sample cohorts fast). */
export const MAX_RENDERED_ROWS = 1000;

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
const publishedConfigSchema = z.object({ name: z.string(), samples: z.array(publishedSampleSchema) });

/** A published Chromoscope config (`{ name, samples }`), as far as the share sheet reads it. */
export type PublishedConfig = z.infer<typeof publishedConfigSchema>;
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
  const parsed = publishedConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(`the published config is not a Chromoscope cohort config: ${issue.path.join(".") || "(root)"}: ${issue.message}`, {
      fix: 'build the share sheet from a { "name", "samples" } config published by publish-cohort',
    });
  }
  return parsed.data;
}

/** Tracks a sample opens with, as the page names them; VCF and BAM count only with their index. */
export const TRACKS: ReadonlyArray<{ label: string; present(sample: PublishedSample): boolean }> = [
  { label: "SV", present: (sample) => Boolean(sample.sv) },
  { label: "CNV", present: (sample) => Boolean(sample.cnv) },
  { label: "drivers", present: (sample) => (Array.isArray(sample.drivers) ? sample.drivers.length > 0 : Boolean(sample.drivers)) },
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
    link: chromoscopeLink({ viewerUrl: parts.viewerUrl, cohort: config.name, configUrl: parts.configUrl, demoIndex: index }),
  }));
}

/**
 * Everything of a deep link but the index (chromoscopeLink appends `demoIndex` last), so the page
 * carries the config URL once instead of once per sample.
 */
function sampleLinkPrefix(config: PublishedConfig, parts: CohortLinkParts): string {
  const first = chromoscopeLink({ viewerUrl: parts.viewerUrl, cohort: config.name, configUrl: parts.configUrl, demoIndex: 0 });
  if (!first.endsWith("=0")) throw new Error(`chromoscopeLink no longer ends with the sample index: ${first.slice(-20)}`);
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

/** Builds the self-contained share page (UTF-8 HTML). Pure: time is an argument. */
export function buildSharePage(input: SharePageInput): string {
  const { config, publishedAt, expiresAt, publishedBy, now } = input;
  const expired = now.getTime() >= expiresAt.getTime();
  const cohortLink = expired ? null : chromoscopeLink({ viewerUrl: input.link.viewerUrl, cohort: config.name, configUrl: input.link.configUrl });
  const data: PageData = {
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
  const count = config.samples.length;
  const samplesText = `${count} sample${count === 1 ? "" : "s"}`;
  const csp = [
    "default-src 'none'",
    `script-src '${sha256(PAGE_SCRIPT)}'`,
    `style-src '${sha256(PAGE_STYLE)}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
  const cohortSection =
    cohortLink === null
      ? `<p class="dead-link">The cohort link expired on ${escapeHtml(utcText(expiresAt))}.</p>`
      : `<div class="link-row" id="cohort-link-row">
        <input id="cohort-link" type="text" readonly value="${escapeHtml(cohortLink)}" aria-label="Cohort link" spellcheck="false">
        <button id="copy-link" type="button">Copy link</button>
        <a id="open-cohort" class="button primary" href="${escapeHtml(cohortLink)}" target="_blank" rel="noopener noreferrer">Open in Chromoscope</a>
      </div>
      <p id="copy-status" class="status" role="status"></p>`;
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
<style>${PAGE_STYLE}</style>
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
<script>${PAGE_SCRIPT}</script>
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

const HTML_ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` (so no `</script>`
 * or `<!--` can end or alter the element) and U+2028/U+2029 are written as \u escapes.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** `2026-12-04 10:00:00 UTC` */
export function utcText(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, " UTC");
}

function sha256(text: string): string {
  return `sha256-${createHash("sha256").update(text, "utf8").digest("base64")}`;
}

const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #ffffff; --text: #1c2430; --muted: #5b6675; --line: #dfe3e8;
  --accent: #3656c8; --accent-text: #ffffff; --warn-bg: #fff6e0; --warn-line: #e8c46a; --dead-bg: #fdecec; --dead-line: #e09a9a;
  --dead-text: #8f1d1d; --chip: #eef1fb; --chip-text: #2d3f8a; }
@media (prefers-color-scheme: dark) { :root { --bg: #14181f; --card: #1c222b; --text: #e6e9ee; --muted: #9aa4b2; --line: #2e3642;
  --accent: #7f9cff; --accent-text: #0f1420; --warn-bg: #342a12; --warn-line: #7a6428; --dead-bg: #3a1c1c; --dead-line: #7a3434;
  --dead-text: #ffb4b4; --chip: #26304a; --chip-text: #c5d2ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 20px 40px; }
h1 { margin: 2px 0 14px; font-size: 28px; line-height: 1.2; overflow-wrap: anywhere; }
h2 { margin: 0; font-size: 17px; }
.eyebrow { margin: 0; color: var(--accent); font-weight: 600; font-size: 13px; letter-spacing: .06em; text-transform: uppercase; }
.muted { color: var(--muted); }
.facts { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 10px 24px; margin: 0 0 18px; }
.facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.facts dd { margin: 2px 0 0; overflow-wrap: anywhere; }
.countdown { font-variant-numeric: tabular-nums; font-weight: 600; }
.countdown.soon { color: var(--dead-text); }
.warning { margin: 0 0 16px; padding: 10px 14px; background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 8px; }
.expired-banner { margin: 0 0 16px; padding: 10px 14px; background: var(--dead-bg); border: 1px solid var(--dead-line); border-radius: 8px; color: var(--dead-text); font-weight: 600; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px; margin: 0 0 16px; }
.card > h2 { margin-bottom: 10px; }
.link-row { display: flex; gap: 8px; flex-wrap: wrap; }
#cohort-link { flex: 1 1 320px; min-width: 0; padding: 7px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--text); font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
button, .button { display: inline-block; padding: 7px 14px; border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--text); font: inherit; font-size: 14px; text-decoration: none; cursor: pointer; white-space: nowrap; }
button:hover, .button:hover { border-color: var(--accent); }
button:disabled { cursor: not-allowed; opacity: .5; }
.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
.status { margin: 6px 0 0; color: var(--muted); font-size: 13px; }
.status:empty { display: none; }
.dead-link { margin: 0; color: var(--dead-text); font-weight: 600; }
.toolbar { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin-bottom: 10px; }
#search { flex: 1 1 260px; padding: 7px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--text); font: inherit; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 8px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); white-space: nowrap; }
th button { padding: 0; border: 0; background: none; color: inherit; font: inherit; letter-spacing: inherit; text-transform: inherit; }
th[aria-sort="ascending"] button::after { content: " \\25B2"; }
th[aria-sort="descending"] button::after { content: " \\25BC"; }
td.index { color: var(--muted); font-variant-numeric: tabular-nums; }
td.id { font-weight: 600; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; overflow-wrap: anywhere; }
td.note { color: var(--muted); max-width: 320px; overflow-wrap: anywhere; }
.track { display: inline-block; margin: 0 4px 2px 0; padding: 1px 7px; border-radius: 10px; background: var(--chip); color: var(--chip-text); font-size: 12px; font-weight: 600; }
.open { font-weight: 600; color: var(--accent); white-space: nowrap; text-decoration: none; }
.open:hover { text-decoration: underline; }
.open::after { content: " \\2197"; }
.expired-label { color: var(--dead-text); font-weight: 600; }
footer { margin-top: 8px; font-size: 12px; }
`;

// Plain ES2017 without modules; builds every row with textContent, never innerHTML.
const PAGE_SCRIPT = `
(function () {
  "use strict";
  var dataElement = document.getElementById("share-data");
  var data = JSON.parse(dataElement.textContent);
  var expiresAt = Date.parse(data.expiresAt);
  var cohortLink = data.cohortLink;
  var linkPrefix = data.sampleLinkPrefix;
  var samples = data.samples.map(function (sample, index) {
    return {
      index: index, id: sample.id, cancer: sample.cancer, assembly: sample.assembly, tracks: sample.tracks, note: sample.note,
      text: [sample.id, sample.cancer, sample.assembly, sample.tracks.join(" "), sample.note].join("\\n").toLowerCase()
    };
  });
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  var sortKey = "index";
  var sortDirection = 1;
  var terms = [];
  var timer = null;
  var rows = document.getElementById("sample-rows");
  var matchCount = document.getElementById("match-count");
  var rowLimit = document.getElementById("row-limit");
  var countdown = document.getElementById("countdown");
  var plural = function (count) { return count + " sample" + (count === 1 ? "" : "s"); };

  function sortValue(sample) {
    return sortKey === "tracks" ? sample.tracks.join(" ") : sample[sortKey];
  }
  function compare(a, b) {
    var order = sortKey === "index" ? a.index - b.index : collator.compare(sortValue(a), sortValue(b)) || a.index - b.index;
    return order * sortDirection;
  }
  function cell(row, className, text) {
    var td = document.createElement("td");
    td.className = className;
    if (text !== undefined) td.textContent = text;
    row.appendChild(td);
    return td;
  }
  function render() {
    var matching = samples.filter(function (sample) {
      return terms.every(function (term) { return sample.text.indexOf(term) >= 0; });
    }).sort(compare);
    var shown = matching.slice(0, data.maxRows);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (sample) {
      var row = document.createElement("tr");
      row.dataset.index = String(sample.index);
      cell(row, "index", String(sample.index + 1));
      cell(row, "id", sample.id);
      cell(row, "cancer", sample.cancer);
      cell(row, "assembly", sample.assembly);
      var tracks = cell(row, "tracks");
      sample.tracks.forEach(function (track) {
        var chip = document.createElement("span");
        chip.className = "track";
        chip.textContent = track;
        tracks.appendChild(chip);
      });
      cell(row, "note", sample.note);
      var open = cell(row, "link");
      if (linkPrefix !== null) {
        var link = document.createElement("a");
        link.className = "open";
        link.href = linkPrefix + sample.index;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.textContent = "Open in Chromoscope";
        link.setAttribute("aria-label", "Open sample " + sample.id + " in Chromoscope");
        open.appendChild(link);
      } else {
        var dead = document.createElement("span");
        dead.className = "expired-label";
        dead.textContent = "Expired";
        open.appendChild(dead);
      }
      fragment.appendChild(row);
    });
    if (shown.length === 0) {
      var empty = document.createElement("tr");
      var td = cell(empty, "empty muted", "No sample matches the search.");
      td.colSpan = 7;
      fragment.appendChild(empty);
    }
    rows.replaceChildren(fragment);
    matchCount.textContent = terms.length === 0 ? plural(samples.length) : matching.length + " of " + plural(samples.length);
    rowLimit.hidden = matching.length <= shown.length;
    rowLimit.textContent = "Showing the first " + shown.length + " of " + matching.length + " matching samples: search to narrow the list.";
  }

  function expire() {
    cohortLink = null;
    linkPrefix = null;
    dataElement.textContent = "";
    document.body.classList.remove("live");
    document.body.classList.add("expired");
    document.getElementById("expired-banner").hidden = false;
    var linkRow = document.getElementById("cohort-link-row");
    if (linkRow) {
      var dead = document.createElement("p");
      dead.className = "dead-link";
      dead.textContent = "The cohort link expired on " + data.expiresAtText + ".";
      linkRow.replaceWith(dead);
      var status = document.getElementById("copy-status");
      if (status) status.remove();
    }
    countdown.textContent = "expired";
    countdown.classList.add("soon");
    if (timer !== null) clearInterval(timer);
    render();
  }
  function pad(value) { return (value < 10 ? "0" : "") + value; }
  function tick() {
    var left = expiresAt - Date.now();
    if (left <= 0) {
      expire();
      return;
    }
    var seconds = Math.floor(left / 1000);
    var days = Math.floor(seconds / 86400);
    var clock = pad(Math.floor(seconds % 86400 / 3600)) + ":" + pad(Math.floor(seconds % 3600 / 60)) + ":" + pad(seconds % 60);
    countdown.textContent = "in " + (days > 0 ? days + (days === 1 ? " day, " : " days, ") : "") + clock;
    countdown.classList.toggle("soon", left < 3600 * 1000);
  }

  Array.prototype.forEach.call(document.querySelectorAll("th button[data-sort]"), function (button) {
    button.addEventListener("click", function () {
      var key = button.getAttribute("data-sort");
      sortDirection = key === sortKey ? -sortDirection : 1;
      sortKey = key;
      Array.prototype.forEach.call(document.querySelectorAll("th[aria-sort]"), function (th) {
        th.setAttribute("aria-sort", th.contains(button) ? (sortDirection === 1 ? "ascending" : "descending") : "none");
      });
      render();
    });
  });
  document.getElementById("search").addEventListener("input", function (event) {
    terms = event.target.value.toLowerCase().split(/\\s+/).filter(Boolean);
    render();
  });
  var copyButton = document.getElementById("copy-link");
  if (copyButton) {
    copyButton.addEventListener("click", function () {
      var input = document.getElementById("cohort-link");
      var status = document.getElementById("copy-status");
      if (cohortLink === null) return;
      var done = function () { status.textContent = "Copied. Paste it only where the data may go."; };
      var byHand = function () {
        input.focus();
        input.select();
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
        status.textContent = copied ? "Copied. Paste it only where the data may go." : "Copy failed: the link is selected, copy it by hand.";
      };
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(cohortLink).then(done, byHand);
      else byHand();
    });
  }

  render();
  if (cohortLink === null) {
    countdown.textContent = "expired";
  } else {
    tick();
    if (cohortLink !== null) timer = setInterval(tick, 1000);
  }
})();
`;
