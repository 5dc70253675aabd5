/**
 * How the lifecycle commands describe publications and keys: one line per publication, never a
 * presigned URL (only `cohorts --show-links` adds one, on request).
 */
import { StackOptions } from "../shell";
import { cohortNameProblem, printable } from "../../naming";
import { judgePublication, PublicationStatus, UNKNOWN_KEYS } from "../../ledger/publication-status";
import { Publication } from "../../ledger/fold";
import { signingSlot, KeySlots, SlotKey, slotStackKeys } from "../../lifecycle/rotation";
import { shellCommand } from "../../text-format";
import { instant } from "../../text-format";

/** A cohort name from the ledger, safe to print in one line (quoted only if it is not a valid name). */
export function cohortLabel(name: string): string {
  return cohortNameProblem(name) === undefined ? name : printable(name);
}

export function slotLabel(publication: Publication, slots: KeySlots | undefined): string {
  const slot = signingSlot(publication, slots);
  if (!slot || !slots) return slots ? "not a current stack key" : "";
  return `slot ${slot.slot}, ${slot === slots.active ? "active" : "inactive"}`;
}

export function describeKey(key: SlotKey, now: Date): string {
  const due =
    key.rotationDueAt.getTime() <= now.getTime() ? `, due for rotation since ${instant(key.rotationDueAt)}` : "";
  return `slot ${key.slot} (${key.accessKeyId}, created ${instant(key.createdAt)}${due})`;
}

/** How a publication line ends, by status: then its expiry. */
const LIFE: Record<PublicationStatus, string> = {
  live: "expires",
  expired: "expired",
  revoked: "revoked; its data links expire",
  dead: "dead (its key or session is gone); it would have expired",
};

/** `"PCAWG Breast": configs/pcawg-breast/….json, signed by AKIA… (slot b, inactive), expires …` */
export function publicationLine(publication: Publication, slots: KeySlots | undefined, now: Date): string {
  if (publication.access === "sign-in") {
    const state =
      publication.revokedAt === undefined ? "live until revoked" : `revoked ${instant(publication.revokedAt)}`;
    return `${JSON.stringify(cohortLabel(publication.cohort))}: ${publication.configKey}, for sign-in (data folder ${publication.dataFolder}), ${state}`;
  }
  const slot = slotLabel(publication, slots);
  const { status } = judgePublication(publication, slots ? slotStackKeys(slots) : UNKNOWN_KEYS, now);
  const life = LIFE[status];
  return `${JSON.stringify(cohortLabel(publication.cohort))}: ${publication.configKey}, signed by ${publication.signingAccessKeyId}${slot ? ` (${slot})` : ""}, ${life} ${instant(publication.expiresAt)}`;
}

/** The distinct cohort names of `publications`, in order of first appearance. */
export function cohortNames(publications: readonly Publication[]): string[] {
  return [...new Set(publications.map((publication) => publication.cohort))];
}

/** The stack options the user gave, to repeat them in a suggested command. */
export function stackArgs(options: StackOptions): string[] {
  const args: string[] = [];
  if (options.stack !== undefined) args.push("--stack", options.stack);
  if (options.outputs !== undefined) args.push("--outputs", options.outputs);
  if (options.endpoint !== undefined) args.push("--endpoint", options.endpoint);
  if (options.bucket !== undefined) args.push("--bucket", options.bucket);
  if (options.region !== undefined) args.push("--region", options.region);
  return args;
}

/** `npm run <script> -- <stack options> <args>`, ready to paste. */
export function npmCommand(script: string, options: StackOptions, args: readonly string[]): string {
  return shellCommand("npm", ["run", script, "--", ...stackArgs(options), ...args]);
}

/** Exit codes 2 and 3 of the commands that rotate keys (rotate-keys, revoke-cohort --rotate). */
export const ROTATION_EXIT_CODES = {
  2: "usage error or a Pulumi CLI too old",
  3: "AWS, network or `pulumi` failure, or the engine did not rotate",
};
