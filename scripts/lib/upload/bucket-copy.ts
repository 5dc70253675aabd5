/**
 * `upload-cohort --from s3://bucket/prefix/`: a cohort that already lives in S3 is copied into the
 * stack's bucket by S3 itself, never through this machine: CopyObject up to 5 GiB, a multipart
 * upload of UploadPartCopy ranges above (resumed from the parts already copied, as a local file's;
 * see object-copy.ts). Each copy is pinned to the source's ETag (a source replaced meanwhile fails
 * the copy), gets a CRC-64/NVME that S3 computes, and is checked against the source's full-object
 * CRC-64/NVME when the source has one. An object already there with the same size and the same
 * stored checksum is skipped.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { eachAtOnce } from "../concurrency";
import { AwsError, InterruptedError, UsageError } from "../errors";
import { printable } from "../naming";
import { describeS3Failure, fixFor, ObjectStore } from "../s3/object-store";
import { s3Sdk } from "../s3/sdk-modules";
import {
  existingSizes,
  FileOutcome,
  FolderUploadResult,
  storedChecksum,
  transferResult,
  UPLOAD_ALGORITHM,
} from "./folder-upload";
import { CopyFrom, copyWithinS3, ObjectCopyOptions, sourceChanged } from "./object-copy";

export interface BucketSource {
  client: S3Client;
  store: ObjectStore;
  bucket: string;
  prefix: string;
}

export interface CopyTarget {
  client: S3Client;
  store: ObjectStore;
  bucket: string;
}

export interface BucketCopyOptions extends ObjectCopyOptions {
  concurrency: number;
  dryRun?: boolean;
}

/** `s3://bucket/prefix/` as bucket and prefix, or undefined for anything else (a local folder). */
export function bucketLocation(from: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(from);
  if (!match) return undefined;
  const prefix = match[2] === "" || match[2].endsWith("/") ? match[2] : `${match[2]}/`;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1])) {
    throw new UsageError(`--from ${printable(from)} does not name a bucket`, {
      fix: "pass --from s3://<bucket>/<prefix>/",
    });
  }
  return { bucket: match[1], prefix };
}

function failure(step: string, error: unknown, bucket: string): AwsError {
  if (error instanceof AwsError) return error;
  return new AwsError(`${step} failed: ${describeS3Failure(error, false, 0)}`, {
    fix: fixFor(error, bucket),
    cause: error,
  });
}

async function sourceHead(source: BucketSource, key: string, signal?: AbortSignal): Promise<CopyFrom> {
  const head = await source.client.send(
    new (s3Sdk().HeadObjectCommand)({ Bucket: source.bucket, Key: key, ChecksumMode: "ENABLED" }),
    { abortSignal: signal },
  );
  const full = head.ChecksumType !== "COMPOSITE" && head.ChecksumCRC64NVME !== undefined;
  return {
    bucket: source.bucket,
    key,
    etag: head.ETag ?? "",
    size: head.ContentLength ?? 0,
    crc: full ? head.ChecksumCRC64NVME : undefined,
    contentType: head.ContentType,
  };
}

/** The cohort's objects under the source prefix: no folder markers, nothing hidden (a name part starting with a dot). */
async function sourceObjects(source: BucketSource, signal?: AbortSignal) {
  const objects: Array<{ key: string; size: number }> = [];
  for await (const object of source.store.list(source.prefix, { signal })) {
    const name = object.key.slice(source.prefix.length);
    if (name === "" || object.key.endsWith("/") || name.split("/").some((part) => part.startsWith("."))) continue;
    objects.push({ key: object.key, size: object.size });
  }
  if (objects.length === 0) {
    throw new UsageError(`s3://${source.bucket}/${source.prefix} holds no objects`, {
      fix: "pass the bucket and prefix that hold the cohort's files",
    });
  }
  return objects;
}

