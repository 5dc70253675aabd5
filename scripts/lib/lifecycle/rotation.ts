/**
 * Key rotation, as pure decisions over the publications (ledger/fold.ts) and the stack outputs:
 * which key slot a rotation replaces, and which links a rotation breaks. Nothing here reads the
 * clock, the network or the environment: `now` is an argument.
 *
 * When a link stops working (expiry, a key rotated out, a session's end) is judged in
 * ledger/publication-status.ts; a rotation that would break a link becomes safe strictly after its expiresAt.
 * (`pulumi up` takes far longer than a second, so no margin is added.)
 *
 * Key slots (components/key-slots.ts `keySlotPlan`): generation g signs with slot g % 2; bumping
 * the generation by one replaces only the other, inactive slot's key, which then becomes the
 * active one. Bumping by two replaces both keys in one `pulumi up`.
 */
import { keySlotPlan } from "../../../components/key-slots";
import { KEY_SLOTS, KeySlot } from "../../../policy/documents/limits";
import { SettingKey } from "../../../components/settings";
import { UsageError, ValidationError } from "../errors";
import { printable } from "../naming";
import { latestExpiry, newestFirst, Publication, publicationsOf } from "../ledger/fold";
import { linksWork, StackKeys } from "../ledger/publication-status";
import { StackOutputs } from "../../../components/stack-outputs";

// ---------------------------------------------------------------- key slots

export interface SlotKey {
  slot: KeySlot;
  accessKeyId: string;
  createdAt: Date;
  rotationDueAt: Date;
  /** As the outputs list it (absent in outputs of older deployments: it signs). */
  status?: "Active" | "Inactive";
}

export interface KeySlots {
  active: SlotKey;
  inactive: SlotKey;
}

/** The two key slots of a user-kind stack; a role-kind stack or outputs without keys are refused. */
export function keySlotsOf(outputs: StackOutputs): KeySlots {
  if (outputs.presignerKind === "role") {
    throw new UsageError("the stack's presigner is an IAM role: it has no access keys to rotate", {
      fix: "nothing to rotate: links signed with role sessions die when the session expires (at most maxSessionHours)",
    });
  }
  const { activeKeySlot, accessKeys } = outputs;
  const slots = KEY_SLOTS.map((slot) => accessKeys?.find((key) => key.slot === slot));
  if (activeKeySlot === undefined || slots.some((key) => key === undefined)) {
    throw new ValidationError("the stack outputs hold no activeKeySlot and accessKeys for both slots", {
      fix: "pass --stack NAME or --outputs FILE of a deployed user-kind stack (`pulumi stack output --json --show-secrets`)",
    });
  }
  const toSlotKey = (key: NonNullable<StackOutputs["accessKeys"]>[number]): SlotKey => ({
    slot: key.slot,
    accessKeyId: key.accessKeyId,
    createdAt: new Date(key.createdAt),
    rotationDueAt: new Date(key.rotationDueAt),
    ...(key.status ? { status: key.status } : {}),
  });
  const [a, b] = slots.map((key) => toSlotKey(key!));
  return activeKeySlot === "a" ? { active: a, inactive: b } : { active: b, inactive: a };
}

/** Which slot signed a publication, if one of the stack's current keys did. */
export function signingSlot(publication: Publication, slots: KeySlots | undefined): SlotKey | undefined {
  if (!slots) return undefined;
  return [slots.active, slots.inactive].find((key) => key.accessKeyId === publication.signingAccessKeyId);
}

/** The stack's keys as the two slots give them, to judge publications by (ledger/publication-status.ts). */
export function slotStackKeys(slots: KeySlots): StackKeys {
  const keys = [slots.active, slots.inactive];
  const ids = (inactive: boolean) =>
    new Set(keys.filter((key) => (key.status === "Inactive") === inactive).map((key) => key.accessKeyId));
  return { known: true, signing: ids(false), inactive: ids(true) };
}

/** Publications whose links still work and are not revoked, signed by one of `keys`. */
function liveSignedBy(
  publications: readonly Publication[],
  keys: readonly SlotKey[],
  stackKeys: StackKeys,
  now: Date,
): Publication[] {
  const ids = new Set(keys.map((key) => key.accessKeyId));
  return publications.filter(
    (publication) =>
      publication.revokedAt === undefined &&
      ids.has(publication.signingAccessKeyId) &&
      linksWork(publication, stackKeys, now),
  );
}

// ---------------------------------------------------------------- routine rotation

export interface RotationDecision {
  slots: KeySlots;
  /** The key a rotation replaces: always the inactive slot's. */
  replaced: SlotKey;
  /**
   * Live, unrevoked publications signed by the replaced key: rotating now breaks them.
   * Revoked publications do not count (breaking their copied-out data links is welcome).
   */
  breaking: Publication[];
  safe: boolean;
  /** With `breaking`: rotation is safe strictly after this instant. */
  safeAfter?: Date;
}

export function decideRotation(slots: KeySlots, publications: readonly Publication[], now: Date): RotationDecision {
  const breaking = newestFirst(liveSignedBy(publications, [slots.inactive], slotStackKeys(slots), now));
  const safeAfter = latestExpiry(breaking);
  return {
    slots,
    replaced: slots.inactive,
    breaking,
    safe: breaking.length === 0,
    ...(safeAfter ? { safeAfter } : {}),
  };
}

// ---------------------------------------------------------------- rotation to revoke a cohort

