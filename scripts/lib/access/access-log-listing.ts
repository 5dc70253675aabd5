/**
 * Finding and reading the data bucket's server access logs for a period. The stack has S3 write them
 * in the partitioned key format, `<prefix><account>/<region>/<bucket>/YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-<id>`,
 * the date being the requests' own (EventTime): so one delimiter listing finds the account folder and
 * then only the days asked for are listed, never the months around them.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { eachAtOnce } from "../concurrency";
import { AwsError } from "../errors";
import { describeS3Failure, fixFor, ObjectSummary, S3_DEFAULTS } from "../s3/object-store";
import { s3Sdk } from "../s3/sdk-modules";
import { AccessLogRecord, parseAccessLog } from "./access-log-format";

/** The few calls the report makes on the log bucket. */
export interface LogBucket {
  readonly bucket: string;
  /** The folders directly under `prefix` (a listing with delimiter `/`), each ending in `/`. */
  folders(prefix: string): Promise<string[]>;
  /** Every object under `prefix`. */
  list(prefix: string): Promise<ObjectSummary[]>;
  read(key: string): Promise<Buffer>;
}

/** A log bucket refused the caller: only the account root and the stack's `logReaderArns` may read it. */
export class LogAccessDenied extends AwsError {}

/** How many log objects are read at once: each is small, so latency, not bandwidth, bounds the reading. */
const READ_CONCURRENCY = 16;
/** An AWS account id: the first folder of the partitioned layout. */
const ACCOUNT_FOLDER = /^\d{12}\/$/;

export interface LoggedBucket {
  /** The log bucket's prefix for the data bucket's logs (the `accessLogPrefix` output). */
  prefix: string;
  /** The data bucket and its region, as the partitioned keys name them. */
  bucket: string;
  region: string;
}

/** Each UTC day that `[start, end]` touches, oldest first, as `YYYY/MM/DD`. */
export function daysBetween(start: Date, end: Date): string[] {
  const days: string[] = [];
  const first = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (let day = first; day <= end.getTime(); day += 86_400_000) {
    days.push(new Date(day).toISOString().slice(0, 10).replace(/-/g, "/"));
  }
  return days;
}

/** The account folders under the log prefix (usually one; none before the first delivery). */
export async function accountFolders(logs: LogBucket, target: LoggedBucket): Promise<string[]> {
  const folders = await logs.folders(target.prefix);
  return folders.filter((folder) => ACCOUNT_FOLDER.test(folder.slice(target.prefix.length)));
}

/** The folder of one day's logs of the data bucket, under one account folder. */
export function dayFolder(accountFolder: string, target: LoggedBucket, day: string): string {
  return `${accountFolder}${target.region}/${target.bucket}/${day}/`;
}

export interface PeriodLogs {
  /** Records of the data bucket whose time lies in the period. */
  records: AccessLogRecord[];
  /** Log objects read. */
  objects: number;
  /** Lines that were not records, over every object. */
  unreadableLines: number;
  /** Whether any account folder exists (false: S3 has delivered no log yet, or logs go elsewhere). */
  delivered: boolean;
}

/**
 * Every record of the data bucket in `[start, end]`: lists each day of the period under each
 * account folder (one listing per day), reads the objects found, and keeps the records in range.
 */
export async function readPeriodLogs(
  logs: LogBucket,
  target: LoggedBucket,
  start: Date,
  end: Date,
): Promise<PeriodLogs> {
  const accounts = await accountFolders(logs, target);
  const folders = accounts.flatMap((account) => daysBetween(start, end).map((day) => dayFolder(account, target, day)));
  const keys: string[] = [];
  await eachAtOnce(folders, READ_CONCURRENCY, async (folder) => {
    for (const object of await logs.list(folder)) keys.push(object.key);
  });
  const result: PeriodLogs = { records: [], objects: keys.length, unreadableLines: 0, delivered: accounts.length > 0 };
  const from = start.getTime();
  const to = end.getTime();
  await eachAtOnce(keys, READ_CONCURRENCY, async (key) => {
    const parsed = parseAccessLog((await logs.read(key)).toString("utf8"));
    result.unreadableLines += parsed.unreadable;
    for (const record of parsed.records) {
      const time = record.time.getTime();
      if (record.bucket === target.bucket && time >= from && time <= to) result.records.push(record);
    }
  });
  result.records.sort((a, b) => a.time.getTime() - b.time.getTime());
  return result;
}

/** Whether an S3 failure is the bucket refusing the caller. */
function isAccessDenied(error: unknown): boolean {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === "AccessDenied" || name === "Forbidden" || $metadata?.httpStatusCode === 403;
}

/** The log bucket through an S3 client whose credentials are the caller's own. */
export function s3LogBucket(
  client: S3Client,
  bucket: string,
  callTimeoutMs: number = S3_DEFAULTS.callTimeoutMs,
): LogBucket {
  const call = async <T>(step: string, action: (abortSignal: AbortSignal) => Promise<T>): Promise<T> => {
    const timeout = AbortSignal.timeout(callTimeoutMs);
    try {
      return await action(timeout);
    } catch (error) {
      const message = `${step} failed: ${describeS3Failure(error, timeout.aborted, callTimeoutMs)}`;
      if (isAccessDenied(error)) throw new LogAccessDenied(message, { cause: error });
      throw new AwsError(message, { fix: fixFor(error, bucket), cause: error });
    }
  };
  const listPage = (prefix: string, delimiter: string | undefined, token: string | undefined) =>
    call(`listing s3://${bucket}/${prefix}`, (abortSignal) =>
      client.send(
        new (s3Sdk().ListObjectsV2Command)({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(delimiter ? { Delimiter: delimiter } : {}),
        }),
        { abortSignal },
      ),
    );
  return {
    bucket,
    async folders(prefix) {
      const folders: string[] = [];
      let token: string | undefined;
      do {
        const page = await listPage(prefix, "/", token);
        for (const common of page.CommonPrefixes ?? []) if (common.Prefix) folders.push(common.Prefix);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return folders;
    },
    async list(prefix) {
      const objects: ObjectSummary[] = [];
      let token: string | undefined;
      do {
        const page = await listPage(prefix, undefined, token);
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) objects.push({ key: object.Key, size: object.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return objects;
    },
    read: (key) =>
      call(`reading s3://${bucket}/${key}`, async (abortSignal) => {
        const response = await client.send(new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: key }), {
          abortSignal,
        });
        return Buffer.from(await response.Body!.transformToByteArray());
      }),
  };
}
