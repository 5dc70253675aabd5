/**
 * The self-hosted viewer's response headers: a Content-Security-Policy that lets Chromoscope run and
 * reach its data and annotation tiles and nothing else (no analytics, no third-party script), and the
 * usual hardening headers. One builder for CloudFront's response-headers policy and the local demo.
 *
 * Pure and self-contained (no Pulumi runtime, nothing outside policy/): the program, the pack, the
 * demo server and the tests build and read the same headers.
 */

/** Gosling's annotation tile server: the gene annotation and sequence tracks of Chromoscope's views. */
export const GOSLING_TILE_SERVER = "https://server.gosling-lang.org";

/**
 * Hosts the app may reach besides the viewer's own origin and the data bucket: Gosling's tile server
 * only (hms-dbmi/chromoscope 552e5cfc, measured behind this policy; `annotationTiles: false` drops it
 * for a closed network, and those tracks then stay empty). The app's other start-up fetches, a public
 * cohort list on genomebrowser-uploads.hms.harvard.edu that it waits for before it opens a link's
 * cohort and the cytoband CSVs on raw.githubusercontent.com, are served from the viewer's own origin
 * instead (components/viewer), so no third party is needed to open a cohort. Refused on
 * purpose: Google Analytics, Google Fonts, unpkg and bundle.run, which the served page no longer names.
 */
export const VIEWER_CONNECT_SOURCES: readonly string[] = [GOSLING_TILE_SERVER];

/** HSTS max-age: two years, as hstspreload.org asks. */
export const VIEWER_HSTS_SECONDS = 63_072_000;

export interface ViewerPolicyArgs {
  /** `'sha256-…'` sources of the build's own inline scripts (see inlineScriptHashes). */
  scriptHashes: readonly string[];
  /** Origins the data is fetched from: the data bucket's endpoint as the presigner addresses it. */
  dataOrigins: readonly string[];
  /** Whether the app may fetch annotation tiles from Gosling's tile server (default true). */
  annotationTiles?: boolean;
}

/**
 * Script: the app's own files, its inline scripts by hash, and eval (Gosling compiles its
 * specifications at run time). Style: inline styles, which React and Gosling set on elements.
 * Workers and images from blob: and data: URLs, which the track renderers create.
 */
export function viewerContentSecurityPolicy(args: ViewerPolicyArgs): string {
  const directives: Array<[string, readonly string[]]> = [
    ["default-src", ["'self'"]],
    ["script-src", ["'self'", "'unsafe-eval'", ...args.scriptHashes]],
    ["style-src", ["'self'", "'unsafe-inline'"]],
    ["img-src", ["'self'", "data:", "blob:"]],
    ["font-src", ["'self'", "data:"]],
    ["worker-src", ["'self'", "blob:"]],
    ["connect-src", ["'self'", ...args.dataOrigins, ...(args.annotationTiles === false ? [] : VIEWER_CONNECT_SOURCES)]],
    ["object-src", ["'none'"]],
    ["base-uri", ["'self'"]],
    ["form-action", ["'none'"]],
    ["frame-ancestors", ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(" ")}`).join("; ");
}

/** Every header the viewer is served with, by name (the demo server sends exactly these). */
export function viewerSecurityHeaders(args: ViewerPolicyArgs): Record<string, string> {
  return {
    "Content-Security-Policy": viewerContentSecurityPolicy(args),
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": `max-age=${VIEWER_HSTS_SECONDS}; includeSubDomains`,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
  };
}

/** A policy's directives, by name, each with its sources. */
export function cspDirectives(policy: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of policy.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** An S3 endpoint, virtual-hosted (`https://<bucket>.s3.<region>.amazonaws.com`) or path-style. */
const S3_ENDPOINT = /^https:\/\/([a-z0-9][a-z0-9.-]*\.)?s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/**
 * What makes a policy unsafe for a link that is a key: inline scripts allowed wholesale, any script
 * host besides the viewer's own origin, or no script rule at all; a page that may send data anywhere
 * but its own origin, an S3 endpoint and Gosling's tile server (connect-src); framing. Empty when sound.
 */
export function viewerCspProblems(policy: string): string[] {
  const directives = cspDirectives(policy);
  const scripts = directives.get("script-src") ?? directives.get("default-src");
  if (scripts === undefined) return ["no script-src (nor default-src): any script may run"];
  const problems: string[] = [];
  if (scripts.includes("'unsafe-inline'")) problems.push("script-src allows 'unsafe-inline'");
  const allowedKeywords = /^'(self|unsafe-eval|none|sha(256|384|512)-[A-Za-z0-9+/=]+)'$/;
  const foreign = scripts.filter((source) => source !== "'unsafe-inline'" && !allowedKeywords.test(source));
  if (foreign.length > 0) problems.push(`script-src allows scripts from ${foreign.join(" ")}`);
  const connect = directives.get("connect-src") ?? directives.get("default-src");
  if (connect === undefined) problems.push("has no connect-src (nor default-src): the page may send a link anywhere");
  const elsewhere = (connect ?? []).filter(
    (source) =>
      source !== "'self'" &&
      source !== "'none'" &&
      !S3_ENDPOINT.test(source) &&
      !VIEWER_CONNECT_SOURCES.includes(source),
  );
  if (elsewhere.length > 0)
    problems.push(`connect-src lets the page send data (a link included) to ${elsewhere.join(" ")}`);
  const frames = directives.get("frame-ancestors");
  if (frames === undefined || frames.join(" ") !== "'none'") problems.push("frame-ancestors is not 'none'");
  return problems;
}
