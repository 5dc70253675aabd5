/**
 * Publishing a cohort: resolve its samples, validate everything, sign every file, build the
 * Chromoscope config, upload it privately, record it in the ledger, presign it, and return the link.
 *
 * Write order (so the bucket never holds a partial config nor a live link the ledger does not know):
 * validate and sign everything → PUT the config (one request, complete body) → PUT the ledger entry;
 * if the ledger PUT fails, the config just written is deleted and the publish fails. An interruption
 * (SIGINT, SIGTERM) stops the requests in flight and does the same: a config whose ledger entry was
 * not written is deleted; once the entry is written, the publication stands (its link unprinted).
 */
import { buildConfig, chromoscopeLink } from "./chromoscope";
import { ResolvedCredentials } from "../s3/credentials";
import { discoverSamples } from "../cohort/discover";
import { AwsError, InterruptedError, UsageError, ValidationError } from "../errors";
import { interruptedPublish, InterruptedStage } from "./interrupted-publish";
import { checkContent, CONTENT_CHECK_LIMITS, ContentCheck } from "../cohort/content-check";
import { checkObjectsExist } from "../cohort/existence";
import { decideExpiry, ExpiryDecision } from "./expiry";
import { writePrivateFileAtomic } from "../files";
import { LedgerEntry, ledgerEntryStored, writeLedgerEntry } from "../ledger/ledger";
import { linkSignerFor } from "../ledger/publication-status";
import { readManifest } from "../cohort/manifest";
import { assertCohortName, configObjectKey, ledgerObjectKey, printable, publicationStem } from "../naming";
import { interruptible, ObjectStore } from "../s3/object-store";
import { countingStore, step } from "./publish-steps";
import { S3QueryPresigner } from "../s3/presign";
import { plural } from "../text-format";
import { problemReport, LocatedSample, Problem, sampleLabel } from "../cohort/samples";
import { StackOutputs } from "../../../components/stack-outputs";
import { validateSamples } from "../cohort/validate";
import { NEVER_EXPIRES } from "../ledger/fold";
import {
  isSignInStack,
  ownDataFolder,
  refuseLinkOptions,
  signInFileUrl,
  signInLink,
  viewerOriginOf,
} from "./sign-in-publication";

export type CohortSource =
  | { kind: "manifest"; path: string }
  | { kind: "prefix"; prefix: string; cancer: string; assembly: string }
  /** Samples already resolved (refresh publishes again from the ledger's inputs). */
  | { kind: "samples"; samples: LocatedSample[] };

export interface PublishRequest {
  cohort: string;
  source: CohortSource;
  /** --expires in seconds; undefined: as long as the credentials and the stack allow. */
  expiresSeconds?: number;
  clamp?: boolean;
  /** --viewer-url (recorded as chosen for the cohort); defaults to the stack's viewerUrl. */
  viewerUrl?: string;
  /** Read each file's first bytes (default); false: --no-check-content. */
  checkContent?: boolean;
  dryRun?: boolean;
  /** --out: also write the config here (mode 0600, atomically). */
  outFile?: string;
}

import type { Progress } from "./publish-steps";
export type { Progress };

export interface PublishContext {
  outputs: StackOutputs;
  credentials: ResolvedCredentials;
  store: ObjectStore;
  /** Path-style endpoint the links should point to (local or S3-compatible server). */
  endpoint?: string;
  now(): Date;
  randomHex(): string;
  progress?: Progress;
  /** Warnings for stderr. */
  warn?(message: string): void;
  /**
   * Aborts, with "SIGINT" or "SIGTERM" as reason, when the user interrupts: the publish stops its
   * requests, removes a config it stored but did not record, and throws an InterruptedError.
   */
  interruption?: AbortSignal;
  /** A follow-up command for the user, e.g. `npm run cohorts -- <the same stack options> <args>`. */
  suggest?: (script: string, args: readonly string[]) => string;
}

export interface PublishResult {
  cohort: string;
  dryRun: boolean;
  /** The Chromoscope link; absent on a dry run (nothing was uploaded). */
  link?: string;
  configKey: string;
  configUrl?: string;
  ledgerKey?: string;
  createdAt: Date;
  expiresAt: Date;
  expiry: ExpiryDecision;
  viewerUrl: string;
  sampleIds: string[];
  urlCount: number;
  configBytes: number;
  /** The exact bytes uploaded as the config (absent on a dry run): the share sheet reads them back. */
  configBody?: Buffer;
  signingAccessKeyId: string;
  /** Sign-in mode: the link is the stable `/open/` address and nothing expires. */
  access?: "sign-in";
  /** Sign-in mode: the folder the cohort's cookies open. */
  dataFolder?: string;
}

