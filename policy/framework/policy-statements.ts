/**
 * Reading a bucket's policy statements for the bucket-policy rules: every statement of the bucket's
 * policies, and the shapes of deny that count as a blanket guard.
 */
import type { PolicyConfigSchema, StackValidationArgs } from "@pulumi/policy";
import {
  coversAllObjects,
  coversBucket,
  isDeny,
  isEveryone,
  isUnknown,
  parseDocument,
  ResourceView,
  StackModel,
  Statement,
  stringList,
  Unknown,
  bucketName as nameOfBucket,
} from "./inspect";
import { TYPES } from "./resource-types";
import { Finding, judgeEachBucket, Rule, RuleInfo, stackRule, undecided, violation } from "./rule-framework";

/** Every statement of the bucket's policies (BucketPolicy resources and the inline `policy`). */
function bucketPolicyStatements(
  bucket: ResourceView,
  policies: readonly ResourceView[],
): Statement[] | Unknown | string {
  const statements: Statement[] = [];
  let found = false;
  for (const owner of [bucket, ...policies]) {
    const parsed = parseDocument(owner.props.policy);
    if (parsed === undefined) continue;
    if (isUnknown(parsed)) return parsed;
    if ("invalid" in parsed) return `The policy of ${owner.name} ${parsed.invalid}.`;
    found = true;
    statements.push(...parsed.statements);
  }
  return found ? statements : `Bucket ${bucket.name} has no bucket policy`;
}

/** A Deny for every principal, with no NotPrincipal/NotAction/NotResource escape hatch. */
export function isBlanketDeny(statement: Statement): boolean {
  return (
    isDeny(statement) &&
    isEveryone(statement.Principal) &&
    statement.NotPrincipal === undefined &&
    statement.NotAction === undefined &&
    statement.NotResource === undefined
  );
}

export function deniesEveryS3Action(statement: Statement): boolean {
  return stringList(statement.Action).some((action) => action === "*" || action.toLowerCase() === "s3:*");
}

export function appliesToBucketAndObjects(statement: Statement, name: string): boolean {
  const resources = stringList(statement.Resource);
  return coversBucket(resources, name) && coversAllObjects(resources, name);
}

export function conditionValues(values: unknown[]): string[] {
  return values.map((value) => String(value));
}

/**
 * A stack rule over every bucket's policy: `judge` gets the bucket's name and all its statements.
 */
export function bucketPolicyRule(
  info: RuleInfo,
  judge: (name: string, statements: Statement[], args: StackValidationArgs, model: StackModel) => Finding,
  configSchema?: PolicyConfigSchema,
): Rule {
  return stackRule(
    info,
    (model, report, deferral, args) =>
      judgeEachBucket(model, report, deferral, TYPES.bucketPolicy, (bucket, policies) => {
        const statements = bucketPolicyStatements(bucket, policies);
        if (isUnknown(statements)) return undecided(statements);
        if (typeof statements === "string") return violation(`${statements}: ${info.checks}`);
        const name = nameOfBucket(bucket);
        if (name === undefined)
          return violation(`Bucket ${bucket.name} has neither a name nor an ARN to check its policy against.`);
        if (isUnknown(name)) return undecided(name);
        const finding = judge(name, statements, args, model);
        return finding.kind === "violation" ? violation(`Bucket ${bucket.name}: ${finding.message}`) : finding;
      }),
    configSchema,
  );
}
