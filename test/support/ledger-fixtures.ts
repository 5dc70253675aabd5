/**
 * Ledger entries written straight into the test bucket, for publications the embedded server
 * could not have signed (keys it does not know, sessions that have ended).
 */
import { LedgerEntry, writeLedgerEntry } from "../../scripts/lib/ledger/ledger";
import { configObjectKey, publicationStem, randomHex8 } from "../../scripts/lib/naming";
import { TestBucket } from "./local-bucket";

/** What a recorded publication may say besides its cohort, key and expiry. */
export type RecordedExtras = Pick<LedgerEntry, "signer" | "sessionExpiresAt"> & {
  /** Its samples (default none). */
  samples?: LedgerEntry["inputs"]["samples"];
  /** The folder it goes in (default the cohort's own): e.g. the one an earlier release gave the name. */
  slug?: string;
};

/** Records a publication signed by any key, its config included; returns the config key. */
export async function recordPublication(
  bucket: TestBucket,
  cohort: string,
  signingAccessKeyId: string,
  expiresAt: Date,
  { samples = [], slug, ...extra }: RecordedExtras = {},
): Promise<string> {
  const createdAt = new Date(expiresAt.getTime() - 3600_000);
  const own = publicationStem(cohort, createdAt, randomHex8());
  const stem = slug === undefined ? own : `${slug}/${own.slice(own.indexOf("/") + 1)}`;
  const configKey = configObjectKey("configs/", stem);
  await bucket.store.put(configKey, JSON.stringify({ name: cohort, samples: [] }), "application/json");
  const entry: LedgerEntry = {
    event: "publish",
    cohort,
    configKey,
    signingAccessKeyId,
    createdAt: createdAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    inputs: { samples, viewerUrl: "https://chromoscope.bio/app/" },
    ...extra,
  };
  await writeLedgerEntry(bucket.store, "ledger/", stem, entry);
  return configKey;
}
