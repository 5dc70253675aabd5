/**
 * The bucket side of a link's lifecycle: reading publications back from the ledger, revoking a
 * cohort (delete its configs, then record it), the inputs to publish a cohort again, and a fresh
 * config link for a live publication. Folding the ledger is ledger/fold.ts; rotation decisions are rotation.ts.
 */
import { chromoscopeLink } from "../publication/chromoscope";
import { ResolvedCredentials } from "../s3/credentials";
import { AwsError, ValidationError } from "../errors";
import { decideExpiry } from "../publication/expiry";
import { foreignConfigProblem, LedgerPrefixes, readLedger, revokeEntryFor, writeLedgerEntry } from "../ledger/ledger";
import { cohortSlugs, printable, publicationStem, sampleIdProblem } from "../naming";
import { ObjectStore } from "../s3/object-store";
import { S3QueryPresigner } from "../s3/presign";
import { sharePageKey } from "../publication/share-page";
import { CohortSource } from "../publication/publish";
import { compareNewestFirst, foldLedger, Publication, publicationsOf } from "../ledger/fold";
import { isLive } from "../ledger/publication-status";
import { StackOutputs } from "../../../components/stack-outputs";

/** Ledger entries read at once: one small GET each, so latency, not bandwidth, bounds a listing. */
const LEDGER_READ_CONCURRENCY = 32;
/** At most this many S3 requests of one revocation in flight. */
const REVOKE_CONCURRENCY = 8;

/**
 * Every publication in the ledger (or only those of `cohort`, by exact name, from its folders, the
 * one an earlier release gave the name included), newest first. Entries naming a config outside
 * their own cohort's folder are reported through `warn` and left out.
 */
export async function loadPublications(
  store: ObjectStore,
  prefixes: LedgerPrefixes,
  options: { cohort?: string; warn?: (message: string) => void } = {},
): Promise<Publication[]> {
  const entries = await readLedger(store, prefixes.ledgerPrefix, {
    cohortSlugs: options.cohort === undefined ? undefined : cohortSlugs(options.cohort),
    warn: options.warn,
    concurrency: LEDGER_READ_CONCURRENCY,
  });
  const publications = foldLedger(entries, options.warn, prefixes.configPrefix);
  return options.cohort === undefined ? publications : publicationsOf(publications, options.cohort);
}

/** The error for a cohort the ledger does not know. */
export function noPublicationError(bucket: string, outputs: StackOutputs, cohort: string): ValidationError {
  return new ValidationError(
    `cohort ${printable(cohort)} has no publication in the ledger (s3://${bucket}/${outputs.ledgerPrefix})`,
    {
      fix: "check the name with `npm run cohorts` (names are matched exactly, spaces and case included)",
    },
  );
}

/** The cohort's publications, or a ValidationError naming the cohorts the ledger does know. */
export async function requirePublications(
  store: ObjectStore,
  outputs: StackOutputs,
  cohort: string,
  warn?: (message: string) => void,
): Promise<Publication[]> {
  const publications = await loadPublications(store, outputs, { cohort, warn });
  if (publications.length === 0) throw noPublicationError(store.bucket, outputs, cohort);
  return publications;
}

export interface RevokeContext {
  store: ObjectStore;
  /** Only configs in their own cohort's folder under it are ever deleted, whatever a ledger entry says. */
  configPrefix: string;
  ledgerPrefix: string;
  /** The revocation time (recorded in the ledger). */
  now: Date;
  randomHex(): string;
}

export interface RevokeResult {
  /** Publications whose config this run deleted, with their revoke entries. */
  revoked: Array<{ publication: Publication; ledgerKey: string }>;
  /** Publications revoked by an earlier run. */
  alreadyRevoked: Publication[];
}

/**
 * Revokes every publication given that is not revoked yet: deletes its share page (if one was
 * uploaded) and its config object (every link to them then fails), then records the revocation. A publication is recorded as revoked only once
 * its config is gone, so after a failure running the command again finishes the job.
 */
