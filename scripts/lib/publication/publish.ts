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
import { AwsError, InterruptedError } from "../errors";
import { interruptedPublish, InterruptedStage } from "./interrupted-publish";
import { decideExpiry } from "./expiry";
import { writePrivateFileAtomic } from "../files";
import { LedgerEntry, ledgerEntryStored, writeLedgerEntry } from "../ledger/ledger";
import { linkSignerFor } from "../ledger/publication-status";
import { assertCohortName, configObjectKey, ledgerObjectKey, publicationStem } from "../naming";
import { interruptible, ObjectStore } from "../s3/object-store";
import { step } from "./publish-steps";
import { S3QueryPresigner } from "../s3/presign";
import { LocatedSample } from "../cohort/samples";
import { NEVER_EXPIRES } from "../ledger/fold";
import { checkedSamples } from "./checked-samples";
import type { PublishContext, PublishRequest, PublishResult } from "./publish-request";
import {
  isSignInStack,
  ownDataFolder,
  refuseLinkOptions,
  signInFileUrl,
  signInLink,
  viewerOriginOf,
} from "./sign-in-publication";

export type { CohortSource, Progress, PublishContext, PublishRequest, PublishResult } from "./publish-request";

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
