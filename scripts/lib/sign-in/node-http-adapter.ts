/**
 * The sign-in core behind Node's `http` server (the demo): a request becomes a ViewerRequest, the
 * response's `Set-Cookie` values go out as separate headers, and a HEAD request gets no body.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parseCookieHeader } from "./cookie-header";
import { handleViewerRequest, SignInDeps, ViewerRequest } from "./viewer-request-handler";

/** Whether the sign-in core answers `path` (the demo's server routes the rest elsewhere). */
export function isSignInPath(path: string): boolean {
  return path.startsWith("/auth/") || path.startsWith("/open/");
}

export function viewerRequestOf(request: IncomingMessage): ViewerRequest {
  const url = request.url ?? "/";
  const mark = url.indexOf("?");
  const cookie = request.headers.cookie;
  return {
    method: request.method ?? "GET",
    path: mark === -1 ? url : url.slice(0, mark),
    query: mark === -1 ? "" : url.slice(mark + 1),
    cookies: parseCookieHeader(cookie === undefined ? [] : [cookie]),
    clientAddress: request.socket.remoteAddress ?? "",
    ...(request.headers.host === undefined ? {} : { host: request.headers.host }),
  };
}

export async function serveSignIn(request: IncomingMessage, response: ServerResponse, deps: SignInDeps): Promise<void> {
  const viewerRequest = viewerRequestOf(request);
  const answer = await handleViewerRequest(viewerRequest, deps);
  const body = viewerRequest.method === "HEAD" ? "" : answer.body;
  response.writeHead(answer.status, {
    ...answer.headers,
    ...(answer.cookies.length > 0 ? { "Set-Cookie": answer.cookies } : {}),
    "Content-Length": Buffer.byteLength(answer.body),
  });
  response.end(body);
}
