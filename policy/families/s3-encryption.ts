/** Rules on default encryption: declared, and SSE-KMS with an S3 Bucket Key. */
import { asArray, asRecord, firstUnknown, isUnknown, Unknown } from "../framework/inspect";
import { isOneOf, TYPES } from "../framework/resource-types";
import { judgeEachBucket, PASS, resourceRule, stackRule, undecided, violation } from "../framework/rule-framework";

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

function encryptionDefault(rule: unknown): { algorithm: unknown; bucketKey: unknown } | Unknown | undefined {
  if (isUnknown(rule)) return rule;
  const record = asRecord(rule);
  if (!record) return undefined;
  const byDefault = record.applyServerSideEncryptionByDefault;
  if (isUnknown(byDefault)) return byDefault;
  return { algorithm: asRecord(byDefault)?.sseAlgorithm, bucketKey: record.bucketKeyEnabled };
}

export const defaultEncryption = stackRule(
  {
    name: "s3-default-encryption",
    enforcementLevel: "mandatory",
    checks:
      "Every bucket declares default encryption (a BucketServerSideEncryptionConfiguration with SSE-S3 or SSE-KMS); the implicit AWS default is not accepted as a declaration.",
    securityHub: ["S3.4"],
    checkov: ["CKV_AWS_19"],
    related: ["S3.17"],
  },
  (model, report, deferral) =>
    judgeEachBucket(model, report, deferral, TYPES.encryption, (bucket, configurations) => {
      if (configurations.length === 0)
        return violation(
          `Bucket ${bucket.name} declares no default encryption: add a BucketServerSideEncryptionConfiguration.`,
        );
      for (const configuration of configurations) {
        const rules = configuration.props.rules;
        if (isUnknown(rules)) return undecided(rules);
        for (const rule of asArray(rules)) {
          const parsed = encryptionDefault(rule);
          if (isUnknown(parsed)) return undecided(parsed);
          if (isUnknown(parsed?.algorithm)) return undecided(parsed.algorithm);
          if (typeof parsed?.algorithm === "string" && SSE_ALGORITHMS.includes(parsed.algorithm)) return PASS;
        }
      }
      return violation(
        `Bucket ${bucket.name}: its encryption configuration has no applyServerSideEncryptionByDefault rule with ${SSE_ALGORITHMS.join(", ")}.`,
      );
    }),
);

export const kmsBucketKey = resourceRule(
  {
    name: "s3-kms-bucket-key",
    enforcementLevel: "mandatory",
    checks:
      "Every SSE-KMS default-encryption rule turns the S3 Bucket Key on (bucketKeyEnabled), so each object read does not call KMS.",
    securityHub: [],
    checkov: [],
    related: ["S3.17"],
  },
  (resource, report, deferral) => {
    let rules: unknown[];
    if (isOneOf(resource.type, TYPES.encryption)) {
      const value = resource.props.rules;
      if (isUnknown(value)) return deferral.defer(value);
      rules = asArray(value);
    } else if (isOneOf(resource.type, TYPES.bucket)) {
      const inline = resource.props.serverSideEncryptionConfiguration;
      if (isUnknown(inline)) return deferral.defer(inline);
      rules = asRecord(inline) ? [asRecord(inline)!.rule] : [];
    } else {
      return;
    }
    for (const rule of rules) {
      const parsed = encryptionDefault(rule);
      if (isUnknown(parsed)) {
        deferral.defer(parsed);
        continue;
      }
      const unknown = firstUnknown([parsed?.algorithm, parsed?.bucketKey]);
      if (unknown) deferral.defer(unknown);
      else if (parsed?.algorithm === "aws:kms" && parsed.bucketKey !== true) {
        report(`${resource.name} encrypts with SSE-KMS without an S3 Bucket Key: set bucketKeyEnabled to true.`);
      }
    }
  },
);
