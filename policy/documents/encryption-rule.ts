/**
 * Default encryption: SSE-S3, or SSE-KMS with an S3 Bucket Key.
 *
 * Pure and self-contained (no Pulumi runtime, nothing outside policy/): the Pulumi program, the policy
 * pack, the tools, the local demo and the tests build from these, so each action list and limit exists once.
 */

export interface EncryptionRule {
  applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" | "aws:kms"; kmsMasterKeyId?: string };
  bucketKeyEnabled?: boolean;
}

/** SSE-S3 by default; SSE-KMS with an S3 Bucket Key when a key is configured. */
export function encryptionRule(kmsKeyArn: string): EncryptionRule {
  return kmsKeyArn === ""
    ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
    : {
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
        bucketKeyEnabled: true,
      };
}
