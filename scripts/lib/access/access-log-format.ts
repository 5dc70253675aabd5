/**
 * S3 server access log records, as S3 writes them into the log bucket: one request per line,
 * space-separated fields, the time in brackets, the request line, referrer and user agent in double
 * quotes, `-` for a value that is absent. S3 has appended fields over the years (host id, signature
 * version, cipher, authentication type, host header, TLS version, access point ARN, ACL required,
 * source region, ...) and says more may come, so records with and without them are read alike and
 * anything after the known fields is kept, not refused.
 *
 * The same module writes records in that format (the embedded server's logs), so the field order
 * exists once. Format reference: https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html
 */

/** One request as its log record tells it; absent values (`-`, or fields older records lack) are `undefined`. */
export interface AccessLogRecord {
  bucketOwner?: string;
  bucket: string;
  time: Date;
  remoteIp?: string;
  /** The requester's canonical id or IAM ARN; absent for anonymous requests. */
  requester?: string;
  requestId?: string;
  /** `REST.GET.OBJECT`, `REST.PUT.OBJECT`, `REST.GET.BUCKET`, ... */
  operation: string;
  /** The object key, decoded (the record holds it URL-encoded); absent for bucket operations. */
  key?: string;
  /** The request line: `GET /bucket/key?query HTTP/1.1`. Holds a presigned URL's query, signature included. */
  requestUri?: string;
  httpStatus: number;
  errorCode?: string;
  /** Response body bytes (0 when the record says `-`). */
  bytesSent: number;
  objectSize?: number;
  totalTimeMs?: number;
  turnAroundTimeMs?: number;
  referrer?: string;
  userAgent?: string;
  versionId?: string;
  hostId?: string;
  /** `SigV4`, `SigV2`; absent for anonymous requests. */
  signatureVersion?: string;
  cipherSuite?: string;
  /** `QueryString` (a presigned URL), `AuthHeader`; absent for anonymous requests. */
  authenticationType?: string;
  hostHeader?: string;
  tlsVersion?: string;
  accessPointArn?: string;
  aclRequired?: string;
  sourceRegion?: string;
  /** Fields S3 appended after the ones this module knows, as written. */
  appended: readonly string[];
}

/** The fields in the order S3 writes them (parseAccessLogLine reads them by position); the first MIN_FIELDS must be there. */
const FIELDS = [
  "bucketOwner",
  "bucket",
  "time",
  "remoteIp",
  "requester",
  "requestId",
  "operation",
  "key",
  "requestUri",
  "httpStatus",
  "errorCode",
  "bytesSent",
  "objectSize",
  "totalTimeMs",
  "turnAroundTimeMs",
  "referrer",
  "userAgent",
  "versionId",
  "hostId",
  "signatureVersion",
  "cipherSuite",
  "authenticationType",
  "hostHeader",
  "tlsVersion",
  "accessPointArn",
  "aclRequired",
  "sourceRegion",
] as const satisfies ReadonlyArray<keyof AccessLogRecord>;

/** Through the byte count: what every record S3 ever wrote holds. */
const MIN_FIELDS = FIELDS.indexOf("bytesSent") + 1;
/** Fields written in double quotes. */
const QUOTED = new Set<string>(["requestUri", "referrer", "userAgent"]);

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const TIME_PATTERN = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

/** The last time read: a log's records come in time order, many in the same second. */
let lastTime: { text: string; time: Date | undefined } = { text: "", time: undefined };

/** `06/Feb/2019:00:00:38 +0000` (strftime `%d/%b/%Y:%H:%M:%S %z`), or undefined. The Date is shared: never change it. */
export function parseLogTime(text: string): Date | undefined {
  if (text === lastTime.text) return lastTime.time;
  lastTime = { text, time: readLogTime(text) };
  return lastTime.time;
}

function readLogTime(text: string): Date | undefined {
  const match = TIME_PATTERN.exec(text);
  const month = match ? MONTHS[match[2]] : undefined;
  if (!match || month === undefined) return undefined;
  const offsetMinutes = (match[7] === "-" ? -1 : 1) * (Number(match[8]) * 60 + Number(match[9]));
  const utc = Date.UTC(+match[3], month, +match[1], +match[4], +match[5], +match[6]) - offsetMinutes * 60_000;
  return new Date(utc);
}

export function formatLogTime(time: Date): string {
  const month = Object.keys(MONTHS)[time.getUTCMonth()];
  const two = (value: number) => String(value).padStart(2, "0");
  return (
    `${two(time.getUTCDate())}/${month}/${time.getUTCFullYear()}:` +
    `${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000`
  );
}

/**
 * The fields of one line: a value in brackets or double quotes may hold spaces. A quoted value ends
 * at a quote followed by a space or the end of the line, so a quote inside a user agent does not end
 * it early unless a space follows it (S3 does not escape quotes; nothing can tell that case apart).
 * A line that ends inside a bracket or a quote yields what it holds so far.
 */