export async function revokePublications(
  publications: readonly Publication[],
  context: RevokeContext,
): Promise<RevokeResult> {
  const alreadyRevoked = publications.filter((publication) => publication.revokedAt !== undefined);
  const pending = publications.filter((publication) => publication.revokedAt === undefined);
  // loadPublications leaves such entries out already; a caller that did not is refused outright.
  const foreign = pending.filter((publication) => foreignConfigProblem(publication, context.configPrefix));
  if (foreign.length > 0) {
    throw new ValidationError(`the ledger names configs outside their cohorts' folders: nothing was deleted`, {
      details: foreign.map(
        (publication) => `${publication.ledgerKey} ${foreignConfigProblem(publication, context.configPrefix)}`,
      ),
      fix: "check those ledger entries (they were not written by publish-cohort) and remove them, then run the command again",
    });
  }
  const revoked: RevokeResult["revoked"] = [];
  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < pending.length && failures.length === 0) {
      const publication = pending[next++];
      try {
        // The share page holds the same links: it goes with its config.
        await context.store.remove(sharePageKey(publication.configKey));
        await context.store.remove(publication.configKey);
        const expiresAt = publication.access === "sign-in" ? undefined : publication.expiresAt.toISOString();
        const entry = revokeEntryFor({ ...publication, expiresAt }, context.now);
        const ledgerKey = await writeLedgerEntry(
          context.store,
          context.ledgerPrefix,
          publicationStem(publication.cohort, context.now, context.randomHex()),
          entry,
        );
        revoked.push({ publication, ledgerKey });
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(REVOKE_CONCURRENCY, pending.length) }, worker));
  if (failures.length > 0) {
    const first = failures[0];
    throw new AwsError(
      `revoking stopped after ${revoked.length} of ${pending.length} publication${pending.length === 1 ? "" : "s"}: ${first instanceof Error ? first.message : String(first)}`,
      {
        fix: `${first instanceof AwsError && first.fix ? `${first.fix.replace(/[.;]?\s*$/, "")}; then ` : ""}run the same command again to revoke the rest (the ledger records what is done)`,
        cause: first,
      },
    );
  }
  revoked.sort((x, y) => compareNewestFirst(x.publication, y.publication));
  return { revoked, alreadyRevoked };
}

/** What refresh-cohort publishes: the samples exactly as the publication recorded them. */
export function recordedSource(publication: Publication): CohortSource {
  return {
    kind: "samples",
    samples: publication.inputs.samples.map((sample, index) => ({
      sample,
      source: `sample ${index + 1}${typeof sample?.id === "string" && sampleIdProblem(sample.id) === undefined ? ` (${sample.id})` : ""} recorded in ${publication.ledgerKey}`,
    })),
  };
}

export interface FreshLinkContext {
  outputs: StackOutputs;
  credentials: ResolvedCredentials;
  endpoint?: string;
  now: Date;
}

/**
 * A newly presigned link to a live publication's config that expires no later than the
 * publication did (and no later than the current credentials allow); undefined once it is
 * revoked or has expired.
 */
export function freshConfigLink(
  publication: Publication,
  context: FreshLinkContext,
): { link: string; configUrl: string; expiresAt: Date } | undefined {
  const now = new Date(Math.floor(context.now.getTime() / 1000) * 1000);
  if (publication.revokedAt !== undefined || !isLive(publication.expiresAt, now)) return undefined;
  const remaining = Math.floor((publication.expiresAt.getTime() - now.getTime()) / 1000);
  if (remaining < 1) return undefined;
  const expiry = decideExpiry({
    requestedSeconds: remaining,
    clamp: true,
    maxLinkLifetimeSeconds: context.outputs.maxLinkLifetimeSeconds,
    credentials: context.credentials,
    now,
  });
  const presigner = new S3QueryPresigner({
    bucket: context.outputs.bucketName,
    region: context.outputs.region,
    endpoint: context.endpoint,
    credentials: context.credentials.credentials,
    expiresInSeconds: expiry.seconds,
    signingDate: now,
  });
  const configUrl = presigner.presignGet(publication.configKey);
  return {
    link: chromoscopeLink({ viewerUrl: publication.inputs.viewerUrl, cohort: publication.cohort, configUrl }),
    configUrl,
    expiresAt: presigner.expiresAt,
  };
}
