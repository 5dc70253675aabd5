/** Check: all four Block Public Access flags are on. */
import { readBucketSetting, unreadableSetting } from "../bucket-settings";
import { Finding, RESTORE, unsupported } from "../doctor-model";
import { Probe } from "../probe";

const PUBLIC_ACCESS_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
] as const;

/** All four Block Public Access flags on the bucket. */
export async function publicAccessBlockFinding(probe: Probe): Promise<Finding> {
  const read = await readBucketSetting(probe, "publicAccessBlock");
  if ("error" in read) return unreadableSetting(probe, "publicAccessBlock", read.error);
  if ("absent" in read) {
    return {
      status: "fail",
      detail: "the bucket has no Block Public Access configuration: a policy or ACL could make data public",
      fix: RESTORE,
    };
  }
  return judgePublicAccessBlock(read.answer.PublicAccessBlockConfiguration);
}

export function judgePublicAccessBlock(
  configuration: Partial<Record<(typeof PUBLIC_ACCESS_FLAGS)[number], boolean>> | undefined,
): Finding {
  if (configuration === undefined || PUBLIC_ACCESS_FLAGS.every((flag) => configuration[flag] === undefined))
    return unsupported("no PublicAccessBlockConfiguration in the answer");
  const off = PUBLIC_ACCESS_FLAGS.filter((flag) => configuration[flag] !== true);
  if (off.length > 0) {
    return {
      status: "fail",
      detail: `Block Public Access is off for ${off.join(", ")} (all four must be on)`,
      fix: RESTORE,
    };
  }
  return { status: "pass", detail: `all four flags on (${PUBLIC_ACCESS_FLAGS.join(", ")})` };
}
