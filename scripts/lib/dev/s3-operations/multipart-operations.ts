/**
 * Multipart uploads as S3 runs them: listed while in progress (ListMultipartUploads, ListParts, each
 * part with its checksum), aborted with every stored part (AbortMultipartUpload), and completed into
 * an object whose checksum S3's way: FULL_OBJECT (the CRC of every byte, combined from the parts'
 * CRCs) for CRC-64/NVME, for uploads that named no algorithm, and for CRC32/CRC32C when asked;
 * COMPOSITE (the checksum of the parts' checksums, then "-N") for SHA-1/SHA-256 and by default for
 * CRC32/CRC32C. How an upload is stored and read: multipart-uploads.ts.
 */
import { createReadStream } from "node:fs";
import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { checksumField, checksumHeader, checksummer, combineCrc, emptyCrc, isCrc } from "../../s3/checksums";
import {
  checksumType,
  partAlgorithm,
  partChecksum,
  readUpload,
  StoredPart,
  storedParts,
  Upload,
  uploadFor,
  uploadsDirectory,
} from "./multipart-uploads";
import { checkCopySourceConditions, copySource } from "./object-operations";
import { checkedBody, namedAlgorithm, requestedChecksum } from "./request-checksums";
import { header, Next, S3Context, s3Error, S3Object, S3ObjectInstance, xmlBody } from "./s3rver-internals";
import {
  CHECKSUM_METADATA_KEY,
  checksumFields,
  fileChecksum,
  setChecksumHeaders,
  StoredChecksum,
} from "./stored-checksums";

const XMLNS = { "@": { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/" } };
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

function partNumberOf(ctx: S3Context): number {
  const number = Number(ctx.query.partNumber);
  if (!Number.isInteger(number) || number < 1 || number > MAX_PARTS) {
    throw s3Error("InvalidArgument", `Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`, {
      ArgumentName: "partNumber",
      ArgumentValue: String(ctx.query.partNumber),
    });
  }
  return number;
}

/** CreateMultipartUpload: s3rver stores the request; the checksum it names is checked first, as S3 does. */
export async function createMultipartUpload(ctx: S3Context, next: Next): Promise<void> {
  const algorithm = namedAlgorithm(ctx, "x-amz-checksum-algorithm");
  const asked = header(ctx, "x-amz-checksum-type");
  if (asked !== undefined && !["FULL_OBJECT", "COMPOSITE"].includes(asked.toUpperCase())) {
    throw s3Error("InvalidRequest", "Value for x-amz-checksum-type header is invalid.");
  }
  const type = checksumType(algorithm, asked);
  if (
    algorithm !== undefined &&
    ((type === "FULL_OBJECT" && !isCrc(algorithm)) || (type === "COMPOSITE" && algorithm === "CRC64NVME"))
  ) {
    throw s3Error(
      "InvalidRequest",
      `The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`,
    );
  }
  if (asked !== undefined && algorithm === undefined) {
    throw s3Error(
      "InvalidRequest",
      "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.",
    );
  }
  await next();
  if (algorithm !== undefined) {
    ctx.set("x-amz-checksum-algorithm", algorithm);
    ctx.set("x-amz-checksum-type", type);
  }
}

export async function listMultipartUploads(ctx: S3Context, bucket: string): Promise<void> {
  const prefix = typeof ctx.query.prefix === "string" ? ctx.query.prefix : "";
  const keyMarker = typeof ctx.query["key-marker"] === "string" ? ctx.query["key-marker"] : "";
  const idMarker = typeof ctx.query["upload-id-marker"] === "string" ? ctx.query["upload-id-marker"] : "";
  const maxUploads = Math.min(Math.max(Number(ctx.query["max-uploads"] ?? 1000) || 1000, 1), 1000);
  const ids = await readdir(uploadsDirectory(ctx, bucket)).catch(() => [] as string[]);
  const uploads = (await Promise.all(ids.map((id) => readUpload(ctx, bucket, id).catch(() => undefined))))
    .filter((upload): upload is Upload => upload !== undefined && upload.key.startsWith(prefix))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated.getTime() - b.initiated.getTime()))
    .filter(
      (upload) => upload.key > keyMarker || (upload.key === keyMarker && idMarker !== "" && upload.id > idMarker),
    );
  const page = uploads.slice(0, maxUploads);
  const last = page[page.length - 1];
  const truncated = uploads.length > maxUploads;
  ctx.body = {
    ListMultipartUploadsResult: {
      ...XMLNS,
      Bucket: bucket,
      KeyMarker: keyMarker,
      UploadIdMarker: idMarker,
      ...(truncated ? { NextKeyMarker: last.key, NextUploadIdMarker: last.id } : {}),
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      Upload: page.map((upload) => ({
        Key: upload.key,
        UploadId: upload.id,
        Initiated: upload.initiated.toISOString(),
        StorageClass: "STANDARD",
        ...(upload.algorithm !== undefined ? { ChecksumAlgorithm: upload.algorithm, ChecksumType: upload.type } : {}),
      })),
    },
  };
}

