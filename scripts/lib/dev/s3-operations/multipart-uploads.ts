/**
 * A multipart upload as s3rver stores it, in `<bucket>/._S3rver_uploads/<id>/`: `key`, `metadata`
 * (the create request's headers), each part, its `.md5` and its `.checksum.json` (the part's
 * checksums by algorithm). The operations (multipart-operations.ts) read an upload and its parts here.
 */
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ChecksumAlgorithm, ChecksumType } from "../../s3/checksums";
import { DEFAULT_ALGORITHM } from "./object-operations";
import { S3Context, s3Error } from "./s3rver-internals";
import { fileChecksum } from "./stored-checksums";

export interface Upload {
  id: string;
  key: string;
  directory: string;
  headers: Record<string, string>;
  initiated: Date;
  /** The algorithm the create request named, if any, and how the object's checksum will be made. */
  algorithm?: ChecksumAlgorithm;
  type: ChecksumType;
}

export interface StoredPart {
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

export const uploadsDirectory = (ctx: S3Context, bucket: string) =>
  ctx.store.getResourcePath(bucket, undefined, "uploads");

/** The checksum type of an upload: what it asked for, else S3's default for the algorithm. */
export function checksumType(algorithm: ChecksumAlgorithm | undefined, asked: string | undefined): ChecksumType {
  if (asked !== undefined) return asked.toUpperCase() === "COMPOSITE" ? "COMPOSITE" : "FULL_OBJECT";
  return algorithm === undefined || algorithm === "CRC64NVME" ? "FULL_OBJECT" : "COMPOSITE";
}

export async function readUpload(ctx: S3Context, bucket: string, id: string | undefined): Promise<Upload> {
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
export const partAlgorithm = (upload: Upload): ChecksumAlgorithm => upload.algorithm ?? DEFAULT_ALGORITHM;

export async function storedParts(upload: Upload): Promise<StoredPart[]> {
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
export async function partChecksum(upload: Upload, part: StoredPart): Promise<string> {
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

const uploadId = (ctx: S3Context) => (typeof ctx.query.uploadId === "string" ? ctx.query.uploadId : undefined);

/** The upload the request's `uploadId` names, if it is one of `key`'s. */
export async function uploadFor(ctx: S3Context, bucket: string, key: string): Promise<Upload> {
  const upload = await readUpload(ctx, bucket, uploadId(ctx));
  if (upload.key !== key) throw noSuchUpload(upload.id);
  return upload;
}
