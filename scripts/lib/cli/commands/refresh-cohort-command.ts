import { StackOutputs } from "../../../../components/stack-outputs";
import { isSignInStack, signInLink, viewerOriginOf } from "../../publication/sign-in-publication";
import { Command, Option } from "commander";
import { addStackOptions, CliCommand, CliIo, OpenedStack, openStack, StackOptions } from "../shell";
import { formatDuration, parseDuration, instant, plural } from "../../text-format";
import { ExitCode, ValidationError } from "../../errors";
import { recordedSource, requirePublications } from "../../lifecycle/publications";
import { assertCohortName, printable } from "../../naming";
import { viewerUrlProblem } from "../../../../components/address-rules";
import { npmCommand } from "../output/lifecycle-report";
import { judgePublication, stackKeysOf } from "../../ledger/publication-status";
import { latestExpiry, Publication } from "../../ledger/fold";
import { publishAndReport } from "../output/publication-output";
import {
  addPublicationOutputOptions,
  checkPublicationOptions,
  PublicationOutputOptions,
} from "../output/publication-options";

interface RefreshOptions extends StackOptions, PublicationOutputOptions {
  cohort: string;
  expires?: string;
  clamp?: boolean;
  checkContent?: boolean;
  allowRevoked?: boolean;
}

function isAppUrl(value: unknown): boolean {
  return typeof value === "string" && viewerUrlProblem(value) === undefined;
}

/**
 * The viewer a refresh links to without --viewer-url: the one the publication chose with
 * --viewer-url, else the stack's current viewerUrl (undefined: publish uses it and records it as the
 * stack's), so a stack that moved to its own viewer moves its cohorts' links with it. Says so when
 * the links change viewer, or keep one the stack no longer uses.
 */
function refreshViewer(latest: Publication, stackViewer: string, io: CliIo): string | undefined {
  const recorded = latest.inputs.viewerUrl;
  if (latest.inputs.viewerUrlSource === "option") {
    // The ledger is data in the bucket: a recorded viewer URL is used only if it is one.
    if (!isAppUrl(recorded)) {
      throw new ValidationError(
        `the viewer URL recorded in ${latest.ledgerKey} (${printable(String(recorded))}) is not a Chromoscope app URL`,
        { fix: "pass --viewer-url with the app's URL, e.g. --viewer-url https://chromoscope.bio/app/" },
      );
    }
    if (recorded !== stackViewer) {
      io.stderr(
        `Links open ${recorded}, the viewer the publication chose with --viewer-url (the stack's is ${stackViewer}); --viewer-url changes it.\n`,
      );
    }
    return recorded;
  }
  if (recorded !== stackViewer) {
    const old = isAppUrl(recorded) ? recorded : printable(String(recorded));
    io.stderr(
      `Links open the stack's viewer ${stackViewer}, not ${old} as the publication did (the stack's viewerUrl changed since)` +
        `${isAppUrl(recorded) ? `; --viewer-url ${recorded} keeps the old one` : ""}.\n`,
    );
  }
  return undefined;
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("refresh-cohort")
      .description(
        "Publish a cohort again from the inputs its latest publication recorded in the ledger, with fresh links.",
      )
      .requiredOption("--cohort <name>", "the cohort's name, exactly as published (see `npm run cohorts`)")
      .option(
        "--expires <duration>",
        "link lifetime, e.g. 36h or 7d (default: the recorded --expires, else the longest the credentials and the stack allow)",
      )
      .option("--clamp", "shorten --expires to the longest allowed instead of refusing it")
      .option(
        "--viewer-url <url>",
        "Chromoscope app URL (default: the one the publication chose with --viewer-url, else the stack's current viewerUrl)",
      )
      .option(
        "--no-check-content",
        "skip reading the start of each data file (header columns of SV, CNV and drivers files; VCF, BAM and index formats)",
      )
      // The check is on by default; the flag that once turned it on is still accepted.
      .addOption(new Option("--check-content").hideHelp())
      .option("--dry-run", "validate and sign, but upload nothing and print no link")
      .option("--allow-revoked", "publish a cohort again although its latest publication was revoked"),
  );
  addPublicationOutputOptions(command, [
    "The previous links keep working until they expire; revoke the cohort to end them sooner.",
  ]);
  return command;
}

