/** Check: ACLs are disabled (BucketOwnerEnforced). */
import { readBucketSetting, unreadableSetting } from "../bucket-settings";
import { Finding, RESTORE, unsupported } from "../doctor-model";
import { Probe } from "../probe";

/** ACLs disabled (BucketOwnerEnforced). */
export async function objectOwnershipFinding(probe: Probe): Promise<Finding> {
  const read = await readBucketSetting(probe, "ownershipControls");
  if ("error" in read) return unreadableSetting(probe, "ownershipControls", read.error);
  if ("absent" in read) {
    return {
      status: "fail",
      detail: "the bucket has no object ownership controls: ACLs are enabled and could grant public read",
      fix: RESTORE,
    };
  }
  const rules = read.answer.OwnershipControls?.Rules;
  // A server that does not know ?ownershipControls answers with something else (e.g. a listing).
  if (!Array.isArray(rules) || rules.length === 0) return unsupported("no OwnershipControls rules in the answer");
  const ownership = rules.map((rule) => rule.ObjectOwnership ?? "(none)");
  if (ownership.length === 1 && ownership[0] === "BucketOwnerEnforced")
    return { status: "pass", detail: "BucketOwnerEnforced: ACLs are disabled" };
  return {
    status: "fail",
    detail: `object ownership is ${ownership.join(", ")}, not BucketOwnerEnforced: ACLs are enabled`,
    fix: RESTORE,
  };
}
