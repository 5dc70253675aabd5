/**
 * The self-hosted viewer on the embedded S3 server itself (`demo --viewer-dist`): what the stack's
 * sync uploads of a Chromoscope build (the same transformation, components/viewer/served-viewer.ts:
 * the start-up files on the viewer's own origin, no third-party tag in the page), served under /app/
 * on the same port as the S3 endpoint with the headers CloudFront adds (the same builder), so the
 * link goes to no third party and the data is fetched from the page's own origin.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { viewerSecurityHeaders } from "../../../policy/documents/viewer-headers";
import { viewerCacheControl, viewerContentType, viewerObjectKey } from "../../../components/viewer-site";
import { ServedViewer, servedFilesByKey } from "../../../components/viewer/served-viewer";

/** What the local viewer serves, and whether its pages may reach Gosling's tile server. */
export interface LocalViewer {
  served: ServedViewer;
  /** As the stack's `viewerAnnotationTiles` (default true). */
  annotationTiles?: boolean;
}

/** Whether a request is the viewer's (a path under /app), not S3's (so no bucket may be named "app"). */
export function isViewerRequest(path: string): boolean {
  return path === "/app" || path.startsWith("/app/");
}

function decodedPath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/** Serves the viewer's files for viewer requests, with the viewer's headers for data from `dataOrigin`. */
export function viewerHandler(viewer: LocalViewer, dataOrigin: string) {
  const files = servedFilesByKey(viewer.served);
  const headers = viewerSecurityHeaders({
    scriptHashes: viewer.served.scriptHashes,
    dataOrigins: [dataOrigin],
    annotationTiles: viewer.annotationTiles,
  });
  return (request: IncomingMessage, response: ServerResponse, path: string): void => {
    const decoded = decodedPath(path);
    const key = decoded === undefined ? undefined : viewerObjectKey(decoded);
    const file = key === undefined ? undefined : files.get(key);
    const method = request.method ?? "GET";
    if (key === undefined || file === undefined || (method !== "GET" && method !== "HEAD")) {
      response.writeHead(file === undefined ? 404 : 405, { ...headers, "Content-Type": "text/plain" });
      response.end(file === undefined ? "not found\n" : "method not allowed\n");
      return;
    }
    const body = file.read();
    response.writeHead(200, {
      ...headers,
      "Content-Type": viewerContentType(key),
      "Cache-Control": viewerCacheControl(key),
      "Content-Length": body.length,
    });
    response.end(method === "HEAD" ? undefined : body);
  };
}

/** What the demo says about the viewer it serves: what it changed, and every warning. */
export function describeLocalViewer(viewer: LocalViewer, folder: string): string {
  const { applied, notApplied, files } = viewer.served;
  const added = files.filter((file) => file.origin === "added").length;
  const tiles =
    viewer.annotationTiles === false
      ? "Its pages reach no tile server (--no-annotation-tiles): the gene annotation and sequence tracks stay empty.\n"
      : "";
  return (
    `Viewer: ${folder} as the stack's sync serves it (the folder itself is only read):\n` +
    [...applied, `served ${added} start-up files from this origin`].map((line) => `  ${line}\n`).join("") +
    tiles +
    notApplied.map((warning) => `Warning: ${warning}\n`).join("")
  );
}
