/**
 * The project's embedded S3-API server: @20minutes/s3rver 4.0.4 (patched, see
 * patches/@20minutes+s3rver+4.0.4.patch) on 127.0.0.1, path-style only. Used in-process by the
 * tests and the demo, and as a separate process (scripts/lib/dev/local-s3-server.ts) by the benches.
 *
 * Unlike upstream s3rver it verifies SigV4 against this server's own credentials only and, by
 * default, refuses unsigned requests with 403 AccessDenied as S3 does for a private bucket.
 */
import { mkdir } from "node:fs/promises";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { isViewerRequest, LocalViewer, viewerHandler } from "./local-viewer";
import { LocalAccessLog, localAccessLog, LocalAccessLogOptions } from "./local-access-log";
import { s3Operations } from "./s3-operations/s3-operations";
import type S3rverModule from "@20minutes/s3rver";

/** Loaded when a server starts: its web framework and logger take longer to load than Node starts. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const loadS3rver = (): typeof S3rverModule => require("@20minutes/s3rver") as typeof S3rverModule;

export interface LocalS3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface LocalS3Request {
  method: string;
  /** Raw (percent-encoded) path, e.g. `/bucket/some%20key`. */
  path: string;
  /** Raw query string without the leading `?`. */
  query: string;
  /** Best-effort S3 operation name: GetObject, PutObject, ListObjectsV2, OPTIONS, ... */
  operation: string;
}

export interface LocalS3Options {
  /** Where objects live (created if missing). */
  directory: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** Keys the server accepts; default [LOCAL_S3_DEFAULT_CREDENTIALS]. */
  credentials?: LocalS3Credentials[];
  /** Serve requests that carry no signature; default false (403 AccessDenied, as S3). */
  allowAnonymous?: boolean;
  /** No request logging; default true. */
  silent?: boolean;
  /** Called once per incoming request, before it is handled (e.g. to count requests). */
  onRequest?: (request: LocalS3Request) => void;
  /** A Chromoscope build, as the self-hosted viewer serves it, under /app/ on the same port. */
  viewer?: LocalViewer;
  /** Server access logging of one bucket into another, in S3's format and partitioned layout. */
  accessLog?: LocalAccessLogOptions;
}

/** Answers a request before the viewer and the S3 API do (true: answered), e.g. the sign-in demo's routes. */
export type FrontDoor = (request: IncomingMessage, response: ServerResponse, path: string) => boolean;

export interface LocalS3Server {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Puts `frontDoor` before the viewer and the S3 API (set once the endpoint is known). */
  setFrontDoor(frontDoor: FrontDoor): void;
  port: number;
  region: string;
  credentials: LocalS3Credentials[];
  /** Bytes received from clients so far (requests' headers and bodies, on every connection). */
  bytesReceived(): number;
  /** Stops listening, drops open connections; resolves once everything is released. */
  close(): Promise<void>;
}

/**
 * Fixed, local-only credentials: they exist on no AWS account, but have the shape of an IAM user's
 * key so that stack outputs holding them pass the same checks as a real stack's. (Not frozen: the
 * AWS SDK tags the credentials object it is given, so hand it a copy.)
 */
export const LOCAL_S3_DEFAULT_CREDENTIALS: LocalS3Credentials = {
  accessKeyId: "LOCALS3ACCESSKEYID00",
  secretAccessKey: "LocalS3SecretAccessKeyNotAnAwsKey0000000",
};

export const LOCAL_S3_REGION = "us-east-1";

const LOCAL_HOST = "127.0.0.1";

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3Server> {
  const credentials = options.credentials ?? [LOCAL_S3_DEFAULT_CREDENTIALS];
  const accessKeys = buildAccessKeys(credentials);
  const accepted = credentials.map(({ accessKeyId, secretAccessKey }) => ({ accessKeyId, secretAccessKey }));
  const s3Api = await s3ApiHandler(options, accessKeys);
  const routes: Routes = {};
  const server = createServer(requestRouter(routes, s3Api, options.onRequest));
  const bytesReceived = countBytesReceived(server);
  await listen(server, options.port ?? 0);
  const boundPort = (server.address() as AddressInfo).port;
  const endpoint = `http://${LOCAL_HOST}:${boundPort}`;
  if (options.viewer !== undefined) routes.viewer = viewerHandler(options.viewer, endpoint);
  if (options.accessLog) {
    routes.accessLog = localAccessLog(options.accessLog, {
      endpoint,
      region: LOCAL_S3_REGION,
      credentials: accepted[0],
    });
  }
  return {
    endpoint,
    port: boundPort,
    region: LOCAL_S3_REGION,
    credentials: accepted,
    bytesReceived,
    setFrontDoor(handler) {
      routes.frontDoor = handler;
    },
    close: closeOnce(server, routes),
  };
}

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** What answers before, or beside, the S3 API: set once the server's endpoint is known. */
interface Routes {
  frontDoor?: FrontDoor;
  viewer?: ReturnType<typeof viewerHandler>;
  accessLog?: LocalAccessLog;
}

/** s3rver, storing under `options.directory` and accepting `accessKeys` only. */
async function s3ApiHandler(options: LocalS3Options, accessKeys: Record<string, string>): Promise<RequestHandler> {
  const { directory, allowAnonymous = false, silent = true } = options;
  await mkdir(directory, { recursive: true });
  const S3rver = loadS3rver();
  const app = new S3rver({
    directory,
    silent,
    vhostBuckets: false,
    allowMismatchedSignatures: false,
    allowAnonymous,
    accessKeys,
    operations: s3Operations,
  });
  return app.callback();
}

