/**
 * `upload-cohort --from s3://bucket/prefix/`: a cohort that already lives in S3 is copied into the
 * stack's bucket by S3 itself, never through this machine: CopyObject up to 5 GiB, a multipart
 * upload of UploadPartCopy ranges above (resumed from the parts already copied, as a local file's).
 * Each copy is pinned to the source's ETag (a source replaced meanwhile fails the copy), gets a
 * CRC-64/NVME that S3 computes, and is checked against the source's full-object CRC-64/NVME when the
 * source has one. An object already there with the same size and the same stored checksum is
 * skipped.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { eachAtOnce } from "../concurrency";
import { AwsError, InterruptedError, UsageError } from "../errors";
import { printable } from "../naming";
import { describeS3Failure, fixFor, ObjectStore } from "../s3/object-store";
import { s3Sdk } from "../s3/sdk-modules";
import { FileOutcome, FolderUploadResult, storedChecksum, TransferProgress, UPLOAD_ALGORITHM } from "./folder-upload";
import { combinedCrc } from "./local-file";
import { abortUpload, MAX_PARTS, partCount } from "./resumable-multipart";

const GIB = 1024 * 1024 * 1024;
/** CopyObject copies at most this much; larger objects are copied in parts. */
export const MAX_COPY_OBJECT_SIZE = 5 * GIB;
const COPY_PART_SIZE = 512 * 1024 * 1024;

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

