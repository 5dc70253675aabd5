/**
 * The publication ledger: one object per event under the stack's ledger prefix, so concurrent
 * publishers never overwrite each other and neither config expiry nor revoke touches it.
 * It holds no secret and no presigned URL: only keys, ids, times and the inputs to publish again.
 */
import { ObjectStore } from "../s3/object-store";
import { cohortSlugs, ledgerObjectKey, printable } from "../naming";
import { SampleInput } from "../cohort/samples";

/** What refresh needs to publish the cohort again: the resolved samples (keys, not URLs). */
export interface PublicationInputs {
  samples: SampleInput[];
  viewerUrl: string;
  /**
   * Where viewerUrl came from: "option", chosen for this cohort with --viewer-url (a refresh keeps it),
   * or "stack", the stack's viewerUrl (a refresh follows the stack's current one). Absent in entries
   * written before it was recorded: read as "stack".
   */
  viewerUrlSource?: "option" | "stack";
  /** The --expires the publication asked for, if any. */
  requestedSeconds?: number;
}

/**
 * Who signed a publication's links: one of the stack's access keys, a long-term key that is not
 * the stack's, or temporary (session) credentials. It decides when its links die (see
 * publication-status.ts); entries written before it was recorded lack it.
 */
export type LinkSigner = "stack-key" | "other-key" | "session";
export const LINK_SIGNERS: readonly LinkSigner[] = ["stack-key", "other-key", "session"];

/**
 * One event. A publish entry records a publication; a revoke entry records that the config of
 * the publication with the same `configKey` was deleted: it repeats that publication's cohort,
 * signing key and expiry (when its copied-out data links die anyway), has the revocation time as
 * `createdAt`, and carries no samples (nothing is ever published again from it).
 */
export interface LedgerEntry {
  event: "publish" | "revoke";
  cohort: string;
  configKey: string;
  signingAccessKeyId: string;
  createdAt: string;
  /** When its links expire; absent for a sign-in publication (its link holds no key and never expires). */
  expiresAt?: string;
  inputs: PublicationInputs;
  /** Sign-in mode: people open it by signing in (`/open/<cohort folder>`), not through presigned links. */
  access?: "sign-in";
  /** Sign-in mode: the one folder (key prefix ending in `/`) holding every data file of the cohort. */
  dataFolder?: string;
  /** Publish entries: who signed (absent in older entries). */
  signer?: LinkSigner;
  /** Publish entries signed by a session whose expiry the credentials stated: its links die then. */
  sessionExpiresAt?: string;
}

export function serializeLedgerEntry(entry: LedgerEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/** The revoke entry for a publication whose config was deleted at `revokedAt`. */
export function revokeEntryFor(
  publication: Pick<LedgerEntry, "cohort" | "configKey" | "signingAccessKeyId" | "expiresAt" | "access"> & {
    inputs: Pick<PublicationInputs, "viewerUrl">;
  },
  revokedAt: Date,
): LedgerEntry {
  return {
    event: "revoke",
    cohort: publication.cohort,
    configKey: publication.configKey,
    signingAccessKeyId: publication.signingAccessKeyId,
    createdAt: revokedAt.toISOString(),
    ...(publication.expiresAt === undefined ? {} : { expiresAt: publication.expiresAt }),
    inputs: { samples: [], viewerUrl: publication.inputs.viewerUrl },
    ...(publication.access === undefined ? {} : { access: publication.access }),
  };
}

export async function writeLedgerEntry(
  store: ObjectStore,
  ledgerPrefix: string,
  stem: string,
  entry: LedgerEntry,
): Promise<string> {
  const key = ledgerObjectKey(ledgerPrefix, stem);
  const body = serializeLedgerEntry(entry);
  try {
    // Create-only: the presigner's policy refuses a ledger PUT without If-None-Match, so history cannot be rewritten.
    await store.put(key, body, "application/json", { createOnly: true });
  } catch (error) {
    // An attempt may have stored the entry although its answer was lost (a retry of a create-only
    // PUT then meets 412 Precondition Failed): the entry is written if the key holds exactly it.
    if (!(await holdsExactly(store, key, body))) throw error;
  }
  return key;
}

/** Whether the entry was written (a write whose answer never came may have been): the key holds exactly it. */
export function ledgerEntryStored(
  store: ObjectStore,
  ledgerPrefix: string,
  stem: string,
  entry: LedgerEntry,
): Promise<boolean> {
  return holdsExactly(store, ledgerObjectKey(ledgerPrefix, stem), serializeLedgerEntry(entry));
}

async function holdsExactly(store: ObjectStore, key: string, body: string): Promise<boolean> {
  try {
    return (await store.read(key)).equals(Buffer.from(body, "utf8"));
  } catch {
    return false;
  }
}

/** Control, format and separator characters: what the tools never write and a terminal would act on. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** A key as it may be printed: quoted and escaped if it holds anything a terminal would act on. */
function safeKey(key: string): string {
  return UNPRINTABLE.test(key) ? printable(key, 200) : key;
}

/**
 * Why a parsed object is not an entry the tools could have written, if it is not. The ledger is
 * data in the bucket: fields that are printed or used as keys must be plain strings.
 */
function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return "not a JSON object";
  const record = entry as Record<string, unknown>;
  for (const field of ["cohort", "configKey", "createdAt"])
    if (typeof record[field] !== "string") return `missing fields`;
  for (const field of ["event", "cohort", "configKey", "signingAccessKeyId", "createdAt", "expiresAt"]) {
    if (typeof record[field] === "string" && UNPRINTABLE.test(record[field]))
      return `${field} holds control characters`;
  }
  return undefined;
}

