/**
 * The self-hosted viewer's response headers: a Content-Security-Policy that lets Chromoscope run and
 * reach its data and annotation hosts and nothing else (no analytics, no third-party script), and the
 * usual hardening headers. One builder for CloudFront's response-headers policy and the local demo.
 *
 * Pure and self-contained (no Pulumi runtime, nothing outside policy/): the program, the pack, the
 * demo server and the tests build and read the same headers.
 */

/**
 * Hosts Chromoscope (hms-dbmi/chromoscope 552e5cfc, measured behind this policy) fetches besides its
 * own origin and the data bucket:
 * - server.gosling-lang.org: Gosling's annotation tiles (genes, ideograms), which every view draws;
 * - raw.githubusercontent.com: reference and annotation files the app loads from GitHub;
 * - genomebrowser-uploads.hms.harvard.edu: the public cohort list the app fetches at start; with that
 *   request refused, the external cohort (our config) did not load either.
 * Refused on purpose, and Chromoscope still renders without them: Google Analytics (gtag.js and its
 * collection host), Google Fonts, unpkg's higlass.css and bundle.run's Buffer polyfill.
 */
export const VIEWER_CONNECT_SOURCES: readonly string[] = [
  "https://server.gosling-lang.org",
  "https://raw.githubusercontent.com",
  "https://genomebrowser-uploads.hms.harvard.edu",
];

/** HSTS max-age: two years, as hstspreload.org asks. */
export const VIEWER_HSTS_SECONDS = 63_072_000;

export interface ViewerPolicyArgs {
  /** `'sha256-…'` sources of the build's own inline scripts (see inlineScriptHashes). */
  scriptHashes: readonly string[];
  /** Origins the data is fetched from: the data bucket's endpoint as the presigner addresses it. */
  dataOrigins: readonly string[];
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
    ["connect-src", ["'self'", ...args.dataOrigins, ...VIEWER_CONNECT_SOURCES]],
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

/**
 * What makes a policy's scripts unsafe for a link that is a key: inline scripts allowed wholesale,
 * any script host besides the viewer's own origin, or no script rule at all. Empty when it is sound.
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
  const frames = directives.get("frame-ancestors");
  if (frames === undefined || frames.join(" ") !== "'none'") problems.push("frame-ancestors is not 'none'");
  return problems;
}
