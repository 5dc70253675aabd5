/**
 * Check: the self-hosted viewer's bucket holds exactly the deployed build. The viewer's JavaScript
 * sees every link, and any principal of the account with S3 write could replace it. A listing of
 * app/ (each ETag is its object's MD5) must add up to the stack's `viewerFilesDigest` output, which
 * lives in the Pulumi state, out of reach of an S3 write. The sync's manifest, which does sit in the
 * bucket, only names the drifted files, and only when it adds up to that same digest.
 */
import { listingDigest } from "../../../../components/viewer/served-viewer";
import { VIEWER_KEY_PREFIX, VIEWER_SYNC_MANIFEST_KEY } from "../../../../policy/documents/limits";
import { plural } from "../../text-format";
import { s3Sdk } from "../../s3/sdk-modules";
import { Finding } from "../doctor-model";
import { failedRead, Probe } from "../probe";

/** Drifted files named in the report before "and N more". */
const NAMED_FILES = 5;

export const VIEWER_DRIFT_FIX =
  "run `pulumi up`: it restores the build's files. The viewer's JavaScript sees every link: find who wrote " +
  "them (CloudTrail data events, the viewer bucket's access logs under access-logs/viewer/) before sharing again";

/** The finding, or undefined for a stack without a self-hosted viewer (the check does not apply). */
export async function viewerFilesFinding(probe: Probe): Promise<Finding | undefined> {
  const { viewerBucketName: bucket, viewerFilesDigest: expected } = probe.outputs;
  if (bucket === undefined) return undefined;
  if (expected === undefined) {
    return {
      status: "warn",
      detail: `the stack records no digest of the viewer's files (deployed before it did), so ${bucket} cannot be checked`,
      fix: "run `pulumi up`, which checks the live files against the build, restores any drift and records the digest",
    };
  }
  const live = new Map<string, string>();
  try {
    let token: string | undefined;
    do {
      const page = await probe.s3.send(
        new (s3Sdk().ListObjectsV2Command)({ Bucket: bucket, Prefix: VIEWER_KEY_PREFIX, ContinuationToken: token }),
        probe.call(),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) live.set(object.Key, (object.ETag ?? "").replace(/"/g, ""));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  } catch (error) {
    return failedRead(probe, error, "s3:ListBucket", `arn:aws:s3:::${bucket}`);
  }
  const files = plural(live.size, "file");
  if (listingDigest([...live].map(([key, md5]) => ({ key, md5 }))) === expected) {
    return {
      status: "pass",
      detail: `${files} under ${VIEWER_KEY_PREFIX} of ${bucket} hold the deployed build (each ETag is the served file's MD5)`,
    };
  }
  const named = await namedDrift(probe, bucket, expected, live);
  return {
    status: "fail",
    detail:
      named ??
      `the files under ${VIEWER_KEY_PREFIX} of ${bucket} are not the deployed build (${files} listed); the sync's manifest is missing or altered too, so the changed files cannot be named`,
    fix: VIEWER_DRIFT_FIX,
  };
}

/** "2 files differ from the deployed build: app/x.js (changed), ..." from an authentic manifest, else undefined. */
async function namedDrift(
  probe: Probe,
  bucket: string,
  expected: string,
  live: ReadonlyMap<string, string>,
): Promise<string | undefined> {
  let files: Record<string, { md5?: unknown }>;
  try {
    const answer = await probe.s3.send(
      new (s3Sdk().GetObjectCommand)({ Bucket: bucket, Key: VIEWER_SYNC_MANIFEST_KEY }),
      probe.call(),
    );
    const manifest = JSON.parse((await answer.Body?.transformToString()) ?? "") as { files?: unknown };
    if (typeof manifest.files !== "object" || manifest.files === null) return undefined;
    files = manifest.files as Record<string, { md5?: unknown }>;
  } catch {
    return undefined;
  }
  const built = Object.entries(files).map(([key, entry]) => ({ key, md5: String(entry?.md5) }));
  if (listingDigest(built) !== expected) return undefined;
  const drift = [
    ...built
      .filter((file) => live.get(file.key) !== file.md5)
      .map((file) => `${file.key} (${live.has(file.key) ? "changed" : "missing"})`),
    ...[...live.keys()].filter((key) => !(key in files)).map((key) => `${key} (not in the build)`),
  ].sort();
  const shown = drift.slice(0, NAMED_FILES).join(", ");
  const more = drift.length > NAMED_FILES ? `, and ${drift.length - NAMED_FILES} more` : "";
  const verb = drift.length === 1 ? "differs" : "differ";
  return `${plural(drift.length, "file")} of ${bucket} ${verb} from the deployed build: ${shown}${more}`;
}
