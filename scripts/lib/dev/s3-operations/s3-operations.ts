/**
 * The operations the embedded server runs itself rather than through s3rver's own handlers: every
 * upload (PutObject, UploadPart, CompleteMultipartUpload) with S3's checksums and aws-chunked
 * bodies, the multipart operations s3rver lacks (ListMultipartUploads, ListParts,
 * AbortMultipartUpload), and checksums on copies and reads. The patched s3rver calls this once a
 * request's signature has been verified; anything not named here goes on to s3rver's router.
 */
import { copyObject, putObject, readObject } from "./object-operations";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from "./multipart-operations";
import { Next, S3Context, s3Error } from "./s3rver-internals";

/** Object sub-resources s3rver answers itself (tagging, acl, …): a request naming one goes on. */
const OTHER_SUBRESOURCES = ["acl", "tagging", "legal-hold", "retention", "torrent", "select", "restore", "attributes"];

/** The bucket and key of a path-style request (`/bucket/some/key`), decoded. */
function target(path: string): { bucket?: string; key?: string } {
  const [, bucket = "", ...rest] = path.split("/");
  if (bucket === "") return {};
  const key = rest.join("/");
  return { bucket: decodeURIComponent(bucket), key: key === "" ? undefined : decodeURIComponent(key) };
}

export async function s3Operations(ctx: S3Context, next: Next): Promise<void> {
  const { bucket, key } = target(ctx.path);
  const query = ctx.query;
  if (bucket === undefined || OTHER_SUBRESOURCES.some((name) => name in query)) return next();
  const method = ctx.method;
  if (key === undefined) {
    if (method === "GET" && "uploads" in query) {
      await bucketMustExist(ctx, bucket);
      return listMultipartUploads(ctx, bucket);
    }
    return next();
  }
  const copy = ctx.headers["x-amz-copy-source"] !== undefined;
  const multipart = "uploadId" in query;
  if (method === "PUT" || method === "POST" || (method === "GET" && multipart) || (method === "DELETE" && multipart)) {
    await bucketMustExist(ctx, bucket);
  }
  switch (method) {
    case "PUT":
      if (multipart) return copy ? uploadPartCopy(ctx, bucket, key, next) : uploadPart(ctx, bucket, key);
      return copy ? copyObject(ctx, bucket, key, next) : putObject(ctx, bucket, key);
    case "POST":
      if ("uploads" in query) return createMultipartUpload(ctx, next);
      if (multipart) return completeMultipartUpload(ctx, bucket, key);
      return next();
    case "GET":
      if (multipart) return listParts(ctx, bucket, key);
      return readObject(ctx, bucket, key, next);
    case "HEAD":
      return readObject(ctx, bucket, key, next);
    case "DELETE":
      if (multipart) return abortMultipartUpload(ctx, bucket, key);
      return next();
  }
  return next();
}

async function bucketMustExist(ctx: S3Context, bucket: string): Promise<void> {
  if (!(await ctx.store.getBucket(bucket))) {
    throw s3Error("NoSuchBucket", "The specified bucket does not exist", { BucketName: bucket });
  }
}
