/**
 * Uploads a folder's files under a key prefix: each file's SHA-256 goes into its object's metadata,
 * and a file whose object is already there with the same size and SHA-256 is skipped, so running the
 * upload again resumes it (and a second complete run uploads nothing). Large files go up in parts
 * (@aws-sdk/lib-storage: parts buffered from a file stream, several at once), several files at once.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { S3Client } from "@aws-sdk/client-s3";
import { eachAtOnce } from "../concurrency";
import { AwsError, InterruptedError } from "../errors";
import { describeS3Failure, fixFor, ObjectStore } from "../s3/object-store";
import { libStorageSdk, s3Sdk } from "../s3/sdk-modules";
import { contentTypeFor, LocalFile } from "./local-folder";

/** The metadata entry (`x-amz-meta-sha256`) holding the file's SHA-256, in hex. */
export const SHA256_METADATA = "sha256";
/** S3 allows at most this many parts per object. */
const MAX_PARTS = 10_000;
const MIB = 1024 * 1024;
/** Parts of one file in flight at once; with `concurrency` files, memory holds about their product of parts. */
export const PARTS_IN_FLIGHT = 4;
export const DEFAULT_PART_SIZE = 8 * MIB;
/** S3's smallest part (all but the last). */
export const MIN_PART_SIZE = 5 * MIB;

export interface UploadTarget {
  client: S3Client;
  /** Lists what is already under the prefix (one request per 1,000 objects). */
  store: ObjectStore;
  bucket: string;
}

/** What the command shows while the bytes move; every method may be called from several files at once. */
export interface TransferProgress {
  start(totalBytes: number, files: number): void;
  /** Bytes read to compute checksums, or sent to S3. */
  advance(kind: "hashed" | "sent", bytes: number): void;
  fileDone(): void;
  stop(): void;
}

export interface FolderUploadOptions {
  /** Files uploaded at once. */
  concurrency: number;
  /** Bytes per part; raised for files that would need more than 10,000 parts. */
  partSize?: number;
  /** Decide what to upload and skip, but send nothing. */
  dryRun?: boolean;
  /** Aborts the upload (its multipart uploads are aborted too) with a signal's name as reason. */
  interruption?: AbortSignal;
  progress?: TransferProgress;
}

export interface FileOutcome {
  key: string;
  size: number;
  sha256: string;
  /** Why it was (or, on a dry run, would be) uploaded; absent when skipped. */
  reason?: "new" | "size differs" | "content differs" | "no checksum recorded";
}

export interface FolderUploadResult {
  uploaded: FileOutcome[];
  skipped: FileOutcome[];
  bytesSent: number;
}

export function partSizeFor(size: number, requested = DEFAULT_PART_SIZE): number {
  return Math.max(requested, Math.ceil(size / MAX_PARTS / MIB) * MIB);
}

async function sha256Of(path: string, onBytes: (bytes: number) => void, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: MIB, signal })) {
    hash.update(chunk as Buffer);
    onBytes((chunk as Buffer).length);
  }
  return hash.digest("hex");
}

function failure(step: string, error: unknown, bucket: string): AwsError {
  return new AwsError(`${step} failed: ${describeS3Failure(error, false, 0)}`, {
    fix: fixFor(error, bucket),
    cause: error,
  });
}

/** The recorded size and SHA-256 of an object, or undefined when there is none. */
async function recorded(target: UploadTarget, key: string, signal?: AbortSignal) {
  try {
    const head = await target.client.send(new (s3Sdk().HeadObjectCommand)({ Bucket: target.bucket, Key: key }), {
      abortSignal: signal,
    });
    return { size: head.ContentLength ?? 0, sha256: head.Metadata?.[SHA256_METADATA] };
  } catch (error) {
    if ((error as { name?: string }).name === "NotFound") return undefined;
    throw failure(`reading s3://${target.bucket}/${key}`, error, target.bucket);
  }
}

