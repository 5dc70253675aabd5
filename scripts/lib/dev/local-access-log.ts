/**
 * Server access logging for the embedded S3 server, as the stack configures it on AWS: every request
 * to the logged bucket becomes one record in S3's format (access/access-log-format.ts), delivered
 * into the log bucket under `<prefix><account>/<region>/<bucket>/YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-<id>`
 * (the partitioned layout, dated by the requests' own time). So `access-report` reads the demo's
 * logs exactly as it reads a stack's.
 *
 * S3 delivers within hours; this server within moments, and a read of the log bucket (a listing or
 * a GET) first writes the records of every request already answered, so a test or a user who opens
 * a link and then asks for the report sees that request.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { S3Client } from "@aws-sdk/client-s3";
import { AccessLogRecord, encodeLogKey, formatAccessLogRecord } from "../access/access-log-format";
import { describeCause } from "../errors";
import { createS3Client } from "../s3/object-store";
import { s3Sdk } from "../s3/sdk-modules";

/** A made-up account id for the partitioned layout (no AWS account has it). */
export const LOCAL_ACCOUNT_ID = "000000000000";
/** The bucket owner's canonical id in the records: 64 hex digits, as S3's are. */
const LOCAL_OWNER_ID = "0".repeat(63) + "1";
/** Batches of records are written this long after the first of them was answered, or at a read or at close. */
const DELIVERY_DELAY_MS = 200;

export interface LocalAccessLogOptions {
  /** The bucket whose requests are logged. */
  bucket: string;
  /** Where the records go: an existing bucket of this server, and a prefix in it. */
  logBucket: string;
  prefix: string;
  /** A record that could not be written (default: a line on stderr). */
  onError?: (message: string) => void;
}

/** What the server tells the log about a request, before handling it. */
export interface LoggedRequest {
  path: string;
  query: string;
  operation: string;
}

export interface LocalAccessLog {
  /** Whether a request is this log's own delivery into the log bucket (not a client's request). */
  isDelivery(logged: LoggedRequest): boolean;
  /** Handles a request through `next`, recording it if it is one to the logged bucket. */
  handle(request: IncomingMessage, response: ServerResponse, logged: LoggedRequest, next: () => void): void;
  /** Writes every record of requests answered so far. */
  flush(): Promise<void>;
  /** Writes what is left; the server closes after. */
  close(): Promise<void>;
}

/** `REST.GET.OBJECT`, `REST.GET.BUCKET`, `REST.OPTIONS.PREFLIGHT`: S3's operation field for this server's names. */
const OPERATION_FIELDS: Record<string, string> = {
  GetObject: "REST.GET.OBJECT",
  HeadObject: "REST.HEAD.OBJECT",
  PutObject: "REST.PUT.OBJECT",
  DeleteObject: "REST.DELETE.OBJECT",
  CopyObject: "REST.COPY.OBJECT",
  ListObjects: "REST.GET.BUCKET",
  ListObjectsV2: "REST.GET.BUCKET",
  HeadBucket: "REST.HEAD.BUCKET",
  OPTIONS: "REST.OPTIONS.PREFLIGHT",
  DeleteObjects: "REST.POST.MULTI_OBJECT_DELETE",
  CreateMultipartUpload: "REST.POST.UPLOADS",
  UploadPart: "REST.PUT.PART",
  CompleteMultipartUpload: "REST.POST.UPLOAD",
  AbortMultipartUpload: "REST.DELETE.UPLOAD",
  ListMultipartUploads: "REST.GET.UPLOADS",
  ListParts: "REST.GET.UPLOAD",
};

function operationField(method: string, operation: string): string {
  return OPERATION_FIELDS[operation] ?? `REST.${method}.${operation.replace(/^(Get|Put|Delete)/, "").toUpperCase()}`;
}

/** The bucket and key of a path-style request path, decoded. */
function bucketAndKey(path: string): { bucket: string; key?: string } {
  const [, bucket = "", ...rest] = path.split("/");
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      return text;
    }
  };
  return {
    bucket: decode(bucket),
    ...(rest.length > 0 && rest.join("/") !== "" ? { key: decode(rest.join("/")) } : {}),
  };
}

/** How a request was signed: S3's signature version and authentication type fields. */
function authenticationOf(
  request: IncomingMessage,
  query: string,
): Pick<AccessLogRecord, "signatureVersion" | "authenticationType"> {
  const header = request.headers.authorization ?? "";
  if (header.startsWith("AWS4-HMAC-SHA256")) return { signatureVersion: "SigV4", authenticationType: "AuthHeader" };
  if (header.startsWith("AWS ")) return { signatureVersion: "SigV2", authenticationType: "AuthHeader" };
  if (/(^|&)X-Amz-Algorithm=/.test(query)) return { signatureVersion: "SigV4", authenticationType: "QueryString" };
  if (/(^|&)Signature=/.test(query)) return { signatureVersion: "SigV2", authenticationType: "QueryString" };
  return {};
}

/** The object's whole size as the response tells it (`Content-Range: bytes a-b/size`, else its length). */
function objectSizeOf(response: ServerResponse, operation: string): number | undefined {
  if ((operation !== "GetObject" && operation !== "HeadObject") || response.statusCode >= 300) return undefined;
  const range = /\/(\d+)$/.exec(String(response.getHeader("content-range") ?? ""));
  const size = Number(range ? range[1] : response.getHeader("content-length"));
  return Number.isSafeInteger(size) ? size : undefined;
}

