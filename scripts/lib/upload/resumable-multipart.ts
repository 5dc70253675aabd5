/**
 * A large file's multipart upload that resumes from what S3 holds. Nothing is kept on this machine:
 * the upload in progress for the key is found by listing (ListMultipartUploads), its parts by
 * ListParts, and each part it holds is checked against the same range of the local file by its
 * CRC-64/NVME (an ETag is no MD5 under SSE-KMS). Parts that match stay; the rest are sent; an upload
 * whose parts do not match (the file changed) is aborted and the file starts afresh. Every part goes
 * with its CRC-64/NVME, computed from the buffer that is sent; the full-object CRC follows from the
 * parts' and S3 checks it on completion.
 */
import type { FileHandle } from "node:fs/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import { eachAtOnce } from "../concurrency";
import { checksumOf } from "../s3/checksums";
import { s3Sdk } from "../s3/sdk-modules";
import { combinedCrc, openListedFile, readRange } from "./local-file";

const ALGORITHM = "CRC64NVME";
/** S3 allows at most this many parts per object. */
export const MAX_PARTS = 10_000;
/** S3's smallest part (all but the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;

export interface MultipartFile {
  path: string;
  name: string;
  size: number;
  contentType: string;
}

export interface MultipartTarget {
  client: S3Client;
  bucket: string;
}

export interface MultipartOptions {
  partSize: number;
  partsInFlight: number;
  signal?: AbortSignal;
  /** Bytes read to check a part S3 already holds, or sent. */
  onBytes(kind: "checked" | "sent", bytes: number): void;
}

export interface MultipartResult {
  /** The full-object CRC-64/NVME, base64. */
  checksum: string;
  /** Parts S3 already held that matched the file, and their bytes. */
  kept: { parts: number; bytes: number };
}

interface Part {
  number: number;
  size: number;
  etag: string;
  checksum: string;
}

/** How a file of `size` bytes is cut: every part `partSize` bytes, the last one the rest. */
export const partCount = (size: number, partSize: number) => Math.max(1, Math.ceil(size / partSize));
export const partLength = (size: number, partSize: number, number: number) =>
  Math.min(partSize, size - (number - 1) * partSize);
/** The numbers (from 1) of the `count` parts that `done` does not hold yet. */
export const missingParts = (count: number, done: ReadonlyMap<number, unknown>) =>
  Array.from({ length: count }, (_, index) => index + 1).filter((number) => !done.has(number));

