/**
 * Publishing in sign-in mode (stack output `access: "sign-in"`): the config names every file by its
 * absolute URL on the viewer's origin (no signature, no expiry: the person's CloudFront cookies open
 * them), the cohort's data files must share one folder of their own (a cookie opens one path
 * prefix), and the link is the cohort's stable `/open/<cohort folder>` address.
 */
import { UsageError, ValidationError } from "../errors";
import { cohortSlug, keyUrlPath, printable } from "../naming";
import { fileEntries, LocatedSample } from "../cohort/samples";
import { StackOutputs } from "../../../components/stack-outputs";
import { foldLedger, Publication } from "../ledger/fold";
import { readLedger } from "../ledger/ledger";
import { ObjectStore } from "../s3/object-store";
import { plural } from "../text-format";

export function isSignInStack(outputs: Pick<StackOutputs, "access">): boolean {
  return outputs.access === "sign-in";
}

/** The origin people open (scheme, host, port of the stack's viewer). */
export function viewerOriginOf(outputs: Pick<StackOutputs, "viewerUrl">): string {
  return new URL(outputs.viewerUrl).origin;
}

/** A file's address in a sign-in config: absolute (relative URLs do not resolve inside Gosling's workers). */
export function signInFileUrl(viewerOrigin: string, key: string): string {
  return `${viewerOrigin}${keyUrlPath(key)}`;
}

/** The cohort's stable link (or one sample's): it holds no key and never expires. */
export function signInLink(viewerOrigin: string, cohort: string, sampleId?: string): string {
  const link = `${viewerOrigin}/open/${cohortSlug(cohort)}`;
  return sampleId === undefined ? link : `${link}?sample=${encodeURIComponent(sampleId)}`;
}

function longestCommonFolder(keys: readonly string[]): string {
  let common = keys[0] ?? "";
  for (const key of keys) while (!key.startsWith(common)) common = common.slice(0, -1);
  return common.slice(0, common.lastIndexOf("/") + 1);
}

/** The folder below the data prefix each key sits in ("" for a key right under the prefix). */
function topFolder(key: string, dataPrefixes: readonly string[]): string {
  const prefix = dataPrefixes.find((candidate) => key.startsWith(candidate)) ?? "";
  const rest = key.slice(prefix.length);
  return rest.includes("/") ? `${prefix}${rest.slice(0, rest.indexOf("/") + 1)}` : prefix;
}

/**
 * The one folder holding every data file of the cohort, strictly inside a data prefix; or a
 * ValidationError naming the files by the folders they are in.
 */
export function signInDataFolder(samples: readonly LocatedSample[], dataPrefixes: readonly string[]): string {
  const keys = samples.flatMap(({ sample }) => fileEntries(sample).map(([, key]) => key));
  const folder = longestCommonFolder(keys);
  if (dataPrefixes.some((prefix) => folder.startsWith(prefix) && folder.length > prefix.length)) return folder;
  const byFolder = new Map<string, string[]>();
  for (const key of keys) {
    const top = topFolder(key, dataPrefixes);
    byFolder.set(top, [...(byFolder.get(top) ?? []), key]);
  }
  const details = [...byFolder].map(
    ([top, files]) =>
      `${top === "" || dataPrefixes.includes(top) ? `directly under ${top || "the bucket"}` : `in ${top}`}: ` +
      `${plural(files.length, "file")} (${files
        .slice(0, 3)
        .map((key) => printable(key, 120))
        .join(", ")}${files.length > 3 ? ", ..." : ""})`,
  );
  throw new ValidationError(
    "in sign-in mode a cohort's data files must share one folder of their own inside a data prefix (a person's cookies open that folder), and these do not",
    {
      details,
      fix: `put the cohort's files under one folder such as ${dataPrefixes[0]}<cohort>/ (upload-cohort --prefix ${dataPrefixes[0]}<cohort>/) and publish again`,
    },
  );
}

/**
 * Refuses a data folder that is, contains or lies inside the folder of another cohort published for
 * sign-in and not revoked: that cohort's cookies would open this one's files, or the reverse.
 */
export function assertOwnDataFolder(cohort: string, dataFolder: string, publications: readonly Publication[]): void {
  const clashes = publications.filter(
    (publication) =>
      publication.access === "sign-in" &&
      publication.revokedAt === undefined &&
      publication.cohort !== cohort &&
      publication.dataFolder !== undefined &&
      (publication.dataFolder.startsWith(dataFolder) || dataFolder.startsWith(publication.dataFolder)),
  );
  if (clashes.length === 0) return;
  throw new ValidationError(
    `in sign-in mode each cohort needs a data folder of its own, and ${dataFolder} overlaps another cohort's`,
    {
      details: [...new Set(clashes.map((clash) => `${printable(clash.cohort)} opens ${clash.dataFolder}`))],
      fix: "move this cohort's files to a folder no other cohort's folder contains or lies in, or revoke the other cohort first",
    },
  );
}

/** Options that mean something only for presigned links, refused in sign-in mode (nothing expires there). */
export function refuseLinkOptions(request: { expiresSeconds?: number; viewerUrl?: string }): void {
  if (request.expiresSeconds !== undefined) {
    throw new UsageError("--expires does not apply to a sign-in stack: its links hold no key and never expire", {
      fix: "drop --expires; who may open the cohort is decided by grant-cohort and revoke-cohort",
    });
  }
  if (request.viewerUrl !== undefined) {
    throw new UsageError("--viewer-url does not apply to a sign-in stack: its cohorts open on the stack's own viewer", {
      fix: "drop --viewer-url",
    });
  }
}

/** The cohort's data folder, checked against every other live sign-in cohort's. */
export async function ownDataFolder(
  cohort: string,
  samples: readonly LocatedSample[],
  outputs: StackOutputs,
  store: ObjectStore,
): Promise<string> {
  const dataFolder = signInDataFolder(samples, outputs.dataPrefixes);
  assertOwnDataFolder(cohort, dataFolder, foldLedger(await readLedger(store, outputs.ledgerPrefix)));
  return dataFolder;
}
