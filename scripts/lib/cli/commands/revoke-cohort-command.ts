import { Command } from "commander";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, OpenedStack, openStack, StackOptions } from "../shell";
import { CliError, ExitCode, UsageError, ValidationError } from "../../errors";
import {
  carryOutRotation,
  parseGenerationOption,
  PreparedRotation,
  prepareRotation,
} from "../../lifecycle/key-rotation";
import { CohortFolder, deleteStrays, surveyCohortFolder } from "../../lifecycle/cohort-folder";
import { loadPublications, noPublicationError, revokePublications } from "../../lifecycle/publications";
import { assertCohortName, printable, randomHex8 } from "../../naming";
import { linksWork, stackKeysOf } from "../../ledger/publication-status";
import { keySlotsOf, KeySlots, planRevokeRotation, RevokeRotationPlan } from "../../lifecycle/rotation";
import { latestExpiry, Publication } from "../../ledger/fold";
import { cohortNames, describeKey, npmCommand, publicationLine, ROTATION_EXIT_CODES } from "../output/lifecycle-report";
import { instant, plural } from "../../text-format";
import { revokeSignInCohort } from "../sign-in-revoke";

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

/** The first line of the plan: which keys signed the cohort's live links, and what a rotation ends. */
function planHeadline(plan: RevokeRotationPlan, slots: KeySlots, name: string, now: Date): string {
  switch (plan.case) {
    case "nothing-live":
      return `Every link of ${name} has expired already: no rotation is needed.`;
    case "other-keys-only":
      return `The live links of ${name} were signed by keys that are not the stack's: rotating cannot end them (see below).`;
    case "inactive-key":
      return (
        `The live links of ${name} were signed by the inactive ${describeKey(slots.inactive, now)}: one rotation (replacing that key) ends them; ` +
        `links signed by the active ${describeKey(slots.active, now)} keep working.`
      );
    case "active-key":
      return (
        `Live links of ${name} were signed by the active ${describeKey(slots.active, now)}: ending them takes two rotations, ` +
        `which replace both keys (the inactive ${describeKey(slots.inactive, now)} too) and so end every live link of both.`
      );
  }
}

/** What the rotation will do and break, for stderr, before anything happens. */
function describePlan(plan: RevokeRotationPlan, slots: KeySlots, cohort: string, now: Date): string[] {
  const lines = [planHeadline(plan, slots, JSON.stringify(cohort), now)];
  for (const publication of plan.unreachable) {
    lines.push(
      `  cannot be ended by rotation (it dies when it expires, or with the session that signed it): ${publicationLine(publication, slots, now)}`,
    );
  }
  if (plan.rotations === 0) return lines;
  if (plan.breaking.length === 0) {
    lines.push("No live link of another cohort was signed by the key(s) replaced: the rotation breaks nothing else.");
  } else {
    lines.push(
      `The rotation also breaks ${plural(plan.breaking.length, "live publication")} of ${plural(cohortNames(plan.breaking).length, "other cohort")}:`,
    );
    for (const publication of plan.breaking) lines.push(`  ${publicationLine(publication, slots, now)}`);
  }
  return lines;
}

/** The folders `keys` lie in, for a message: `configs/a/` or `configs/a/ and configs/b/`. */
function foldersOf(keys: readonly string[]): string {
  return [...new Set(keys.map((key) => key.slice(0, key.lastIndexOf("/") + 1)))].join(" and ");
}

/** What revoke found under the cohort's folder besides its publications, and did about it. */
function reportStrays(folder: CohortFolder, deleted: readonly string[], cohort: string, io: CliIo): void {
  const orphans = deleted.filter((key) => folder.orphans.includes(key));
  if (orphans.length > 0) {
    const what = `${plural(orphans.length, "object")} under ${foldersOf(orphans)}`;
    io.stderr(`Also deleted ${what} that no ledger entry names (left by an interrupted or failed publish):\n`);
    for (const key of orphans) io.stderr(`  ${key}\n`);
  }
  const leftovers = deleted.filter((key) => folder.leftovers.includes(key));
  if (leftovers.length > 0) {
    io.stderr(
      `Also deleted ${plural(leftovers.length, "object")} of "${cohort}"'s earlier revoked publications: ${leftovers.join(", ")}\n`,
    );
  }
  for (const { key, cohort: other } of folder.othersOrphans) {
    const what = key.endsWith(".html") ? "the share page of a config" : "a config";
    io.stderr(
      `Left ${key}: no ledger entry names it, but it is ${what} of cohort ${JSON.stringify(other)}, ` +
        "which shares the folder (revoke that cohort to remove it).\n",
    );
  }
}

