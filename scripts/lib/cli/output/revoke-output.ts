/**
 * What revoke-cohort says: the rotation's plan and what it breaks, what a dry run would delete, what
 * the revoke deleted, and what is left to do (data links copied out, the rotation's result).
 */
import { CohortFolder } from "../../lifecycle/cohort-folder";
import { RevokeResult } from "../../lifecycle/publications";
import { PlannedRotation, RevokeTarget } from "../../lifecycle/revoke-cohort";
import { RotationOutcome } from "../../lifecycle/key-rotation";
import { KeySlots, RevokeRotationPlan } from "../../lifecycle/rotation";
import { instant, plural } from "../../text-format";
import type { CliIo, StackOptions } from "../shell";
import { cohortNames, describeKey, npmCommand, publicationLine } from "./lifecycle-report";

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
export function describePlan(plan: RevokeRotationPlan, slots: KeySlots, cohort: string, now: Date): string[] {
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
export function reportStrays(
  folder: CohortFolder,
  deleted: readonly string[],
  cohort: string,
  io: Pick<CliIo, "stderr">,
): void {
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

/** What a revoke would delete, for --dry-run. */
export function reportDryRun(target: RevokeTarget, cohort: string, io: Pick<CliIo, "stderr">): void {
  const { publications, strays } = target;
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

/** What the revoke deleted, and what had been revoked before. */
export function reportRevoked(result: RevokeResult, cohort: string, io: Pick<CliIo, "stderr">): void {
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
}

/** After a revoke without --rotate: until when data links copied out of its configs keep working. */
export function reportCopiedLinks(
  dataEnd: Date | undefined,
  cohort: string,
  options: StackOptions,
  io: Pick<CliIo, "stderr">,
): void {
  const rotate = ["--cohort", cohort, "--rotate", ...(options.stack === undefined ? ["--print"] : [])];
  io.stderr(
    dataEnd
      ? `Data links already copied out of a downloaded config stay valid until they expire (the last at ${instant(dataEnd)}) unless the signing key is rotated: ` +
          `${npmCommand("revoke-cohort", options, rotate)}\n`
      : "Every data link of the cohort had stopped working already (expired, or its signing key or session is gone).\n",
  );
}

/** What the rotation ended (or, printed, what its commands will end) and what to re-share. */
export function reportRotation(
  rotation: PlannedRotation,
  rotated: RotationOutcome | undefined,
  dataEnd: Date | undefined,
  cohort: string,
  options: StackOptions,
  io: Pick<CliIo, "stderr" | "now">,
): void {
  const { plan } = rotation;
  if (!rotated) {
    if (dataEnd) io.stderr(`Data links copied out of its configs stay valid until ${instant(dataEnd)}.\n`);
    return;
  }
  if (rotated.printed) {
    io.stderr(
      `Run the commands above to end its data links (until then they stay valid, the last until ${instant(dataEnd!)}); ` +
        "they replace the key(s) named above and so break every live link those keys signed, including any published after this.\n",
    );
    return;
  }
  const active = rotated.newSlots?.active;
  io.stderr(
    `Rotated (keyGeneration ${rotated.fromGeneration} → ${rotated.toGeneration}): every link of "${cohort}"${plan.unreachable.length > 0 ? " signed by the stack's keys" : ""} now fails` +
      `${active ? `; new links are signed by ${describeKey(active, io.now())}` : ""}.\n`,
  );
  for (const name of cohortNames(plan.breaking))
    io.stderr(`Re-share ${JSON.stringify(name)}: ${npmCommand("refresh-cohort", options, ["--cohort", name])}\n`);
}
