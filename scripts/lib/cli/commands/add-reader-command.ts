/**
 * `add-reader`: on a sign-in stack with its own Cognito user pool, invites a person by email and
 * puts them in a group (created when new). Credentials: the caller's own, from the AWS chain.
 */
import { Command } from "commander";
import { ExitCode } from "../../errors";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, StackOptions } from "../shell";
import { withUserPool } from "../caller-stack";
import { addReader } from "../../sign-in/readers";

interface ReaderOptions extends StackOptions {
  email: string;
  group: string;
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("add-reader")
      .description("On a sign-in stack with its own user pool: invite a person by email into a group.")
      .requiredOption("--email <address>", "the person's email address (Cognito emails them a temporary password)")
      .requiredOption(
        "--group <group>",
        "the group to put them in (created when new); grant it cohorts with grant-cohort",
      ),
  );
  addHelpNotes(
    command,
    ["Credentials: your own, from the AWS chain. Takes effect at the person's next sign-in; remove-reader undoes it."],
    {
      0: "added",
      1: "invalid address or group",
      2: "usage error (e.g. the stack uses the lab's own provider)",
      3: "AWS failure",
    },
  );
  return command;
}

/** Invites the person (or finds them in the pool) and adds them to the group, creating it when new. */
async function runAddReader(options: ReaderOptions, io: CliIo): Promise<number> {
  const { email, group } = options;
  const { added, userPoolId } = await withUserPool(options, io, "add-reader", async (client, userPoolId) => ({
    added: await addReader(client, userPoolId, email, group),
    userPoolId,
  }));
  if (added.groupCreated) io.stderr(`Created group ${JSON.stringify(group)} in user pool ${userPoolId}.\n`);
  io.stderr(
    `${added.invited ? `Invited ${email} (Cognito emails a temporary password)` : `${email} was already in the pool`}; ` +
      `added to group ${JSON.stringify(group)}. They open its cohorts from their next sign-in.\n`,
  );
  return ExitCode.ok;
}

export function addReaderCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: ReaderOptions) => runAddReader(options, io) };
}
