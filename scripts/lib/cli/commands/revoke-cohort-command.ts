/**
 * `revoke-cohort`: withdraws a cohort (deletes its configs, records the revocation) and, with
 * --rotate, rotates the keys that signed its live links. The flags decide one RevokeMode up front;
 * the flow is lifecycle/revoke-cohort.ts, the wording cli/output/revoke-output.ts.
 */
import { Command } from "commander";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, openStack, StackOptions } from "../shell";
import { CliError, ExitCode, UsageError } from "../../errors";
import { parseGenerationOption } from "../../lifecycle/key-rotation";
import { PlannedRotation, RevokeHooks, RevokeMode, revokeCohort, RevokeTarget } from "../../lifecycle/revoke-cohort";
import { assertCohortName } from "../../naming";
import { ROTATION_EXIT_CODES } from "../output/lifecycle-report";
import {
  describePlan,
  reportCopiedLinks,
  reportDryRun,
  reportRevoked,
  reportRotation,
  reportStrays,
} from "../output/revoke-output";
import { plural } from "../../text-format";
import { revokeSignInCohort } from "../sign-in-revoke";

export type { RevokeMode } from "../../lifecycle/revoke-cohort";

export interface RevokeOptions extends StackOptions {
  cohort: string;
  rotate?: boolean;
  yes?: boolean;
  print?: boolean;
  generation?: string;
  dryRun?: boolean;
  publication?: string;
  group?: string;
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("revoke-cohort")
      .description(
        "Withdraw a cohort: delete its published configs (and every other object under its config folder no ledger entry names) " +
          "so every link to them fails, and record the revocation in the ledger.",
      )
      .requiredOption("--cohort <name>", "the cohort's name, exactly as published (see `npm run cohorts`)")
      .option(
        "--rotate",
        "also rotate the key(s) that signed its live links, so data links copied out of a config die too (breaks other cohorts signed by the same keys; asks first)",
      )
      .option(
        "--publication <configKey>",
        "revoke only this publication (its config key, as `npm run cohorts` lists it), e.g. the old one after a refresh",
      )
      .option("--dry-run", "say what would be deleted (and rotated), and change nothing")
      .option("--yes", "confirm without asking (off a terminal, a revoke without --rotate proceeds anyway)")
      .option(
        "--print",
        "with --rotate: revoke now, but print the Pulumi commands of the rotation instead of running them",
      )
      .option("--generation <n>", "with --rotate: the stack's current keyGeneration (default: `pulumi config get`)")
      .option(
        "--group <group>",
        "sign-in stack: remove only this group's grant (the cohort stays published for the other granted groups)",
      ),
  );
  addHelpNotes(
    command,
    [
      "Revoking deletes the configs; data links already copied out of a downloaded config stay valid until they expire,",
      "unless the key that signed them is rotated (--rotate). --rotate runs each rotation as rotate-keys does: version",
      "check, preview, `pulumi up`, verified outputs (two rotations: two such steps).",
    ],
    { ...ROTATION_EXIT_CODES, 0: "revoked", 1: "invalid input, not confirmed, or a preview with other changes" },
  );
  return command;
}

/** The mode of the flags, or the usage error of a combination that cannot run. */
export function revokeModeOf(options: RevokeOptions, canAsk: boolean): RevokeMode {
  if (!options.rotate && (options.print || options.generation !== undefined)) {
    throw new UsageError(`${options.print ? "--print" : "--generation"} goes with --rotate`, {
      fix: "add --rotate, or leave the option out to only revoke",
    });
  }
  const generation = parseGenerationOption(options.generation);
  if (options.dryRun) return { kind: "dry-run", rotate: Boolean(options.rotate), generation };
  if (!options.rotate) return { kind: "revoke", ask: !options.yes && canAsk };
  // Everything that would stop the rotation is checked before anything is deleted.
  if (!options.print && options.stack === undefined) {
    throw new UsageError("--rotate runs the Pulumi CLI, which works on a stack: pass --stack NAME", {
      fix: "pass --stack NAME, or add --print to revoke now and print the rotation's commands",
    });
  }
  if (!options.print && !options.yes && !canAsk) {
    throw new UsageError("--rotate breaks live links and asks first, but there is no terminal to ask on", {
      fix: "add --yes to confirm in a script (check first what `npm run cohorts` lists), or run it in a terminal",
    });
  }
  return { kind: "rotate", print: Boolean(options.print), ask: !options.print && !options.yes, generation };
}

