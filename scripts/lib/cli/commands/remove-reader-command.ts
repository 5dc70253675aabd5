/**
 * `remove-reader`: on a sign-in stack with its own Cognito user pool, takes a person out of a group,
 * or (without --group) out of the pool. Takes effect at their next sign-in; an open session keeps
 * its cookies until it ends.
 */
import { Command } from "commander";
import { ExitCode } from "../../errors";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, StackOptions } from "../shell";
import { withUserPool } from "../caller-stack";
import { removeReader } from "../../sign-in/readers";

interface RemoveReaderOptions extends StackOptions {
  email: string;
  group?: string;
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("remove-reader")
      .description("On a sign-in stack with its own user pool: take a person out of a group, or out of the pool.")
      .requiredOption("--email <address>", "the person's email address")
      .option("--group <group>", "only this group (default: delete the person from the pool)"),
  );
  addHelpNotes(
    command,
    [
      "Credentials: your own, from the AWS chain. Takes effect at the person's next sign-in; a session already",
      "open keeps its cookies until it ends (sessionHours at most).",
    ],
    { 0: "removed", 1: "invalid address or group, or not in the pool", 2: "usage error", 3: "AWS failure" },
  );
  return command;
}

/** Takes the person out of the group, or out of the pool without --group. */
async function runRemoveReader(options: RemoveReaderOptions, io: CliIo): Promise<number> {
  const { email, group } = options;
  const userPoolId = await withUserPool(options, io, "remove-reader", async (client, userPoolId) => {
    await removeReader(client, userPoolId, email, group);
    return userPoolId;
  });
  io.stderr(
    group === undefined
      ? `Deleted ${email} from user pool ${userPoolId}: they cannot sign in any more.\n`
      : `Took ${email} out of group ${JSON.stringify(group)}.\n`,
  );
  io.stderr("A session already open keeps its cookies until it ends (at most the stack's sessionHours).\n");
  return ExitCode.ok;
}

export function removeReaderCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: RemoveReaderOptions) => runRemoveReader(options, io) };
}