export interface BucketCopyOptions {
  concurrency: number;
  dryRun?: boolean;
  interruption?: AbortSignal;
  progress?: TransferProgress;
  /** Objects above this size are copied in parts (S3: 5 GiB; smaller in tests). */
  multipartAbove?: number;
  /** Bytes per copied part (raised for objects that would need more than 10,000). */
  partSize?: number;
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

const copySource = (bucket: string, key: string) => `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;

/** S3's answer to a copy pinned to an ETag the source no longer has (replaced since it was looked at). */
const sourceChanged = (error: unknown) => (error as { name?: string } | undefined)?.name === "PreconditionFailed";

function failure(step: string, error: unknown, bucket: string): AwsError {
  if (error instanceof AwsError) return error;
  return new AwsError(`${step} failed: ${describeS3Failure(error, false, 0)}`, {
    fix: fixFor(error, bucket),
    cause: error,
  });
}

async function sourceHead(source: BucketSource, key: string, signal?: AbortSignal) {
  const head = await source.client.send(
    new (s3Sdk().HeadObjectCommand)({ Bucket: source.bucket, Key: key, ChecksumMode: "ENABLED" }),
    { abortSignal: signal },
  );
  const full = head.ChecksumType !== "COMPOSITE" && head.ChecksumCRC64NVME !== undefined;
  return {
    etag: head.ETag ?? "",
    size: head.ContentLength ?? 0,
    crc: full ? head.ChecksumCRC64NVME : undefined,
    contentType: head.ContentType,
  };
}

/** Copies in parts, resuming the copy in progress when the source has a full-object CRC to check it against. */
// eslint-disable-next-line max-lines-per-function -- too long still: to be split
async function copyInParts(
  source: BucketSource,
  target: CopyTarget,
  from: { key: string; etag: string; size: number; crc?: string; contentType?: string },
  key: string,
  options: BucketCopyOptions,
): Promise<string> {
  const signal = options.interruption;
  const sdk = s3Sdk();
  const requested = options.partSize ?? COPY_PART_SIZE;
  const partSize = Math.max(requested, Math.ceil(from.size / MAX_PARTS));
  const count = partCount(from.size, partSize);
  const done = new Map<number, { number: number; size: number; etag: string; checksum: string }>();
  const uploads = await target.client.send(
    new sdk.ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: key }),
    {
      abortSignal: signal,
    },
  );
  const mine = (uploads.Uploads ?? []).filter((upload) => upload.Key === key && upload.UploadId);
  let uploadId: string | undefined;
  for (const upload of mine) {
    // Parts already copied can only be checked by the whole object's CRC: resume only when the source has one.
    if (uploadId === undefined && from.crc !== undefined && upload.ChecksumAlgorithm === UPLOAD_ALGORITHM) {
      const parts = await target.client.send(
        new sdk.ListPartsCommand({ Bucket: target.bucket, Key: key, UploadId: upload.UploadId }),
        {
          abortSignal: signal,
        },
      );
      const fits = (parts.Parts ?? []).every(
        (part) =>
          (part.PartNumber ?? 0) <= count &&
          part.Size === Math.min(partSize, from.size - ((part.PartNumber ?? 1) - 1) * partSize) &&
          part.ChecksumCRC64NVME,
      );
      if (fits && !parts.IsTruncated) {
        uploadId = upload.UploadId;
        for (const part of parts.Parts ?? []) {
          done.set(part.PartNumber!, {
            number: part.PartNumber!,
            size: part.Size!,
            etag: part.ETag ?? "",
            checksum: part.ChecksumCRC64NVME!,
          });
        }
        continue;
      }
    }
    await abortUpload(target, key, upload.UploadId!);
  }
  uploadId ??= (
    await target.client.send(
      new sdk.CreateMultipartUploadCommand({
        Bucket: target.bucket,
        Key: key,
        ContentType: from.contentType,
        ChecksumAlgorithm: UPLOAD_ALGORITHM,
        ChecksumType: "FULL_OBJECT",
      }),
      { abortSignal: signal },
    )
  ).UploadId!;
  const missing = Array.from({ length: count }, (_, index) => index + 1).filter((number) => !done.has(number));
  await eachAtOnce(missing, 4, async (number) => {
    const start = (number - 1) * partSize;
    const size = Math.min(partSize, from.size - start);
    const copied = await target.client.send(
      new sdk.UploadPartCopyCommand({
        Bucket: target.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: number,
        CopySource: copySource(source.bucket, from.key),
        CopySourceIfMatch: from.etag,
        CopySourceRange: `bytes=${start}-${start + size - 1}`,
      }),
      { abortSignal: signal },
    );
    const checksum = copied.CopyPartResult?.ChecksumCRC64NVME;
    if (checksum === undefined)
      throw new AwsError(`S3 returned no CRC-64/NVME for part ${number} of s3://${target.bucket}/${key}`);
    done.set(number, { number, size, etag: copied.CopyPartResult?.ETag ?? "", checksum });
    options.progress?.advance("sent", size);
  }).catch(async (error: unknown) => {
    // The parts copied so far hold a version of the source that is gone: no use to a later run.
    if (sourceChanged(error)) await abortUpload(target, key, uploadId);
    throw error;
  });
  const parts = [...done.values()].sort((a, b) => a.number - b.number);
  const checksum = combinedCrc(UPLOAD_ALGORITHM, parts);
  if (from.crc !== undefined && checksum !== from.crc) {
    await abortUpload(target, key, uploadId);
    throw new AwsError(
      `the parts copied to s3://${target.bucket}/${key} do not add up to the source's CRC-64/NVME; the copy was aborted`,
      {
        fix: "run the command again: the copy starts afresh",
      },
    );
  }
  await target.client.send(
    new sdk.CompleteMultipartUploadCommand({
      Bucket: target.bucket,
      Key: key,
      UploadId: uploadId,
      ChecksumType: "FULL_OBJECT",
      ChecksumCRC64NVME: checksum,
      MultipartUpload: {
        Parts: parts.map((part) => ({ PartNumber: part.number, ETag: part.etag, ChecksumCRC64NVME: part.checksum })),
      },
    }),
    { abortSignal: signal },
  );
  return checksum;
}

