/**
 * One resource that keeps the viewer bucket equal to what the viewer serves of a local Chromoscope
 * build (viewer/served-viewer.ts: the build, made self-sufficient, and the project's start-up files):
 * a build holds about 2,900 files (237 MB, mostly sample thumbnails), and one Pulumi resource per file
 * would make every preview diff thousands of resources and the state megabytes large. This resource's
 * only inputs are the bucket and the digest of the served files' hashes, so `pulumi preview` hashes
 * the folder (about a second) and shows one change when anything served changed. `pulumi up`
 * then uploads the files whose hash differs from the manifest stored with the last sync, deletes the
 * files that are gone, and stores the new manifest last (an interrupted sync is redone in full next
 * time). The files are written with the deploying credentials (the standard AWS chain: AWS_PROFILE,
 * SSO, environment), as Pulumi's own provider usually is.
 *
 * A dynamic provider runs serialized in Pulumi's provider host, without ts-node: what it calls is
 * captured by value, and the AWS SDK is required inside it.
 */
import * as pulumi from "@pulumi/pulumi";
import { servedViewer } from "./viewer/served-viewer";
import { viewerCacheControl, viewerContentType } from "./viewer-site";

/** Where the last sync's manifest is kept: outside app/, so CloudFront never serves it. */
export const VIEWER_SYNC_MANIFEST_KEY = ".viewer-sync/manifest.json";

export interface ViewerFolderSyncArgs {
  bucket: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** The local build folder (read again when the sync runs). */
  folder: string;
  /** servedViewer(folder).digest: the only thing a preview compares. */
  digest: string;
  /** An S3-compatible endpoint instead of AWS (tests). */
  endpoint?: string;
}

interface SyncInputs {
  bucket: string;
  region: string;
  folder: string;
  digest: string;
  endpoint?: string;
}

/** Makes the bucket's app/ files those served of `inputs.folder` (or, with `remove`, deletes them all). */
export async function syncViewerFolder(inputs: SyncInputs, remove = false): Promise<number> {
  /* eslint-disable @typescript-eslint/no-require-imports -- required where the provider host runs it */
  const s3 = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const client = new s3.S3Client({
    region: inputs.region,
    ...(inputs.endpoint ? { endpoint: inputs.endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  try {
    let previous: Record<string, string> = {};
    try {
      const stored = await client.send(
        new s3.GetObjectCommand({ Bucket: inputs.bucket, Key: VIEWER_SYNC_MANIFEST_KEY }),
      );
      previous = JSON.parse(await stored.Body!.transformToString()) as Record<string, string>;
    } catch (error) {
      if ((error as { name?: string }).name !== "NoSuchKey") throw error;
    }
    const manifest = remove ? { files: [], digest: "" } : servedViewer(inputs.folder);
    const next = Object.fromEntries(manifest.files.map((file) => [file.key, file.sha256]));
    const changed = manifest.files.filter((file) => previous[file.key] !== file.sha256);
    const queue = [...changed];
    const worker = async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        await client.send(
          new s3.PutObjectCommand({
            Bucket: inputs.bucket,
            Key: file.key,
            Body: file.read(),
            ContentType: viewerContentType(file.key),
            CacheControl: viewerCacheControl(file.key),
            Metadata: { sha256: file.sha256 },
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const gone = Object.keys(previous).filter((key) => !(key in next));
    if (remove) gone.push(VIEWER_SYNC_MANIFEST_KEY);
    for (let start = 0; start < gone.length; start += 1000) {
      const Objects = gone.slice(start, start + 1000).map((Key) => ({ Key }));
      await client.send(new s3.DeleteObjectsCommand({ Bucket: inputs.bucket, Delete: { Objects, Quiet: true } }));
    }
    if (!remove) {
      await client.send(
        new s3.PutObjectCommand({
          Bucket: inputs.bucket,
          Key: VIEWER_SYNC_MANIFEST_KEY,
          Body: JSON.stringify(next),
          ContentType: "application/json",
        }),
      );
    }
    return manifest.files.length;
  } finally {
    client.destroy();
  }
}

export const viewerFolderSyncProvider: pulumi.dynamic.ResourceProvider = {
  diff(_id, olds: SyncInputs, news: SyncInputs) {
    const replaces = olds.bucket !== news.bucket ? ["bucket"] : [];
    return Promise.resolve({ changes: olds.digest !== news.digest || replaces.length > 0, replaces });
  },
  async create(inputs: SyncInputs) {
    return { id: `${inputs.bucket}/app/`, outs: { ...inputs, files: await syncViewerFolder(inputs) } };
  },
  async update(_id, _olds: SyncInputs, news: SyncInputs) {
    return { outs: { ...news, files: await syncViewerFolder(news) } };
  },
  async delete(_id, props: SyncInputs) {
    await syncViewerFolder(props, true);
  },
};

export class ViewerFolderSync extends pulumi.dynamic.Resource {
  /** Files in the bucket after the sync. */
  declare readonly files: pulumi.Output<number>;
  declare readonly digest: pulumi.Output<string>;

  constructor(name: string, args: ViewerFolderSyncArgs, opts?: pulumi.CustomResourceOptions) {
    super(viewerFolderSyncProvider, name, { ...args, files: undefined }, opts);
  }
}
