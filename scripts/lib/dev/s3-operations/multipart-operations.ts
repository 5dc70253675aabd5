/**
 * Multipart uploads as S3 runs them: listed while in progress (ListMultipartUploads, ListParts, each
 * part with its checksum), aborted with every stored part (AbortMultipartUpload), and completed into
 * an object whose checksum S3's way: FULL_OBJECT (the CRC of every byte, combined from the parts'
 * CRCs) for CRC-64/NVME, for uploads that named no algorithm, and for CRC32/CRC32C when asked;
 * COMPOSITE (the checksum of the parts' checksums, then "-N") for SHA-1/SHA-256 and by default for
 * CRC32/CRC32C. An upload lives in `<bucket>/._S3rver_uploads/<id>/` (s3rver's layout): `key`,
 * `metadata` (the create request's headers), each part, its `.md5` and its `.checksum.json`.
 */
import { createReadStream } from "node:fs";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  ChecksumAlgorithm,
  checksumField,
  checksumHeader,
  ChecksumType,
  checksummer,
  combineCrc,
  emptyCrc,
  isCrc,
} from "../../s3/checksums";
import { checkCopySourceConditions, copySource, DEFAULT_ALGORITHM } from "./object-operations";
import { checkedBody, namedAlgorithm, requestedChecksum } from "./request-checksums";
import { header, Next, S3Context, s3Error, S3Object, xmlBody } from "./s3rver-internals";
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

interface Upload {
  id: string;
  key: string;
  directory: string;
  headers: Record<string, string>;
  initiated: Date;
  /** The algorithm the create request named, if any, and how the object's checksum will be made. */
  algorithm?: ChecksumAlgorithm;
  type: ChecksumType;
}

interface StoredPart {
  number: number;
  size: number;
  etag: string;
  lastModified: Date;
  path: string;
}

const noSuchUpload = (id: string) =>
  s3Error(
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    { UploadId: id },
  );

const uploadsDirectory = (ctx: S3Context, bucket: string) => ctx.store.getResourcePath(bucket, undefined, "uploads");

/** The checksum type of an upload: what it asked for, else S3's default for the algorithm. */
function checksumType(algorithm: ChecksumAlgorithm | undefined, asked: string | undefined): ChecksumType {
  if (asked !== undefined) return asked.toUpperCase() === "COMPOSITE" ? "COMPOSITE" : "FULL_OBJECT";
  return algorithm === undefined || algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
}

async function readUpload(ctx: S3Context, bucket: string, id: string | undefined): Promise<Upload> {
  // Upload ids are s3rver's 32 hex digits: anything else names no upload (and no other folder).
  if (id === undefined || !/^[0-9a-f]{32}$/.test(id)) throw noSuchUpload(String(id));
  const directory = join(uploadsDirectory(ctx, bucket), id);
  try {
    const [key, headers, folder] = await Promise.all([
      readFile(join(directory, "key"), "utf8"),
      readFile(join(directory, "metadata"), "utf8").then((text) => JSON.parse(text) as Record<string, string>),
      stat(directory),
    ]);
    const named = headers["x-amz-checksum-algorithm"]?.toUpperCase() as ChecksumAlgorithm | undefined;
    return {
      id,
      key,
      directory,
      headers,
      initiated: folder.birthtime.getTime() > 0 ? folder.birthtime : folder.mtime,
      algorithm: named,
      type: checksumType(named, headers["x-amz-checksum-type"]),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw noSuchUpload(id);
    throw error;
  }
}

/** The algorithm every part of an upload is checksummed with (S3's default when it named none). */
const partAlgorithm = (upload: Upload): ChecksumAlgorithm => upload.algorithm ?? DEFAULT_ALGORITHM;

async function storedParts(upload: Upload): Promise<StoredPart[]> {
  const names = (await readdir(upload.directory)).filter((name) => /^\d+$/.test(name));
  const parts = await Promise.all(
    names.map(async (name) => {
      const path = join(upload.directory, name);
      const [info, md5] = await Promise.all([stat(path), readFile(`${path}.md5`, "utf8").catch(() => "")]);
      return { number: Number(name), size: info.size, etag: md5, lastModified: info.mtime, path };
    }),
  );
  return parts.filter((part) => part.etag !== "").sort((a, b) => a.number - b.number);
}

/** A part's checksum in the upload's algorithm: from its side file, or read from the part if that is missing. */
async function partChecksum(upload: Upload, part: StoredPart): Promise<string> {
  const algorithm = partAlgorithm(upload);
  try {
    const values = JSON.parse(await readFile(`${part.path}.checksum.json`, "utf8")) as Record<string, string>;
    if (values[algorithm] !== undefined) return values[algorithm];
  } catch {
    // missing (the server stopped between the part and its side file): computed below
  }
  const value = await fileChecksum(part.path, algorithm);
  await writeFile(`${part.path}.checksum.json`, JSON.stringify({ [algorithm]: value }));
  return value;
}

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

const uploadId = (ctx: S3Context) => (typeof ctx.query.uploadId === "string" ? ctx.query.uploadId : undefined);

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

async function uploadFor(ctx: S3Context, bucket: string, key: string): Promise<Upload> {
  const upload = await readUpload(ctx, bucket, uploadId(ctx));
  if (upload.key !== key) throw noSuchUpload(upload.id);
  return upload;
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

// eslint-disable-next-line max-lines-per-function -- too long still: to be split
export async function completeMultipartUpload(ctx: S3Context, bucket: string, key: string): Promise<void> {
  const upload = await uploadFor(ctx, bucket, key);
  const document = (await xmlBody(ctx)) as { CompleteMultipartUpload?: { Part?: RequestedPart | RequestedPart[] } };
  const requested = ([] as RequestedPart[]).concat(document.CompleteMultipartUpload?.Part ?? []);
  if (requested.length === 0) {
    throw s3Error(
      "MalformedXML",
      "The XML you provided was not well-formed or did not validate against our published schema.",
    );
  }
  const stored = new Map((await storedParts(upload)).map((part) => [part.number, part]));
  const algorithm = partAlgorithm(upload);
  const parts: Array<StoredPart & { checksum: string }> = [];
  for (const [index, entry] of requested.entries()) {
    const number = Number(entry.PartNumber);
    if (index > 0 && number <= parts[index - 1].number) {
      throw s3Error(
        "InvalidPartOrder",
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
      );
    }
    const part = stored.get(number);
    const sent = entry[checksumField(algorithm)];
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
    parts.push({ ...part, checksum });
  }
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
  const declaredSize = header(ctx, "x-amz-mp-object-size");
  if (declaredSize !== undefined && Number(declaredSize) !== size) {
    throw s3Error(
      "InvalidRequest",
      `The provided 'x-amz-mp-object-size' header value ${declaredSize} does not match what was computed: ${size}`,
    );
  }
  const checksum = objectChecksum(upload, parts);
  const claimed = header(ctx, checksumHeader(algorithm));
  if (claimed !== undefined && claimed.replace(/-\d+$/, "") !== checksum.value.replace(/-\d+$/, "")) {
    throw s3Error(
      "BadDigest",
      `The ${algorithm} you specified for the full object did not match the calculated checksum.`,
    );
  }
  const content = Readable.from(
    (async function* () {
      for (const part of parts) yield* createReadStream(part.path, { highWaterMark: 1024 * 1024 });
    })(),
  );
  const object = new (S3Object())(bucket, key, content, upload.headers);
  object.metadata[CHECKSUM_METADATA_KEY] = { ...checksum };
  const { md5 } = await ctx.store.putObject(object);
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
