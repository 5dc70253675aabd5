/**
 * A fault-injecting HTTP proxy on 127.0.0.1, put between a command and the embedded S3 server
 * (the command's --endpoint is the proxy). It forwards every request byte for byte — method, raw
 * path and query, every header including `Host` (SigV4 signs it, so a presigned URL made for the
 * proxy verifies at the server behind it) — and streams bodies both ways.
 *
 * Rules choose requests (by operation, key, SDK attempt number, or a predicate) and answer a share
 * of them (all, a seeded pseudo-random share, or the first N) with a fault:
 *
 * - `error500`:    500 InternalError with S3's XML error body;
 * - `slowDown`:    503 SlowDown with S3's XML error body;
 * - `reset`:       the connection is reset (TCP RST), no response;
 * - `stall`:       no response header is ever sent (nothing is forwarded);
 * - `stallBody`:   the server's status and headers and half its body are sent, then nothing;
 * - `stallUpload`: the request's headers and half its body reach the server, then nothing.
 *
 * With `afterForward`, the request is first handled by the server in full (an upload is stored)
 * and only the answer is replaced by the fault: "the attempt reached the server". A rule's `onFault`
 * is called once the fault is in place (for stalls: once the partial data has been forwarded), which
 * is how a test learns that a chosen point of a command has been reached.
 */
import {
  createServer,
  IncomingMessage,
  request as httpRequest,
  Agent,
  Server,
  ServerResponse,
  IncomingHttpHeaders,
  ClientRequest,
} from "node:http";
import { AddressInfo, Socket } from "node:net";
import { seededRandom } from "../../scripts/lib/dev/seeded-random";

export type FaultKind = "error500" | "slowDown" | "reset" | "stall" | "stallBody" | "stallUpload";
export const FAULT_KINDS: readonly FaultKind[] = ["error500", "slowDown", "reset", "stall", "stallBody", "stallUpload"];

/** One request as the proxy saw it. */
export interface ProxiedRequest {
  /** 0-based, in arrival order. */
  index: number;
  method: string;
  /** Raw path and query, as received. */
  url: string;
  /** The object key (decoded), "" for a bucket-level request. */
  key: string;
  /** ListObjectsV2, GetObject, PutObject, DeleteObject, GetBucketCors, ... */
  operation: string;
  /** The SDK's attempt number (`amz-sdk-request: attempt=N`), 1 when absent (a browser, fetch). */
  attempt: number;
  /** How many earlier requests had the same method and URL (0: the first try of this request). */
  repeat: number;
  /** The fault injected, if any. */
  fault?: FaultKind;
  /** With afterForward: the status the server answered before the fault replaced it. */
  upstreamStatus?: number;
  /** How the request was signed: SigV4 in the Authorization header, in the query (presigned), or not at all. */
  signedIn: "header" | "query" | "none";
  /** The request body's declared length, and (stallUpload) how much of it reached the server. */
  bodyLength: number;
  forwardedBytes?: number;
}

export interface FaultRule {
  fault: FaultKind;
  /** Operation names this rule applies to (default: any). */
  operations?: readonly string[];
  /** Only requests whose object key starts with this (e.g. "configs/"). */
  keyPrefix?: string;
  /** Any further condition. */
  when?(request: ProxiedRequest): boolean;
  /** Share of matching requests that get the fault, drawn from the proxy's seeded generator (default 1: all). */
  rate?: number;
  /** Only the first N matching requests that were drawn for a fault. */
  times?: number;
  /** Let the server handle the request in full first, then answer the client with the fault. */
  afterForward?: boolean;
  /** Called when the fault is in place. */
  onFault?(request: ProxiedRequest): void;
}

export interface FaultProxy {
  /** `http://127.0.0.1:PORT`: pass it as --endpoint. */
  endpoint: string;
  port: number;
  /** Replaces the rules (none: a clean pass-through) and restarts the seeded generator. */
  setRules(rules: readonly FaultRule[]): void;
  /** Every request seen since the last `resetLog`. */
  readonly requests: readonly ProxiedRequest[];
  /** Requests that got a fault. */
  faulted(): ProxiedRequest[];
  resetLog(): void;
  /** Resolves once no exchange is open (every client and upstream connection of a request has closed). */
  idle(): Promise<void>;
  /** Ends every held (stalled) exchange and stops listening. */
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** `http://127.0.0.1:PORT` of the S3 server. */
  target: string;
  /** Seed of the generator behind `rate` (deterministic runs). */
  seed?: number;
}

