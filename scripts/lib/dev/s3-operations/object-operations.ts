/**
 * PutObject, CopyObject and reads (GetObject, HeadObject) with S3's checksums: a PUT stores the
 * checksum it was sent (validated) or, like S3 for an upload without one, CRC-64/NVME of its bytes;
 * a copy keeps the source's checksum unless asked for another algorithm, and honours the conditions
 * on its source's ETag; a read returns the checksum only when asked (`x-amz-checksum-mode: ENABLED`)
 * and only for the whole object.
 */
import { ChecksumAlgorithm } from "../../s3/checksums";
import { checkedBody, namedAlgorithm, requestedChecksum } from "./request-checksums";
import { header, Next, S3Context, s3Error, S3Object } from "./s3rver-internals";
import {
  CHECKSUM_METADATA_KEY,
  checksumFields,
  fileChecksum,
  setChecksumHeaders,
  storeChecksum,
  storedChecksum,
  StoredChecksum,
} from "./stored-checksums";

/** S3's checksum for objects uploaded without one. */
export const DEFAULT_ALGORITHM: ChecksumAlgorithm = "CRC64NVME";

/** The request headers an object keeps, without the transfer's own `aws-chunked` coding. */
export function objectHeaders(ctx: S3Context): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...ctx.headers };
  const encoding = header(ctx, "content-encoding");
  if (encoding !== undefined) {
    const kept = encoding
      .split(",")
      .map((coding) => coding.trim())
      .filter((coding) => coding !== "" && coding.toLowerCase() !== "aws-chunked");
    if (kept.length > 0) headers["content-encoding"] = kept.join(",");
    else delete headers["content-encoding"];
  }
  return headers;
}

export async function putObject(ctx: S3Context, bucket: string, key: string): Promise<void> {
  const requested = requestedChecksum(ctx);
  const algorithm = requested?.algorithm ?? DEFAULT_ALGORITHM;
  const { body, tap } = checkedBody(ctx, [algorithm], requested);
  const object = new (S3Object())(bucket, key, body, objectHeaders(ctx));
  let checksum: StoredChecksum | undefined;
  // The checksum is known (and checked) when the body ends, before the store writes the metadata.
  tap.once("end", () => {
    checksum = { algorithm, value: tap.values.get(algorithm)!, type: "FULL_OBJECT" };
    object.metadata[CHECKSUM_METADATA_KEY] = { ...checksum };
  });
  const { md5 } = await ctx.store.putObject(object);
  ctx.set("ETag", JSON.stringify(md5));
  setChecksumHeaders(ctx, checksum!);
  ctx.body = "";
}

/** The bucket and key an `x-amz-copy-source` names (`bucket/key`, URL-encoded, maybe `?versionId=`). */
export function copySource(ctx: S3Context): { bucket: string; key: string } {
  const source = decodeURIComponent((header(ctx, "x-amz-copy-source") ?? "").split("?")[0]).replace(/^\//, "");
  const slash = source.indexOf("/");
  return { bucket: source.slice(0, slash), key: source.slice(slash + 1) };
}

/**
 * A copy (CopyObject, UploadPartCopy) goes ahead only while its source is what the caller saw:
 * `x-amz-copy-source-if-match` must name the source's ETag, `x-amz-copy-source-if-none-match` must
 * not (S3: 412 PreconditionFailed). A missing source is left to s3rver's NoSuchKey.
 */
export async function checkCopySourceConditions(ctx: S3Context, source: { bucket: string; key: string }) {
  const ifMatch = header(ctx, "x-amz-copy-source-if-match");
  const ifNoneMatch = header(ctx, "x-amz-copy-source-if-none-match");
  if (ifMatch === undefined && ifNoneMatch === undefined) return;
  let etag: string;
  try {
    etag = (await ctx.store.getMetadata(source.bucket, source.key)).etag.replace(/"/g, "");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const names = (list: string) =>
    list
      .split(",")
      .map((tag) => tag.trim().replace(/"/g, ""))
      .some((tag) => tag === "*" || tag === etag);
  const failed =
    ifMatch !== undefined && !names(ifMatch)
      ? "x-amz-copy-source-If-Match"
      : ifNoneMatch !== undefined && names(ifNoneMatch)
        ? "x-amz-copy-source-If-None-Match"
        : undefined;
  if (failed !== undefined) {
    throw s3Error("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", {
      Condition: failed,
    });
  }
}

export async function copyObject(ctx: S3Context, bucket: string, key: string, next: Next): Promise<void> {
  const source = copySource(ctx);
  await checkCopySourceConditions(ctx, source);
  const requested = namedAlgorithm(ctx, "x-amz-checksum-algorithm");
  const sourceChecksum = await storedChecksum(ctx.store, source.bucket, source.key);
  await next();
  const algorithm = requested ?? (sourceChecksum ? undefined : DEFAULT_ALGORITHM);
  const checksum: StoredChecksum =
    algorithm === undefined
      ? sourceChecksum!
      : {
          algorithm,
          value: await fileChecksum(ctx.store.getResourcePath(bucket, key, "object"), algorithm),
          type: "FULL_OBJECT",
        };
  await storeChecksum(ctx.store, bucket, key, checksum);
  const result = ctx.body as { CopyObjectResult?: Record<string, unknown> };
  if (result.CopyObjectResult) Object.assign(result.CopyObjectResult, checksumFields(checksum));
}

export async function readObject(ctx: S3Context, bucket: string, key: string, next: Next): Promise<void> {
  await next();
  const enabled = header(ctx, "x-amz-checksum-mode")?.toUpperCase() === "ENABLED";
  const whole = ctx.status === 200 && header(ctx, "range") === undefined && ctx.query.partNumber === undefined;
  if (!enabled || !whole) return;
  const checksum = await storedChecksum(ctx.store, bucket, key);
  if (checksum) setChecksumHeaders(ctx, checksum);
}