interface ResolvedSamples {
  samples: LocatedSample[];
  problems: Problem[];
  /** Samples discovery refused (a missing or ambiguous file), with the files it could place: still checked. */
  incomplete?: LocatedSample[];
  /** Object sizes from the listing discovery already made, so the existence check need not list again. */
  listedSizes?: ReadonlyMap<string, number>;
}

async function resolveSamples(source: CohortSource, context: PublishContext): Promise<ResolvedSamples> {
  switch (source.kind) {
    case "samples":
      return { samples: source.samples, problems: [] };
    case "manifest": {
      const manifest = readManifest(source.path);
      return { samples: manifest.samples, problems: manifest.problems };
    }
    case "prefix": {
      const prefix = source.prefix.endsWith("/") ? source.prefix : `${source.prefix}/`;
      const { dataPrefixes, bucketName } = context.outputs;
      if (!dataPrefixes.some((dataPrefix) => prefix.startsWith(dataPrefix))) {
        throw new UsageError(
          `--prefix ${printable(source.prefix)} is outside the data prefixes (${dataPrefixes.join(", ")})`,
          {
            fix: `pass a prefix under ${dataPrefixes[0]} (the presigner can read only the data prefixes)`,
          },
        );
      }
      const discovery = await discoverSamples(context.store.list(prefix), {
        prefix,
        cancer: source.cancer,
        assembly: source.assembly,
        bucket: bucketName,
      });
      if (discovery.samples.length === 0 && discovery.problems.length === 0) {
        discovery.problems.push({
          source: `s3://${bucketName}/${prefix}`,
          message: "holds no sample files (*.bedpe, *.tsv, *.vcf.gz, *.bam)",
          fix: "check the prefix, or upload the cohort's files under it",
        });
      }
      return {
        samples: discovery.samples,
        problems: discovery.problems,
        incomplete: discovery.incomplete,
        listedSizes: discovery.sizes,
      };
    }
  }
}

function sampledContentNote({ checked, files }: ContentCheck): string {
  const { files: limit, firstSamples } = CONTENT_CHECK_LIMITS;
  return (
    `content checked in ${checked.toLocaleString("en-US")} of ${files.toLocaleString("en-US")} files: every file of the first ${firstSamples} samples ` +
    `and ${limit.toLocaleString("en-US")} chosen at random from the rest (the others exist and are not empty)`
  );
}

/** Every problem of the cohort in one error, grouped by sample (see problemReport). */
function fail(problems: Problem[], cohort: string, sampleSources: readonly string[]): never {
  throw new ValidationError(
    `${plural(problems.length, "problem")} in cohort ${printable(cohort)}; nothing was published`,
    {
      fix: "correct every problem listed above and run the command again",
      details: problemReport(problems, sampleSources),
    },
  );
}

/**
 * The cohort's samples, validated, with every object present; or a ValidationError listing every
 * problem. A function of its own so that what only checking needs (the input as read, listings)
 * can be freed before the config is built.
 */
async function checkedSamples(
  request: PublishRequest,
  context: PublishContext,
  cohort: string,
): Promise<LocatedSample[]> {
  const { outputs, progress } = context;
  const store = countingStore(context.store, progress);
  const resolved = await step("read-input", () => resolveSamples(request.source, { ...context, store }), progress);
  const validated = await step("validate", () =>
    validateSamples(resolved.samples, { bucket: outputs.bucketName, dataPrefixes: outputs.dataPrefixes }),
  );
  const problems = [...resolved.problems, ...validated.problems];
  // Every sample's files are read, a sample with other problems' too: all its problems in one run.
  const checked = [...validated.checkable, ...(resolved.incomplete ?? [])];
  if (checked.length > 0) {
    const existence = await step(
      "check-existence",
      () => checkObjectsExist(checked, outputs.dataPrefixes, store, resolved.listedSizes),
      progress,
    );
    problems.push(...existence.problems);
    if (request.checkContent !== false) {
      const skip = existence.unreadable;
      const content = await step("check-content", () => checkContent(checked, store, { skip }), progress);
      problems.push(...content.problems);
      if (content.checked < content.files) context.warn?.(sampledContentNote(content));
    }
  }
  if (problems.length > 0) fail(problems, cohort, checked.map(sampleLabel));
  return validated.samples;
}

