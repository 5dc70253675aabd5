/** Advisory rules that keep data recoverable and auditable: versioning, access logging, lifecycle. */
import { asArray, asRecord, isUnknown, Unknown } from "../framework/inspect";
import { TYPES } from "../framework/resource-types";
import { judgeEachBucket, PASS, stackRule, undecided, violation } from "../framework/rule-framework";

export const versioningEnabled = stackRule(
  {
    name: "s3-versioning-enabled",
    enforcementLevel: "advisory",
    checks: "Every bucket has versioning enabled (a BucketVersioning with status Enabled).",
    securityHub: ["S3.14"],
    checkov: ["CKV_AWS_21"],
  },
  (model, report, deferral) =>
    judgeEachBucket(model, report, deferral, TYPES.versioning, (bucket, versionings) => {
      const inline = bucket.props.versioning;
      if (asRecord(inline)?.enabled === true) return PASS;
      for (const versioning of versionings) {
        const configuration = versioning.props.versioningConfiguration;
        const status = isUnknown(configuration) ? configuration : asRecord(configuration)?.status;
        if (isUnknown(status)) return undecided(status);
        if (status === "Enabled") return PASS;
      }
      return violation(`Bucket ${bucket.name} is not versioned: deleted or overwritten objects cannot be recovered.`);
    }),
);

export const accessLoggingEnabled = stackRule(
  {
    name: "s3-access-logging-enabled",
    enforcementLevel: "advisory",
    checks:
      "Every bucket has server access logging (a BucketLogging with a target bucket); a bucket that is itself the target of a BucketLogging (the log bucket) is exempt, since it cannot log to itself.",
    securityHub: ["S3.9"],
    checkov: ["CKV_AWS_18"],
  },
  (model, report, deferral) => {
    const logTargets = new Set<string>();
    const unresolvedTargets: Unknown[] = [];
    for (const logging of model.ofType(TYPES.logging)) {
      const targets = model.linked(logging, "targetBucket", model.buckets);
      if (isUnknown(targets)) unresolvedTargets.push(targets);
      else for (const target of targets) logTargets.add(target.urn);
    }
    for (const bucket of model.buckets) {
      const target = asRecord(bucket.props.logging)?.targetBucket;
      const targetBucket =
        typeof target === "string" ? model.buckets.find((other) => other.props.bucket === target) : undefined;
      if (targetBucket) logTargets.add(targetBucket.urn);
    }
    judgeEachBucket(model, report, deferral, TYPES.logging, (bucket, loggings) => {
      if (logTargets.has(bucket.urn)) return PASS;
      const inline = asRecord(bucket.props.logging)?.targetBucket;
      if (typeof inline === "string" && inline !== "") return PASS;
      for (const logging of loggings) {
        const target = logging.props.targetBucket;
        if (isUnknown(target)) return PASS; // bound to a bucket that does not exist yet
        if (typeof target === "string" && target !== "") return PASS;
      }
      if (unresolvedTargets.length > 0) return undecided(unresolvedTargets[0]); // it may be a log bucket
      return violation(`Bucket ${bucket.name} has no server access logging: add a BucketLogging into a log bucket.`);
    });
  },
);

export const lifecycleConfigured = stackRule(
  {
    name: "s3-lifecycle-configured",
    enforcementLevel: "advisory",
    checks: "Every bucket has a lifecycle configuration with at least one enabled rule.",
    securityHub: ["S3.13"],
    checkov: ["CKV2_AWS_61"],
  },
  (model, report, deferral) =>
    judgeEachBucket(model, report, deferral, TYPES.lifecycle, (bucket, lifecycles) => {
      if (asArray(bucket.props.lifecycleRules).some((rule) => asRecord(rule)?.enabled === true)) return PASS;
      for (const lifecycle of lifecycles) {
        const rules = lifecycle.props.rules;
        if (isUnknown(rules)) return undecided(rules);
        for (const rule of asArray(rules)) {
          const status = asRecord(rule)?.status;
          if (isUnknown(status)) return undecided(status);
          if (status === "Enabled") return PASS;
        }
      }
      return violation(
        `Bucket ${bucket.name} has no enabled lifecycle rule: old versions, logs and incomplete uploads are kept forever.`,
      );
    }),
);
