/**
 * One resource that keeps the viewer bucket equal to what the viewer serves of a local Chromoscope
 * build (viewer/served-viewer.ts: the build, made self-sufficient, and the project's start-up files):
 * a build holds about 2,900 files (237 MB, mostly sample thumbnails), and one Pulumi resource per file
 * would make every preview diff thousands of resources and the state megabytes large.
 *
 * The viewer's JavaScript sees every link, so the live objects, not a record of the last sync, are
 * what counts: any principal of the account with S3 write could replace `app/assets/*.js`. Every
 * preview and update therefore lists the bucket's `app/` objects and compares each ETag with the MD5
 * of the file it should hold (a single-part upload to an SSE-S3 bucket has its MD5 as ETag, so a
 * listing of about three requests checks every byte). `diff` reports drift as a change, so `pulumi
 * preview` shows it and `pulumi up` restores it: the sync uploads every file whose live ETag differs
 * (or that is missing), deletes every `app/` object the build does not hold, and writes a manifest of
 * the served files last, which the doctor reads to name drifted files (it trusts it only when it adds
 * up to the stack's `viewerFilesDigest` output). The files are written with the deploying credentials
 * (the standard AWS chain: AWS_PROFILE, SSO, environment), as Pulumi's own provider usually is.
 *
 * A dynamic provider runs serialized in Pulumi's provider host, without ts-node: what it calls is
 * captured by value, and the AWS SDK is required inside it.
 */
import * as pulumi from "@pulumi/pulumi";
import { VIEWER_SYNC_MANIFEST_KEY } from "../policy/documents/limits";
import { listingDigest, ServedFile, servedViewer } from "./viewer/served-viewer";
import { VIEWER_KEY_PREFIX, viewerCacheControl, viewerContentType } from "./viewer-site";

export { VIEWER_SYNC_MANIFEST_KEY };

/** The manifest the sync writes: every served file's hashes, and their listingDigest. */
export interface ViewerSyncManifest {
  listingDigest: string;
  files: Record<string, { md5: string; sha256: string }>;
}

export interface ViewerFolderSyncArgs {
  bucket: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** The local build folder (read again when the sync runs). */
  folder: string;
  /** servedViewer(folder).digest: changes exactly when the served files do. */
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

/** What a sync must do to make the live `app/` objects (key → ETag) the served files. Pure. */
export interface ViewerSyncPlan {
  /** Served files missing from the bucket or holding other bytes. */
  upload: ServedFile[];
  /** Of those, the keys that held other bytes (drift, or a file the build changed in place). */
  replaced: string[];
  /** `app/` objects the build does not hold. */
  remove: string[];
}

export function planViewerSync(served: readonly ServedFile[], live: ReadonlyMap<string, string>): ViewerSyncPlan {
  const upload = served.filter((file) => live.get(file.key) !== file.md5);
  const keys = new Set(served.map((file) => file.key));
  return {
    upload,
    replaced: upload.filter((file) => live.has(file.key)).map((file) => file.key),
    remove: [...live.keys()].filter((key) => !keys.has(key)),
  };
}

function s3Client(inputs: SyncInputs) {
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- required where the provider host runs it */
  const s3 = require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3");
  const client = new s3.S3Client({
    region: inputs.region,
    ...(inputs.endpoint ? { endpoint: inputs.endpoint, forcePathStyle: true } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
  });
  return { s3, client };
}

/** The live objects under app/: key → ETag without its quotes. */
export async function liveViewerObjects(inputs: SyncInputs): Promise<Map<string, string>> {
  const { s3, client } = s3Client(inputs);
  try {
    const live = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await client.send(
        new s3.ListObjectsV2Command({ Bucket: inputs.bucket, Prefix: VIEWER_KEY_PREFIX, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) live.set(object.Key, (object.ETag ?? "").replace(/"/g, ""));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return live;
  } finally {
    client.destroy();
  }
}

export interface ViewerSyncResult {
  /** Files the bucket serves after the sync. */
  files: number;
  uploaded: number;
  /** Uploads that replaced other bytes under the same key (drift restored, or a file changed in place). */
  replaced: string[];
  deleted: number;
}

/** Makes the bucket's app/ objects the served files of `inputs.folder` (or, with `remove`, deletes them all). */
export async function syncViewerFolder(inputs: SyncInputs, remove = false): Promise<ViewerSyncResult> {
  const served = remove ? [] : servedViewer(inputs.folder).files;
  const plan = planViewerSync(served, await liveViewerObjects(inputs));
  const { s3, client } = s3Client(inputs);
  try {
    const queue = [...plan.upload];
    const worker = async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        await client.send(
          new s3.PutObjectCommand({
            Bucket: inputs.bucket,
            Key: file.key,
            Body: file.read(),
            // S3 refuses the upload if the bytes arrive other than hashed, and lists this MD5 as the ETag.
            ContentMD5: Buffer.from(file.md5, "hex").toString("base64"),
            ContentType: viewerContentType(file.key),
            CacheControl: viewerCacheControl(file.key),
            Metadata: { sha256: file.sha256 },
          }),
        );
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const gone = remove ? [...plan.remove, VIEWER_SYNC_MANIFEST_KEY] : plan.remove;
    for (let start = 0; start < gone.length; start += 1000) {
      const Objects = gone.slice(start, start + 1000).map((Key) => ({ Key }));
      await client.send(new s3.DeleteObjectsCommand({ Bucket: inputs.bucket, Delete: { Objects, Quiet: true } }));
    }
    if (!remove) {
      const manifest: ViewerSyncManifest = {
        listingDigest: listingDigest(served),
        files: Object.fromEntries(served.map((file) => [file.key, { md5: file.md5, sha256: file.sha256 }])),
      };
      await client.send(
        new s3.PutObjectCommand({
          Bucket: inputs.bucket,
          Key: VIEWER_SYNC_MANIFEST_KEY,
          Body: JSON.stringify(manifest),
          ContentType: "application/json",
        }),
      );
    }
    return { files: served.length, uploaded: plan.upload.length, replaced: plan.replaced, deleted: plan.remove.length };
  } finally {
    client.destroy();
  }
}

/** Keys of served files the bucket lacks or holds other bytes for, and app/ objects it should not hold. */
export async function viewerDrift(inputs: SyncInputs): Promise<string[]> {
  const plan = planViewerSync(servedViewer(inputs.folder).files, await liveViewerObjects(inputs));
  return [...plan.upload.map((file) => file.key), ...plan.remove];
}

export const viewerFolderSyncProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id, olds: SyncInputs, news: SyncInputs) {
    if (olds.bucket !== news.bucket) return { changes: true, replaces: ["bucket"] };
    if (olds.digest !== news.digest) return { changes: true, replaces: [] };
    // The build is unchanged: the live objects must still be it (nobody replaced a script in between).
    let drift: string[];
    try {
      drift = await viewerDrift(news);
    } catch (error) {
      throw new Error(
        `checking the viewer bucket ${news.bucket} against the build failed (${String(error)}): ` +
          "the deploying credentials need s3:ListBucket on it",
        { cause: error },
      );
    }
    return { changes: drift.length > 0, replaces: [] };
  },
  async create(inputs: SyncInputs) {
    const result = await syncViewerFolder(inputs);
    return { id: `${inputs.bucket}/app/`, outs: { ...inputs, files: result.files } };
  },
  async update(_id, _olds: SyncInputs, news: SyncInputs) {
    const result = await syncViewerFolder(news);
    return { outs: { ...news, files: result.files } };
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