export type RevokeRotationCase =
  /** No link of the cohort still works: nothing to rotate. */
  | "nothing-live"
  /** Every live link was signed by the inactive slot's key: one rotation kills them. */
  | "inactive-key"
  /** Some live link was signed by the active key: two rotations, killing every live link of both keys. */
  | "active-key"
  /** The live links were signed by keys that are not the stack's (session or other credentials): rotation cannot reach them. */
  | "other-keys-only";

export interface RevokeRotationPlan {
  case: RevokeRotationCase;
  /** How many generations to bump: 0, 1 or 2. */
  rotations: 0 | 1 | 2;
  /** The keys that will be replaced. */
  replaced: SlotKey[];
  /** The cohort's publications whose links still work (revoked or not: copied-out data links). */
  cohortLive: Publication[];
  /** Of those, the ones signed by a key outside the two slots: rotation does not touch them. */
  unreachable: Publication[];
  /** Live, unrevoked publications of other cohorts that the rotation breaks. */
  breaking: Publication[];
}

export function planRevokeRotation(
  slots: KeySlots,
  publications: readonly Publication[],
  cohort: string,
  now: Date,
): RevokeRotationPlan {
  const stackKeys = slotStackKeys(slots);
  const cohortLive = newestFirst(
    publicationsOf(publications, cohort).filter((publication) => linksWork(publication, stackKeys, now)),
  );
  const byActive = cohortLive.some((publication) => publication.signingAccessKeyId === slots.active.accessKeyId);
  const byInactive = cohortLive.some((publication) => publication.signingAccessKeyId === slots.inactive.accessKeyId);
  const slotIds = new Set([slots.active.accessKeyId, slots.inactive.accessKeyId]);
  const unreachable = cohortLive.filter((publication) => !slotIds.has(publication.signingAccessKeyId));
  const [kind, replaced]: [RevokeRotationCase, SlotKey[]] = byActive
    ? ["active-key", [slots.inactive, slots.active]]
    : byInactive
      ? ["inactive-key", [slots.inactive]]
      : [cohortLive.length === 0 ? "nothing-live" : "other-keys-only", []];
  const others = publications.filter((publication) => publication.cohort !== cohort);
  return {
    case: kind,
    rotations: replaced.length as 0 | 1 | 2,
    replaced,
    cohortLive,
    unreachable,
    breaking: newestFirst(liveSignedBy(others, replaced, stackKeys, now)),
  };
}

// ---------------------------------------------------------------- the Pulumi side

/** The Pulumi project (Pulumi.yaml `name`), which namespaces its config keys. */
export const PULUMI_PROJECT = "chromoscope-private-data";
const GENERATION_SETTING: SettingKey = "keyGeneration";
export const KEY_GENERATION_CONFIG_KEY = `${PULUMI_PROJECT}:${GENERATION_SETTING}`;

/** `pulumi config get` of the key generation (absent: generation 0, the settings' default). */
export function generationQueryArgs(stack: string): string[] {
  return ["config", "get", KEY_GENERATION_CONFIG_KEY, "--stack", stack];
}

/** `pulumi config set` of the key generation. (A string stands for a placeholder in printed commands.) */
export function generationSetArgs(stack: string, generation: number | string): string[] {
  return ["config", "set", KEY_GENERATION_CONFIG_KEY, String(generation), "--stack", stack];
}

/** `pulumi preview`: JSON to judge it, or the diff a person reads. */
export function previewArgs(stack: string, form: "json" | "diff"): string[] {
  return ["preview", `--${form}`, "--stack", stack];
}

export function upArgs(stack: string): string[] {
  return ["up", "--yes", "--stack", stack];
}

/** The access keys' output, for a person to compare before and after. */
export function accessKeysOutputArgs(stack: string): string[] {
  return ["stack", "output", "accessKeys", "--stack", stack];
}

/**
 * Checks that `generation` is the one the outputs were deployed with: the outputs' keyGeneration
 * when they export it (deployments from before it was exported do not), and the active slot.
 */
export function assertGenerationMatches(generation: number, slots: KeySlots, where: string, deployed?: number): void {
  if (deployed !== undefined && deployed !== generation) {
    throw new ValidationError(
      `keyGeneration ${generation} (${where}) is not the deployed one: the stack outputs say ${deployed}, so the outputs are stale or a change is pending`,
      {
        fix: "run `pulumi up` to apply a pending keyGeneration change (or set it back), export the outputs again, or pass the deployed --generation N",
      },
    );
  }
  const expected = keySlotPlan(generation).activeSlot;
  if (expected !== slots.active.slot) {
    throw new ValidationError(
      `keyGeneration ${generation} (${where}) makes slot ${expected} active, but the stack outputs say slot ${slots.active.slot} signs: the outputs are stale or the generation is wrong`,
      { fix: "run `pulumi up` to apply a pending keyGeneration change, or pass the deployed --generation N" },
    );
  }
}

/** Parses `--generation N` or the output of `pulumi config get`. */
export function parseGeneration(text: string, origin: string): number {
  const trimmed = text.trim();
  if (!/^\d{1,15}$/.test(trimmed)) {
    throw new ValidationError(`${origin} is ${printable(trimmed)}, not a whole number`, {
      fix: `set it with \`pulumi config set ${KEY_GENERATION_CONFIG_KEY} N\`, or pass --generation N`,
    });
  }
  return Number(trimmed);
}