/** The publications a revoke acts on: all of the cohort's, or the one --publication names. */
function chosenPublications(folder: CohortFolder, configKey: string | undefined, cohort: string): Publication[] {
  if (configKey === undefined) return folder.publications;
  const chosen = folder.publications.filter((publication) => publication.configKey === configKey);
  if (chosen.length === 0) {
    throw new ValidationError(`--publication ${printable(configKey)} is not a publication of cohort "${cohort}"`, {
      details: folder.publications.map((publication) => publication.configKey),
      fix: "pass one of the config keys listed above (`npm run cohorts -- --cohort NAME` lists them)",
    });
  }
  return chosen;
}

/** What a revoke would delete, for --dry-run. */
function reportDryRun(publications: readonly Publication[], strays: CohortFolder, cohort: string, io: CliIo): void {
  const pending = publications.filter((publication) => publication.revokedAt === undefined);
  io.stderr(
    `Dry run: revoking "${cohort}" would delete ${plural(pending.length, "config")} (and their share pages):\n`,
  );
  for (const publication of pending) io.stderr(`  ${publication.configKey}\n`);
  const others = [...strays.orphans, ...strays.leftovers];
  if (others.length > 0) {
    io.stderr(`and ${plural(others.length, "object")} under ${foldersOf(others)} that no live ledger entry names:\n`);
    for (const key of others) io.stderr(`  ${key}\n`);
  }
  io.stderr("Nothing was changed.\n");
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

/**
 * What one revoke-cohort run does, decided from its flags before anything is read: a dry run (that
 * plans the rotation too with --rotate), a revoke (asking first on a terminal unless --yes), or a
 * revoke with a rotation, run through Pulumi or printed as commands.
 */
export type RevokeMode =
  | { readonly kind: "dry-run"; readonly rotate: boolean; readonly generation?: number }
  | { readonly kind: "revoke"; readonly ask: boolean }
  | { readonly kind: "rotate"; readonly print: boolean; readonly ask: boolean; readonly generation?: number };

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

/** What the revoke acts on: the chosen publications, and the folder's other objects it deletes too. */
interface RevokeTarget {
  publications: Publication[];
  strays: CohortFolder;
}

async function revokeTarget(
  stack: OpenedStack,
  cohort: string,
  configKey: string | undefined,
  io: CliIo,
): Promise<RevokeTarget> {
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  // Everything under the cohort's folder, ledgered or not (an interrupted publish leaves an orphan).
  const folder = await surveyCohortFolder(stack.store, stack.outputs, cohort, warn);
  if (folder.publications.length === 0 && folder.orphans.length === 0)
    throw noPublicationError(stack.store.bucket, stack.outputs, cohort);
  const publications = chosenPublications(folder, configKey, cohort);
  // One publication's revoke deletes that publication only, never the cohort's other objects.
  const strays: CohortFolder =
    configKey === undefined ? folder : { ...folder, orphans: [], leftovers: [], othersOrphans: [] };
  return { publications, strays };
}

interface PlannedRotation {
  plan: RevokeRotationPlan;
  slots: KeySlots;
  prepared?: PreparedRotation;
}

/** Plans the rotation that ends the cohort's live links, says what it breaks, and asks when the mode says so. */
async function planRotation(
  mode: Extract<RevokeMode, { kind: "dry-run" | "rotate" }>,
  stack: OpenedStack,
  cohort: string,
  options: RevokeOptions,
  io: CliIo,
  now: Date,
): Promise<PlannedRotation> {
  const slots = keySlotsOf(stack.outputs);
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const everything = await loadPublications(stack.store, stack.outputs, { warn });
  const plan = planRevokeRotation(slots, everything, cohort, now);
  // A dry run plans the rotation as --print does, running no Pulumi command.
  const print = mode.kind === "dry-run" || mode.print;
  const request = {
    stack: options.stack,
    generation: mode.generation,
    deployedGeneration: stack.outputs.keyGeneration,
  };
  const prepared =
    plan.rotations === 0
      ? undefined
      : await prepareRotation({ ...request, print, slots, rotations: plan.rotations }, io);
  for (const line of describePlan(plan, slots, cohort, now)) io.stderr(`${line}\n`);
  if (plan.rotations > 0 && mode.kind === "rotate" && mode.ask) {
    const question =
      `Revoke "${cohort}" and rotate ${plan.rotations === 1 ? "the inactive key" : "both keys"}` +
      `${plan.breaking.length > 0 ? `, breaking the ${plural(plan.breaking.length, "publication")} listed above` : ""}?`;
    if (!(await io.confirm!(question))) {
      throw new CliError("not confirmed: nothing was revoked or rotated", ExitCode.validation, {
        fix: "run it again and answer yes, or leave out --rotate to only delete the cohort's configs",
      });
    }
  }
  return { plan, slots, prepared };
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

/** Deletes the configs and the strays, records the revocation, and says what it did. */
async function revokeAndReport(
  target: RevokeTarget,
  stack: OpenedStack,
  cohort: string,
  now: Date,
  io: CliIo,
): Promise<void> {
  const result = await revokePublications(target.publications, {
    store: stack.store,
    configPrefix: stack.outputs.configPrefix,
    ledgerPrefix: stack.outputs.ledgerPrefix,
    now,
    randomHex: randomHex8,
  });
  if (result.revoked.length > 0) {
    io.stderr(
      `Revoked cohort "${cohort}": deleted ${plural(result.revoked.length, "config")}, so every link to them now fails:\n`,
    );
    for (const { publication, ledgerKey } of result.revoked)
      io.stderr(`  ${publication.configKey} (recorded in ${ledgerKey})\n`);
  }
  if (result.alreadyRevoked.length > 0) {
    io.stderr(`${plural(result.alreadyRevoked.length, "publication")} of "${cohort}" had been revoked already.\n`);
  }
  reportStrays(target.strays, await deleteStrays(stack.store, target.strays), cohort, io);
  if (target.publications.length === 0) {
    io.stderr(
      `Cohort "${cohort}" has no publication in the ledger: no link to it was ever printed, and nothing of it is left.\n`,
    );
  }
}

/** After a revoke without --rotate: until when data links copied out of its configs keep working. */
function reportCopiedLinks(dataEnd: Date | undefined, cohort: string, options: RevokeOptions, io: CliIo): void {
  const rotate = ["--cohort", cohort, "--rotate", ...(options.stack === undefined ? ["--print"] : [])];
  io.stderr(
    dataEnd
      ? `Data links already copied out of a downloaded config stay valid until they expire (the last at ${instant(dataEnd)}) unless the signing key is rotated: ` +
          `${npmCommand("revoke-cohort", options, rotate)}\n`
      : "Every data link of the cohort had stopped working already (expired, or its signing key or session is gone).\n",
  );
}

/** Runs (or prints) the planned rotation and says what it ended and what to re-share. */
async function finishRotation(
  rotation: PlannedRotation,
  dataEnd: Date | undefined,
  cohort: string,
  options: RevokeOptions,
  io: CliIo,
): Promise<void> {
  const { plan, prepared } = rotation;
  if (!prepared) {
    if (dataEnd) io.stderr(`Data links copied out of its configs stay valid until ${instant(dataEnd)}.\n`);
    return;
  }
  const outcome = await carryOutRotation(prepared, io);
  if (outcome.printed) {
    io.stderr(
      `Run the commands above to end its data links (until then they stay valid, the last until ${instant(dataEnd!)}); ` +
        "they replace the key(s) named above and so break every live link those keys signed, including any published after this.\n",
    );
    return;
  }
  const active = outcome.newSlots?.active;
  io.stderr(
    `Rotated (keyGeneration ${outcome.fromGeneration} → ${outcome.toGeneration}): every link of "${cohort}"${plan.unreachable.length > 0 ? " signed by the stack's keys" : ""} now fails` +
      `${active ? `; new links are signed by ${describeKey(active, io.now())}` : ""}.\n`,
  );
  for (const name of cohortNames(plan.breaking))
    io.stderr(`Re-share ${JSON.stringify(name)}: ${npmCommand("refresh-cohort", options, ["--cohort", name])}\n`);
}

async function runRevoke(options: RevokeOptions, io: CliIo): Promise<number> {
  const cohort = assertCohortName(options.cohort);
  const mode = revokeModeOf(options, io.confirm !== undefined);
  const stack = await openStack(options, io);
  if (stack.outputs.access === "sign-in") return revokeSignInCohort(cohort, options, io);
  if (options.group !== undefined) {
    throw new UsageError("--group removes a grant, and this stack shares presigned links (no grants)", {
      fix: "leave out --group: revoking deletes the cohort's configs",
    });
  }
  const now = io.now();
  const target = await revokeTarget(stack, cohort, options.publication, io);
  const rotation =
    mode.kind === "rotate" || (mode.kind === "dry-run" && mode.rotate)
      ? await planRotation(mode, stack, cohort, options, io, now)
      : undefined;
  if (mode.kind === "dry-run") {
    reportDryRun(target.publications, target.strays, cohort, io);
    return ExitCode.ok;
  }
  if (mode.kind === "revoke" && mode.ask) await confirmRevoke(target, cohort, io);
  await revokeAndReport(target, stack, cohort, now, io);
  if (target.publications.length === 0) return ExitCode.ok;
  const stackKeys = stackKeysOf(stack.outputs);
  const dataEnd = latestExpiry(target.publications.filter((publication) => linksWork(publication, stackKeys, now)));
  if (mode.kind === "revoke" || rotation === undefined) reportCopiedLinks(dataEnd, cohort, options, io);
  else await finishRotation(rotation, dataEnd, cohort, options, io);
  return ExitCode.ok;
}

export function revokeCohortCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: RevokeOptions) => runRevoke(options, io) };
}
