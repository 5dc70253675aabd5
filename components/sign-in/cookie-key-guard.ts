/**
 * The cookieKeyGeneration guard (pure), the keyGeneration guard's counterpart for the cookie-signing
 * keys. A `pulumi up` replaces the key of every slot whose generation changes: the deployed
 * generation keeps both keys, the next one replaces only the inactive slot's (sessions go on). A
 * stale checkout with a lower generation would replace the active key, and a jump of two or more
 * replaces both: every session ends at once. That is refused unless the lab asks for it
 * (`allowKeyGenerationJump`, an emergency rotation); a lower generation is always refused.
 */
import { replacedSlots } from "../key-guard/key-generation";

/** The stack output the guard reads back from the deployed stack (sign-in mode only). */
export const COOKIE_KEY_GENERATION_OUTPUT = "cookieKeyGeneration";

/**
 * Why `requested` must not be deployed over `deployed` (undefined: sign-in was never deployed), or
 * undefined when it is safe.
 */
export function cookieKeyGenerationProblem(
  requested: number,
  deployed: number | undefined,
  allowJump: boolean,
): string | undefined {
  if (deployed === undefined || requested === deployed || requested === deployed + 1) return undefined;
  const fix = `set it to ${deployed} (no rotation) or ${deployed + 1} (rotate once, keeping sessions): \`pulumi config set cookieKeyGeneration ${deployed + 1}\``;
  const slots = replacedSlots(deployed, requested);
  const damage =
    slots.length === 1
      ? `replace slot ${slots[0]}'s key, the one that signs sessions now, and sign everyone out`
      : `replace the keys of slots ${slots.join(" and ")} and sign everyone out at once`;
  if (requested < deployed) {
    return `cookieKeyGeneration ${requested} is lower than the deployed generation ${deployed} (a stale checkout or CI job?): this update would ${damage}; ${fix}`;
  }
  if (allowJump) return undefined;
  return (
    `cookieKeyGeneration ${requested} is ${requested - deployed} generations past the deployed generation ${deployed}: this update would ${damage}; ${fix}. ` +
    "For an emergency rotation (a key may have leaked) that must end every session, also set allowKeyGenerationJump to true for that one update"
  );
}