/** An entry as read back, with the object it came from. */
export interface StoredLedgerEntry extends LedgerEntry {
  ledgerKey: string;
}

/**
 * Every ledger entry (optionally of some cohort slugs' folders only), oldest first by the UTC stamp
 * its key ends with. Unreadable entries are reported through `warn` and skipped.
 */
export async function readLedger(
  store: ObjectStore,
  ledgerPrefix: string,
  options: {
    cohortSlug?: string;
    cohortSlugs?: readonly string[];
    warn?: (message: string) => void;
    concurrency?: number;
  } = {},
): Promise<StoredLedgerEntry[]> {
  const slugs = options.cohortSlugs ?? (options.cohortSlug === undefined ? undefined : [options.cohortSlug]);
  const prefixes = slugs === undefined ? [ledgerPrefix] : slugs.map((slug) => `${ledgerPrefix}${slug}/`);
  const keys: string[] = [];
  for (const prefix of prefixes)
    for await (const object of store.list(prefix)) if (object.key.endsWith(".json")) keys.push(object.key);
  const entries = new Array<StoredLedgerEntry | undefined>(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      const key = keys[index];
      const body = await store.read(key);
      let entry: LedgerEntry;
      try {
        entry = JSON.parse(body.toString("utf8")) as LedgerEntry;
      } catch {
        // Not the parser's message: it quotes the object's bytes, which could be anything.
        options.warn?.(`ledger entry ${safeKey(key)} is unreadable (not valid JSON); skipped`);
        continue;
      }
      const problem = entryProblem(entry);
      if (problem) options.warn?.(`ledger entry ${safeKey(key)} is unreadable (${problem}); skipped`);
      else entries[index] = { ...entry, ledgerKey: key };
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, keys.length) }, worker));
  const byStamp = (entry: StoredLedgerEntry) => entry.ledgerKey.slice(entry.ledgerKey.lastIndexOf("/") + 1);
  return entries
    .filter((entry): entry is StoredLedgerEntry => entry !== undefined)
    .sort((a, b) => (byStamp(a) < byStamp(b) ? -1 : byStamp(a) > byStamp(b) ? 1 : 0));
}

/** The prefixes a ledger entry is judged by: where configs and ledger entries live. */
export interface LedgerPrefixes {
  configPrefix: string;
  ledgerPrefix: string;
}

/**
 * Why an entry's configKey does not name a config of its own cohort, or undefined: the key must be
 * a `.json` object directly in one of the cohort's config folders (its own, or the one an earlier
 * release gave the name). The ledger is data in the bucket: an entry written under one cohort that
 * names another cohort's config (or any other object) would otherwise have revoke delete it.
 */
export function foreignConfigProblem(
  entry: Pick<LedgerEntry, "cohort" | "configKey">,
  configPrefix: string,
): string | undefined {
  const folders = cohortSlugs(entry.cohort).map((slug) => `${configPrefix}${slug}/`);
  const inside = folders.some((folder) => {
    const name = entry.configKey.startsWith(folder) ? entry.configKey.slice(folder.length) : undefined;
    return name !== undefined && name.endsWith(".json") && name.length > ".json".length && !name.includes("/");
  });
  return inside
    ? undefined
    : `names config ${safeKey(entry.configKey)}, which is not in cohort ${printable(entry.cohort)}'s config folder (${folders[0]})`;
}
