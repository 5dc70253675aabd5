import { Command, Option } from "commander";
import { addStackOptions, CliCommand, CliIo, openStack, StackOptions } from "../shell";
import { parseDuration } from "../../text-format";
import { ExitCode } from "../../errors";
import { assertCohortName } from "../../naming";
import { refreshCohort } from "../../lifecycle/refresh-cohort";
import { publishAndReport } from "../output/publication-output";
import { reportEarlierLive, reportNothingToRefresh, reportRefreshPlan } from "../output/refresh-output";
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

/** Parses the options into a request, refreshes (printing the publication as it goes), reports; returns the exit code. */
async function runRefresh(options: RefreshOptions, io: CliIo): Promise<number> {
  const cohort = assertCohortName(options.cohort);
  const expiresSeconds = options.expires === undefined ? undefined : parseDuration(options.expires);
  const { viewerUrl } = checkPublicationOptions(options);
  const stack = await openStack(options, io);
  const { clamp, allowRevoked, checkContent, dryRun, out: outFile } = options;
  const request = { cohort, expiresSeconds, clamp, viewerUrl, allowRevoked, checkContent, dryRun, outFile };
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const outcome = await refreshCohort(
    request,
    { ...stack, now: io.now, warn },
    {
      planned: (plan) => reportRefreshPlan(plan, io),
      publish: (publish) => publishAndReport(publish, options, io, stack, warn),
    },
  );
  if (outcome.kind === "sign-in") reportNothingToRefresh(outcome.cohort, outcome.link, io);
  else if (!outcome.result.dryRun && !options.json) reportEarlierLive(cohort, outcome.earlierLive, options, io);
  return ExitCode.ok;
}

export function refreshCohortCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: RefreshOptions) => runRefresh(options, io) };
}