/** Refuses to share a revoked cohort again unless --allow-revoked. */
function assertNotRevoked(latest: Publication, cohort: string, options: RefreshOptions): void {
  if (latest.revokedAt !== undefined && !options.allowRevoked) {
    throw new ValidationError(
      `cohort ${JSON.stringify(cohort)} was revoked at ${instant(latest.revokedAt)}: refreshing would share it again`,
      {
        fix: "if you mean to share it again, add --allow-revoked",
      },
    );
  }
}

/** The earlier publications that still work, and how to end each while keeping the new one. */
function reportEarlierLive(
  cohort: string,
  publications: readonly Publication[],
  stack: OpenedStack,
  options: RefreshOptions,
  io: CliIo,
): void {
  const keys = stackKeysOf(stack.outputs);
  const earlierLive = publications.filter(
    (publication) => judgePublication(publication, keys, io.now()).status === "live",
  );
  const lastEnd = latestExpiry(earlierLive);
  if (!lastEnd) return;
  // --publication ends an earlier publication and keeps the one just made; --cohort alone would end both.
  const one = earlierLive.length === 1;
  io.stderr(
    `${plural(earlierLive.length, "earlier publication")} of this cohort keep${one ? "s" : ""} working until ${instant(lastEnd)}; ` +
      `to end ${one ? "it" : "them"} now and keep this new one, revoke ${one ? "it" : "each"} with --publication:\n`,
  );
  for (const publication of earlierLive) {
    const args = ["--cohort", cohort, "--publication", publication.configKey];
    io.stderr(`  ${npmCommand("revoke-cohort", options, args)}\n`);
  }
}

async function runRefresh(options: RefreshOptions, io: CliIo): Promise<number> {
  const cohort = assertCohortName(options.cohort);
  const explicitSeconds = options.expires === undefined ? undefined : parseDuration(options.expires);
  const { viewerUrl } = checkPublicationOptions(options);
  const stack = await openStack(options, io);
  if (isSignInStack(stack.outputs)) return sayNothingToRefresh(cohort, stack.outputs, io);
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const publications = await requirePublications(stack.store, stack.outputs, cohort, warn);
  const [latest] = publications;
  assertNotRevoked(latest, cohort, options);
  const viewer = viewerUrl ?? refreshViewer(latest, stack.outputs.viewerUrl, io);
  // A recorded --expires is repeated but, not being typed now, shortened rather than refused.
  const recordedSeconds = latest.inputs.requestedSeconds;
  const expiresSeconds = explicitSeconds ?? recordedSeconds;
  const clamp = explicitSeconds === undefined ? recordedSeconds !== undefined : options.clamp;
  io.stderr(
    `Refreshing cohort "${cohort}" from its publication of ${instant(latest.createdAt)} (${latest.ledgerKey}): ${plural(latest.inputs.samples.length, "sample")}` +
      `${explicitSeconds === undefined && recordedSeconds !== undefined ? `, recorded --expires ${formatDuration(recordedSeconds)}` : ""}.\n`,
  );
  const source = recordedSource(latest);
  const { checkContent, dryRun, out: outFile } = options;
  const request = { cohort, source, expiresSeconds, clamp, viewerUrl: viewer, checkContent, dryRun, outFile };
  const result = await publishAndReport(request, options, io, stack, warn);
  if (!result.dryRun && !options.json) reportEarlierLive(cohort, publications, stack, options, io);
  return ExitCode.ok;
}

/** A sign-in stack's link holds no key and never expires: there is nothing to re-sign. */
function sayNothingToRefresh(cohort: string, outputs: StackOutputs, io: CliIo): number {
  io.stderr(
    `Nothing to refresh: on a sign-in stack the link of ${JSON.stringify(cohort)} holds no key and never expires, and its config names no signed URL. ` +
      "Publish again (publish-cohort) after its files change; grant-cohort and revoke-cohort decide who opens it.\n",
  );
  io.stdout(`${signInLink(viewerOriginOf(outputs), cohort)}\n`);
  return ExitCode.ok;
}

export function refreshCohortCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: RefreshOptions) => runRefresh(options, io) };
}
