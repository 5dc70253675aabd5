/**
 * Where the embedded server keeps an object's checksum: in the object's metadata file, under a key
 * no request header can have (`:checksum`), so it is written with the object (before the object is
 * renamed into place), copied with it, and never comes from what a client claims. Objects stored
 * before the server kept checksums have none, as objects S3 stored before it computed them.
 */
import { createReadStream } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import {
  ChecksumAlgorithm,
  checksumField,
  checksumHeader,
  checksummer,
  ChecksumType,
  isChecksumAlgorithm,
} from "../../s3/checksums";
import type { FilesystemStore, S3Context } from "./s3rver-internals";

/** The metadata key (patched s3rver keeps it when it writes metadata). */
export const CHECKSUM_METADATA_KEY = ":checksum";

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64; a COMPOSITE value ends in `-<parts>`. */
  value: string;
  type: ChecksumType;
}

const metadataPath = (store: FilesystemStore, bucket: string, key: string) =>
  store.getResourcePath(bucket, key, "metadata.json");

async function readMetadata(store: FilesystemStore, bucket: string, key: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(metadataPath(store, bucket, key), "utf8")) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
}

function asStoredChecksum(value: unknown): StoredChecksum | undefined {
  const record = value as Partial<StoredChecksum> | undefined;
  return record && isChecksumAlgorithm(record.algorithm) && typeof record.value === "string"
    ? {
        algorithm: record.algorithm,
        value: record.value,
        type: record.type === "COMPOSITE" ? "COMPOSITE" : "FULL_OBJECT",
      }
    : undefined;
}

export async function storedChecksum(store: FilesystemStore, bucket: string, key: string) {
  return asStoredChecksum((await readMetadata(store, bucket, key))[CHECKSUM_METADATA_KEY]);
}

/** Replaces an existing object's checksum (after a copy), the metadata file renamed into place. */
export async function storeChecksum(store: FilesystemStore, bucket: string, key: string, checksum: StoredChecksum) {
  const metadata = { ...(await readMetadata(store, bucket, key)), [CHECKSUM_METADATA_KEY]: checksum };
  const path = metadataPath(store, bucket, key);
  await writeFile(`${path}.checksum.tmp`, JSON.stringify(metadata, null, 2));
  await rename(`${path}.checksum.tmp`, path);
}

/** An object file's checksum, read from disk (copies asked for another algorithm). */
export async function fileChecksum(path: string, algorithm: ChecksumAlgorithm): Promise<string> {
  const sum = checksummer(algorithm);
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) sum.update(chunk as Buffer);
  return sum.digest().toString("base64");
}

/** Response headers for a checksum (PutObject, UploadPart, HeadObject/GetObject with ChecksumMode). */
export function setChecksumHeaders(
  ctx: S3Context,
  checksum: Pick<StoredChecksum, "algorithm" | "value"> & { type?: ChecksumType },
) {
  ctx.set(checksumHeader(checksum.algorithm), checksum.value);
  if (checksum.type !== undefined) ctx.set("x-amz-checksum-type", checksum.type);
}

/** XML fields for a checksum (CompleteMultipartUpload, CopyObject, UploadPartCopy results, ListParts). */
export function checksumFields(checksum: Pick<StoredChecksum, "algorithm" | "value"> & { type?: ChecksumType }) {
  return {
    [checksumField(checksum.algorithm)]: checksum.value,
    ...(checksum.type !== undefined ? { ChecksumType: checksum.type } : {}),
  };
}
