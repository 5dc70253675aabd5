/**
 * The keyGeneration guard (pure). A `pulumi up` replaces the access key of every slot whose trigger
 * differs from the deployed one, so only the deployed generation (nothing changes) and the next one
 * (the inactive slot gets a new key) keep the key that signed the live links. A stale checkout with a
 * lower generation would replace the active key; a jump of two or more replaces both.
 */
import { keySlotPlan } from "../key-slots";
import { KEY_SLOTS, KeySlot } from "../../policy/documents/limits";

/** The stack output the guard reads back from the deployed stack. */
export const KEY_GENERATION_OUTPUT = "keyGeneration";

/** Slots whose key a move from `deployed` to `requested` would replace. */
export function replacedSlots(deployed: number, requested: number): KeySlot[] {
  const before = keySlotPlan(deployed).writtenAtGeneration;
  const after = keySlotPlan(requested).writtenAtGeneration;
  return KEY_SLOTS.filter((slot) => before[slot] !== after[slot]);
}

/**
 * Why `requested` must not be deployed over `deployed` (undefined: a first deployment, or a stack
 * deployed before the output existed), or undefined when it is safe. `allowJump` admits a deliberate
 * jump forward (an emergency rotation), never a lower generation.
 */
export function keyGenerationProblem(
  requested: number,
  deployed: number | undefined,
  allowJump: boolean,
): string | undefined {
  if (deployed === undefined || requested === deployed || requested === deployed + 1) return undefined;
  const fix = `set it to ${deployed} (no rotation) or ${deployed + 1} (rotate once, as \`npm run rotate-keys\` does): \`pulumi config set keyGeneration ${deployed + 1}\``;
  const slots = replacedSlots(deployed, requested);
  // Going down always replaces the active slot (written at `deployed`); two steps or more replace both.
  const damage =
    slots.length === 1
      ? `replace slot ${slots[0]}'s key, the active key that signs new links, and kill every live link it signed`
      : `replace the keys of slots ${slots.join(" and ")} and kill every live link`;
  if (requested < deployed) {
    return `keyGeneration ${requested} is lower than the deployed generation ${deployed} (a stale checkout or CI job?): this update would ${damage}; ${fix}`;
  }
  if (allowJump) return undefined;
  return (
    `keyGeneration ${requested} is ${requested - deployed} generations past the deployed generation ${deployed}: this update would ${damage}; ${fix}. ` +
    "For an emergency rotation (a leaked key) that must kill them, also set allowKeyGenerationJump to true for that one update"
  );
}

/** Stack outputs that exist exactly when key slots were deployed (user kind), generation recorded or not. */
export const KEY_SLOT_OUTPUTS = ["activeKeySlot", "accessKeys"] as const;

/**
 * Why `requested` must not be deployed over a stack that has key slots but no recorded generation (it
 * was deployed before the keyGeneration output existed): nothing tells which generation wrote its keys,
 * so any value might replace the active key. Refused until the lab confirms the value once with
 * allowKeyGenerationJump; that update records the generation and the guard works from then on.
 */
export function unrecordedGenerationProblem(
  requested: number,
  activeKeySlot: KeySlot | undefined,
  allowJump: boolean,
): string | undefined {
  if (allowJump) return undefined;
  const parity =
    activeKeySlot === undefined
      ? ""
      : ` (its active slot is ${activeKeySlot}: keyGeneration ${requested} makes slot ${keySlotPlan(requested).activeSlot} active)`;
  return (
    `the deployed stack has access keys${parity} but records no keyGeneration (it was deployed before the guard existed), ` +
    `so keyGeneration ${requested} cannot be checked: a value other than the one last deployed would replace the active key and kill every live link. ` +
    `Check that ${requested} is the keyGeneration of the last deployment (Pulumi.<stack>.yaml in the commit that was deployed, or \`pulumi stack history\`), ` +
    "then run `pulumi up` once with `pulumi config set allowKeyGenerationJump true`, which records it, and remove the flag afterwards (`pulumi config rm allowKeyGenerationJump`)"
  );
}
