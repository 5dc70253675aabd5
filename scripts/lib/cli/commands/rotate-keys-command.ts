import { Command } from "commander";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, openStack, StackOptions } from "../shell";
import { ExitCode, UsageError, ValidationError } from "../../errors";
import {
  carryOutRotation,
  parseGenerationOption,
  prepareRotation,
  RotationOutcome,
} from "../../lifecycle/key-rotation";
import { loadPublications } from "../../lifecycle/publications";
import { decideRotation, KeySlots, keySlotsOf, RotationDecision } from "../../lifecycle/rotation";
import { latestExpiry, Publication } from "../../ledger/fold";
import { cohortNames, describeKey, npmCommand, publicationLine, ROTATION_EXIT_CODES } from "../output/lifecycle-report";
import { instant, plural } from "../../text-format";

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

/** Says which key rotates and what that breaks; refuses to break live links without --force. */
function checkRotationSafe(
  decision: RotationDecision,
  slots: KeySlots,
  options: RotateOptions,
  io: CliIo,
  now: Date,
): void {
  io.stderr(`Active: ${describeKey(slots.active, now)}, signs new links.\n`);
  io.stderr(`Rotation replaces the inactive ${describeKey(slots.inactive, now)}.\n`);
  if (decision.safe) {
    io.stderr(`No live link was signed by ${slots.inactive.accessKeyId}: rotating breaks nothing.\n`);
    return;
  }
  const details = decision.breaking.map((publication) => publicationLine(publication, slots, now));
  const what = `${plural(decision.breaking.length, "live publication")} of ${plural(cohortNames(decision.breaking).length, "cohort")}`;
  if (!options.force) {
    throw new ValidationError(
      `rotating now would break ${what}, signed by the inactive key ${slots.inactive.accessKeyId}`,
      {
        details,
        fix: `rotation is safe once ${instant(decision.safeAfter!)} has passed: run it again then (or revoke those cohorts, or pass --force to break them now)`,
      },
    );
  }
  io.stderr(`--force: rotating breaks ${what}:\n`);
  for (const line of details) io.stderr(`  ${line}\n`);
}

/** What the rotation did, when the next one is safe, and how to re-share what it broke. */
function reportRotated(
  outcome: RotationOutcome,
  rotation: { slots: KeySlots; publications: readonly Publication[]; decision: RotationDecision; now: Date },
  options: RotateOptions,
  io: CliIo,
): void {
  const { slots, publications, decision, now } = rotation;
  // The key that signed until now is the inactive one from here on: the next rotation waits for its links.
  const nextBlockers = decideRotation({ active: slots.inactive, inactive: slots.active }, publications, now).breaking;
  const nextSafe = latestExpiry(nextBlockers);
  const active = outcome.newSlots?.active;
  io.stderr(
    `Rotated (keyGeneration ${outcome.fromGeneration} → ${outcome.toGeneration}): ` +
      `${active ? `${describeKey(active, io.now())} is active and signs new links` : `slot ${slots.inactive.slot} is active and signs new links`}; ` +
      `${slots.active.accessKeyId} keeps its live links working until they expire. ` +
      `${nextSafe ? `The next rotation is safe after ${instant(nextSafe)}.` : "The next rotation is safe right away."}\n`,
  );
  for (const name of cohortNames(decision.breaking))
    io.stderr(`Re-share ${JSON.stringify(name)}: ${npmCommand("refresh-cohort", options, ["--cohort", name])}\n`);
}

async function runRotateKeys(options: RotateOptions, io: CliIo): Promise<number> {
  const generation = parseGenerationOption(options.generation);
  if (options.stack === undefined && !options.print) {
    throw new UsageError("rotate-keys runs the Pulumi CLI, which works on a stack: pass --stack NAME", {
      fix: "pass --stack NAME, or add --print to decide from --outputs and see the commands",
    });
  }
  const stack = await openStack(options, io);
  const slots = keySlotsOf(stack.outputs);
  const now = io.now();
  const publications = await loadPublications(stack.store, stack.outputs, {
    warn: (message) => io.stderr(`warning: ${message}\n`),
  });
  if (options.ifDue && slots.active.rotationDueAt.getTime() > now.getTime()) {
    const due = instant(slots.active.rotationDueAt);
    io.stderr(
      `Not due: the active ${describeKey(slots.active, now)} is due for rotation at ${due}; nothing changed.\n`,
    );
    return ExitCode.ok;
  }
  const decision = decideRotation(slots, publications, now);
  checkRotationSafe(decision, slots, options, io, now);
  const deployedGeneration = stack.outputs.keyGeneration;
  const prepared = await prepareRotation(
    { stack: options.stack, generation, deployedGeneration, print: Boolean(options.print), rotations: 1, slots },
    io,
  );
  const outcome = await carryOutRotation(prepared, io);
  if (!outcome.printed) reportRotated(outcome, { slots, publications, decision, now }, options, io);
  return ExitCode.ok;
}

export function rotateKeysCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: RotateOptions) => runRotateKeys(options, io) };
}
