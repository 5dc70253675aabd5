/**
 * What the self-hosted viewer changes in a Chromoscope build as it serves it, so that the app needs
 * no third party to open a cohort: its start-up fetches go to files served from the viewer's own
 * origin, and its page loads no third-party script, stylesheet or font.
 *
 * Recognised by the code itself, never by file hashes (a build differs from machine to machine): the
 * third-party URLs are string literals in the build's scripts, and the tags are in its index.html.
 * Audited against hms-dbmi/chromoscope at 552e5cfc, whose build (`npx vite build`) has:
 * - in its main script, the fetch of a public cohort list (`src/ui/VisOverviewPanel/CohortSelector.tsx`),
 *   which `src/App.tsx` waits for before it fetches a link's `external=` config: with that host
 *   unreachable, the app shows its built-in sample and never opens the cohort;
 * - the hg38 and hg19 cytoband CSVs on raw.githubusercontent.com (`src/main-spec.ts`, `src/mid-spec.ts`,
 *   `src/small-multiples-spec.ts`), the ideograms of every view;
 * - in index.html, Google Analytics (gtag.js and its inline snippet), Google Fonts (the app falls back
 *   to local fonts), unpkg's higlass.css (HiGlass 1.13, which the build bundles, injects its own styles)
 *   and bundle.run's Buffer polyfill (the only code of the build that reads a global Buffer is a copy of
 *   slugid used by one HiGlass track's SVG export; everything else bundles its own).
 * Pure Node, no Pulumi runtime: the stack's sync, the demo's server and the tests share it.
 */
import { VIEWER_KEY_PREFIX } from "../viewer-site";

/** The Chromoscope commit these changes were checked against. */
export const AUDITED_CHROMOSCOPE_COMMIT = "hms-dbmi/chromoscope 552e5cfc";

/** Where the start-up files are served: under the app's own path, so the viewer's routing serves them. */
export const VIEWER_STARTUP_PREFIX = `${VIEWER_KEY_PREFIX}startup/`;

/** A start-up fetch of the app from a third party, and the served file it is pointed at instead. */
export interface StartupRedirect {
  /** What the app fetches, as messages name it. */
  readonly what: string;
  /** A quoted string literal naming the third-party URL in the build's scripts (global). */
  readonly literal: RegExp;
  /** The start-up file served instead, under VIEWER_STARTUP_PREFIX. */
  readonly file: string;
  /** When no script names it: what the viewer then needs. */
  readonly ifMissing: string;
}

/** A literal URL quoted with ", ' or ` (the same on both sides), as a minifier leaves it. */
function quotedLiteral(urlPattern: string): RegExp {
  return new RegExp(`(["'\`])${urlPattern}\\1`, "g");
}
const escaped = (url: string) => url.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const CYTOBANDS =
  "https://raw.githubusercontent.com/sehilyi/gemini-datasets/master/data/UCSC.{build}.Human.CytoBandIdeogram.csv";

export const STARTUP_REDIRECTS: readonly StartupRedirect[] = [
  {
    what: "the public cohort list the app waits for before it opens a link's cohort (https://genomebrowser-uploads.hms.harvard.edu/…json)",
    literal: quotedLiteral(`${escaped("https://genomebrowser-uploads.hms.harvard.edu/")}[^"'\`\\s$]*?\\.json`),
    file: "cohort-list.json",
    ifMissing:
      "if this build still waits for a public cohort list before it opens a link's cohort, links show its built-in sample instead of the cohort: the viewer then needs that list's host reachable (and in its connect-src), or a build of " +
      AUDITED_CHROMOSCOPE_COMMIT,
  },
  ...["HG38", "HG19"].map((build) => ({
    what: `the ${build.toLowerCase()} ideogram bands (${CYTOBANDS.replace("{build}", build)})`,
    literal: quotedLiteral(escaped(CYTOBANDS.replace("{build}", build))),
    file: `UCSC.${build}.Human.CytoBandIdeogram.csv`,
    ifMissing: `if this build fetches the ${build.toLowerCase()} ideogram bands from another address, ${build.toLowerCase()} samples draw no ideogram unless that host is reachable (and in the viewer's connect-src)`,
  })),
];

/** The start-up files the viewer serves (the folder's README is not served). */
export const STARTUP_FILES: readonly string[] = [
  "cohort-list.json",
  "no-data.sv.bedpe",
  "no-data.cnv.tsv",
  "UCSC.HG38.Human.CytoBandIdeogram.csv",
  "UCSC.HG19.Human.CytoBandIdeogram.csv",
];

/**
 * The expression a redirected literal becomes: an absolute URL on the page's origin, which a fetch
 * resolves the same in the page and in the web workers Gosling starts from blob: URLs (a relative
 * path does not resolve against a blob: URL).
 */
export function startupFileExpression(file: string): string {
  return `(location.origin+${JSON.stringify(`/${VIEWER_STARTUP_PREFIX}${file}`)})`;
}

/** A script's text with every start-up literal pointed at the viewer's own origin, and how many of each. */
export function redirectStartupFetches(script: string): { script: string; counts: number[] } {
  const counts = STARTUP_REDIRECTS.map(() => 0);
  let changed = script;
  STARTUP_REDIRECTS.forEach((redirect, index) => {
    changed = changed.replace(redirect.literal, () => {
      counts[index] += 1;
      return startupFileExpression(redirect.file);
    });
  });
  return { script: changed, counts };
}

/** Whether a tag's URL attribute leaves the viewer's origin: absolute http(s) or protocol-relative. */
const THIRD_PARTY_URL = /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i;
/** A tag with its line's indentation and end when it stands on lines of its own, so removing it leaves no blank line. */
const SCRIPT_TAG = /(?:^[ \t]*)?<script\b([^>]*)>([\s\S]*?)<\/script\s*>(?:[ \t]*\r?\n)?/gim;
const LINK_TAG = /(?:^[ \t]*)?<link\b[^>]*>(?:[ \t]*\r?\n)?/gim;
/** The inline snippet that configures Google Analytics (useless, and naming its id, without gtag.js). */
const ANALYTICS_SNIPPET = /\bgtag\s*\(|\bdataLayer\b/;

/** `<script src="…">` as a message shows it: the tag's opening, whitespace collapsed. */
function shown(tag: string): string {
  const opening = tag
    .trim()
    .slice(0, tag.trim().indexOf(">") + 1)
    .replace(/\s+/g, " ");
  return opening.length > 160 ? `${opening.slice(0, 157)}…` : opening;
}

/**
 * index.html without what leaves the viewer's origin: third-party `<script src>` and `<link>` tags
 * (analytics, fonts, stylesheets, polyfills, preconnects) and the inline analytics snippet. Every other
 * byte stays as built; `removed` lists what went.
 */
export function ownOriginIndexHtml(html: string): { html: string; removed: string[] } {
  const removed: string[] = [];
  const withoutScripts = html.replace(SCRIPT_TAG, (tag: string, attributes: string, body: string) => {
    if (/\bsrc\s*=/i.test(attributes)) {
      if (!THIRD_PARTY_URL.test(attributes)) return tag;
      removed.push(`the third-party script ${shown(tag)}`);
      return "";
    }
    if (!ANALYTICS_SNIPPET.test(body)) return tag;
    removed.push("the inline Google Analytics snippet (gtag)");
    return "";
  });
  const withoutLinks = withoutScripts.replace(LINK_TAG, (tag: string) => {
    if (!THIRD_PARTY_URL.test(tag)) return tag;
    removed.push(`the third-party ${shown(tag)}`);
    return "";
  });
  return { html: withoutLinks, removed };
}