async function uploadsFor(target: MultipartTarget, key: string, signal?: AbortSignal) {
  const uploads: Array<{ id: string; initiated: number; algorithm?: string }> = [];
  let keyMarker: string | undefined;
  let idMarker: string | undefined;
  do {
    const page = await target.client.send(
      new (s3Sdk().ListMultipartUploadsCommand)({
        Bucket: target.bucket,
        Prefix: key,
        KeyMarker: keyMarker,
        UploadIdMarker: idMarker,
      }),
      { abortSignal: signal },
    );
    for (const upload of page.Uploads ?? []) {
      if (upload.Key === key && upload.UploadId) {
        uploads.push({
          id: upload.UploadId,
          initiated: upload.Initiated?.getTime() ?? 0,
          algorithm: upload.ChecksumAlgorithm,
        });
      }
    }
    [keyMarker, idMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
  } while (keyMarker !== undefined);
  return uploads.sort((a, b) => b.initiated - a.initiated);
}

async function partsOf(target: MultipartTarget, key: string, uploadId: string, signal?: AbortSignal) {
  const parts: Array<{ number: number; size: number; etag: string; checksum?: string }> = [];
  let marker: string | undefined;
  do {
    const page = await target.client.send(
      new (s3Sdk().ListPartsCommand)({ Bucket: target.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
      { abortSignal: signal },
    );
    for (const part of page.Parts ?? []) {
      parts.push({
        number: part.PartNumber ?? 0,
        size: part.Size ?? 0,
        etag: part.ETag ?? "",
        checksum: part.ChecksumCRC64NVME,
      });
    }
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker !== undefined);
  return parts;
}

export async function abortUpload(target: MultipartTarget, key: string, uploadId: string): Promise<void> {
  try {
    await target.client.send(
      new (s3Sdk().AbortMultipartUploadCommand)({ Bucket: target.bucket, Key: key, UploadId: uploadId }),
      {
        abortSignal: AbortSignal.timeout(10_000),
      },
    );
  } catch {
    // Gone already, or unreachable: the bucket's lifecycle rule removes abandoned parts.
  }
}

/**
 * The upload in progress to resume, with the parts it holds that fit this file's layout; other
 * uploads of the key (an earlier version of the file) are aborted.
 */
async function resumable(
  target: MultipartTarget,
  key: string,
  size: number,
  requestedPartSize: number,
  signal?: AbortSignal,
) {
  const [latest, ...older] = await uploadsFor(target, key, signal);
  for (const upload of older) await abortUpload(target, key, upload.id);
  if (latest === undefined) return undefined;
  const held =
    latest.algorithm === undefined || latest.algorithm === ALGORITHM
      ? await partsOf(target, key, latest.id, signal)
      : [];
  const partSize = held.find((part) => part.number === 1)?.size ?? requestedPartSize;
  const count = partCount(size, partSize);
  const fits =
    held.length > 0 &&
    count <= MAX_PARTS &&
    (partSize >= MIN_PART_SIZE || count === 1) &&
    held.every((part) => part.number <= count && part.size === partLength(size, partSize, part.number));
  if (!fits) {
    await abortUpload(target, key, latest.id);
    return undefined;
  }
  return { uploadId: latest.id, partSize, held };
}

/** One file's multipart upload under way: where its parts go and how the file is cut into them. */
interface PartsUpload {
  target: MultipartTarget;
  file: MultipartFile;
  key: string;
  handle: FileHandle;
  uploadId: string;
  partSize: number;
  options: MultipartOptions;
}

/**
 * The upload in progress to resume, with the held parts whose CRC matches the same range of the file
 * (each read to check it); undefined when there is none, or when a part differs (it is then aborted).
 */
async function verifiedResume(
  target: MultipartTarget,
  file: MultipartFile,
  key: string,
  handle: FileHandle,
  options: MultipartOptions,
) {
  const { signal } = options;
  const resume = await resumable(target, key, file.size, options.partSize, signal);
  if (resume === undefined) return undefined;
  const done = new Map<number, Part>();
  for (const part of resume.held) {
    signal?.throwIfAborted();
    const bytes = await readRange(handle, (part.number - 1) * resume.partSize, part.size, file.name);
    options.onBytes("checked", bytes.length);
    if (part.checksum === undefined) continue;
    if (checksumOf(ALGORITHM, bytes) !== part.checksum) {
      // The file changed since those parts were sent: start afresh.
      await abortUpload(target, key, resume.uploadId);
      return undefined;
    }
    done.set(part.number, { ...part, checksum: part.checksum });
  }
  return { uploadId: resume.uploadId, partSize: resume.partSize, done };
}

/** Starts a multipart upload whose parts carry CRC-64/NVME and whose whole object S3 checks by their combination. */
export async function createFullObjectUpload(
  target: MultipartTarget,
  key: string,
  contentType: string | undefined,
  signal?: AbortSignal,
): Promise<string> {
  const created = await target.client.send(
    new (s3Sdk().CreateMultipartUploadCommand)({
      Bucket: target.bucket,
      Key: key,
      ContentType: contentType,
      ChecksumAlgorithm: ALGORITHM,
      ChecksumType: "FULL_OBJECT",
    }),
    { abortSignal: signal },
  );
  return created.UploadId!;
}

/** Completes a multipart upload with its parts (in order) and the full-object CRC-64/NVME they add up to. */
export async function completeFullObjectUpload(
  target: MultipartTarget,
  key: string,
  upload: {
    uploadId: string;
    parts: ReadonlyArray<{ number: number; etag: string; checksum: string }>;
    checksum: string;
  },
  signal?: AbortSignal,
): Promise<void> {
  await target.client.send(
    new (s3Sdk().CompleteMultipartUploadCommand)({
      Bucket: target.bucket,
      Key: key,
      UploadId: upload.uploadId,
      ChecksumType: "FULL_OBJECT",
      ChecksumCRC64NVME: upload.checksum,
      MultipartUpload: {
        Parts: upload.parts.map((part) => ({
          PartNumber: part.number,
          ETag: part.etag,
          ChecksumCRC64NVME: part.checksum,
        })),
      },
    }),
    { abortSignal: signal },
  );
}

/** Sends every part not in `done`, a few at once, each with the CRC of the buffer sent; adds them to `done`. */
async function sendMissingParts(upload: PartsUpload, done: Map<number, Part>) {
  const { target, file, key, handle, uploadId, partSize, options } = upload;
  const { signal } = options;
  const missing = missingParts(partCount(file.size, partSize), done);
  await eachAtOnce(missing, options.partsInFlight, async (number) => {
    signal?.throwIfAborted();
    const size = partLength(file.size, partSize, number);
    const bytes = await readRange(handle, (number - 1) * partSize, size, file.name);
    const checksum = checksumOf(ALGORITHM, bytes);
    const sent = await target.client.send(
      new (s3Sdk().UploadPartCommand)({
        Bucket: target.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: number,
        Body: bytes,
        ContentLength: size,
        ChecksumCRC64NVME: checksum,
      }),
      { abortSignal: signal },
    );
    done.set(number, { number, size, etag: sent.ETag ?? "", checksum });
    options.onBytes("sent", size);
  });
}

/** Completes the upload with the full-object CRC its parts add up to, which S3 checks; returns that CRC. */
async function completeUpload(upload: PartsUpload, done: Map<number, Part>): Promise<string> {
  const { target, key, uploadId, options } = upload;
  const { signal } = options;
  const parts = [...done.values()].sort((a, b) => a.number - b.number);
  const checksum = combinedCrc(ALGORITHM, parts);
  try {
    await completeFullObjectUpload(target, key, { uploadId, parts, checksum }, signal);
  } catch (error) {
    // S3 refused the parts or their sum: they are no use to a later run.
    if (!signal?.aborted) await abortUpload(target, key, uploadId);
    throw error;
  }
  return checksum;
}

export async function sendInParts(
  target: MultipartTarget,
  file: MultipartFile,
  key: string,
  options: MultipartOptions,
): Promise<MultipartResult> {
  const handle = await openListedFile(file.path, file.size, file.name);
  try {
    const resumed = await verifiedResume(target, file, key, handle, options);
    const done = resumed?.done ?? new Map<number, Part>();
    const kept = { parts: done.size, bytes: [...done.values()].reduce((sum, part) => sum + part.size, 0) };
    const upload: PartsUpload = {
      target,
      file,
      key,
      handle,
      options,
      partSize: resumed?.partSize ?? options.partSize,
      uploadId: resumed?.uploadId ?? (await createFullObjectUpload(target, key, file.contentType, options.signal)),
    };
    await sendMissingParts(upload, done);
    return { checksum: await completeUpload(upload, done), kept };
  } finally {
    await handle.close();
  }
}
