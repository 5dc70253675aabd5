/**
 * One object copied by S3 itself, never through this machine: CopyObject up to 5 GiB, a multipart
 * upload of UploadPartCopy ranges above, resumed from the parts already copied when the source has a
 * full-object CRC-64/NVME to check them against. Every copy is pinned to the source's ETag (a source
 * replaced meanwhile fails it) and gets a CRC-64/NVME that S3 computes.
 */
import { eachAtOnce } from "../concurrency";
import { AwsError } from "../errors";
import { s3Sdk } from "../s3/sdk-modules";
import { TransferProgress, UPLOAD_ALGORITHM } from "./folder-upload";
import { combinedCrc } from "./local-file";
import {
  abortUpload,
  completeFullObjectUpload,
  createFullObjectUpload,
  MAX_PARTS,
  missingParts,
  MultipartTarget,
  partCount,
  partLength,
} from "./resumable-multipart";

const GIB = 1024 * 1024 * 1024;
/** CopyObject copies at most this much; larger objects are copied in parts. */
export const MAX_COPY_OBJECT_SIZE = 5 * GIB;
const COPY_PART_SIZE = 512 * 1024 * 1024;

const copySource = (bucket: string, key: string) => `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;

/** S3's answer to a copy pinned to an ETag the source no longer has (replaced since it was looked at). */
export const sourceChanged = (error: unknown) =>
  (error as { name?: string } | undefined)?.name === "PreconditionFailed";

/** A source object as read before its copy: the copy is pinned to its ETag and checked against its CRC. */
export interface CopyFrom {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  /** Its full-object CRC-64/NVME; undefined when S3 holds none (or a composite one). */
  crc?: string;
  contentType?: string;
}

export interface ObjectCopyOptions {
  interruption?: AbortSignal;
  progress?: TransferProgress;
  /** Objects above this size are copied in parts (S3: 5 GiB; smaller in tests). */
  multipartAbove?: number;
  /** Bytes per copied part (raised for objects that would need more than 10,000). */
  partSize?: number;
}

interface CopiedPart {
  number: number;
  size: number;
  etag: string;
  checksum: string;
}

/** How an object is cut into copied parts: every part `partSize` bytes, the last one the rest. */
interface CopyLayout {
  partSize: number;
  count: number;
}

/** The part size asked for, raised to keep within 10,000 parts. */
function copyLayout(size: number, options: ObjectCopyOptions): CopyLayout {
  const requested = options.partSize ?? COPY_PART_SIZE;
  const partSize = Math.max(requested, Math.ceil(size / MAX_PARTS));
  return { partSize, count: partCount(size, partSize) };
}

/** A copy in parts under way: what is copied where, and how it is cut. */
interface PartsCopy extends CopyLayout {
  target: MultipartTarget;
  from: CopyFrom;
  key: string;
  uploadId: string;
  options: ObjectCopyOptions;
}

/** The parts an upload holds, when every one fits the layout and carries a CRC; undefined otherwise. */
async function fittingParts(
  target: MultipartTarget,
  key: string,
  uploadId: string,
  size: number,
  layout: CopyLayout,
  signal?: AbortSignal,
) {
  const { partSize, count } = layout;
  const parts = await target.client.send(
    new (s3Sdk().ListPartsCommand)({ Bucket: target.bucket, Key: key, UploadId: uploadId }),
    {
      abortSignal: signal,
    },
  );
  const fits = (parts.Parts ?? []).every(
    (part) =>
      (part.PartNumber ?? 0) <= count &&
      part.Size === partLength(size, partSize, part.PartNumber ?? 1) &&
      part.ChecksumCRC64NVME,
  );
  if (!fits || parts.IsTruncated) return undefined;
  const done = new Map<number, CopiedPart>();
  for (const part of parts.Parts ?? []) {
    done.set(part.PartNumber!, {
      number: part.PartNumber!,
      size: part.Size!,
      etag: part.ETag ?? "",
      checksum: part.ChecksumCRC64NVME!,
    });
  }
  return done;
}

/** The copy in progress to resume with the parts it holds; every other upload of the key is aborted. */
async function resumableCopy(
  target: MultipartTarget,
  from: CopyFrom,
  key: string,
  layout: CopyLayout,
  signal?: AbortSignal,
) {
  const uploads = await target.client.send(
    new (s3Sdk().ListMultipartUploadsCommand)({ Bucket: target.bucket, Prefix: key }),
    {
      abortSignal: signal,
    },
  );
  const mine = (uploads.Uploads ?? []).filter((upload) => upload.Key === key && upload.UploadId);
  let resumed: { uploadId: string; done: Map<number, CopiedPart> } | undefined;
  for (const upload of mine) {
    // Parts already copied can only be checked by the whole object's CRC: resume only when the source has one.
    if (resumed === undefined && from.crc !== undefined && upload.ChecksumAlgorithm === UPLOAD_ALGORITHM) {
      const done = await fittingParts(target, key, upload.UploadId!, from.size, layout, signal);
      if (done !== undefined) {
        resumed = { uploadId: upload.UploadId!, done };
        continue;
      }
    }
    await abortUpload(target, key, upload.UploadId!);
  }
  return resumed;
}

/** Copies every range not in `done`, pinned to the source's ETag; adds each part, with S3's CRC, to `done`. */
async function copyMissingParts(copy: PartsCopy, done: Map<number, CopiedPart>) {
  const { target, from, key, uploadId, partSize, count, options } = copy;
  const missing = missingParts(count, done);
  await eachAtOnce(missing, 4, async (number) => {
    const start = (number - 1) * partSize;
    const size = partLength(from.size, partSize, number);
    const copied = await target.client.send(
      new (s3Sdk().UploadPartCopyCommand)({
        Bucket: target.bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: number,
        CopySource: copySource(from.bucket, from.key),
        CopySourceIfMatch: from.etag,
        CopySourceRange: `bytes=${start}-${start + size - 1}`,
      }),
      { abortSignal: options.interruption },
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
}

/**
 * Completes the copy once its parts add up to the source's CRC (when it has one; the copy is aborted
 * when they do not); returns the full-object CRC of the parts.
 */
async function completeCopy(copy: PartsCopy, done: Map<number, CopiedPart>): Promise<string> {
  const { target, from, key, uploadId, options } = copy;
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
  await completeFullObjectUpload(target, key, { uploadId, parts, checksum }, options.interruption);
  return checksum;
}

/** Copies in parts, resuming the copy in progress when the source has a full-object CRC to check it against. */
async function copyInParts(
  target: MultipartTarget,
  from: CopyFrom,
  key: string,
  options: ObjectCopyOptions,
): Promise<string> {
  const signal = options.interruption;
  const layout = copyLayout(from.size, options);
  const resumed = await resumableCopy(target, from, key, layout, signal);
  const copy: PartsCopy = {
    target,
    from,
    key,
    options,
    ...layout,
    uploadId: resumed?.uploadId ?? (await createFullObjectUpload(target, key, from.contentType, signal)),
  };
  const done = resumed?.done ?? new Map<number, CopiedPart>();
  await copyMissingParts(copy, done);
  return completeCopy(copy, done);
}

/** Copies an object within S3 (in parts above `multipartAbove`); returns the CRC-64/NVME S3 gave the copy. */
export async function copyWithinS3(target: MultipartTarget, from: CopyFrom, key: string, options: ObjectCopyOptions) {
  if (from.size > (options.multipartAbove ?? MAX_COPY_OBJECT_SIZE)) return copyInParts(target, from, key, options);
  const copied = await target.client.send(
    new (s3Sdk().CopyObjectCommand)({
      Bucket: target.bucket,
      Key: key,
      CopySource: copySource(from.bucket, from.key),
      CopySourceIfMatch: from.etag,
      ChecksumAlgorithm: UPLOAD_ALGORITHM,
    }),
    { abortSignal: options.interruption },
  );
  options.progress?.advance("sent", from.size);
  return copied.CopyObjectResult?.ChecksumCRC64NVME;
}
