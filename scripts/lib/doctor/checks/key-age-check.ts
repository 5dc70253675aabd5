/** Check: the access keys' age and rotation period against AWS IAM.3. */
import { MAX_ACCESS_KEY_AGE_DAYS, MAX_KEY_ROTATION_DAYS } from "../../../../policy/documents/limits";
import { CliError } from "../../errors";
import { KeySlots, keySlotsOf, SlotKey } from "../../lifecycle/rotation";
import { StackOutputs } from "../../../../components/stack-outputs";
import { describeDuration, instant } from "../../text-format";
import { DAY_MS, Finding, ROTATION_WARNING_DAYS } from "../doctor-model";

const ROTATE = "rotate the keys with `npm run rotate-keys` (it replaces the older slot's key; see its --help)";

function days(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** The stack's two key slots, or the finding that says why they are unknown. */
export function slotsOrFinding(outputs: StackOutputs, what: string): KeySlots | Finding {
  if (outputs.presignerKind === "role")
    return { status: "pass", detail: `role kind: no long-term access keys, ${what}` };
  try {
    return keySlotsOf(outputs);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { status: "warn", detail: `cannot tell: ${error.message}`, fix: error.fix };
  }
}

export function isFinding(value: KeySlots | Finding): value is Finding {
  return "status" in value;
}

/**
 * The keys' age (accessKeys output). Warns when the active key's rotation is due within
 * ROTATION_WARNING_DAYS or overdue; fails when either key is older than MAX_ACCESS_KEY_AGE_DAYS (IAM.3),
 * or when a key's rotation period is over MAX_KEY_ROTATION_DAYS (two slots keep a key up to twice its period).
 */
export function keyAgeFinding(outputs: StackOutputs, now: Date): Finding {
  const slots = slotsOrFinding(outputs, "nothing to rotate");
  if (isFinding(slots)) return slots;
  const age = (key: SlotKey) => days(now.getTime() - key.createdAt.getTime());
  const describe = (key: SlotKey) => `slot ${key.slot} (${key.accessKeyId}) is ${age(key)} days old`;
  const keys = [slots.active, slots.inactive];
  const tooOld = keys.filter((key) => age(key) > MAX_ACCESS_KEY_AGE_DAYS);
  if (tooOld.length > 0) {
    return {
      status: "fail",
      detail: `${tooOld.map(describe).join(", ")}: past the ${MAX_ACCESS_KEY_AGE_DAYS}-day maximum (AWS IAM.3)`,
      fix: ROTATE,
    };
  }
  const period = (key: SlotKey) => (key.rotationDueAt.getTime() - key.createdAt.getTime()) / DAY_MS;
  const tooSlow = keys.filter((key) => period(key) > MAX_KEY_ROTATION_DAYS);
  if (tooSlow.length > 0) {
    return {
      status: "fail",
      detail:
        `${tooSlow.map((key) => `slot ${key.slot}'s rotation period is ${period(key)} days`).join(", ")}: more than ${MAX_KEY_ROTATION_DAYS}, ` +
        `and with two slots a key lives up to twice its period (AWS IAM.3 allows ${MAX_ACCESS_KEY_AGE_DAYS} days)`,
      fix: `set keyRotationDays to ${MAX_KEY_ROTATION_DAYS} or less (\`pulumi config set keyRotationDays 30\`) and run \`pulumi up\``,
    };
  }
  const { active } = slots;
  const dueMs = active.rotationDueAt.getTime() - now.getTime();
  const due = instant(active.rotationDueAt);
  if (dueMs <= 0)
    return {
      status: "warn",
      detail: `active ${describe(active)}: rotation was due ${due} (${describeDuration(-dueMs / 1000)} ago)`,
      fix: ROTATE,
    };
  if (dueMs <= ROTATION_WARNING_DAYS * DAY_MS) {
    return {
      status: "warn",
      detail: `active ${describe(active)}: rotation due ${due} (in ${describeDuration(dueMs / 1000)})`,
      fix: ROTATE,
    };
  }
  return {
    status: "pass",
    detail: `active ${describe(active)}; rotation due ${due} (in ${describeDuration(dueMs / 1000)})`,
  };
}
