import { Command } from "commander";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, openStack, StackOptions } from "../shell";
import { ExitCode } from "../../errors";
import { listCohorts } from "../../lifecycle/cohort-listing";
import { assertCohortName } from "../../naming";
import { parseDuration } from "../../text-format";
import { printCohortsJson, printCohortsTable } from "../output/cohorts-output";

interface CohortsOptions extends StackOptions {
  cohort?: string;
  json?: boolean;
  showLinks?: boolean;
  expiringWithin?: string;
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("cohorts")
      .description(
        "List published cohorts from the ledger, newest first: config key, signing key, created, expires, live/expired/revoked/dead.",
      )
      .option("--cohort <name>", "only this cohort (exact name)")
      .option("--json", "print the list as JSON on stdout")
      .option(
        "--expiring-within <duration>",
        "only live publications whose links expire within this time, e.g. 48h (to refresh them in time)",
      )
      .option(
        "--show-links",
        "add a freshly presigned link to each live publication (expiring no later than the publication; none for dead ones)",
      ),
  );
  addHelpNotes(
    command,
    [
      "Dead: not expired, but its links fail (the key that signed it was rotated out, or the session that signed it has ended).",
      "No presigned URL is printed unless --show-links is given: links are bearer tokens.",
    ],
    { 0: "listed", 1: "invalid input", 3: "AWS or network error" },
  );
  return command;
}

/** Parses the options into a request, lists, prints; returns the exit code. */
async function runCohorts(options: CohortsOptions, io: CliIo): Promise<number> {
  if (options.cohort !== undefined) assertCohortName(options.cohort);
  const within =
    options.expiringWithin === undefined ? undefined : parseDuration(options.expiringWithin, "--expiring-within");
  const stack = await openStack(options, io);
  const request = { cohort: options.cohort, expiringWithinSeconds: within, showLinks: options.showLinks };
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const listing = await listCohorts(request, { ...stack, now: io.now(), warn });
  if (options.json) {
    printCohortsJson(listing, stack.outputs, io);
    return ExitCode.ok;
  }
  const where = `s3://${stack.store.bucket}/${stack.outputs.ledgerPrefix}`;
  if (listing.publications.length > 0) printCohortsTable(listing, stack.outputs, where, io);
  else if (within !== undefined)
    io.stderr(`No live publication in ${where} expires within ${options.expiringWithin}.\n`);
  else if (options.cohort === undefined) io.stderr(`No publications recorded in ${where} yet.\n`);
  else io.stderr(`No publication of cohort ${JSON.stringify(options.cohort)} in ${where}.\n`);
  return ExitCode.ok;
}

export function cohortsCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: CohortsOptions) => runCohorts(options, io) };
}