export async function listParts(ctx: S3Context, bucket: string, key: string): Promise<void> {
  const upload = await uploadFor(ctx, bucket, key);
  const marker = Number(ctx.query["part-number-marker"] ?? 0) || 0;
  const maxParts = Math.min(Math.max(Number(ctx.query["max-parts"] ?? 1000) || 1000, 1), 1000);
  const parts = (await storedParts(upload)).filter((part) => part.number > marker);
  const page = parts.slice(0, maxParts);
  const truncated = parts.length > maxParts;
  const algorithm = partAlgorithm(upload);
  ctx.body = {
    ListPartsResult: {
      ...XMLNS,
      Bucket: bucket,
      Key: key,
      UploadId: upload.id,
      PartNumberMarker: marker,
      ...(truncated ? { NextPartNumberMarker: page[page.length - 1].number } : {}),
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: await Promise.all(
        page.map(async (part) => ({
          PartNumber: part.number,
          LastModified: part.lastModified.toISOString(),
          ETag: JSON.stringify(part.etag),
          Size: part.size,
          [checksumField(algorithm)]: await partChecksum(upload, part),
        })),
      ),
      StorageClass: "STANDARD",
      ...(upload.algorithm !== undefined ? { ChecksumAlgorithm: upload.algorithm, ChecksumType: upload.type } : {}),
    },
  };
}

export async function abortMultipartUpload(ctx: S3Context, bucket: string, key: string): Promise<void> {
  const upload = await uploadFor(ctx, bucket, key);
  await rm(upload.directory, { recursive: true, force: true });
  ctx.status = 204;
  ctx.body = "";
}

export async function uploadPart(ctx: S3Context, bucket: string, key: string): Promise<void> {
  const upload = await uploadFor(ctx, bucket, key);
  const number = partNumberOf(ctx);
  const requested = requestedChecksum(ctx);
  const algorithm = partAlgorithm(upload);
  if (upload.algorithm !== undefined && requested !== undefined && requested.algorithm !== upload.algorithm) {
    throw s3Error(
      "InvalidRequest",
      `Checksum Type mismatch occurred, expected checksum Type: ${upload.algorithm.toLowerCase()}, actual checksum Type: ${requested.algorithm.toLowerCase()}`,
    );
  }
  const { body, tap } = checkedBody(ctx, [algorithm], requested);
  const sideFile = join(upload.directory, `${number}.checksum.json`);
  // Never a side file of an earlier part with this number beside the new part's bytes.
  await rm(sideFile, { force: true });
  const { md5 } = await ctx.store.putPart(bucket, upload.id, number, body);
  await writeFile(sideFile, JSON.stringify(Object.fromEntries(tap.values)));
  ctx.set("ETag", JSON.stringify(md5));
  setChecksumHeaders(ctx, { algorithm, value: tap.values.get(algorithm)! });
  ctx.body = "";
}

export async function uploadPartCopy(ctx: S3Context, bucket: string, key: string, next: Next): Promise<void> {
  const upload = await uploadFor(ctx, bucket, key);
  const number = partNumberOf(ctx);
  await checkCopySourceConditions(ctx, copySource(ctx));
  await rm(join(upload.directory, `${number}.checksum.json`), { force: true });
  await next();
  const path = join(upload.directory, String(number));
  const algorithm = partAlgorithm(upload);
  const value = await fileChecksum(path, algorithm);
  await writeFile(`${path}.checksum.json`, JSON.stringify({ [algorithm]: value }));
  const result = ctx.body as { CopyPartResult?: Record<string, unknown> };
  if (result.CopyPartResult) Object.assign(result.CopyPartResult, checksumFields({ algorithm, value }));
}

interface RequestedPart {
  PartNumber: number;
  ETag: string;
  [field: string]: unknown;
}

/** The object's checksum from its parts' (raw values), S3's way for the upload's type. */
function objectChecksum(upload: Upload, parts: Array<{ size: number; checksum: string }>): StoredChecksum {
  const algorithm = partAlgorithm(upload);
  if (upload.type === "FULL_OBJECT") {
    const whole = parts.reduce(
      (crc, part) => combineCrc(algorithm, crc, Buffer.from(part.checksum, "base64"), part.size),
      emptyCrc(algorithm),
    );
    return { algorithm, value: whole.toString("base64"), type: "FULL_OBJECT" };
  }
  const sum = checksummer(algorithm);
  for (const part of parts) sum.update(Buffer.from(part.checksum, "base64"));
  return { algorithm, value: `${sum.digest().toString("base64")}-${parts.length}`, type: "COMPOSITE" };
}

