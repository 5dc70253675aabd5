/**
 * The checks that make a rotation say it happened only when it did, as pure functions over what the
 * Pulumi CLI prints:
 *
 * 1. the engine's version: `replacementTrigger` (which replaces a slot's key when its generation
 *    changes) is honoured from Pulumi 3.208.0 (pulumi/pulumi#20936); older engines ignore it silently,
 *    so a rotation would report success and replace nothing;
 * 2. the preview (`pulumi preview --json`): the update may replace the rotated slot's access key and
 *    nothing else. A pending config change, a drifted program or a stale checkout would otherwise ride
 *    along with the rotation; the stack's reference to itself (a read) is not a change;
 * 3. the outputs after `pulumi up`: the rotated slot's key id changed and the other slot's did not.
 *
 * The preview's JSON is Pulumi's PreviewDigest (pkg/backend/display): `{ config, steps: [{ op, urn,
 * provider, oldState, newState, diffReasons, replaceReasons, detailedDiff }], diagnostics,
 * changeSummary }`. It lists the root stack and every step but `same` ones; a replacement shows as
 * one logical `replace` step (or `create-replacement` + `delete-replaced` with
 * --show-replacement-steps).
 */
import { KeySlot } from "../../../policy/documents/limits";
import { printable } from "../naming";
import { KeySlots, SlotKey } from "./rotation";

/** The oldest Pulumi CLI whose engine honours `replacementTrigger`. */
export const MIN_PULUMI_VERSION = "3.208.0";
/** How to get a newer CLI (https://www.pulumi.com/docs/install/). */
export const PULUMI_UPGRADE = "curl -fsSL https://get.pulumi.com | sh (or: brew upgrade pulumi/tap/pulumi)";

function versionParts(text: string): { numbers: [number, number, number]; prerelease: boolean } | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+\S*)?$/.exec(text.trim());
  return match
    ? { numbers: [Number(match[1]), Number(match[2]), Number(match[3])], prerelease: match[4] !== undefined }
    : undefined;
}

/**
 * Why `pulumi version`'s answer is not good enough to rotate with, if it is not. A pre-release of
 * the minimum version comes before it (semver), so it is refused too.
 */
export function pulumiVersionProblem(printed: string): string | undefined {
  const version = versionParts(printed);
  if (!version) return `\`pulumi version\` printed ${printable(printed.trim())}, not a version`;
  const minimum = versionParts(MIN_PULUMI_VERSION)!.numbers;
  const order = version.numbers.map((part, index) => part - minimum[index]).find((difference) => difference !== 0) ?? 0;
  if (order > 0 || (order === 0 && !version.prerelease)) return undefined;
  return `the Pulumi CLI is ${printed.trim()}, older than ${MIN_PULUMI_VERSION}: its engine ignores replacementTrigger, so a rotation would replace no key`;
}

// ---------------------------------------------------------------- the preview

export const ACCESS_KEY_TYPE = "aws:iam/accessKey:AccessKey";
const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";
const REPLACEMENT_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);

interface PreviewStep {
  op?: unknown;
  urn?: unknown;
  diffReasons?: unknown;
  replaceReasons?: unknown;
}

/** `urn:pulumi:<stack>::<project>::<parent types $ type>::<name>` → its own type and name. */
export function urnParts(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const qualified = parts[2] ?? "";
  return { type: qualified.slice(qualified.lastIndexOf("$") + 1), name: parts.slice(3).join("::") };
}

/** Whether a URN is the access key of `slot` (named `<presigner>-key-<slot>` by the program). */
export function isSlotKey(urn: string, slot: KeySlot): boolean {
  const { type, name } = urnParts(urn);
  return type === ACCESS_KEY_TYPE && name.endsWith(`-key-${slot}`);
}

function reasons(step: PreviewStep): string {
  const keys = [step.replaceReasons, step.diffReasons].find((list) => Array.isArray(list) && list.length > 0) as
    unknown[] | undefined;
  return keys ? ` (${keys.map(String).join(", ")})` : "";
}

export interface PreviewFinding {
  /** The update replaces the rotated slot's key. */
  replacesSlot: boolean;
  /** Every other change, one line each: `update aws:s3/bucketPolicy:BucketPolicy chromoscope-data-policy (policy)`. */
  unexpected: string[];
}

/** Judges a parsed preview for a rotation that should replace only `slot`'s key. */
export function judgeRotationPreview(digest: unknown, slot: KeySlot): PreviewFinding {
  const listed = typeof digest === "object" && digest !== null ? (digest as { steps?: unknown }).steps : undefined;
  const steps = (Array.isArray(listed) ? listed : []) as PreviewStep[];
  let replacesSlot = false;
  const unexpected: string[] = [];
  for (const step of steps) {
    const op = String(step?.op);
    const urn = String(step?.urn);
    if (op === "same") continue;
    const { type, name } = urnParts(urn);
    if (type === STACK_REFERENCE_TYPE && op === "read") continue;
    if (REPLACEMENT_OPS.has(op) && isSlotKey(urn, slot)) {
      replacesSlot = true;
      continue;
    }
    // What the CLI prints is shown to a terminal: control characters never are.
    unexpected.push(`${op} ${type} ${name}${reasons(step)}`.replace(/[\p{Cc}\p{Cf}]/gu, "?"));
  }
  return { replacesSlot, unexpected };
}

/** The error diagnostics of a failed preview, for its message (the JSON goes to stdout even then). */
export function previewErrors(digest: unknown): string[] {
  const diagnostics =
    typeof digest === "object" && digest !== null ? (digest as { diagnostics?: unknown }).diagnostics : undefined;
  if (!Array.isArray(diagnostics)) return [];
  return (diagnostics as Array<{ severity?: unknown; message?: unknown } | null>)
    .filter((diagnostic) => diagnostic?.severity === "error" && typeof diagnostic.message === "string")
    .map((diagnostic) => String(diagnostic?.message).trim().split("\n").pop()!.trim());
}

// ---------------------------------------------------------------- after `pulumi up`

function keyOf(slots: KeySlots, slot: KeySlot): SlotKey {
  return slots.active.slot === slot ? slots.active : slots.inactive;
}

/** What is wrong with the outputs after a rotation that should have replaced `slot`'s key only. */
export function rotationProblems(before: KeySlots, after: KeySlots, slot: KeySlot): string[] {
  const other: KeySlot = slot === "a" ? "b" : "a";
  const problems: string[] = [];
  const [was, now] = [keyOf(before, slot), keyOf(after, slot)];
  if (now.accessKeyId === was.accessKeyId) problems.push(`slot ${slot}'s access key is still ${was.accessKeyId}`);
  const [kept, keptNow] = [keyOf(before, other), keyOf(after, other)];
  if (keptNow.accessKeyId !== kept.accessKeyId) {
    problems.push(
      `slot ${other}'s key was replaced too (${kept.accessKeyId} → ${keptNow.accessKeyId}): the live links it signed now fail`,
    );
  }
  if (after.active.slot !== slot) problems.push(`slot ${after.active.slot} is active, not slot ${slot}`);
  if (now.status === "Inactive") problems.push(`slot ${slot}'s new key ${now.accessKeyId} is Inactive`);
  return problems;
}
