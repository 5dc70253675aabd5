import { Command } from "commander";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, openStack, StackOptions } from "../shell";
import { ExitCode, UsageError } from "../../errors";
import { parseGenerationOption } from "../../lifecycle/key-rotation";
import { rotateKeys } from "../../lifecycle/rotate-keys";
import { ROTATION_EXIT_CODES } from "../output/lifecycle-report";
import { reportNotDue, reportRotated, reportRotationDecision, unsafeRotationError } from "../output/rotate-keys-output";

interface RotateOptions extends StackOptions {
  generation?: string;
  force?: boolean;
  print?: boolean;
  ifDue?: boolean;
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("rotate-keys")
      .description(
        "Replace the presigner's inactive access key (user kind) when no live link was signed by it: bumps keyGeneration and runs `pulumi up`.",
      )
      .option("--generation <n>", "the stack's current keyGeneration (default: `pulumi config get`, absent: 0)")
      .option("--force", "rotate even though live links signed by the inactive key will break")
      .option(
        "--if-due",
        "do nothing (exit 0) unless the active key's rotation is due (keyRotationDays after its creation): for schedules",
      )
      .option(
        "--print",
        "print the safe sequence of Pulumi commands, with what to check, instead of running them (works with --outputs alone)",
      ),
  );
  addHelpNotes(
    command,
    [
      "Rotation replaces the older (inactive) key only; the active key keeps signing until the next rotation, so it is",
      "safe whenever no live link was signed by the inactive key: about maxLinkLifetimeSeconds after the previous rotation.",
      "Before `pulumi up` it checks `pulumi version` (3.208.0 or newer) and the preview (only the inactive slot's key",
      "replaced); after it, that the key changed.",
    ],
    {
      ...ROTATION_EXIT_CODES,
      0: "rotated and verified (or printed)",
      1: "live links would break, the preview shows other changes (nothing changed), or invalid input",
    },
  );
  return command;
}

/** Without --stack only --print works: the Pulumi CLI works on a stack. */
function assertStackUnlessPrinting(options: RotateOptions): void {
  if (options.stack === undefined && !options.print) {
    throw new UsageError("rotate-keys runs the Pulumi CLI, which works on a stack: pass --stack NAME", {
      fix: "pass --stack NAME, or add --print to decide from --outputs and see the commands",
    });
  }
}

/** Parses the options into a request, rotates (or prints, or says it is not due), reports; returns the exit code. */
async function runRotateKeys(options: RotateOptions, io: CliIo): Promise<number> {
  const generation = parseGenerationOption(options.generation);
  assertStackUnlessPrinting(options);
  const stack = await openStack(options, io);
  const { print, ifDue, force } = options;
  const request = {
    stack: options.stack,
    generation,
    print: Boolean(print),
    ifDue: Boolean(ifDue),
    force: Boolean(force),
  };
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const outcome = await rotateKeys(
    request,
    { ...stack, now: io.now(), warn, io },
    { decided: (rotation) => reportRotationDecision(rotation, io) },
  );
  if (outcome.kind === "not-due") reportNotDue(outcome.active, outcome.now, io);
  else if (outcome.kind === "refused") throw unsafeRotationError(outcome.rotation);
  else if (outcome.kind === "rotated") reportRotated(outcome, options, io);
  return ExitCode.ok;
}

export function rotateKeysCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: RotateOptions) => runRotateKeys(options, io) };
}