const SUBRESOURCES: Record<string, string> = {
  cors: "BucketCors",
  encryption: "BucketEncryption",
  location: "BucketLocation",
  ownershipControls: "BucketOwnershipControls",
  policy: "BucketPolicy",
  publicAccessBlock: "PublicAccessBlock",
  versioning: "BucketVersioning",
  lifecycle: "BucketLifecycleConfiguration",
};

/** The S3 operation of a path-style request (the few the tools make). */
export function operationOf(method: string, url: string): { operation: string; key: string } {
  const mark = url.indexOf("?");
  const path = mark < 0 ? url : url.slice(0, mark);
  const params = new URLSearchParams(mark < 0 ? "" : url.slice(mark + 1));
  const [, , ...keyParts] = path.split("/");
  const rawKey = keyParts.join("/");
  let key = rawKey;
  try {
    key = decodeURIComponent(rawKey);
  } catch {
    // leave it raw
  }
  const verb =
    method === "GET"
      ? "Get"
      : method === "PUT"
        ? "Put"
        : method === "DELETE"
          ? "Delete"
          : method === "HEAD"
            ? "Head"
            : method;
  if (key === "") {
    const sub = Object.keys(SUBRESOURCES).find((name) => params.has(name));
    if (sub) return { operation: `${verb}${SUBRESOURCES[sub]}`, key };
    if (method === "GET") return { operation: params.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects", key };
    return { operation: `${verb}Bucket`, key };
  }
  return { operation: `${verb}Object`, key };
}

function signatureOf(url: string, headers: IncomingHttpHeaders): ProxiedRequest["signedIn"] {
  if (/[?&]X-Amz-Signature=/i.test(url)) return "query";
  return headers.authorization !== undefined ? "header" : "none";
}

function attemptOf(headers: IncomingHttpHeaders): number {
  const match = /attempt=(\d+)/.exec(String(headers["amz-sdk-request"] ?? ""));
  return match ? Number(match[1]) : 1;
}

function errorXml(code: string, message: string, index: number): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<RequestId>FAULTPROXY${String(index).padStart(6, "0")}</RequestId><HostId>fault-proxy</HostId></Error>`
  );
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  let random = seededRandom(options.seed ?? 1);
  const agent = new Agent({ keepAlive: true });
  let rules: readonly FaultRule[] = [];
  const counts = new Map<FaultRule, number>();
  let requests: ProxiedRequest[] = [];
  let index = 0;
  const tries = new Map<string, number>();
  let open = 0;
  let idleWaiters: Array<() => void> = [];
  const exchangeClosed = () => {
    open--;
    if (open === 0) {
      for (const wake of idleWaiters) wake();
      idleWaiters = [];
    }
  };
  /** Exchanges held open by stalls, ended on close. */
  const held = new Set<{ destroy(): void }>();
  const sockets = new Set<Socket>();

  function chooseRule(seen: ProxiedRequest): FaultRule | undefined {
    for (const rule of rules) {
      if (rule.operations && !rule.operations.includes(seen.operation)) continue;
      if (rule.keyPrefix !== undefined && !seen.key.startsWith(rule.keyPrefix)) continue;
      if (rule.when && !rule.when(seen)) continue;
      if (rule.rate !== undefined && rule.rate < 1 && random() >= rule.rate) continue;
      const count = counts.get(rule) ?? 0;
      if (rule.times !== undefined && count >= rule.times) continue;
      counts.set(rule, count + 1);
      return rule;
    }
    return undefined;
  }

  function forward(req: IncomingMessage, headers: IncomingHttpHeaders): ClientRequest {
    return httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent });
  }

  /** Sends `count` bytes of the request body upstream (all when undefined), then holds the rest. */
  function pipeBody(
    req: IncomingMessage,
    upstream: ClientRequest,
    limit?: number,
    onLimit?: (sent: number) => void,
  ): void {
    if (limit === undefined) {
      req.pipe(upstream);
      return;
    }
    let sent = 0;
    let reached = false;
    req.on("data", (chunk: Buffer) => {
      if (reached) return;
      const room = limit - sent;
      if (chunk.length >= room) {
        if (room > 0) upstream.write(chunk.subarray(0, room));
        sent = limit;
        reached = true;
        req.pause();
        onLimit?.(sent);
      } else {
        upstream.write(chunk);
        sent += chunk.length;
      }
    });
    req.on("end", () => {
      if (!reached) {
        reached = true;
        onLimit?.(sent);
      }
    });
  }

  function answerFault(res: ServerResponse, fault: "error500" | "slowDown", seen: ProxiedRequest): void {
    const [status, code, message] =
      fault === "error500"
        ? [500, "InternalError", "We encountered an internal error. Please try again."]
        : [503, "SlowDown", "Please reduce your request rate."];
    const body = errorXml(code, message, seen.index);
    res.writeHead(status, {
      "content-type": "application/xml",
      "content-length": Buffer.byteLength(body),
      "x-amz-request-id": `FAULTPROXY${seen.index}`,
    });
    res.end(seen.method === "HEAD" ? undefined : body);
  }

  function resetConnection(res: ServerResponse): void {
    const socket = res.socket;
    if (socket?.resetAndDestroy) socket.resetAndDestroy();
    else socket?.destroy();
  }

  function hold(res: ServerResponse, upstream?: ClientRequest): void {
    const exchange = {
      destroy() {
        upstream?.destroy();
        res.destroy();
      },
    };
    held.add(exchange);
    res.on("close", () => {
      held.delete(exchange);
      upstream?.destroy();
    });
  }

  const server: Server = createServer((req, res) => {
    const url = req.url ?? "/";
    const method = req.method ?? "GET";
    const repeat = tries.get(`${method} ${url}`) ?? 0;
    tries.set(`${method} ${url}`, repeat + 1);
    const seen: ProxiedRequest = {
      index: index++,
      method,
      url,
      ...operationOf(method, url),
      attempt: attemptOf(req.headers),
      repeat,
      signedIn: signatureOf(url, req.headers),
      bodyLength: Number(req.headers["content-length"] ?? 0),
    };
    requests.push(seen);
    const rule = chooseRule(seen);
    const headers = { ...req.headers };

    // The client went away (timeout, kill): abandon whatever is still going upstream.
    let upstream: ClientRequest | undefined;
    open++;
    res.on("close", () => {
      if (!res.writableFinished) upstream?.destroy();
      if (upstream && !upstream.destroyed && !upstream.writableFinished) upstream.once("close", exchangeClosed);
      else exchangeClosed();
    });

    if (!rule) {
      upstream = forward(req, headers);
      upstream.on("response", (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.destroy());
      pipeBody(req, upstream);
      return;
    }

    seen.fault = rule.fault;
    const signal = () => rule.onFault?.(seen);

    if (rule.fault === "stallUpload") {
      upstream = forward(req, headers);
      upstream.on("error", () => res.destroy());
      upstream.flushHeaders();
      hold(res, upstream);
      pipeBody(req, upstream, Math.floor(seen.bodyLength / 2), (sent) => {
        seen.forwardedBytes = sent;
        signal();
      });
      return;
    }

    if (!rule.afterForward && rule.fault !== "stallBody") {
      req.resume();
      if (rule.fault === "stall") {
        hold(res);
        req.on("end", signal);
        return;
      }
      req.on("end", () => {
        if (rule.fault === "reset") resetConnection(res);
        else answerFault(res, rule.fault as "error500" | "slowDown", seen);
        signal();
      });
      return;
    }

    // The server handles the request in full; then the answer is replaced (or cut short).
    upstream = forward(req, headers);
    upstream.on("error", () => res.destroy());
    upstream.on("response", (answer) => {
      seen.upstreamStatus = answer.statusCode;
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () => {
        const body = Buffer.concat(chunks);
        switch (rule.fault) {
          case "stallBody": {
            const responseHeaders = { ...answer.headers };
            // Without a length the client cannot tell the body is short: it waits for the rest.
            delete responseHeaders["content-length"];
            responseHeaders["transfer-encoding"] = "chunked";
            res.writeHead(answer.statusCode ?? 502, responseHeaders);
            const half = body.subarray(0, Math.floor(body.length / 2));
            if (half.length > 0) res.write(half);
            hold(res);
            break;
          }
          case "stall":
            hold(res);
            break;
          case "reset":
            resetConnection(res);
            break;
          default:
            answerFault(res, rule.fault as "error500" | "slowDown", seen);
        }
        signal();
      });
    });
    pipeBody(req, upstream);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  // A reset or killed client leaves errors on its socket; they are expected here.
  server.on("clientError", (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    setRules(next) {
      rules = [...next];
      counts.clear();
      // Every rule set draws from the same sequence: a test's faults do not depend on the tests before it.
      random = seededRandom(options.seed ?? 1);
    },
    get requests() {
      return requests;
    },
    faulted: () => requests.filter((seen) => seen.fault !== undefined),
    resetLog() {
      requests = [];
      tries.clear();
    },
    idle() {
      return open === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const exchange of held) exchange.destroy();
        for (const socket of sockets) socket.destroy();
        agent.destroy();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
