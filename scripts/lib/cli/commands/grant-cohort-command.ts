/**
 * `grant-cohort`: on a sign-in stack, grants a group of the identity provider a cohort. The grant is
 * an object in the bucket written with the caller's own credentials (the presigner may not write
 * grants); people of the group open the cohort's link from their next sign-in.
 */
import { Command } from "commander";
import { ExitCode } from "../../errors";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, StackOptions } from "../shell";
import { openCallerStack } from "../caller-stack";
import { callerName } from "../caller-name";
import { grantCohort, signInGrantsPrefix } from "../../sign-in/grants";
import { signInLink, viewerOriginOf } from "../../publication/sign-in-publication";
import { loadPublications } from "../../lifecycle/publications";

interface GrantOptions extends StackOptions {
  cohort: string;
  group: string;
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("grant-cohort")
      .description("On a sign-in stack: let the people of a group open a cohort (with your own AWS credentials).")
      .requiredOption("--cohort <name>", "the cohort's exact name")
      .requiredOption("--group <group>", "a group of the identity provider (a Cognito group, or your provider's)"),
  );
  addHelpNotes(
    command,
    [
      "The cohort's link goes to stdout. Credentials: your own, from the AWS chain (the presigner may not write grants).",
      "Takes effect at each person's next sign-in; revoke-cohort --group removes it.",
    ],
    { 0: "granted", 1: "invalid cohort name or group", 3: "AWS or network failure" },
  );
  return command;
}

/** Writes the grant with the caller's credentials, says whether the cohort is published yet, prints its link. */
async function runGrantCohort(options: GrantOptions, io: CliIo): Promise<number> {
  const purpose = { doing: "writing a grant", onAws: "may not write grants" };
  const stack = await openCallerStack(options, io, purpose);
  const grantsPrefix = signInGrantsPrefix(stack.outputs, "grant-cohort");
  const grantedBy = await callerName(stack);
  const key = await grantCohort(stack.store, grantsPrefix, { ...options, grantedBy, now: io.now() });
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const publications = await loadPublications(stack.store, stack.outputs, {
    cohort: options.cohort,
    warn,
  });
  const live = publications.some((publication) => publication.access === "sign-in" && !publication.revokedAt);
  io.stderr(
    `Granted cohort ${JSON.stringify(options.cohort)} to group ${JSON.stringify(options.group)} (s3://${stack.store.bucket}/${key}).\n`,
  );
  io.stderr(
    live
      ? "People of that group open it at the link below from their next sign-in.\n"
      : "The cohort has no sign-in publication yet: the link opens once publish-cohort has published it.\n",
  );
  io.stdout(`${signInLink(viewerOriginOf(stack.outputs), options.cohort)}\n`);
  return ExitCode.ok;
}

export function grantCohortCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: GrantOptions) => runGrantCohort(options, io) };
}
