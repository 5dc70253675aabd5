/** Check: the bucket policy denies what the stack declares and grants nothing to everyone. */
import { describeDuration } from "../../text-format";
import { compareBucketPolicy } from "../bucket-policy-comparison";
import { readBucketSetting, unreadableSetting } from "../bucket-settings";
import { Finding, RESTORE, unsupported } from "../doctor-model";
import { Probe } from "../probe";

export interface BucketPolicyFinding {
  finding: Finding;
  /** The link life the policy's signature-age deny allows, when it is below the stack's setting. */
  capSeconds?: number;
}

/**
 * The bucket policy denies what transportAndSignatureDenyStatements declares (by
 * meaning, see bucket-policy-check.ts) and grants nothing to everyone.
 */
export function judgeBucketPolicy(
  policyJson: string,
  bucket: string,
  maxLinkLifetimeSeconds: number,
): BucketPolicyFinding {
  const comparison = compareBucketPolicy(policyJson, bucket, maxLinkLifetimeSeconds);
  if (comparison.invalid)
    return { finding: { status: "fail", detail: `the bucket policy ${comparison.invalid}`, fix: RESTORE } };
  const problems: string[] = [];
  if (comparison.publicGrants.length > 0)
    problems.push(`statement ${comparison.publicGrants.join(", ")} allows everyone (public access)`);
  if (comparison.missingDenies.length > 0) problems.push(`no statement denies ${comparison.missingDenies.join("; ")}`);
  if (problems.length > 0) return { finding: { status: "fail", detail: problems.join("; "), fix: RESTORE } };
  if (comparison.conditionalPublicGrants.length > 0) {
    return {
      finding: {
        status: "warn",
        detail: `statement ${comparison.conditionalPublicGrants.join(", ")} allows everyone under a condition: review it`,
        fix: "remove it unless you know why it is there, then `pulumi up --refresh`",
      },
    };
  }
  const cap = comparison.signatureAgeCapMs;
  const capSeconds = cap === undefined ? undefined : Math.floor(cap / 1000);
  if (capSeconds !== undefined && capSeconds < maxLinkLifetimeSeconds) {
    return {
      finding: {
        status: "warn",
        detail:
          `denies plain HTTP, old TLS, SigV2 and writes not signed in the header, but cuts presigned links at ${describeDuration(capSeconds)}, ` +
          `shorter than the stack's maxLinkLifetimeSeconds (${describeDuration(maxLinkLifetimeSeconds)}): longer links die early`,
        fix: "run `pulumi up --refresh` to restore the declared policy, or lower maxLinkLifetimeSeconds to match",
      },
      capSeconds,
    };
  }
  return {
    finding: {
      status: "pass",
      detail: `denies plain HTTP, TLS below 1.2, SigV2, writes not signed in the header (presigned or browser POST) and presigned links older than ${describeDuration(maxLinkLifetimeSeconds)}`,
    },
  };
}

export async function bucketPolicyFinding(probe: Probe): Promise<BucketPolicyFinding> {
  const read = await readBucketSetting(probe, "policy");
  if ("error" in read) return { finding: await unreadableSetting(probe, "policy", read.error) };
  if ("absent" in read) {
    return {
      finding: {
        status: "fail",
        detail: "the bucket has no policy: plain HTTP, SigV2 and links of any age are not refused",
        fix: RESTORE,
      },
    };
  }
  const document = read.answer.Policy;
  if (typeof document !== "string" || document === "")
    return { finding: unsupported("no policy document in the answer") };
  return judgeBucketPolicy(document, probe.bucket, probe.outputs.maxLinkLifetimeSeconds);
}
