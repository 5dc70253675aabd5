/**
 * How a publication is reported, shared by publish-cohort and refresh-cohort: the link on stdout
 * (the one thing the user asked for), the summary on stderr, or one JSON document with --json;
 * on request also a deep link per sample and the share page (a local file and/or a private object
 * next to the config), all built from the config bytes that were published.
 */
import { CliIo, interruptibly, OpenedStack, StackOptions } from "../shell";
import { describeDuration } from "../../text-format";
import { opensPublicChromoscope, PUBLIC_VIEWER_NOTICE } from "../../publication/chromoscope";
import { CliError, describeCause, ExitCode, InterruptedError, UsageError } from "../../errors";
import { PublicationOutputOptions } from "./publication-options";
import { writePrivateFileAtomic } from "../../files";
import { randomHex8 } from "../../naming";
import { interruptible } from "../../s3/object-store";
import { interruptedPublish } from "../../publication/interrupted-publish";
import { publishCohort, PublishRequest, PublishResult } from "../../publication/publish";
import { describeKind } from "../../s3/credentials";
import { npmCommand } from "./lifecycle-report";
import { stderrStream, terminalProgress } from "./progress-bar";
import {
  buildSharePage,
  parsePublishedConfig,
  SampleLink,
  sampleLinks,
  SharePageUpload,
  uploadSharePage,
} from "../../publication/share-page";

/** Who signed, for the share page: the access key id and what it belongs to (never a secret). */
export type SigningContext = Pick<OpenedStack, "outputs" | "credentials" | "store" | "endpoint">;

const LIMITS: Record<PublishResult["expiry"]["limit"], string> = {
  request: "as requested",
  s3: "S3's 7-day maximum",
  stack: "the stack's maxLinkLifetimeSeconds",
  session: "the signing session's expiry",
};

/** What the share options produced, for the report. */
export interface SharedOutputs {
  sampleLinks?: SampleLink[];
  sharePageFile?: string;
  sharePage?: SharePageUpload;
}

export function publicationJson(result: PublishResult, shared: SharedOutputs = {}): Record<string, unknown> {
  const sharePage =
    shared.sharePageFile !== undefined || shared.sharePage !== undefined
      ? {
          ...(shared.sharePageFile !== undefined ? { file: shared.sharePageFile } : {}),
          ...(shared.sharePage
            ? {
                key: shared.sharePage.key,
                url: shared.sharePage.url,
                expiresAt: shared.sharePage.expiresAt.toISOString(),
              }
            : {}),
        }
      : undefined;
  return {
    cohort: result.cohort,
    dryRun: result.dryRun,
    link: result.link,
    configKey: result.configKey,
    configUrl: result.configUrl,
    expiresAt: result.access === "sign-in" ? null : result.expiresAt.toISOString(),
    ...(result.access === "sign-in" ? { access: result.access, dataFolder: result.dataFolder } : {}),
    samples: shared.sampleLinks ?? result.sampleIds.length,
    urls: result.urlCount,
    ...(sharePage ? { sharePage } : {}),
  };
}

/** The signing identity as the share page names it: the access key id and whose it is. */
export function signingIdentity(result: PublishResult, signing?: SigningContext): string {
  const key = `access key ${result.signingAccessKeyId}`;
  switch (signing?.credentials.kind) {
    case undefined:
      return key;
    case "stack-presigner": {
      const user = signing.outputs.presignerUserName;
      return user ? `${key} of the stack's presigner user ${user}` : `${key} of the stack's presigner user`;
    }
    case "long-term":
      return `${key} (IAM user key from the AWS credential chain)`;
    case "session":
      return `${key} (temporary session credentials)`;
  }
}

/** What the share options will produce: links and page built, upload and local file still to do. */
interface SharePlan {
  shared: SharedOutputs;
  html?: string;
  /** The first failure after the publish; reported once the link is printed. */
  failure?: unknown;
}

/** Builds the sample links and the page from the published config (synchronous: no I/O). */
function planShare(
  result: PublishResult,
  options: PublicationOutputOptions,
  io: CliIo,
  signing: SigningContext | undefined,
): SharePlan {
  const plan: SharePlan = { shared: {} };
  const wantsPage = options.sharePage !== undefined || Boolean(options.uploadSharePage);
  if (result.dryRun || (!options.sampleLinks && !wantsPage)) return plan;
  try {
    if (result.configBody === undefined || result.configUrl === undefined) {
      throw new Error("the publication result carries no published config to build links from");
    }
    const config = parsePublishedConfig(result.configBody);
    const parts = { viewerUrl: result.viewerUrl, configUrl: result.configUrl };
    if (result.access === "sign-in") {
      if (wantsPage) throw signInSharePageError();
      plan.shared.sampleLinks = config.samples.map(({ id }, index) => ({
        id,
        index,
        link: `${result.link}?sample=${encodeURIComponent(id)}`,
      }));
      return plan;
    }
    if (options.sampleLinks) plan.shared.sampleLinks = sampleLinks(config, parts);
    if (wantsPage) {
      plan.html = buildSharePage({
        config,
        link: parts,
        publishedAt: result.createdAt,
        expiresAt: result.expiresAt,
        publishedBy: signingIdentity(result, signing),
        now: io.now(),
      });
    }
  } catch (error) {
    plan.failure = error;
  }
  return plan;
}

