/**
 * The publication ledger: one object per event under the stack's ledger prefix, so concurrent
 * publishers never overwrite each other and neither config expiry nor revoke touches it.
 * It holds no secret and no presigned URL: only keys, ids, times and the inputs to publish again.
 */
import { AwsError } from "./errors";
import { ObjectStore } from "./object-store";
import { ledgerObjectKey } from "./naming";
import { SampleInput } from "./samples";

/** What refresh needs to publish the cohort again: the resolved samples (keys, not URLs). */
export interface PublicationInputs {
  samples: SampleInput[];
  viewerUrl: string;
  /** The --expires the publication asked for, if any. */
  requestedSeconds?: number;
}

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
  expiresAt: string;
  inputs: PublicationInputs;
}

export function serializeLedgerEntry(entry: LedgerEntry): string {
  return `${JSON.stringify(entry)}\n`;
}

/** The revoke entry for a publication whose config was deleted at `revokedAt`. */
export function revokeEntryFor(
  publication: Pick<LedgerEntry, "cohort" | "configKey" | "signingAccessKeyId" | "expiresAt"> & { inputs: Pick<PublicationInputs, "viewerUrl"> },
  revokedAt: Date,
): LedgerEntry {
  return {
    event: "revoke",
    cohort: publication.cohort,
    configKey: publication.configKey,
    signingAccessKeyId: publication.signingAccessKeyId,
    createdAt: revokedAt.toISOString(),
    expiresAt: publication.expiresAt,
    inputs: { samples: [], viewerUrl: publication.inputs.viewerUrl },
  };
}

export async function writeLedgerEntry(store: ObjectStore, ledgerPrefix: string, stem: string, entry: LedgerEntry): Promise<string> {
  const key = ledgerObjectKey(ledgerPrefix, stem);
  // Create-only: the presigner's policy refuses a ledger PUT without If-None-Match, so history cannot be rewritten.
  await store.put(key, serializeLedgerEntry(entry), "application/json", { createOnly: true });
  return key;
}

/** An entry as read back, with the object it came from. */
export interface StoredLedgerEntry extends LedgerEntry {
  ledgerKey: string;
}

/**
 * Every ledger entry (optionally of one cohort slug's folder), oldest first by key (keys start
 * with the UTC stamp of the event). Unreadable entries are reported through `warn` and skipped.
 */
export async function readLedger(
  store: ObjectStore,
  ledgerPrefix: string,
  options: { cohortSlug?: string; warn?: (message: string) => void; concurrency?: number } = {},
): Promise<StoredLedgerEntry[]> {
  const prefix = options.cohortSlug === undefined ? ledgerPrefix : `${ledgerPrefix}${options.cohortSlug}/`;
  const keys: string[] = [];
  for await (const object of store.list(prefix)) if (object.key.endsWith(".json")) keys.push(object.key);
  const entries: Array<StoredLedgerEntry | undefined> = new Array(keys.length);
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const index = next++;
      const key = keys[index];
      try {
        const entry = JSON.parse((await store.read(key)).toString("utf8")) as LedgerEntry;
        if (typeof entry.cohort !== "string" || typeof entry.configKey !== "string" || typeof entry.createdAt !== "string") throw new Error("missing fields");
        entries[index] = { ...entry, ledgerKey: key };
      } catch (error) {
        if (error instanceof AwsError) throw error;
        options.warn?.(`ledger entry ${key} is unreadable (${(error as Error).message}); skipped`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, keys.length) }, worker));
  const byStamp = (entry: StoredLedgerEntry) => entry.ledgerKey.slice(entry.ledgerKey.lastIndexOf("/") + 1);
  return entries.filter((entry): entry is StoredLedgerEntry => entry !== undefined).sort((a, b) => (byStamp(a) < byStamp(b) ? -1 : byStamp(a) > byStamp(b) ? 1 : 0));
}