/** Sends a request to the front door, the viewer or the S3 API (through the access log when there is one). */
function requestRouter(routes: Routes, s3Api: RequestHandler, onRequest: LocalS3Options["onRequest"]): RequestHandler {
  return (request, response) => {
    const method = request.method ?? "GET";
    const [path, query = ""] = splitUrl(request.url ?? "/");
    if (routes.frontDoor?.(request, response, path)) return;
    if (routes.viewer && isViewerRequest(path)) {
      onRequest?.({ method, path, query, operation: "Viewer" });
      return routes.viewer(request, response, path);
    }
    const operation = s3OperationName(method, path, query, request.headers);
    const { accessLog } = routes;
    // The log's own deliveries are not requests of a client (S3's are not either).
    if (!accessLog?.isDelivery({ path, query, operation })) onRequest?.({ method, path, query, operation });
    if (accessLog) accessLog.handle(request, response, { path, query, operation }, () => s3Api(request, response));
    else s3Api(request, response);
  };
}

/** Bytes read from every connection so far, open ones included. */
function countBytesReceived(server: Server): () => number {
  let received = 0;
  const open = new Set<Socket>();
  server.on("connection", (socket) => {
    open.add(socket);
    socket.once("close", () => {
      received += socket.bytesRead;
      open.delete(socket);
    });
  });
  return () => [...open].reduce((sum, socket) => sum + socket.bytesRead, received);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, LOCAL_HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Flushes the access log, then stops the server; every call after the first gets the same promise. */
function closeOnce(server: Server, routes: Routes): () => Promise<void> {
  let closed: Promise<void> | undefined;
  return () => {
    closed ??= (routes.accessLog?.close() ?? Promise.resolve()).then(
      () =>
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          // keep-alive sockets (SDK clients, fetch) would otherwise hold the server open
          server.closeAllConnections();
        }),
    );
    return closed;
  };
}

function buildAccessKeys(credentials: readonly LocalS3Credentials[]): Record<string, string> {
  if (credentials.length === 0) {
    throw new Error("startLocalS3: `credentials` must hold at least one access key");
  }
  const accessKeys: Record<string, string> = {};
  for (const { accessKeyId, secretAccessKey } of credentials) {
    if (!accessKeyId || accessKeyId.includes("/") || !secretAccessKey) {
      throw new Error("startLocalS3: every credential needs an accessKeyId without '/' and a secretAccessKey");
    }
    if (accessKeyId in accessKeys && accessKeys[accessKeyId] !== secretAccessKey) {
      throw new Error(`startLocalS3: access key ${accessKeyId} is listed twice with different secrets`);
    }
    accessKeys[accessKeyId] = secretAccessKey;
  }
  return accessKeys;
}

function splitUrl(url: string): [string, string?] {
  const mark = url.indexOf("?");
  return mark === -1 ? [url] : [url.slice(0, mark), url.slice(mark + 1)];
}

const VERBS: Record<string, string> = { GET: "Get", PUT: "Put", DELETE: "Delete" };

/** Bucket sub-resource query parameter -> the S3 operation's noun (GetBucketCors, PutPublicAccessBlock...). */
const BUCKET_SUBRESOURCES: Record<string, string> = {
  acl: "BucketAcl",
  cors: "BucketCors",
  encryption: "BucketEncryption",
  lifecycle: "BucketLifecycleConfiguration",
  location: "BucketLocation",
  logging: "BucketLogging",
  ownershipControls: "BucketOwnershipControls",
  policy: "BucketPolicy",
  policyStatus: "BucketPolicyStatus",
  publicAccessBlock: "PublicAccessBlock",
  tagging: "BucketTagging",
  versioning: "BucketVersioning",
  website: "BucketWebsite",
};

/** Best-effort S3 operation name of a path-style request, for request counting. */
function s3OperationName(method: string, path: string, query: string, headers: IncomingHttpHeaders): string {
  if (method === "OPTIONS") return "OPTIONS";
  const params = new URLSearchParams(query);
  const [, bucket = "", ...keyParts] = path.split("/");
  const key = keyParts.join("/");
  const copy = "x-amz-copy-source" in headers;

  if (bucket === "") return method === "GET" ? "ListBuckets" : `${method} /`;

  if (key === "") {
    const subresource = Object.keys(BUCKET_SUBRESOURCES).find((name) => params.has(name));
    if (subresource && VERBS[method]) return VERBS[method] + BUCKET_SUBRESOURCES[subresource];
    switch (method) {
      case "GET":
        if (params.has("uploads")) return "ListMultipartUploads";
        if (params.has("versions")) return "ListObjectVersions";
        return params.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
      case "HEAD":
        return "HeadBucket";
      case "PUT":
        return "CreateBucket";
      case "DELETE":
        return "DeleteBucket";
      case "POST":
        return params.has("delete") ? "DeleteObjects" : "PostObject";
    }
    return `${method} bucket`;
  }

  for (const [name, noun] of [
    ["tagging", "ObjectTagging"],
    ["acl", "ObjectAcl"],
  ] as const) {
    if (params.has(name) && VERBS[method]) return VERBS[method] + noun;
  }
  switch (method) {
    case "GET":
      return params.has("uploadId") ? "ListParts" : "GetObject";
    case "HEAD":
      return "HeadObject";
    case "PUT":
      if (params.has("uploadId")) return copy ? "UploadPartCopy" : "UploadPart";
      return copy ? "CopyObject" : "PutObject";
    case "DELETE":
      return params.has("uploadId") ? "AbortMultipartUpload" : "DeleteObject";
    case "POST":
      if (params.has("uploads")) return "CreateMultipartUpload";
      if (params.has("uploadId")) return "CompleteMultipartUpload";
  }
  return `${method} object`;
}
