/**
 * upload-cohort's one library call: a cohort's files into the bucket under a prefix, from a local
 * folder (uploaded, resumable) or from another bucket's prefix (copied server-side, nothing
 * downloaded), with the keys it wrote for the manifest.
 */
import { createS3Client, S3ConnectionOptions, s3ObjectStore } from "../s3/object-store";
import { bucketLocation, copyFromBucket } from "./bucket-copy";
import { FolderUploadOptions, FolderUploadResult, uploadFolder } from "./folder-upload";
import { LocalFile } from "./local-folder";

export type TransferSource =
  | { kind: "folder"; files: readonly LocalFile[] }
  | { kind: "bucket"; place: NonNullable<ReturnType<typeof bucketLocation>> };

export type TransferResult = FolderUploadResult & { keys: string[] };

export async function transferCohort(
  source: TransferSource,
  into: { bucket: string; prefix: string },
  connection: S3ConnectionOptions,
  options: FolderUploadOptions,
): Promise<TransferResult> {
  const { bucket, prefix } = into;
  const client = createS3Client(connection);
  const target = { client, store: s3ObjectStore(client, bucket, connection.callTimeoutMs), bucket };
  if (source.kind === "folder") {
    try {
      const uploaded = await uploadFolder(source.files, prefix, target, options);
      return { ...uploaded, keys: source.files.map((file) => prefix + file.relativeKey) };
    } finally {
      client.destroy();
    }
  }
  // A bucket in another region answers with a redirect the SDK follows.
  const sourceClient = createS3Client({ ...connection, followRegionRedirects: true });
  const from = {
    client: sourceClient,
    store: s3ObjectStore(sourceClient, source.place.bucket, connection.callTimeoutMs),
    ...source.place,
  };
  try {
    return await copyFromBucket(from, prefix, target, options);
  } finally {
    client.destroy();
    sourceClient.destroy();
  }
}
