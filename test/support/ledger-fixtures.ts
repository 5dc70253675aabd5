/**
 * Ledger entries written straight into the test bucket, for publications the embedded server
 * could not have signed (keys it does not know, sessions that have ended).
 */
import { LedgerEntry, writeLedgerEntry } from "../../scripts/lib/lifecycle/ledger";
import { configObjectKey, publicationStem, randomHex8 } from "../../scripts/lib/naming";
import { TestBucket } from "./local-bucket";

/** Records a publication signed by any key, its config included; returns the config key. */
export async function recordPublication(
  bucket: TestBucket,
  cohort: string,
  signingAccessKeyId: string,
  expiresAt: Date,
  extra: Pick<LedgerEntry, "signer" | "sessionExpiresAt"> = {},
): Promise<string> {
  const createdAt = new Date(expiresAt.getTime() - 3600_000);
  const stem = publicationStem(cohort, createdAt, randomHex8());
  const configKey = configObjectKey("configs/", stem);
  await bucket.store.put(configKey, JSON.stringify({ name: cohort, samples: [] }), "application/json");
  const entry: LedgerEntry = {
    event: "publish",
    cohort,
    configKey,
    signingAccessKeyId,
    createdAt: createdAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    inputs: { samples: [], viewerUrl: "https://chromoscope.bio/app/" },
    ...extra,
  };
  await writeLedgerEntry(bucket.store, "ledger/", stem, entry);
  return configKey;
}
