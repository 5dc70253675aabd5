/** Check: which live links a rotation now would break (it replaces the inactive slot's key). */
import { decideRotation } from "../../lifecycle/rotation";
import { Finding } from "../doctor-model";
import { Probe } from "../probe";
import { isFinding, slotsOrFinding } from "./key-age-check";
import { instant } from "../../text-format";

/** Which live links a rotation now would break (it replaces the inactive slot's key). */
export async function rotationImpactFinding(probe: Probe): Promise<Finding> {
  const { outputs, context } = probe;
  const slots = slotsOrFinding(outputs, "no key slots to rotate");
  if (isFinding(slots)) return slots;
  const ledger = await probe.publications();
  if ("failure" in ledger) return ledger.failure;
  const { note } = ledger;
  const decision = decideRotation(slots, ledger.publications, context.now);
  const { replaced } = decision;
  if (decision.safe || decision.safeAfter === undefined) {
    return {
      status: "pass",
      detail: `rotation now breaks no live link: slot ${replaced.slot}'s key ${replaced.accessKeyId} signed none that is still live${note}`,
    };
  }
  const cohorts = [...new Set(decision.breaking.map((publication) => publication.cohort))];
  const until = instant(decision.safeAfter);
  const names = cohorts.length <= 5 ? `: ${cohorts.map((cohort) => JSON.stringify(cohort)).join(", ")}` : "";
  return {
    status: "warn",
    detail: `rotation now would break ${cohorts.length} live cohort${cohorts.length === 1 ? "" : "s"} until ${until}${names} (signed by slot ${replaced.slot}'s key ${replaced.accessKeyId})${note}`,
    fix: `rotate after ${until}, or refresh those cohorts (\`npm run refresh-cohort\`) and share the new links first`,
  };
}