async function uploadPlannedPage(
  plan: SharePlan,
  result: PublishResult,
  signing: SigningContext | undefined,
): Promise<void> {
  try {
    if (!signing)
      throw new UsageError("--upload-share-page is not available here: the command passed no bucket to upload to");
    plan.shared.sharePage = await uploadSharePage(
      plan.html!,
      { configKey: result.configKey, createdAt: result.createdAt, expirySeconds: result.expiry.seconds },
      signing,
    );
  } catch (error) {
    // Stopped by the user: not a failed share step, but the end of the command.
    if (error instanceof InterruptedError) throw error;
    plan.failure ??= error;
  }
}

/** Writes the local page, prints everything, then reports a failure of a share step. */
function finish(
  plan: SharePlan,
  result: PublishResult,
  options: PublicationOutputOptions,
  io: CliIo,
  signer: string,
): void {
  // The local file is written even when the upload failed: it is the page the user asked for.
  if (plan.html !== undefined && options.sharePage !== undefined) {
    try {
      writePrivateFileAtomic(options.sharePage, plan.html, "--share-page");
      plan.shared.sharePageFile = options.sharePage;
    } catch (error) {
      plan.failure ??= error;
    }
  }
  if (options.json) {
    io.stdout(`${JSON.stringify(publicationJson(result, plan.shared), null, 2)}\n`);
  } else {
    reportText(result, options, io, signer, plan.shared);
  }
  if (plan.failure !== undefined) {
    const failure = plan.failure;
    const cause = failure instanceof Error ? failure.message : describeCause(failure);
    throw new CliError(
      `the cohort was published and its link printed, but the share step failed: ${cause}`,
      failure instanceof CliError ? failure.exitCode : ExitCode.aws,
      {
        fix:
          failure instanceof CliError && failure.fix
            ? failure.fix
            : "run refresh-cohort with the share options to publish the cohort again",
        cause: failure,
      },
    );
  }
}

/**
 * Prints the result; `signer` describes the signing credentials (never the secret). `signing` (the
 * opened stack) names the signer on the share page and is needed for --upload-share-page.
 * Synchronous unless the share page is uploaded: then it returns a promise (await it). A share step
 * that fails after the publish is thrown (with its exit code) once the link is printed.
 */
export function reportPublication(
  result: PublishResult,
  options: PublicationOutputOptions,
  io: CliIo,
  signer: string,
  signing?: SigningContext,
): void | Promise<void> {
  const plan = planShare(result, options, io, signing);
  if (plan.html !== undefined && options.uploadSharePage && plan.failure === undefined) {
    return uploadPlannedPage(plan, result, signing).then(() => finish(plan, result, options, io, signer));
  }
  finish(plan, result, options, io, signer);
}

/** The share page is a list of presigned links; a sign-in cohort's stable links need none. */
function signInSharePageError(): UsageError {
  return new UsageError(
    "--share-page and --upload-share-page make a page of presigned links, which a sign-in stack has none of",
    {
      fix: "share the cohort's /open/ link (and --sample-links for one per sample): they never expire and open only for granted groups",
    },
  );
}

function reportSignIn(
  result: PublishResult,
  options: PublicationOutputOptions,
  io: CliIo,
  shared: SharedOutputs,
): void {
  const samples = result.sampleIds.length;
  const what = `${samples} sample${samples === 1 ? "" : "s"}, ${result.urlCount} file${result.urlCount === 1 ? "" : "s"} on ${new URL(result.viewerUrl).origin}`;
  if (result.dryRun) {
    io.stderr(`Dry run: cohort "${result.cohort}" is valid for sign-in: ${what}; nothing was uploaded.\n`);
    io.stderr(`Would upload: ${result.configKey} (${result.configBytes} bytes); data folder ${result.dataFolder}\n`);
    return;
  }
  io.stderr(`Published cohort "${result.cohort}" for sign-in: ${what} (no signature, no expiry in any address).\n`);
  io.stderr(`Config: ${result.configKey}; data folder: ${result.dataFolder}\n`);
  io.stderr(
    "The link holds no key and never expires: it opens the cohort for people whose group is granted it " +
      "(grant-cohort), for their session, and shows everyone else a page saying they have no access.\n",
  );
  if (options.out) io.stderr(`Config written to ${options.out} (mode 0600).\n`);
  io.stdout(`${result.link}\n`);
  io.stdout((shared.sampleLinks ?? []).map(({ id, link }) => `${id}\t${link}\n`).join(""));
}

