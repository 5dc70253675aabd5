/**
 * What `demo --sign-in` serves at /app/ when no Chromoscope build is given (--viewer-dist): a page
 * that does what the app does with the link's `external=` config (fetch it, then each file it names,
 * from the page's own origin, cookies included) and shows what came back, so the sign-in flow can be
 * seen end to end without building Chromoscope.
 */
import type { ServerResponse } from "node:http";

const SCRIPT = `
const out = document.getElementById("out");
const line = (text) => { const p = document.createElement("p"); p.textContent = text; out.append(p); return p; };
const query = location.search.slice(1);
const at = query.indexOf("external=");
if (at < 0) line("Open a cohort through its /open/ link: this page shows what the viewer would load.");
else (async () => {
  const url = query.slice(at + 9);
  const config = await fetch(url, { cache: "no-store" });
  line("config " + new URL(url).pathname + ": HTTP " + config.status);
  if (!config.ok) return;
  const cohort = await config.json();
  line("cohort " + JSON.stringify(cohort.name) + ": " + cohort.samples.length + " samples");
  for (const sample of cohort.samples) for (const field of ["sv", "cnv", "vcf", "vcfIndex", "bam", "bai"]) {
    if (typeof sample[field] !== "string") continue;
    const answer = await fetch(sample[field], { cache: "no-store", headers: { Range: "bytes=0-15" } });
    line(sample.id + " " + field + ": HTTP " + answer.status + " (" + (await answer.arrayBuffer()).byteLength + " bytes)");
  }
  document.body.dataset.done = "true";
})();
`;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Demo viewer (sign-in)</title>
<style>body{font:15px/1.4 system-ui,sans-serif;margin:2em}p{margin:.2em 0}</style></head>
<body><h1>Demo viewer</h1><p>No Chromoscope build was given (--viewer-dist): this page fetches what the app would, with your cookies. <a href="/auth/logout">Sign out</a></p>
<div id="out"></div><script>${SCRIPT}</script></body></html>
`;

export function isDemoAppPath(path: string): boolean {
  return path === "/app" || path.startsWith("/app/");
}

export function serveDemoAppPage(response: ServerResponse): void {
  response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  response.end(PAGE);
}