/** Signs every file of the samples (sign-in mode: addresses it on the viewer's origin) into the cohort's Chromoscope config, all with one signing time. */
async function signedConfig(
  cohort: string,
  samples: readonly LocatedSample[],
  expiresInSeconds: number,
  signingDate: Date,
  context: PublishContext,
  /** Sign-in mode: the viewer's origin, which serves each file unsigned to those signed in. */
  signInOrigin?: string,
) {
  const { outputs, credentials } = context;
  const presigner = new S3QueryPresigner({
    bucket: outputs.bucketName,
    region: outputs.region,
    endpoint: context.endpoint,
    credentials: credentials.credentials,
    expiresInSeconds,
    signingDate,
  });
  const config = await step(
    "sign",
    () =>
      buildConfig(
        cohort,
        samples,
        signInOrigin === undefined ? (key) => presigner.presignGet(key) : (key) => signInFileUrl(signInOrigin, key),
        () => context.progress?.tick(),
      ),
    context.progress,
    samples.length,
  );
  return { presigner, config };
}

/** The ledger entry of a publication: what was published, by whom, until when, and from which inputs. */
function ledgerEntryOf(
  request: PublishRequest,
  result: PublishResult,
  samples: readonly LocatedSample[],
  credentials: PublishContext["credentials"],
  outputs: PublishContext["outputs"],
): LedgerEntry {
  const inputs = {
    samples: samples.map(({ sample }) => sample),
    viewerUrl: result.viewerUrl,
    viewerUrlSource: request.viewerUrl === undefined ? ("stack" as const) : ("option" as const),
    ...(request.expiresSeconds !== undefined ? { requestedSeconds: request.expiresSeconds } : {}),
  };
  const { cohort, configKey } = result;
  const createdAt = result.createdAt.toISOString();
  // Sign-in: nothing was signed, and the link opens its one data folder until it is revoked.
  if (result.dataFolder !== undefined) {
    const { dataFolder } = result;
    return {
      event: "publish",
      access: "sign-in",
      dataFolder,
      cohort,
      configKey,
      signingAccessKeyId: "",
      createdAt,
      inputs,
    };
  }
  return {
    event: "publish",
    cohort,
    configKey,
    signingAccessKeyId: credentials.credentials.accessKeyId,
    createdAt,
    expiresAt: result.expiresAt.toISOString(),
    inputs,
    // When its links die besides expiry: with the key (rotation) or with the session.
    ...linkSignerFor(credentials, outputs),
  };
}

interface Recording {
  configKey: string;
  configBody: Buffer;
  stem: string;
  entry: LedgerEntry;
  /** The store whose requests stop when the user interrupts (clean-up uses the context's). */
  working: ObjectStore;
  stop: (stage: InterruptedStage, facts?: { configKey?: string; ledgerKey?: string }) => InterruptedError;
}

/**
 * Uploads the config, then writes its ledger entry; returns the entry's key. The config is removed
 * when it cannot be recorded (or the user interrupts before it is), so no config is left unrecorded.
 */
async function uploadAndRecord(recording: Recording, context: PublishContext): Promise<string> {
  const { configKey, configBody, stem, entry, working, stop } = recording;
  const { store, outputs, interruption } = context;
  const unrecorded = async () =>
    stop((await removeQuietly(store, configKey, context)) ? "config-removed" : "config-left", { configKey });
  try {
    await step("upload-config", () => working.put(configKey, configBody, "application/json"), context.progress);
  } catch (error) {
    // An attempt may have reached S3 and stored the config although the answer was lost: remove it.
    if (error instanceof InterruptedError) throw await unrecorded();
    await removeQuietly(store, configKey, context);
    throw error;
  }
  if (interruption?.aborted) throw await unrecorded();
  try {
    return await step("write-ledger", () => writeLedgerEntry(working, outputs.ledgerPrefix, stem, entry));
  } catch (error) {
    if (error instanceof InterruptedError) {
      // The entry may have reached S3 before its connection was closed: then the publication stands.
      // (If S3 stores it only after this check, the ledger names a deleted config: no link is lost.)
      if (await ledgerEntryStored(store, outputs.ledgerPrefix, stem, entry)) {
        throw stop("recorded", { configKey, ledgerKey: ledgerObjectKey(outputs.ledgerPrefix, stem) });
      }
      throw await unrecorded();
    }
    await removeQuietly(store, configKey, context);
    const cause = error instanceof AwsError ? error.message : String(error);
    throw new AwsError(
      `recording the publication in the ledger (${ledgerObjectKey(outputs.ledgerPrefix, stem)}) failed, so the config was removed: ${cause}`,
      {
        fix: error instanceof AwsError && error.fix ? error.fix : "run the command again",
        cause: error,
      },
    );
  }
}

