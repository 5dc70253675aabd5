/**
 * Everything stored under a cohort's config folders (`<configPrefix><cohort-slug>/`, and the folder
 * an earlier release gave the name), sorted against the ledger, so that revoke removes all a cohort
 * ever stored and nothing of another cohort's.
 *
 * Earlier releases gave different names the same folder ("乳腺癌 2026" and "肺癌 2026" both
 * `2026/`); today every name has a folder of its own, but those folders are still read, and shared.
 * An object belongs to the publication the ledger names it in (its config, or the share page next to
 * it); an object no ledger entry names is an orphan, left by a publish that was killed or failed
 * between the config upload and the ledger entry. An orphan config says whose it is (its `name`):
 * one of another cohort name is left alone, since that cohort's publish may still be running.
 * Ledger entries naming a config outside their own cohort's folder are reported and ignored.
 */
import { LedgerPrefixes, readLedger } from "../ledger/ledger";
import { cohortSlugs } from "../naming";
import { ObjectStore } from "../s3/object-store";
import { foldLedger, Publication, publicationsOf } from "../ledger/fold";
import { sharePageKey } from "../publication/share-page";

export interface CohortFolder {
  /** `<configPrefix><cohort-slug>/`: the cohort's own folder, then the one an earlier release used, if other. */
  prefixes: string[];
  /** The ledger's publications of exactly this cohort name, newest first. */
  publications: Publication[];
  /** Objects no ledger entry names, to delete with the cohort. */
  orphans: string[];
  /** Objects of this cohort's publications revoked earlier that are still there (a late share page), to delete. */
  leftovers: string[];
  /** Orphans whose content names another cohort sharing the folder: never deleted by this revoke. */
  othersOrphans: Array<{ key: string; cohort: string }>;
}

/** The cohort name an orphan config declares (`{ name, samples }`), if it is one. */
async function declaredCohort(store: ObjectStore, key: string): Promise<string | undefined> {
  try {
    const config = JSON.parse((await store.read(key)).toString("utf8")) as { name?: unknown };
    return typeof config?.name === "string" ? config.name : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/** Reads the folders and the ledger (no writes): what a revoke of `cohort` must delete, and what it must leave. */
export async function surveyCohortFolder(
  store: ObjectStore,
  prefixes: LedgerPrefixes,
  cohort: string,
  warn?: (message: string) => void,
): Promise<CohortFolder> {
  // Every name's entries in these folders: objects another name's ledger entry names are that name's.
  const slugs = cohortSlugs(cohort);
  const entries = await readLedger(store, prefixes.ledgerPrefix, { cohortSlugs: slugs, warn });
  const everyName = foldLedger(entries, warn, prefixes.configPrefix);
  const owner = new Map<string, Publication>();
  for (const publication of everyName) {
    owner.set(publication.configKey, publication);
    if (publication.configKey.endsWith(".json")) owner.set(sharePageKey(publication.configKey), publication);
  }
  const keys: string[] = [];
  const folders = slugs.map((slug) => `${prefixes.configPrefix}${slug}/`);
  for (const prefix of folders) for await (const object of store.list(prefix)) keys.push(object.key);

  const folder: CohortFolder = {
    prefixes: folders,
    publications: publicationsOf(everyName, cohort),
    orphans: [],
    leftovers: [],
    othersOrphans: [],
  };
  const unnamed = keys.filter((key) => !owner.has(key));
  const othersConfigs = new Map<string, string>();
  for (const key of unnamed.filter((candidate) => candidate.endsWith(".json"))) {
    const declared = await declaredCohort(store, key);
    if (declared !== undefined && declared !== cohort) othersConfigs.set(key, declared);
  }
  for (const key of keys) {
    const publication = owner.get(key);
    if (publication) {
      if (publication.cohort === cohort && publication.revokedAt !== undefined) folder.leftovers.push(key);
      continue;
    }
    // A share page goes with its config: one whose orphan config names another cohort is that cohort's.
    const other = othersConfigs.get(key.endsWith(".html") ? `${key.slice(0, -".html".length)}.json` : key);
    if (other !== undefined) folder.othersOrphans.push({ key, cohort: other });
    else folder.orphans.push(key);
  }
  return folder;
}

/** Deletes the orphans and leftovers a survey found; returns the keys deleted. */
export async function deleteStrays(store: ObjectStore, folder: CohortFolder): Promise<string[]> {
  const strays = [...folder.orphans, ...folder.leftovers];
  for (const key of strays) await store.remove(key);
  return strays;
}
