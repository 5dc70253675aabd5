/**
 * `rotate-keys`' library: replace the presigner's inactive access key when that breaks no live
 * link (or when forced), through the Pulumi CLI (key-rotation.ts), or print the commands that do.
 * It reads the ledger, decides whether the rotation is due and safe (rotation.ts), refuses to
 * break live links unless forced, carries the rotation out and tells when the next one is safe.
 */
import { StackOutputs } from "../../../components/stack-outputs";
import { latestExpiry, Publication } from "../ledger/fold";
import { ObjectStore } from "../s3/object-store";
import { carryOutRotation, prepareRotation, RotationIo, RotationOutcome } from "./key-rotation";
import { loadPublications } from "./publications";
import { decideRotation, KeySlots, keySlotsOf, RotationDecision, SlotKey } from "./rotation";

export interface RotateKeysRequest {
  /** The Pulumi stack the commands act on (required unless printing). */
  stack?: string;
  /** The stack's current keyGeneration, instead of asking `pulumi config get`. */
  generation?: number;
  /** Print the commands instead of running them. */
  print: boolean;
  /** Rotate only when the active key's rotation is due. */
  ifDue: boolean;
  /** Rotate even though live links signed by the inactive key break. */
  force: boolean;
}

/** The rotation as decided, before anything changes. */
export interface DecidedRotation {
  slots: KeySlots;
  publications: readonly Publication[];
  decision: RotationDecision;
  now: Date;
  /** Live links break, and that was asked for. */
  forced: boolean;
}

export type RotateKeysOutcome =
  /** Asked only if due, and the active key is not: nothing changed. */
  | { kind: "not-due"; active: SlotKey; now: Date }
  /** Live links would break and breaking them was not asked for: nothing changed. */
  | { kind: "refused"; rotation: DecidedRotation }
  /** The commands were printed, not run. */
  | { kind: "printed"; rotation: DecidedRotation; outcome: RotationOutcome }
  | {
      kind: "rotated";
      rotation: DecidedRotation;
      outcome: RotationOutcome;
      /** When the next rotation is safe: once the links the key that signed until now made expire (none: right away). */
      nextSafeAfter?: Date;
    };

export interface RotateKeysContext {
  store: ObjectStore;
  outputs: StackOutputs;
  now: Date;
  warn(message: string): void;
  /** Where the Pulumi CLI's output and the printed commands go, and the environment it runs in. */
  io: RotationIo;
}

/** What the caller is told, in order: a hook that throws stops the rotation. */
export interface RotateKeysHooks {
  /** The decision, before anything changes (a refusal included). */
  decided(rotation: DecidedRotation): void;
}

function isDue(key: SlotKey, now: Date): boolean {
  return key.rotationDueAt.getTime() <= now.getTime();
}

/** Reads the ledger and decides: not due, refused, or the rotation to carry out. */
export async function decideKeyRotation(
  request: Pick<RotateKeysRequest, "ifDue" | "force">,
  context: Pick<RotateKeysContext, "store" | "outputs" | "now" | "warn">,
): Promise<{ kind: "not-due"; active: SlotKey; now: Date } | { kind: "decided"; rotation: DecidedRotation }> {
  const { outputs, now } = context;
  const slots = keySlotsOf(outputs);
  const publications = await loadPublications(context.store, outputs, { warn: context.warn });
  if (request.ifDue && !isDue(slots.active, now)) return { kind: "not-due", active: slots.active, now };
  const decision = decideRotation(slots, publications, now);
  return { kind: "decided", rotation: { slots, publications, decision, now, forced: !decision.safe && request.force } };
}

/** When the rotation after this one is safe: the key that signed until now is the inactive one from here on. */
function nextSafeAfter({ slots, publications, now }: DecidedRotation): Date | undefined {
  const swapped = { active: slots.inactive, inactive: slots.active };
  return latestExpiry(decideRotation(swapped, publications, now).breaking);
}

/** Decides, then (unless refused or not due) prints or runs the rotation, each step verified. */
export async function rotateKeys(
  request: RotateKeysRequest,
  context: RotateKeysContext,
  hooks: RotateKeysHooks,
): Promise<RotateKeysOutcome> {
  const decided = await decideKeyRotation(request, context);
  if (decided.kind === "not-due") return decided;
  const { rotation } = decided;
  hooks.decided(rotation);
  if (!rotation.decision.safe && !rotation.forced) return { kind: "refused", rotation };
  const { stack, generation, print } = request;
  const deployedGeneration = context.outputs.keyGeneration;
  const slots = rotation.slots;
  const prepared = await prepareRotation(
    { stack, generation, deployedGeneration, print, rotations: 1, slots },
    context.io,
  );
  const outcome = await carryOutRotation(prepared, context.io);
  if (outcome.printed) return { kind: "printed", rotation, outcome };
  const after = nextSafeAfter(rotation);
  return { kind: "rotated", rotation, outcome, ...(after ? { nextSafeAfter: after } : {}) };
}
