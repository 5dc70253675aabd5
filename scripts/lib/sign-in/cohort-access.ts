/**
 * What `/open/<cohort folder>` may open for a person: the cohort's grants for the person's groups,
 * then the newest publication of a granted cohort that is published for sign-in and not revoked,
 * read from the ledger (the sign-in function reads only grants and the ledger). A grant counts only
 * for the exact cohort name it holds, so a folder two names share never opens the other one.
 */
import { readLedger } from "../ledger/ledger";
import { foldLedger, Publication } from "../ledger/fold";
import { ObjectStore } from "../s3/object-store";
import { grantsInFolder } from "./grants";

/** A cohort folder as `/open/` names it: the characters cohort folders are made of. */
const COHORT_FOLDER = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;

export function isCohortFolder(value: string): boolean {
  return COHORT_FOLDER.test(value);
}

export type CohortAccess =
  /** None of the groups holds a grant (for a name with a live publication). */
  | { kind: "no-grant"; cohort?: string }
  /** Granted, but nothing of the granted name is published for sign-in (never, or revoked). */
  | { kind: "no-publication"; cohort: string }
  | { kind: "granted"; publication: Publication & { dataFolder: string } };

export interface AccessPrefixes {
  grantsPrefix: string;
  ledgerPrefix: string;
  configPrefix: string;
}

/** The newest live sign-in publication of each cohort name in the folder, newest first. */
async function liveSignInPublications(
  store: ObjectStore,
  prefixes: AccessPrefixes,
  folder: string,
  warn?: (message: string) => void,
): Promise<Array<Publication & { dataFolder: string }>> {
  const entries = await readLedger(store, prefixes.ledgerPrefix, { cohortSlug: folder, warn });
  const ownConfigFolder = `${prefixes.configPrefix}${folder}/`;
  return foldLedger(entries, warn).filter(
    (publication): publication is Publication & { dataFolder: string } =>
      publication.access === "sign-in" &&
      publication.dataFolder !== undefined &&
      publication.revokedAt === undefined &&
      // A forged entry naming another cohort's config never opens it.
      publication.configKey.startsWith(ownConfigFolder) &&
      !publication.configKey.slice(ownConfigFolder.length).includes("/"),
  );
}

export async function cohortAccess(
  store: ObjectStore,
  prefixes: AccessPrefixes,
  folder: string,
  groups: readonly string[],
  warn?: (message: string) => void,
): Promise<CohortAccess> {
  const grants =
    groups.length === 0 ? [] : await grantsInFolder(store, `${prefixes.grantsPrefix}${folder}/`, { groups, warn });
  const granted = new Set(grants.map((grant) => grant.cohort));
  const publications = await liveSignInPublications(store, prefixes, folder, warn);
  const open = publications.find((publication) => granted.has(publication.cohort));
  if (open !== undefined) return { kind: "granted", publication: open };
  if (granted.size > 0) return { kind: "no-publication", cohort: [...granted][0] };
  return { kind: "no-grant", ...(publications.length > 0 ? { cohort: publications[0].cohort } : {}) };
}