/** Says the rotation's plan and, when the mode asks, asks before anything is deleted. */
async function confirmRotation(rotation: PlannedRotation, mode: RevokeMode, cohort: string, io: CliIo): Promise<void> {
  const { plan, slots } = rotation;
  for (const line of describePlan(plan, slots, cohort, io.now())) io.stderr(`${line}\n`);
  if (plan.rotations === 0 || mode.kind !== "rotate" || !mode.ask) return;
  const question =
    `Revoke "${cohort}" and rotate ${plan.rotations === 1 ? "the inactive key" : "both keys"}` +
    `${plan.breaking.length > 0 ? `, breaking the ${plural(plan.breaking.length, "publication")} listed above` : ""}?`;
  if (!(await io.confirm!(question))) {
    throw new CliError("not confirmed: nothing was revoked or rotated", ExitCode.validation, {
      fix: "run it again and answer yes, or leave out --rotate to only delete the cohort's configs",
    });
  }
}

async function confirmRevoke(target: RevokeTarget, cohort: string, io: CliIo): Promise<void> {
  const pending = target.publications.filter((publication) => publication.revokedAt === undefined).length;
  const question = `Revoke "${cohort}": delete ${plural(pending, "config")} and ${plural(target.strays.orphans.length, "unrecorded object")}, so their links fail?`;
  if (!(await io.confirm!(question))) {
    throw new CliError("not confirmed: nothing was revoked", ExitCode.validation, {
      fix: "run it again and answer yes (--dry-run shows what it deletes)",
    });
  }
}

function revokeHooks(mode: RevokeMode, cohort: string, io: CliIo): RevokeHooks {
  return {
    rotationPlanned: (rotation) => confirmRotation(rotation, mode, cohort, io),
    confirmRevoke: (target) => confirmRevoke(target, cohort, io),
    revoked: (result) => reportRevoked(result, cohort, io),
    straysDeleted: (strays, deleted) => reportStrays(strays, deleted, cohort, io),
  };
}

async function runRevoke(options: RevokeOptions, io: CliIo): Promise<number> {
  const cohort = assertCohortName(options.cohort);
  const mode = revokeModeOf(options, io.confirm !== undefined);
  const stack = await openStack(options, io);
  if (stack.outputs.access === "sign-in") return revokeSignInCohort(cohort, options, io, stack.outputs);
  if (options.group !== undefined) {
    throw new UsageError("--group removes a grant, and this stack shares presigned links (no grants)", {
      fix: "leave out --group: revoking deletes the cohort's configs",
    });
  }
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const context = { ...stack, stack: options.stack, now: io.now(), warn, io };
  const request = { cohort, mode, publication: options.publication };
  const outcome = await revokeCohort(request, context, revokeHooks(mode, cohort, io));
  if (outcome.kind === "dry-run") reportDryRun(outcome.target, cohort, io);
  else if (outcome.target.publications.length === 0) {
    io.stderr(
      `Cohort "${cohort}" has no publication in the ledger: no link to it was ever printed, and nothing of it is left.\n`,
    );
  } else if (outcome.rotation === undefined) reportCopiedLinks(outcome.dataEnd, cohort, options, io);
  else reportRotation(outcome.rotation, outcome.rotated, outcome.dataEnd, cohort, options, io);
  return ExitCode.ok;
}

export function revokeCohortCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: RevokeOptions) => runRevoke(options, io) };
}