/**
 * CompleteMultipartUpload: the listed parts, checked as S3 checks them (order, ETags, checksums, sizes,
 * the declared size and the object's checksum), become one object; the upload's folder goes.
 */
export async function completeMultipartUpload(ctx: S3Context, bucket: string, key: string): Promise<void> {
  const upload = await uploadFor(ctx, bucket, key);
  const parts = await listedParts(upload, await requestedParts(ctx));
  checkPartSizes(parts, header(ctx, "x-amz-mp-object-size"));
  const checksum = objectChecksum(upload, parts);
  checkObjectChecksum(checksum, header(ctx, checksumHeader(checksum.algorithm)));
  const { md5 } = await ctx.store.putObject(joinedObject(bucket, key, upload, parts, checksum));
  await rm(upload.directory, { recursive: true, force: true });
  ctx.body = {
    CompleteMultipartUploadResult: {
      ...XMLNS,
      Location: `${ctx.path}`,
      Bucket: bucket,
      Key: key,
      ETag: JSON.stringify(md5),
      ...checksumFields(checksum),
    },
  };
}

type ListedPart = StoredPart & { checksum: string };

async function requestedParts(ctx: S3Context): Promise<RequestedPart[]> {
  const document = (await xmlBody(ctx)) as { CompleteMultipartUpload?: { Part?: RequestedPart | RequestedPart[] } };
  const requested = ([] as RequestedPart[]).concat(document.CompleteMultipartUpload?.Part ?? []);
  if (requested.length === 0) {
    throw s3Error(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema.",
    );
  }
  return requested;
}

/** The stored parts the request lists, in ascending order, each matching its ETag and checksum. */
async function listedParts(upload: Upload, requested: RequestedPart[]): Promise<ListedPart[]> {
  const stored = new Map((await storedParts(upload)).map((part) => [part.number, part]));
  const parts: ListedPart[] = [];
  for (const [index, entry] of requested.entries()) {
    const number = Number(entry.PartNumber);
    if (index > 0 && number <= parts[index - 1].number) {
      throw s3Error(
        "InvalidPartOrder",
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
      );
    }
    parts.push(await listedPart(upload, stored.get(number), entry, number));
  }
  return parts;
}

async function listedPart(
  upload: Upload,
  part: StoredPart | undefined,
  entry: RequestedPart,
  number: number,
): Promise<ListedPart> {
  const sent = entry[checksumField(partAlgorithm(upload))];
  const invalidPart = () =>
    s3Error(
      "InvalidPart",
      "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
      { PartNumber: number },
    );
  if (part === undefined || String(entry.ETag).replace(/"/g, "") !== part.etag) throw invalidPart();
  if (upload.algorithm !== undefined && sent === undefined) {
    throw s3Error(
      "InvalidRequest",
      `The upload was created using a ${upload.algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${number} in the request.`,
    );
  }
  const checksum = await partChecksum(upload, part);
  if (sent !== undefined && sent !== checksum) throw invalidPart();
  return { ...part, checksum };
}

/** Every part but the last at least 5 MiB, and the sum the size the request declared, if it did. */
function checkPartSizes(parts: readonly StoredPart[], declaredSize: string | undefined): void {
  for (const part of parts.slice(0, -1)) {
    if (part.size < MIN_PART_SIZE) {
      throw s3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", {
        PartNumber: part.number,
        ProposedSize: part.size,
        MinSizeAllowed: MIN_PART_SIZE,
      });
    }
  }
  const size = parts.reduce((sum, part) => sum + part.size, 0);
  if (declaredSize !== undefined && Number(declaredSize) !== size) {
    throw s3Error(
      "InvalidRequest",
      `The provided 'x-amz-mp-object-size' header value ${declaredSize} does not match what was computed: ${size}`,
    );
  }
}

/** The object's checksum the request claimed, if it did, against the one computed (the "-N" aside). */
function checkObjectChecksum(checksum: StoredChecksum, claimed: string | undefined): void {
  if (claimed !== undefined && claimed.replace(/-\d+$/, "") !== checksum.value.replace(/-\d+$/, "")) {
    throw s3Error(
      "BadDigest",
      `The ${checksum.algorithm} you specified for the full object did not match the calculated checksum.`,
    );
  }
}

/** The object the parts make, read from their files in order, with the upload's headers and checksum. */
function joinedObject(
  bucket: string,
  key: string,
  upload: Upload,
  parts: readonly StoredPart[],
  checksum: StoredChecksum,
): S3ObjectInstance {
  const content = Readable.from(
    (async function* () {
      for (const part of parts) yield* createReadStream(part.path, { highWaterMark: 1024 * 1024 });
    })(),
  );
  const object = new (S3Object())(bucket, key, content, upload.headers);
  object.metadata[CHECKSUM_METADATA_KEY] = { ...checksum };
  return object;
}