export async function publishCohort(request: PublishRequest, context: PublishContext): Promise<PublishResult> {
  const cohort = assertCohortName(request.cohort);
  const { outputs, credentials, store, interruption } = context;
  // Every request of the publish stops when the user interrupts; clean-up afterwards uses `store`.
  const working = interruption ? interruptible(store, interruption) : store;
  const stop = (stage: InterruptedStage, facts: { configKey?: string; ledgerKey?: string } = {}) =>
    interruptedPublish(
      interruption?.reason === "SIGTERM" ? "SIGTERM" : "SIGINT",
      stage,
      { cohort, bucket: store.bucket, ...facts },
      context.suggest,
    );
  // SigV4 signs whole seconds: one instant, to the second, is the publication's time everywhere.
  const now = new Date(Math.floor(context.now().getTime() / 1000) * 1000);
  const signIn = isSignInStack(outputs);
  if (signIn) refuseLinkOptions(request);
  const expiry = decideExpiry({
    requestedSeconds: request.expiresSeconds,
    clamp: request.clamp,
    maxLinkLifetimeSeconds: outputs.maxLinkLifetimeSeconds,
    credentials,
    now,
  });
  if (!signIn) for (const warning of expiry.warnings) context.warn?.(warning);
  const viewerUrl = request.viewerUrl ?? outputs.viewerUrl;

  // 1. Every problem of the input, reported together, before anything is signed or written.
  let samples: LocatedSample[];
  try {
    samples = await checkedSamples(request, { ...context, store: working }, cohort);
  } catch (error) {
    throw error instanceof InterruptedError ? stop("before-upload") : error;
  }

  // In sign-in mode the cohort's cookies open one folder: its files must share one of their own.
  let dataFolder: string | undefined;
  try {
    dataFolder = signIn ? await ownDataFolder(cohort, samples, outputs, working) : undefined;
  } catch (error) {
    throw error instanceof InterruptedError ? stop("before-upload") : error;
  }

  // 2. Sign every file (sign-in mode: address it on the viewer's origin) and serialise the config.
  const signInOrigin = signIn ? viewerOriginOf(outputs) : undefined;
  const { presigner, config } = await signedConfig(cohort, samples, expiry.seconds, now, context, signInOrigin);

  const stem = publicationStem(cohort, now, context.randomHex());
  const configKey = configObjectKey(outputs.configPrefix, stem);
  const result: PublishResult = {
    cohort,
    dryRun: Boolean(request.dryRun),
    configKey,
    createdAt: now,
    expiresAt: signIn ? NEVER_EXPIRES : presigner.expiresAt,
    expiry,
    viewerUrl,
    sampleIds: samples.map(({ sample }) => sample.id),
    urlCount: config.urlCount,
    configBytes: config.byteLength,
    signingAccessKeyId: signIn ? "" : credentials.credentials.accessKeyId,
    ...(dataFolder === undefined ? {} : { access: "sign-in" as const, dataFolder }),
  };
  if (request.dryRun) {
    if (request.outFile) writePrivateFileAtomic(request.outFile, config.chunks);
    return result;
  }

  // 3. Upload the complete config, then record it; undo the config if the record fails.
  if (interruption?.aborted) throw stop("before-upload");
  const entry = ledgerEntryOf(request, result, samples, credentials, outputs);
  const configBody = Buffer.concat(config.chunks, config.byteLength);
  const ledgerKey = await uploadAndRecord({ configKey, configBody, stem, entry, working, stop }, context);
  if (interruption?.aborted) throw stop("recorded", { configKey, ledgerKey });
  const configUrl = signInOrigin ? signInFileUrl(signInOrigin, configKey) : presigner.presignGet(configKey);
  if (request.outFile) writePrivateFileAtomic(request.outFile, config.chunks);
  const link = signInOrigin ? signInLink(signInOrigin, cohort) : chromoscopeLink({ viewerUrl, cohort, configUrl });
  return { ...result, link, configUrl, ledgerKey, configBody };
}

/** Deletes an object after a failure; false (with a warning) when that fails too. */
async function removeQuietly(store: ObjectStore, key: string, context: PublishContext): Promise<boolean> {
  try {
    await store.remove(key);
    return true;
  } catch (error) {
    context.warn?.(
      `could not remove s3://${store.bucket}/${key} after the failure (${(error as Error).message}); delete it by hand`,
    );
    return false;
  }
}
