/**
 * What `rotate-keys` says: which key rotates and which live links that breaks, the refusal to
 * break them, that the rotation is not due, and after a rotation what it did, when the next one is
 * safe and how to re-share the cohorts it broke. Pulumi's steps are said by lifecycle/key-rotation.ts.
 */
import { ValidationError } from "../../errors";
import { DecidedRotation, RotateKeysOutcome } from "../../lifecycle/rotate-keys";
import { SlotKey } from "../../lifecycle/rotation";
import { instant, plural } from "../../text-format";
import type { CliIo, StackOptions } from "../shell";
import { cohortNames, describeKey, npmCommand, publicationLine } from "./lifecycle-report";

/** The live publications the rotation breaks: in one phrase, and one line each. */
function breakingSummary({ decision, slots, now }: DecidedRotation): { what: string; details: string[] } {
  const details = decision.breaking.map((publication) => publicationLine(publication, slots, now));
  const what = `${plural(decision.breaking.length, "live publication")} of ${plural(cohortNames(decision.breaking).length, "cohort")}`;
  return { what, details };
}

/** Says which key rotates and what that breaks (a refusal follows when it breaks live links unforced). */
export function reportRotationDecision(rotation: DecidedRotation, io: Pick<CliIo, "stderr">): void {
  const { decision, slots, now } = rotation;
  io.stderr(`Active: ${describeKey(slots.active, now)}, signs new links.\n`);
  io.stderr(`Rotation replaces the inactive ${describeKey(slots.inactive, now)}.\n`);
  if (decision.safe) {
    io.stderr(`No live link was signed by ${slots.inactive.accessKeyId}: rotating breaks nothing.\n`);
    return;
  }
  if (!rotation.forced) return;
  const { what, details } = breakingSummary(rotation);
  io.stderr(`--force: rotating breaks ${what}:\n`);
  for (const line of details) io.stderr(`  ${line}\n`);
}

/** The refusal to break live links without --force. */
export function unsafeRotationError(rotation: DecidedRotation): ValidationError {
  const { what, details } = breakingSummary(rotation);
  return new ValidationError(
    `rotating now would break ${what}, signed by the inactive key ${rotation.slots.inactive.accessKeyId}`,
    {
      details,
      fix: `rotation is safe once ${instant(rotation.decision.safeAfter!)} has passed: run it again then (or revoke those cohorts, or pass --force to break them now)`,
    },
  );
}

export function reportNotDue(active: SlotKey, now: Date, io: Pick<CliIo, "stderr">): void {
  const due = instant(active.rotationDueAt);
  io.stderr(`Not due: the active ${describeKey(active, now)} is due for rotation at ${due}; nothing changed.\n`);
}

/** What the rotation did, when the next one is safe, and how to re-share what it broke. */
export function reportRotated(
  rotated: Extract<RotateKeysOutcome, { kind: "rotated" }>,
  options: StackOptions,
  io: Pick<CliIo, "stderr" | "now">,
): void {
  const { outcome, rotation, nextSafeAfter } = rotated;
  const { slots, decision } = rotation;
  const active = outcome.newSlots?.active;
  io.stderr(
    `Rotated (keyGeneration ${outcome.fromGeneration} → ${outcome.toGeneration}): ` +
      `${active ? `${describeKey(active, io.now())} is active and signs new links` : `slot ${slots.inactive.slot} is active and signs new links`}; ` +
      `${slots.active.accessKeyId} keeps its live links working until they expire. ` +
      `${nextSafeAfter ? `The next rotation is safe after ${instant(nextSafeAfter)}.` : "The next rotation is safe right away."}\n`,
  );
  for (const name of cohortNames(decision.breaking))
    io.stderr(`Re-share ${JSON.stringify(name)}: ${npmCommand("refresh-cohort", options, ["--cohort", name])}\n`);
}