async function copyOne(
  source: BucketSource,
  target: CopyTarget,
  from: Parameters<typeof copyInParts>[2],
  key: string,
  options: BucketCopyOptions,
) {
  if (from.size > (options.multipartAbove ?? MAX_COPY_OBJECT_SIZE))
    return copyInParts(source, target, from, key, options);
  const copied = await target.client.send(
    new (s3Sdk().CopyObjectCommand)({
      Bucket: target.bucket,
      Key: key,
      CopySource: copySource(source.bucket, from.key),
      CopySourceIfMatch: from.etag,
      ChecksumAlgorithm: UPLOAD_ALGORITHM,
    }),
    { abortSignal: options.interruption },
  );
  options.progress?.advance("sent", from.size);
  return copied.CopyObjectResult?.ChecksumCRC64NVME;
}

// eslint-disable-next-line max-lines-per-function -- too long still: to be split
export async function copyFromBucket(
  source: BucketSource,
  prefix: string,
  target: CopyTarget,
  options: BucketCopyOptions,
): Promise<FolderUploadResult & { keys: string[] }> {
  const signal = options.interruption;
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
  const existing = new Map<string, number>();
  for await (const object of target.store.list(prefix, { signal })) existing.set(object.key, object.size);
  options.progress?.start(
    objects.reduce((sum, object) => sum + object.size, 0),
    objects.length,
  );
  const outcomes = new Map<string, FileOutcome>();
  let bytesSent = 0;
  try {
    await eachAtOnce(objects, options.concurrency, async (object) => {
      const key = prefix + object.key.slice(source.prefix.length);
      const from = { key: object.key, ...(await sourceHead(source, object.key, signal)) };
      const outcome: FileOutcome = { key, size: from.size };
      if (existing.get(key) === undefined) outcome.reason = "new";
      else if (existing.get(key) !== from.size) outcome.reason = "size differs";
      else {
        const there = await storedChecksum(target.client, target.bucket, key, signal);
        if (from.crc === undefined || there?.checksum?.algorithm !== UPLOAD_ALGORITHM)
          outcome.reason = "no comparable checksum stored";
        else if (there.checksum.value !== from.crc) outcome.reason = "content differs";
        else outcome.checksum = there.checksum;
      }
      if (outcome.reason !== undefined && !options.dryRun) {
        let checksum;
        try {
          checksum = await copyOne(source, target, from, key, options);
        } catch (error) {
          if (signal?.aborted) throw error;
          if (sourceChanged(error)) {
            throw new AwsError(
              `s3://${source.bucket}/${object.key} changed while it was copied (its ETag is no longer the one read); nothing of it was kept`,
              { fix: "run the command again once the source stays put", cause: error },
            );
          }
          throw failure(
            `copying s3://${source.bucket}/${object.key} to s3://${target.bucket}/${key}`,
            error,
            target.bucket,
          );
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
            `s3://${target.bucket}/${key} does not hold a copy of s3://${source.bucket}/${object.key}; the object was deleted`,
            {
              fix: "run the command again",
            },
          );
        }
        outcome.checksum = stored.checksum;
        bytesSent += from.size;
      } else if (outcome.reason === undefined) {
        options.progress?.advance("checked", from.size);
      }
      outcomes.set(object.key, outcome);
      options.progress?.fileDone();
    });
  } catch (error) {
    if (signal?.aborted) {
      const reason = signal.reason === "SIGTERM" ? "SIGTERM" : "SIGINT";
      throw new InterruptedError(
        reason,
        `interrupted (${reason}) while copying from s3://${source.bucket}/${source.prefix}`,
        {
          fix: "run the same command again: objects already copied are skipped, and a large one resumes from the parts copied",
          cause: error,
        },
      );
    }
    throw error;
  } finally {
    options.progress?.stop();
  }
  const all = objects.map((object) => outcomes.get(object.key)!);
  return {
    uploaded: all.filter((outcome) => outcome.reason !== undefined),
    skipped: all.filter((outcome) => outcome.reason === undefined),
    bytesSent,
    keys: all.map((outcome) => outcome.key),
  };
}