function reportText(
  result: PublishResult,
  options: PublicationOutputOptions,
  io: CliIo,
  signer: string,
  shared: SharedOutputs,
): void {
  if (result.access === "sign-in") return reportSignIn(result, { ...options }, io, options.sampleLinks ? shared : {});
  const samples = result.sampleIds.length;
  const what = `${samples} sample${samples === 1 ? "" : "s"}, ${result.urlCount} file${result.urlCount === 1 ? "" : "s"} presigned`;
  if (result.dryRun) {
    io.stderr(`Dry run: cohort "${result.cohort}" is valid: ${what}; nothing was uploaded.\n`);
    io.stderr(`Would upload: ${result.configKey} (${result.configBytes} bytes)\n`);
    if (options.out) io.stderr(`Config written to ${options.out} (mode 0600).\n`);
    return;
  }
  const life = describeDuration(result.expiry.seconds);
  io.stderr(`Published cohort "${result.cohort}": ${what}.\n`);
  io.stderr(`Config: ${result.configKey}\n`);
  io.stderr(
    `Links expire ${result.expiresAt.toISOString()} (in ${life}; ${LIMITS[result.expiry.limit]}). Signed with ${signer}.\n`,
  );
  io.stderr("Anyone holding this link can read the cohort's data until then.\n");
  if (opensPublicChromoscope(result.viewerUrl)) io.stderr(`Note: ${PUBLIC_VIEWER_NOTICE}\n`);
  if (options.out) io.stderr(`Config written to ${options.out} (mode 0600).\n`);
  if (shared.sharePageFile !== undefined) io.stderr(`Share page written to ${shared.sharePageFile} (mode 0600).\n`);
  if (shared.sharePage) {
    io.stderr(
      `Share page stored privately at s3://${shared.sharePage.bucket}/${shared.sharePage.key}; its link (the last line of the output) expires with the config.\n`,
    );
  }
  io.stdout(`${result.link}\n`);
  const links = shared.sampleLinks ?? [];
  // Large cohorts: a few big writes rather than one per sample.
  for (let start = 0; start < links.length; start += 1000) {
    io.stdout(
      links
        .slice(start, start + 1000)
        .map(({ id, link }) => `${id}\t${link}\n`)
        .join(""),
    );
  }
  if (shared.sharePage) io.stdout(`${shared.sharePage.url}\n`);
}

/**
 * reportPublication with the share-page upload stopped by an interruption. The publication is
 * recorded by then: the user is told it stands, with its link unprinted, and how to get or withdraw it.
 */
export async function reportInterruptibly(
  result: PublishResult,
  options: PublicationOutputOptions,
  io: CliIo,
  signer: string,
  signing: SigningContext,
  run: { interruption: AbortSignal; suggest: (script: string, args: readonly string[]) => string },
): Promise<void> {
  try {
    await reportPublication(result, options, io, signer, {
      ...signing,
      store: interruptible(signing.store, run.interruption),
    });
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    const facts = {
      cohort: result.cohort,
      bucket: signing.store.bucket,
      configKey: result.configKey,
      ledgerKey: result.ledgerKey,
    };
    throw interruptedPublish(error.signal, "recorded", facts, run.suggest);
  }
}

/**
 * Publishes `request` as a command does (a progress bar on a terminal, warnings on stderr, Ctrl-C
 * stops it cleanly, fixes name npm commands), then reports the result; returns it.
 */
export function publishAndReport(
  request: PublishRequest,
  options: StackOptions & PublicationOutputOptions,
  io: CliIo,
  stack: OpenedStack,
  warn: (message: string) => void,
): Promise<PublishResult> {
  return interruptibly(io, async (interruption) => {
    const suggest = (script: string, args: readonly string[]) => npmCommand(script, options, args);
    const progress = terminalProgress(io.isTTY, stderrStream(io));
    const context = { ...stack, now: io.now, randomHex: randomHex8, progress, warn, interruption, suggest };
    const result = await publishCohort(request, context);
    const signer = describeKind(stack.credentials, io.now());
    await reportInterruptibly(result, options, io, signer, stack, { interruption, suggest });
    return result;
  });
}