export function splitLogFields(line: string): string[] {
  const fields: string[] = [];
  const length = line.length;
  let at = 0;
  while (at < length) {
    const first = line.charCodeAt(at);
    if (first === 0x20) {
      at++;
      continue;
    }
    let end: number;
    if (first === 0x5b /* [ */) {
      end = line.indexOf("]", at + 1);
      if (end === -1) end = length;
      fields.push(line.slice(at + 1, end));
      at = end + 1;
    } else if (first === 0x22 /* " */) {
      end = line.indexOf('" ', at + 1);
      if (end === -1) end = line.endsWith('"') && length > at + 1 ? length - 1 : length;
      fields.push(line.slice(at + 1, end));
      at = end + 1;
    } else {
      end = line.indexOf(" ", at);
      if (end === -1) end = length;
      fields.push(line.slice(at, end));
      at = end;
    }
  }
  return fields;
}

/** A key as the record holds it (URL-encoded), decoded; left as written if it is not valid encoding. */
function decodeKey(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A whole number, `-` as `undefined`; anything else is not a number S3 wrote. */
function count(value: string): number | undefined {
  if (value === "-") return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) && number >= 0 ? number : undefined;
}

/** A field's value, `-` (and a field older records lack) as undefined. */
function present(field: string | undefined): string | undefined {
  return field === undefined || field === "-" ? undefined : field;
}

/** Records without appended fields (nearly all) share this empty list. */
const NONE_APPENDED: readonly string[] = Object.freeze([]);

/** One log line as a record, or undefined when it is not one (too few fields, no time, no status). */
export function parseAccessLogLine(line: string): AccessLogRecord | undefined {
  const fields = splitLogFields(line.endsWith("\r") ? line.slice(0, -1) : line);
  if (fields.length < MIN_FIELDS) return undefined;
  const time = parseLogTime(fields[2]);
  const httpStatus = Number(fields[9]);
  if (!time || !Number.isInteger(httpStatus) || httpStatus < 100 || httpStatus > 599) return undefined;
  const value = (index: number) => present(fields[index]);
  const key = value(7);
  // Every field named, in one object literal: one shape for every record, which keeps a large log fast.
  return {
    bucketOwner: value(0),
    bucket: fields[1],
    time,
    remoteIp: value(3),
    requester: value(4),
    requestId: value(5),
    operation: fields[6],
    key: key === undefined ? undefined : decodeKey(key),
    requestUri: value(8),
    httpStatus,
    errorCode: value(10),
    bytesSent: count(fields[11]) ?? 0,
    objectSize: count(fields[12] ?? "-"),
    totalTimeMs: count(fields[13] ?? "-"),
    turnAroundTimeMs: count(fields[14] ?? "-"),
    referrer: value(15),
    userAgent: value(16),
    versionId: value(17),
    hostId: value(18),
    signatureVersion: value(19),
    cipherSuite: value(20),
    authenticationType: value(21),
    hostHeader: value(22),
    tlsVersion: value(23),
    accessPointArn: value(24),
    aclRequired: value(25),
    sourceRegion: value(26),
    appended: fields.length > FIELDS.length ? fields.slice(FIELDS.length) : NONE_APPENDED,
  };
}

export interface ParsedAccessLog {
  records: AccessLogRecord[];
  /** Non-empty lines that were not records. */
  unreadable: number;
}

/** Every record of a log object's text (newline-separated records). */
export function parseAccessLog(text: string): ParsedAccessLog {
  const records: AccessLogRecord[] = [];
  let unreadable = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    if (end > start) {
      const record = parseAccessLogLine(text.slice(start, end));
      if (record) records.push(record);
      else if (text.slice(start, end).trim() !== "") unreadable++;
    }
    start = end + 1;
  }
  return { records, unreadable };
}

/** A value as S3 writes it: `-` when absent, quoted where the format quotes it. */
function formatField(name: (typeof FIELDS)[number], record: AccessLogRecord): string {
  if (name === "time") return `[${formatLogTime(record.time)}]`;
  if (name === "key") return record.key === undefined ? "-" : encodeLogKey(record.key);
  if (name === "bytesSent") return record.bytesSent > 0 ? String(record.bytesSent) : "-";
  const value = record[name];
  if (QUOTED.has(name)) return value === undefined ? '"-"' : `"${String(value).replace(/"/g, "%22")}"`;
  if (value === undefined || value === "") return "-";
  return String(value).replace(/[\s"]/g, (character) => encodeURIComponent(character));
}

/** A key URL-encoded as S3 logs it (each path segment encoded, `/` kept). */
export function encodeLogKey(key: string): string {
  return key
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/** One record as S3 writes it, without the newline; appended fields follow the known ones. */
export function formatAccessLogRecord(record: AccessLogRecord): string {
  return [...FIELDS.map((name) => formatField(name, record)), ...record.appended].join(" ");
}
