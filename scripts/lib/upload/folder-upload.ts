/**
 * Uploads a folder's files under a key prefix with checksums S3 validates: every file goes with its
 * CRC-64/NVME (a large one in parts, resumed from the parts S3 already holds), and a file counts as
 * already there only when its object has the same size and the same full-object checksum as S3
 * stored it (HeadObject with ChecksumMode), never by user metadata. After an upload, the object as
 * S3 holds it is checked once more; an object that fails that check is deleted.
 *
 * Each byte is read once where it can be: a new file's bytes are checksummed from the buffers that
 * are sent; a file whose object has the same size is read to compare (and sent, read again, only if
 * it differs); a resumed file's held parts are read to check them, the others to send them.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { eachAtOnce } from "../concurrency";
import { AwsError, InterruptedError } from "../errors";
import { checksumOf, ChecksumAlgorithm, ChecksumType, isChecksumAlgorithm } from "../s3/checksums";
import { describeS3Failure, fixFor, ObjectStore } from "../s3/object-store";
import { s3Sdk } from "../s3/sdk-modules";
import { fileChecksum, openListedFile, readRange } from "./local-file";
import { contentTypeFor, LocalFile } from "./local-folder";
import { MAX_PARTS, sendInParts } from "./resumable-multipart";

const MIB = 1024 * 1024;
/** Parts of one file in flight at once; with `concurrency` files, memory holds about their product of parts. */
export const PARTS_IN_FLIGHT = 4;
export const DEFAULT_PART_SIZE = 8 * MIB;
export { MIN_PART_SIZE } from "./resumable-multipart";
/** The algorithm of every upload: S3's default, a full-object CRC however the file was cut into parts. */
export const UPLOAD_ALGORITHM = "CRC64NVME";

export interface UploadTarget {
  client: S3Client;
  /** Lists what is already under the prefix (one request per 1,000 objects). */
  store: ObjectStore;
  bucket: string;
}

/** What the command shows while the bytes move; every method may be called from several files at once. */
export interface TransferProgress {
  start(totalBytes: number, files: number): void;
  /** More bytes to read than planned: a file of the same size as its object turned out to differ. */
  grow(bytes: number): void;
  /** Bytes read to compare with S3's checksum or check a held part, or sent to S3. */
  advance(kind: "checked" | "sent", bytes: number): void;
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
  /** Stops the upload with a signal's name as reason; parts already sent stay for the next run. */
  interruption?: AbortSignal;
  progress?: TransferProgress;
}

export type UploadReason = "new" | "size differs" | "content differs" | "no comparable checksum stored";

export interface FileOutcome {
  key: string;
  size: number;
  /** The object's full-object checksum (S3's, as compared or as stored by this upload). */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** Why it was (or, on a dry run, would be) uploaded; absent when skipped. */
  reason?: UploadReason;
  /** A resumed multipart upload: the parts S3 already held that matched the file. */
  kept?: { parts: number; bytes: number };
}

export interface FolderUploadResult {
  uploaded: FileOutcome[];
  skipped: FileOutcome[];
  bytesSent: number;
}

export function partSizeFor(size: number, requested = DEFAULT_PART_SIZE): number {
  return Math.max(requested, Math.ceil(size / MAX_PARTS / MIB) * MIB);
}

function failure(step: string, error: unknown, bucket: string): AwsError {
  if (error instanceof AwsError) return error;
  return new AwsError(`${step} failed: ${describeS3Failure(error, false, 0)}`, {
    fix: fixFor(error, bucket),
    cause: error,
  });
}