/** Counts the body bytes a response sends and keeps the start of an error body (for its S3 error code). */
function watchBody(response: ServerResponse): { bytes: () => number; errorCode: () => string | undefined } {
  let bytes = 0;
  let head = "";
  const original = { write: response.write.bind(response), end: response.end.bind(response) };
  const seen = (chunk: unknown) => {
    if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) return;
    bytes += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (response.statusCode >= 400 && head.length < 512) head += Buffer.from(chunk).toString("utf8", 0, 512);
  };
  response.write = ((chunk: unknown, ...rest: unknown[]) => {
    seen(chunk);
    return (original.write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof response.write;
  response.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== "function") seen(chunk);
    return (original.end as (...args: unknown[]) => ServerResponse)(chunk, ...rest);
  }) as typeof response.end;
  return { bytes: () => bytes, errorCode: () => /<Code>([A-Za-z]+)<\/Code>/.exec(head)?.[1] };
}

/** One request's record, once its response has been sent. */
function recordOf(
  request: IncomingMessage,
  response: ServerResponse,
  logged: LoggedRequest,
  timing: { received: Date; finished: number },
  body: ReturnType<typeof watchBody>,
): AccessLogRecord {
  const method = request.method ?? "GET";
  const { bucket, key } = bucketAndKey(logged.path);
  const authentication = authenticationOf(request, logged.query);
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  return {
    bucketOwner: LOCAL_OWNER_ID,
    bucket,
    time: timing.received,
    remoteIp: request.socket.remoteAddress?.replace(/^::ffff:/, ""),
    requester: authentication.signatureVersion ? `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local-s3-user` : undefined,
    requestId: randomBytes(8).toString("hex").toUpperCase(),
    operation: operationField(method, logged.operation),
    key,
    requestUri: `${method} ${request.url ?? "/"} HTTP/${request.httpVersion}`,
    httpStatus: response.statusCode,
    errorCode: response.statusCode >= 400 ? body.errorCode() : undefined,
    bytesSent: body.bytes(),
    objectSize: objectSizeOf(response, logged.operation),
    totalTimeMs: Math.max(0, timing.finished - timing.received.getTime()),
    referrer: header("referer"),
    userAgent: header("user-agent"),
    hostId: randomBytes(24).toString("base64"),
    ...authentication,
    hostHeader: header("host"),
    appended: [],
  };
}

/** `YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-<16 hex>`: the part of a log object's key after the bucket's folder. */
export function logObjectName(time: Date, id: string = randomBytes(8).toString("hex").toUpperCase()): string {
  const iso = time.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, "/")}/${iso.slice(0, 10)}-${iso.slice(11, 19).replace(/:/g, "-")}-${id}`;
}

/** Writes records into the log bucket, one object per day of their time (as S3's EventTime partitions put them). */
async function deliverRecords(
  records: readonly AccessLogRecord[],
  into: { client: S3Client; logBucket: string; folder: string; onError: (message: string) => void },
): Promise<void> {
  const byDay = new Map<string, AccessLogRecord[]>();
  for (const record of records) {
    const day = record.time.toISOString().slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), record]);
  }
  for (const dayRecords of byDay.values()) {
    const body = dayRecords.map((record) => `${formatAccessLogRecord(record)}\n`).join("");
    const Key = `${into.folder}${logObjectName(dayRecords[0].time)}`;
    try {
      await into.client.send(
        new (s3Sdk().PutObjectCommand)({ Bucket: into.logBucket, Key, Body: body, ContentType: "text/plain" }),
      );
    } catch (error) {
      into.onError(
        `access log: writing ${dayRecords.length} record(s) to s3://${into.logBucket}/${Key} failed: ${describeCause(error)}`,
      );
    }
  }
}

/**
 * The access log of one bucket of a running server, written into its log bucket through the
 * server's own S3 API with `credentials` (one of the keys it accepts).
 */
export function localAccessLog(
  options: LocalAccessLogOptions,
  server: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } },
): LocalAccessLog {
  const onError = options.onError ?? ((message: string) => void process.stderr.write(`${message}\n`));
  const folder = `${options.prefix}${LOCAL_ACCOUNT_ID}/${server.region}/${options.bucket}/`;
  let client: S3Client | undefined;
  let pending: AccessLogRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  const deliver = async (records: AccessLogRecord[]) => {
    client ??= createS3Client({
      region: server.region,
      credentials: { ...server.credentials },
      endpoint: server.endpoint,
    });
    await deliverRecords(records, { client, logBucket: options.logBucket, folder, onError });
  };
  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    const records = pending;
    pending = [];
    if (records.length > 0) writing = writing.then(() => deliver(records));
    await writing;
  };
  const isLogRead = (logged: LoggedRequest) =>
    bucketAndKey(logged.path).bucket === options.logBucket &&
    /^(GetObject|ListObjects(V2)?|HeadObject)$/.test(logged.operation);

  return {
    flush,
    isDelivery: (logged) =>
      logged.operation === "PutObject" && logged.path.startsWith(`/${options.logBucket}/${encodeLogKey(folder)}`),
    async close() {
      await flush();
      client?.destroy();
    },
    handle(request, response, logged, next) {
      if (isLogRead(logged)) {
        void flush().finally(next);
        return;
      }
      if (bucketAndKey(logged.path).bucket === options.bucket) {
        const received = new Date();
        const body = watchBody(response);
        let recorded = false;
        // "finish": the whole answer was handed to the connection; "close" alone: the client went away mid-answer.
        const record = () => {
          if (recorded) return;
          recorded = true;
          pending.push(recordOf(request, response, logged, { received, finished: Date.now() }, body));
          timer ??= setTimeout(() => void flush(), DELIVERY_DELAY_MS).unref();
        };
        response.once("finish", record);
        response.once("close", record);
      }
      next();
    },
  };
}