/** Whether the object at `key` holds a copy of the source already (same size, same CRC-64/NVME), and why not. */
async function compareWithTarget(
  target: CopyTarget,
  from: CopyFrom,
  key: string,
  objectSize: number | undefined,
  signal?: AbortSignal,
): Promise<FileOutcome> {
  const outcome: FileOutcome = { key, size: from.size };
  if (objectSize === undefined) outcome.reason = "new";
  else if (objectSize !== from.size) outcome.reason = "size differs";
  else {
    const there = await storedChecksum(target.client, target.bucket, key, signal);
    if (from.crc === undefined || there?.checksum?.algorithm !== UPLOAD_ALGORITHM)
      outcome.reason = "no comparable checksum stored";
    else if (there.checksum.value !== from.crc) outcome.reason = "content differs";
    else outcome.checksum = there.checksum;
  }
  return outcome;
}

function copyFailure(target: CopyTarget, from: CopyFrom, key: string, error: unknown) {
  if (sourceChanged(error)) {
    return new AwsError(
      `s3://${from.bucket}/${from.key} changed while it was copied (its ETag is no longer the one read); nothing of it was kept`,
      { fix: "run the command again once the source stays put", cause: error },
    );
  }
  return failure(`copying s3://${from.bucket}/${from.key} to s3://${target.bucket}/${key}`, error, target.bucket);
}

/** Copies an object, then checks the copy as S3 holds it; a copy that fails the check is deleted. */
async function copyChecked(target: CopyTarget, from: CopyFrom, key: string, options: BucketCopyOptions) {
  const signal = options.interruption;
  let checksum;
  try {
    checksum = await copyWithinS3(target, from, key, options);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw copyFailure(target, from, key, error);
  }
  const stored = await storedChecksum(target.client, target.bucket, key, signal);
  const expected = from.crc ?? checksum;
  if (
    stored?.size !== from.size ||
    stored.checksum?.algorithm !== UPLOAD_ALGORITHM ||
    (expected !== undefined && stored.checksum.value !== expected)
  ) {
    await target.store.remove(key).catch(() => undefined);
    throw new AwsError(
      `s3://${target.bucket}/${key} does not hold a copy of s3://${from.bucket}/${from.key}; the object was deleted`,
      {
        fix: "run the command again",
      },
    );
  }
  return stored.checksum;
}

function interruptedCopy(signal: AbortSignal, source: BucketSource, error: unknown) {
  const reason = signal.reason === "SIGTERM" ? "SIGTERM" : "SIGINT";
  return new InterruptedError(
    reason,
    `interrupted (${reason}) while copying from s3://${source.bucket}/${source.prefix}`,
    {
      fix: "run the same command again: objects already copied are skipped, and a large one resumes from the parts copied",
      cause: error,
    },
  );
}

export async function copyFromBucket(
  source: BucketSource,
  prefix: string,
  target: CopyTarget,
  options: BucketCopyOptions,
): Promise<FolderUploadResult & { keys: string[] }> {
  const signal = options.interruption;
  const objects = await sourceObjects(source, signal);
  const existing = await existingSizes(target.store, prefix, signal);
  options.progress?.start(
    objects.reduce((sum, object) => sum + object.size, 0),
    objects.length,
  );
  const outcomes = new Map<string, FileOutcome>();
  try {
    await eachAtOnce(objects, options.concurrency, async (object) => {
      const key = prefix + object.key.slice(source.prefix.length);
      const from = await sourceHead(source, object.key, signal);
      const outcome = await compareWithTarget(target, from, key, existing.get(key), signal);
      if (outcome.reason !== undefined && !options.dryRun) {
        outcome.checksum = await copyChecked(target, from, key, options);
      } else if (outcome.reason === undefined) {
        options.progress?.advance("checked", from.size);
      }
      outcomes.set(object.key, outcome);
      options.progress?.fileDone();
    });
  } catch (error) {
    if (signal?.aborted) throw interruptedCopy(signal, source, error);
    throw error;
  } finally {
    options.progress?.stop();
  }
  const all = objects.map((object) => outcomes.get(object.key)!);
  return { ...transferResult(all, options.dryRun), keys: all.map((outcome) => outcome.key) };
}
