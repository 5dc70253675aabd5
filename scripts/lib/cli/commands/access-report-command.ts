/**
 * `access-report`: who read what. Links mode: the data bucket's server access logs of a period,
 * attributed to the ledger's publications. Sign-in mode: the sign-in audit records of the period, per
 * cohort. The flow is in scripts/lib/access/; this file parses the options, makes the one call and prints.
 */
import { Command } from "commander";
import { accessReport, signInAccessReport } from "../../access/access-report";
import { assertCohortName } from "../../naming";
import { parseDuration } from "../../text-format";
import { printAccessReport, printSignInReport } from "../output/access-report-output";
import { ExitCode } from "../../errors";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, integerOption, openStack, StackOptions } from "../shell";

interface AccessReportOptions extends StackOptions {
  cohort?: string;
  since: string;
  maxClients: string;
  json?: boolean;
}

const MAX_CLIENTS_LIMIT = 1_000_000;

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("access-report")
      .description(
        "Who read what: the bucket's access logs of a period per publication (requests, bytes, client addresses, refusals, flags).",
      )
      .option("--cohort <name>", "only this cohort's publications (exact name)")
      .option("--since <duration>", "the period: this far back from now, e.g. 24h or 30d", "7d")
      .option("--max-clients <n>", "flag a publication used from more distinct client addresses than this", "10")
      .option("--json", "print the report as JSON on stdout (and nothing else there)"),
  );
  addHelpNotes(
    command,
    [
      "Reads the logs with your own AWS credentials: the account root and the stack's logReaderArns may read them.",
      "Sign-in mode (access: sign-in): who signed in and opened each cohort, from the sign-in audit records.",
      "S3 delivers access logs late (usually within hours, best effort): the report says which period its logs cover.",
      "No link, signature or credential is printed.",
    ],
    {
      0: "reported",
      1: "invalid input (unknown cohort, logging off)",
      3: "AWS or network error, or no read access to the logs",
    },
  );
  return command;
}

/** Parses the options into a request, makes the one call and prints; returns the exit code. */
async function runAccessReport(options: AccessReportOptions, io: CliIo): Promise<number> {
  if (options.cohort !== undefined) assertCohortName(options.cohort);
  const seconds = parseDuration(options.since, "--since");
  const maxClients = integerOption(
    "--max-clients",
    options.maxClients,
    0,
    MAX_CLIENTS_LIMIT,
    "pass e.g. --max-clients 10",
  );
  const stack = await openStack(options, io);
  const end = io.now();
  const request = { cohort: options.cohort, start: new Date(end.getTime() - seconds * 1000), end, maxClients };
  const context = {
    ...stack,
    credentialProvider: io.credentialProvider,
    s3: io.s3,
    warn: (message: string) => io.stderr(`warning: ${message}\n`),
  };
  if (stack.outputs.access === "sign-in") {
    printSignInReport(await signInAccessReport(request, context), Boolean(options.json), io);
  } else {
    printAccessReport(await accessReport(request, context), Boolean(options.json), io);
  }
  return ExitCode.ok;
}

export function accessReportCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: AccessReportOptions) => runAccessReport(options, io) };
}
