/**
 * The self-hosted viewer on the embedded S3 server itself (`demo --viewer-dist`): a Chromoscope build
 * served under /app/ on the same port as the S3 endpoint, with the headers CloudFront adds (the same
 * builder), so the link goes to no third party and the data is fetched from the page's own origin.
 */
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join, resolve, sep } from "node:path";
import { viewerSecurityHeaders } from "../../../policy/documents/viewer-headers";
import {
  inlineScriptHashes,
  VIEWER_KEY_PREFIX,
  viewerCacheControl,
  viewerContentType,
  viewerObjectKey,
} from "../../../components/viewer-site";

/** Whether a request is the viewer's (a path under /app), not S3's (so no bucket may be named "app"). */
export function isViewerRequest(path: string): boolean {
  return path === "/app" || path.startsWith("/app/");
}

/** Serves `folder`'s files for viewer requests, with the viewer's headers for data from `dataOrigin`. */
export function viewerHandler(folder: string, dataOrigin: string) {
  const root = resolve(folder);
  const headers = viewerSecurityHeaders({
    scriptHashes: inlineScriptHashes(readFileSync(join(root, "index.html"), "utf8")),
    dataOrigins: [dataOrigin],
  });
  return (request: IncomingMessage, response: ServerResponse, path: string): void => {
    const key = viewerObjectKey(decodeURIComponent(path));
    const file = resolve(root, key.slice(VIEWER_KEY_PREFIX.length));
    let body: Buffer | undefined;
    if (file === root || file.startsWith(`${root}${sep}`)) {
      try {
        body = readFileSync(file);
      } catch {
        body = undefined;
      }
    }
    const method = request.method ?? "GET";
    if (body === undefined || (method !== "GET" && method !== "HEAD")) {
      response.writeHead(body === undefined ? 404 : 405, { ...headers, "Content-Type": "text/plain" });
      response.end(body === undefined ? "not found\n" : "method not allowed\n");
      return;
    }
    response.writeHead(200, {
      ...headers,
      "Content-Type": viewerContentType(key),
      "Cache-Control": viewerCacheControl(key),
      "Content-Length": body.length,
    });
    response.end(method === "HEAD" ? undefined : body);
  };
}