/** The size and full-object checksum S3 stored for an object, or undefined when there is no object. */
export async function storedChecksum(client: S3Client, bucket: string, key: string, signal?: AbortSignal) {
  try {
    const head = await client.send(
      new (s3Sdk().HeadObjectCommand)({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }),
      {
        abortSignal: signal,
      },
    );
    const type: ChecksumType = head.ChecksumType === "COMPOSITE" ? "COMPOSITE" : "FULL_OBJECT";
    const algorithm = (["CRC64NVME", "CRC32", "CRC32C", "SHA256", "SHA1"] as const).find(
      (name) => head[`Checksum${name}`] !== undefined && !/-\d+$/.test(head[`Checksum${name}`]!),
    );
    return {
      size: head.ContentLength ?? 0,
      checksum:
        algorithm !== undefined && type === "FULL_OBJECT" && isChecksumAlgorithm(algorithm)
          ? { algorithm, value: head[`Checksum${algorithm}`]! }
          : undefined,
    };
  } catch (error) {
    if ((error as { name?: string }).name === "NotFound") return undefined;
    throw failure(`reading s3://${bucket}/${key}`, error, bucket);
  }
}

async function putWhole(target: UploadTarget, file: LocalFile, key: string, options: FolderUploadOptions) {
  const handle = await openListedFile(file.path, file.size, file.relativeKey);
  try {
    const bytes = await readRange(handle, 0, file.size, file.relativeKey);
    const checksum = checksumOf(UPLOAD_ALGORITHM, bytes);
    await target.client.send(
      new (s3Sdk().PutObjectCommand)({
        Bucket: target.bucket,
        Key: key,
        Body: bytes,
        ContentLength: file.size,
        ContentType: contentTypeFor(file.relativeKey),
        ChecksumCRC64NVME: checksum,
      }),
      { abortSignal: options.interruption },
    );
    options.progress?.advance("sent", file.size);
    return { checksum, kept: undefined };
  } finally {
    await handle.close();
  }
}

/** Sends a file, then checks the object as S3 holds it; an object that fails the check is deleted. */
async function send(target: UploadTarget, file: LocalFile, key: string, options: FolderUploadOptions) {
  const partSize = partSizeFor(file.size, options.partSize);
  let sent;
  try {
    sent =
      file.size <= partSize
        ? await putWhole(target, file, key, options)
        : await sendInParts(
            target,
            { path: file.path, name: file.relativeKey, size: file.size, contentType: contentTypeFor(file.relativeKey) },
            key,
            {
              partSize,
              partsInFlight: PARTS_IN_FLIGHT,
              signal: options.interruption,
              onBytes: (kind, bytes) => options.progress?.advance(kind, bytes),
            },
          );
  } catch (error) {
    if (options.interruption?.aborted) throw error;
    throw failure(`uploading ${file.relativeKey} to s3://${target.bucket}/${key}`, error, target.bucket);
  }
  const stored = await storedChecksum(target.client, target.bucket, key, options.interruption);
  if (
    stored?.size !== file.size ||
    stored.checksum?.algorithm !== UPLOAD_ALGORITHM ||
    stored.checksum.value !== sent.checksum
  ) {
    await target.store.remove(key).catch(() => undefined);
    throw new AwsError(
      `s3://${target.bucket}/${key} does not hold what was uploaded (size ${stored?.size ?? "none"} of ${file.size}, ` +
        `${UPLOAD_ALGORITHM} ${stored?.checksum?.value ?? "none"} of ${sent.checksum}); the object was deleted`,
      { fix: "run the upload again (a file changed while it was read, or the server dropped the object)" },
    );
  }
  return sent;
}

/** The size of every object under the prefix, by key. */
export async function existingSizes(store: ObjectStore, prefix: string, signal?: AbortSignal) {
  const existing = new Map<string, number>();
  for await (const object of store.list(prefix, { signal })) existing.set(object.key, object.size);
  return existing;
}

/** What a transfer did with each file, in order: uploaded or skipped, and the bytes it sent (none on a dry run). */
export function transferResult(all: FileOutcome[], dryRun?: boolean): FolderUploadResult {
  const uploaded = all.filter((outcome) => outcome.reason !== undefined);
  return {
    uploaded,
    skipped: all.filter((outcome) => outcome.reason === undefined),
    // A resumed upload sent only the parts S3 did not hold yet.
    bytesSent: dryRun ? 0 : uploaded.reduce((sum, outcome) => sum + outcome.size - (outcome.kept?.bytes ?? 0), 0),
  };
}

/** One file of the folder, the key it goes to, and the size of the object there now (if any). */
interface FileTask {
  target: UploadTarget;
  file: LocalFile;
  key: string;
  objectSize: number | undefined;
}

