/** Check: default encryption is declared (SSE-S3, or SSE-KMS with an S3 Bucket Key). */
import { readBucketSetting, unreadableSetting } from "../bucket-settings";
import { Finding, RESTORE, unsupported } from "../doctor-model";
import { Probe } from "../probe";

/** Default encryption (SSE-S3 or SSE-KMS), which the presigner may read too. */
export async function encryptionFinding(probe: Probe): Promise<Finding> {
  const read = await readBucketSetting(probe, "encryption");
  if ("error" in read) return unreadableSetting(probe, "encryption", read.error);
  if ("absent" in read) return { status: "fail", detail: "the bucket declares no default encryption", fix: RESTORE };
  const configuration = read.answer.ServerSideEncryptionConfiguration?.Rules?.[0];
  const rule = configuration?.ApplyServerSideEncryptionByDefault;
  if (rule?.SSEAlgorithm === undefined) return unsupported("no encryption rule in the answer");
  if (rule.SSEAlgorithm === "AES256") return { status: "pass", detail: "SSE-S3 (AES256)" };
  if (rule.SSEAlgorithm.startsWith("aws:kms")) {
    const key = rule.KMSMasterKeyID ?? "the AWS managed key";
    return configuration?.BucketKeyEnabled
      ? { status: "pass", detail: `SSE-KMS with ${key} and an S3 Bucket Key` }
      : { status: "warn", detail: `SSE-KMS with ${key} without an S3 Bucket Key: every GET calls KMS`, fix: RESTORE };
  }
  return { status: "warn", detail: `unexpected default encryption ${rule.SSEAlgorithm}`, fix: RESTORE };
}