async function sendFile(
  target: UploadTarget,
  file: LocalFile,
  key: string,
  sha256: string,
  options: FolderUploadOptions,
): Promise<void> {
  const upload = new (libStorageSdk().Upload)({
    client: target.client,
    params: {
      Bucket: target.bucket,
      Key: key,
      Body: createReadStream(file.path, { highWaterMark: MIB }),
      ContentType: contentTypeFor(file.relativeKey),
      Metadata: { [SHA256_METADATA]: sha256 },
    },
    queueSize: PARTS_IN_FLIGHT,
    partSize: partSizeFor(file.size, options.partSize),
    // A failed or interrupted multipart upload is aborted, so no stored parts are left to pay for.
    leavePartsOnError: false,
  });
  let reported = 0;
  upload.on("httpUploadProgress", ({ loaded }) => {
    if (loaded === undefined || loaded <= reported) return;
    options.progress?.advance("sent", loaded - reported);
    reported = loaded;
  });
  const abort = () => void upload.abort().catch(() => undefined);
  options.interruption?.addEventListener("abort", abort, { once: true });
  try {
    await upload.done();
  } catch (error) {
    if (options.interruption?.aborted) {
      await abandonParts(target, key, upload);
      throw error;
    }
    throw failure(`uploading ${file.relativeKey} to s3://${target.bucket}/${key}`, error, target.bucket);
  } finally {
    options.interruption?.removeEventListener("abort", abort);
  }
  if (reported < file.size) options.progress?.advance("sent", file.size - reported);
  // The object as S3 now holds it: the right size and the checksum the next run compares.
  const stored = await recorded(target, key, options.interruption);
  if (!stored || stored.size !== file.size || stored.sha256 !== sha256) {
    throw new AwsError(
      `s3://${target.bucket}/${key} does not hold what was uploaded (size ${stored?.size ?? "none"} of ${file.size})`,
      {
        fix: "run the upload again (a file changed while it was read, or the server dropped the object)",
      },
    );
  }
}

/**
 * Aborts an interrupted multipart upload now, so S3 keeps no parts to charge for: lib-storage's own
 * abort request would race the process's exit. (The bucket's lifecycle rule aborts any left over.)
 */
async function abandonParts(target: UploadTarget, key: string, upload: object): Promise<void> {
  const uploadId = (upload as { uploadId?: string }).uploadId;
  if (uploadId === undefined) return;
  try {
    await target.client.send(
      new (s3Sdk().AbortMultipartUploadCommand)({ Bucket: target.bucket, Key: key, UploadId: uploadId }),
      { abortSignal: AbortSignal.timeout(10_000) },
    );
  } catch {
    // Already aborted by lib-storage, or unreachable: the lifecycle rule removes the parts.
  }
}

export async function uploadFolder(
  files: readonly LocalFile[],
  prefix: string,
  target: UploadTarget,
  options: FolderUploadOptions,
): Promise<FolderUploadResult> {
  const signal = options.interruption;
  const existing = new Map<string, number>();
  for await (const object of target.store.list(prefix, { signal })) existing.set(object.key, object.size);

  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  // Every byte is read once for its checksum and, unless skipped, once more to send it.
  const toSend = files.filter((file) => existing.get(prefix + file.relativeKey) !== file.size);
  options.progress?.start(
    totalBytes + (options.dryRun ? 0 : toSend.reduce((sum, file) => sum + file.size, 0)),
    files.length,
  );

  const outcomes = new Map<LocalFile, FileOutcome>();
  let bytesSent = 0;
  try {
    await eachAtOnce(files, options.concurrency, async (file) => {
      const key = prefix + file.relativeKey;
      const sha256 = await sha256Of(file.path, (bytes) => options.progress?.advance("hashed", bytes), signal);
      const there = existing.has(key) ? await recorded(target, key, signal) : undefined;
      const reason: FileOutcome["reason"] =
        there === undefined
          ? "new"
          : there.size !== file.size
            ? "size differs"
            : there.sha256 === undefined
              ? "no checksum recorded"
              : there.sha256 !== sha256
                ? "content differs"
                : undefined;
      if (reason !== undefined && !options.dryRun) {
        await sendFile(target, file, key, sha256, options);
        bytesSent += file.size;
      }
      outcomes.set(file, { key, size: file.size, sha256, ...(reason ? { reason } : {}) });
      options.progress?.fileDone();
    });
  } catch (error) {
    if (signal?.aborted) {
      const reason = signal.reason === "SIGTERM" ? "SIGTERM" : "SIGINT";
      const done = [...outcomes.values()].filter((outcome) => outcome.reason !== undefined).length;
      throw new InterruptedError(reason, `interrupted (${reason}): ${done} of ${files.length} files were uploaded`, {
        fix: "run the same command again: files already uploaded are skipped, the rest are uploaded",
        cause: error,
      });
    }
    throw error;
  } finally {
    options.progress?.stop();
  }
  const all = files.map((file) => outcomes.get(file)!);
  return {
    uploaded: all.filter((outcome) => outcome.reason !== undefined),
    skipped: all.filter((outcome) => outcome.reason === undefined),
    bytesSent,
  };
}
