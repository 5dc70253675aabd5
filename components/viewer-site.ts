/**
 * The self-hosted viewer's files as a web site: which object a request path reads (Chromoscope's
 * build uses `base: '/app/'`, and its client-side routes all load index.html), the headers each file
 * is stored with, and the hashes of the page's inline scripts that its Content-Security-Policy allows.
 * What is served is made from the build by viewer/served-viewer.ts.
 * Node only (no Pulumi runtime): the program, the demo server and the tests share it.
 */
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";

import { VIEWER_KEY_PREFIX } from "../policy/documents/limits";

/** The viewer's files live under this key prefix and are served under `/${VIEWER_KEY_PREFIX}`. */
export { VIEWER_KEY_PREFIX };
export const VIEWER_INDEX_KEY = `${VIEWER_KEY_PREFIX}index.html`;

/**
 * The object key a request path reads: a path whose last segment has no file extension (the app's
 * routes, `/app/` itself, `/`) reads index.html; a file reads itself. Written in plain JavaScript
 * without helpers, because its source is also CloudFront's viewer-request function.
 */
export function viewerObjectKey(path: string): string {
  const last = path.substring(path.lastIndexOf("/") + 1);
  if (path.indexOf("/app/") !== 0 || last.indexOf(".") === -1) return "app/index.html";
  return path.substring(1);
}

/** CloudFront Functions (cloudfront-js-2.0) source: the same rule, applied to every request. */
export function viewerRoutingFunctionCode(): string {
  return `${viewerObjectKey.toString()}\nfunction handler(event) {\n  event.request.uri = "/" + viewerObjectKey(event.request.uri);\n  return event.request;\n}\n`;
}

/** `'sha256-…'` sources for every inline `<script>` of a page (the exact text between its tags). */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const [, attributes, body] of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi)) {
    if (/\bsrc\s*=/i.test(attributes)) continue;
    hashes.push(`'sha256-${createHash("sha256").update(body, "utf8").digest("base64")}'`);
  }
  return [...new Set(hashes)];
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  txt: "text/plain; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  tsv: "text/tab-separated-values; charset=utf-8",
  bedpe: "text/tab-separated-values; charset=utf-8",
  wasm: "application/wasm",
};

export function viewerContentType(key: string): string {
  const extension = key.substring(key.lastIndexOf(".") + 1).toLowerCase();
  return CONTENT_TYPES[extension] ?? "application/octet-stream";
}

/**
 * index.html is checked on every load (it names the current build's files); the build's hashed
 * assets never change under their names; anything else for an hour.
 */
export function viewerCacheControl(key: string): string {
  if (key === VIEWER_INDEX_KEY) return "no-cache";
  if (key.startsWith(`${VIEWER_KEY_PREFIX}assets/`)) return "public, max-age=31536000, immutable";
  return "public, max-age=3600";
}

/** Why `folder` cannot be the viewer (no index.html...), or undefined. */
export function viewerFolderProblem(folder: string): string | undefined {
  try {
    if (!statSync(folder).isDirectory()) return `${folder} is not a folder`;
  } catch {
    return `${folder} does not exist`;
  }
  try {
    statSync(join(folder, "index.html"));
  } catch {
    return `${folder} holds no index.html (build Chromoscope with \`npx vite build\` and pass its dist/ folder)`;
  }
  return undefined;
}
