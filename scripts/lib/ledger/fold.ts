/**
 * The ledger folded into publications: each publish entry with the revoke entry that withdrew it,
 * newest first. Pure: the entries are read by ledger.ts, and whether a publication's links still
 * work is judged in publication-status.ts.
 */
import { foreignConfigProblem, LINK_SIGNERS, LinkSigner, PublicationInputs, StoredLedgerEntry } from "./ledger";

/** One publish event of the ledger, with its revocation folded in. */
export interface Publication {
  cohort: string;
  configKey: string;
  signingAccessKeyId: string;
  createdAt: Date;
  expiresAt: Date;
  ledgerKey: string;
  inputs: PublicationInputs;
  /** When the publication's config was deleted by revoke-cohort. */
  revokedAt?: Date;
  /** Who signed, when the ledger entry records it. */
  signer?: LinkSigner;
  /** With signer "session": when the session ends, if it was known. */
  sessionExpiresAt?: Date;
  /** Sign-in mode: opened by signing in; `expiresAt` is then NEVER_EXPIRES. */
  access?: "sign-in";
  /** Sign-in mode: the folder holding every data file of the cohort. */
  dataFolder?: string;
}

/** The expiry of a sign-in publication: its link holds no key, so nothing about it expires. */
export const NEVER_EXPIRES = new Date(8.64e15);

function parseDate(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The recorded signer, when the entry holds a valid one (anything else reads as an older entry). */
function signerOf(entry: StoredLedgerEntry): Pick<Publication, "signer" | "sessionExpiresAt"> {
  if (!LINK_SIGNERS.includes(entry.signer as LinkSigner)) return {};
  const sessionExpiresAt = entry.signer === "session" ? parseDate(entry.sessionExpiresAt) : undefined;
  return { signer: entry.signer, ...(sessionExpiresAt ? { sessionExpiresAt } : {}) };
}

/**
 * Folds the ledger (oldest first, as readLedger returns it) into publications, newest first.
 * A revoke entry marks the publication with the same config key; entries that are neither
 * a well-formed publish nor a revoke are reported through `warn` and skipped. With `configPrefix`,
 * so are entries whose configKey is not in their own cohort's config folder (foreignConfigProblem):
 * the ledger is data in the bucket, and such an entry must never make a command act on another
 * cohort's config.
 */
export function foldLedger(
  entries: readonly StoredLedgerEntry[],
  warn?: (message: string) => void,
  configPrefix?: string,
): Publication[] {
  const byConfigKey = new Map<string, Publication>();
  const revocations: Array<{ configKey: string; at: Date }> = [];
  for (const entry of entries) {
    const createdAt = parseDate(entry.createdAt);
    const signIn = entry.access === "sign-in" && typeof entry.dataFolder === "string";
    const expiresAt = signIn ? NEVER_EXPIRES : parseDate(entry.expiresAt);
    const isRevoke = entry.event === "revoke" && createdAt !== undefined;
    const isPublish =
      entry.event === "publish" &&
      createdAt !== undefined &&
      expiresAt !== undefined &&
      typeof entry.signingAccessKeyId === "string" &&
      Array.isArray(entry.inputs?.samples);
    const foreign = configPrefix === undefined ? undefined : foreignConfigProblem(entry, configPrefix);
    if ((isRevoke || isPublish) && foreign !== undefined) {
      warn?.(`ledger entry ${entry.ledgerKey} ${foreign}: ignored`);
    } else if (isRevoke) {
      revocations.push({ configKey: entry.configKey, at: createdAt });
    } else if (isPublish) {
      byConfigKey.set(entry.configKey, {
        cohort: entry.cohort,
        configKey: entry.configKey,
        signingAccessKeyId: entry.signingAccessKeyId,
        createdAt,
        expiresAt,
        ledgerKey: entry.ledgerKey,
        inputs: entry.inputs,
        ...signerOf(entry),
        ...(signIn ? { access: "sign-in" as const, dataFolder: entry.dataFolder } : {}),
      });
    } else {
      warn?.(`ledger entry ${entry.ledgerKey} is neither a complete publish nor a revoke entry; skipped`);
    }
  }
  for (const { configKey, at } of revocations) {
    const publication = byConfigKey.get(configKey);
    if (publication && (publication.revokedAt === undefined || at < publication.revokedAt)) publication.revokedAt = at;
  }
  return newestFirst([...byConfigKey.values()]);
}

/** Newest first; publications of the same millisecond by ledger key, descending. */
export function compareNewestFirst(a: Publication, b: Publication): number {
  return (
    b.createdAt.getTime() - a.createdAt.getTime() ||
    (a.ledgerKey < b.ledgerKey ? 1 : a.ledgerKey > b.ledgerKey ? -1 : 0)
  );
}

export function newestFirst(publications: readonly Publication[]): Publication[] {
  return [...publications].sort(compareNewestFirst);
}

/** The publications of exactly this cohort name (slugs may collide; names do not). */
export function publicationsOf(publications: readonly Publication[], cohort: string): Publication[] {
  return publications.filter((publication) => publication.cohort === cohort);
}

/** The latest expiry among publications (when breaking none of them becomes safe). */
export function latestExpiry(publications: readonly Publication[]): Date | undefined {
  return publications.reduce<Date | undefined>(
    (latest, publication) => (latest === undefined || publication.expiresAt > latest ? publication.expiresAt : latest),
    undefined,
  );
}
