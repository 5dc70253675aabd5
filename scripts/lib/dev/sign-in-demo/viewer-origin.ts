/**
 * The demo's stand-in for the viewer's CloudFront distribution in sign-in mode, on the demo's own
 * port: `/auth/…` and `/open/…` go to the sign-in core (the same handler as on Lambda), and the data
 * and config paths are served only as CloudFront serves them behind a trusted key group: valid
 * signed cookies (see signed-cookie-check.ts), then the object at that key, read from the embedded
 * S3 server (a presigned GET, as CloudFront's origin access signs its request), ranges included.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { serveSignIn, isSignInPath } from "../../sign-in/node-http-adapter";
import { parseCookieHeader } from "../../sign-in/cookie-header";
import { SignInDeps } from "../../sign-in/viewer-request-handler";
import { checkSignedCookies } from "./signed-cookie-check";
import { isDemoAppPath, serveDemoAppPage } from "./demo-app-page";

export interface ViewerOriginOptions {
  /** `http://127.0.0.1:PORT`: the origin the policies' Resource names. */
  origin: string;
  deps: SignInDeps;
  /** The trusted key group: public keys (PEM) by key pair id. */
  publicKeys: Readonly<Record<string, string>>;
  /** Key prefixes served on the origin behind signed cookies: the data prefixes and the config prefix. */
  protectedPrefixes: readonly string[];
  /** A URL that GETs `key` from the bucket (a presigned URL of the embedded server). */
  objectUrl: (key: string) => string;
  /** Serve the built-in demo page at /app/ (no Chromoscope build given). */
  builtInApp?: boolean;
  /** Counts what was served and refused (the demo's closing summary). */
  onRequest?: (kind: "sign-in" | "data" | "refused") => void;
}

/** Response headers of S3 passed on to the browser, as CloudFront passes them. */
const PASSED_HEADERS = ["content-type", "content-length", "content-range", "accept-ranges", "etag", "last-modified"];

function refuse(response: ServerResponse, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  response.writeHead(403, { "Content-Type": "text/xml", "Cache-Control": "no-store" });
  response.end(body);
}

async function serveObject(request: IncomingMessage, response: ServerResponse, url: string): Promise<void> {
  const range = request.headers.range;
  const upstream = await fetch(url, { headers: range === undefined ? {} : { range } });
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  for (const name of PASSED_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  response.writeHead(upstream.status, headers);
  response.end(request.method === "HEAD" ? undefined : Buffer.from(await upstream.arrayBuffer()));
}

/** The object key a protected path names, or undefined when the path is not one. */
function protectedKey(path: string, prefixes: readonly string[]): string | undefined {
  let key: string;
  try {
    key = path.slice(1).split("/").map(decodeURIComponent).join("/");
  } catch {
    return undefined;
  }
  return prefixes.some((prefix) => key.startsWith(prefix)) && !key.endsWith("/") ? key : undefined;
}

/**
 * A handler for the demo's server: true when it answered the request (a sign-in route or a
 * protected path), false for the rest (the viewer's /app/ and the S3 API).
 */
export function viewerOriginHandler(options: ViewerOriginOptions) {
  return (request: IncomingMessage, response: ServerResponse, path: string): boolean => {
    if (isSignInPath(path)) {
      options.onRequest?.("sign-in");
      serveSignIn(request, response, options.deps).catch(() => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
      return true;
    }
    if (options.builtInApp && isDemoAppPath(path)) {
      serveDemoAppPage(response);
      return true;
    }
    const key = protectedKey(path, options.protectedPrefixes);
    if (key === undefined) return false;
    const method = request.method ?? "GET";
    const cookies = parseCookieHeader(request.headers.cookie === undefined ? [] : [request.headers.cookie]);
    const verdict = checkSignedCookies(`${options.origin}${path}`, cookies, options.publicKeys, options.deps.now());
    if (method !== "GET" && method !== "HEAD") {
      options.onRequest?.("refused");
      refuse(response, "MethodNotAllowed", "Only GET and HEAD are served");
    } else if (!verdict.allowed) {
      options.onRequest?.("refused");
      refuse(response, verdict.code, verdict.reason);
    } else {
      options.onRequest?.("data");
      serveObject(request, response, options.objectUrl(key)).catch(() => {
        if (!response.headersSent) response.writeHead(502);
        response.end();
      });
    }
    return true;
  };
}