/** Whether the object at `key` holds the file already (the same size and full-object checksum), and why not. */
async function compareWithObject(task: FileTask, options: FolderUploadOptions): Promise<FileOutcome> {
  const { target, file, key, objectSize } = task;
  const signal = options.interruption;
  const outcome: FileOutcome = { key, size: file.size };
  if (objectSize === undefined) outcome.reason = "new";
  else if (objectSize !== file.size) outcome.reason = "size differs";
  else {
    const stored = await storedChecksum(target.client, target.bucket, key, signal);
    if (stored?.checksum === undefined) outcome.reason = "no comparable checksum stored";
    else {
      const handle = await openListedFile(file.path, file.size, file.relativeKey);
      const local = await fileChecksum(
        handle,
        file.size,
        stored.checksum.algorithm,
        file.relativeKey,
        (bytes) => options.progress?.advance("checked", bytes),
        signal,
      ).finally(() => handle.close());
      outcome.checksum = stored.checksum;
      if (local !== stored.checksum.value) {
        outcome.reason = "content differs";
        if (!options.dryRun) options.progress?.grow(file.size);
      }
    }
  }
  return outcome;
}

/** One file: compared with its object, then sent unless the object holds it already (or on a dry run). */
async function uploadOrSkip(task: FileTask, options: FolderUploadOptions): Promise<FileOutcome> {
  const { target, file, key } = task;
  const outcome = await compareWithObject(task, options);
  if (outcome.reason !== undefined && !options.dryRun) {
    const sent = await send(target, file, key, options);
    outcome.checksum = { algorithm: UPLOAD_ALGORITHM, value: sent.checksum };
    if (sent.kept && sent.kept.parts > 0) outcome.kept = sent.kept;
  }
  return outcome;
}

function interruptedUpload(signal: AbortSignal, done: FileOutcome[], fileCount: number, error: unknown) {
  const reason = signal.reason === "SIGTERM" ? "SIGTERM" : "SIGINT";
  // A resumed run skips what an earlier one uploaded: those files are in place too.
  const uploaded = done.filter((outcome) => outcome.reason !== undefined).length;
  const skipped = done.length - uploaded;
  const state =
    `with ${done.length} of ${fileCount} files in place: ${uploaded} uploaded by this run, ` +
    `${skipped} already there (skipped); ${fileCount - done.length} left`;
  return new InterruptedError(reason, `interrupted (${reason}) ${state}`, {
    fix: "run the same command again: files already uploaded are skipped, and a large file resumes from the parts S3 holds",
    cause: error,
  });
}

export async function uploadFolder(
  files: readonly LocalFile[],
  prefix: string,
  target: UploadTarget,
  options: FolderUploadOptions,
): Promise<FolderUploadResult> {
  const signal = options.interruption;
  const progress = options.progress;
  // Once interrupted, the bar stops for good: the lines that follow are the run's last words.
  const stopProgress = () => progress?.stop();
  signal?.addEventListener("abort", stopProgress, { once: true });
  const existing = await existingSizes(target.store, prefix, signal);

  // Every byte is read once (to compare or to send); a file found different after comparing, twice.
  progress?.start(
    files.reduce(
      (sum, file) => sum + (options.dryRun && existing.get(prefix + file.relativeKey) !== file.size ? 0 : file.size),
      0,
    ),
    files.length,
  );

  const outcomes = new Map<LocalFile, FileOutcome>();
  try {
    await eachAtOnce(files, options.concurrency, async (file) => {
      const key = prefix + file.relativeKey;
      outcomes.set(file, await uploadOrSkip({ target, file, key, objectSize: existing.get(key) }, options));
      progress?.fileDone();
    });
  } catch (error) {
    if (signal?.aborted) throw interruptedUpload(signal, [...outcomes.values()], files.length, error);
    throw error;
  } finally {
    signal?.removeEventListener("abort", stopProgress);
    progress?.stop();
  }
  return transferResult(
    files.map((file) => outcomes.get(file)!),
    options.dryRun,
  );
}
