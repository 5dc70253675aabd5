/**
 * The small framework every rule of the pack is written in: what a rule mirrors (RuleInfo), the
 * registry the table of docs/policy-pack.md is generated from, resource and stack rules that defer on values unknown during a
 * preview, and the per-bucket finding most S3 rules share.
 *
 * Unknown values: during `pulumi preview`, a value computed by AWS (an autonamed bucket's id or ARN,
 * and every string built from it, such as a bucket policy document) is unknown. A rule reports what
 * it can decide and then rethrows the policy SDK's UnknownValueError for what it cannot, which the
 * SDK reports as an advisory "can't run policy during preview"; the rule runs again with known values
 * on `pulumi up`. No rule passes on a value it could not read.
 */
import type * as policy from "@pulumi/policy";
import { asRecord, Deferral, Props, ResourceView, snapshot, StackModel, Unknown } from "./inspect";

export type RuleLevel = "mandatory" | "advisory";

/** What a rule mirrors: AWS Security Hub control ids and Checkov check ids ([] for none). */
export interface RuleReferences {
  readonly securityHub: readonly string[];
  readonly checkov: readonly string[];
  /** Security Hub controls a rule complements when none matches it directly. */
  readonly related?: readonly string[];
}

export interface RuleInfo extends RuleReferences {
  readonly name: string;
  readonly enforcementLevel: RuleLevel;
  /** One line: what the rule checks (the table of docs/policy-pack.md uses the same words). */
  readonly checks: string;
}

/** `checks` plus "[AWS Security Hub: ... | Checkov: ...]", the form every description takes. */
export function describeRule(info: RuleInfo): string {
  const related = info.related && info.related.length > 0 ? ` (related: ${info.related.join(", ")})` : "";
  const hub = `${info.securityHub.length > 0 ? info.securityHub.join(", ") : "none"}${related}`;
  const checkov = info.checkov.length > 0 ? info.checkov.join(", ") : "none";
  return `${info.checks} [AWS Security Hub: ${hub} | Checkov: ${checkov}]`;
}

export type Rule = (policy.ResourceValidationPolicy | policy.StackValidationPolicy) & { enforcementLevel: RuleLevel };

const infos = new Map<string, RuleInfo>();

/** What each rule checks and mirrors, by rule name (the docs generator and the tests read this). */
export const RULE_INFO: ReadonlyMap<string, RuleInfo> = infos;

function register(info: RuleInfo): RuleInfo {
  if (infos.has(info.name)) throw new Error(`duplicate policy rule name ${info.name}`);
  infos.set(info.name, info);
  return info;
}

/** What every rule declares, once its info is registered (a duplicate name throws). */
function registeredRule(info: RuleInfo, configSchema: policy.PolicyConfigSchema | undefined) {
  register(info);
  return {
    name: info.name,
    description: describeRule(info),
    enforcementLevel: info.enforcementLevel,
    ...(configSchema ? { configSchema } : {}),
  };
}

export interface ResourceUnderTest {
  readonly type: string;
  readonly name: string;
  readonly props: Props;
}

type ResourceValidator = (
  resource: ResourceUnderTest,
  report: (message: string) => void,
  deferral: Deferral,
  args: policy.ResourceValidationArgs,
) => void;

type StackValidator = (
  model: StackModel,
  report: policy.ReportViolation,
  deferral: Deferral,
  args: policy.StackValidationArgs,
) => void;

/** Runs `check` with a fresh deferral, then raises what it deferred (once every definite violation is reported). */
function withDeferral(check: (deferral: Deferral) => void): void {
  const deferral = new Deferral();
  check(deferral);
  deferral.finish();
}

export function resourceRule(
  info: RuleInfo,
  validate: ResourceValidator,
  configSchema?: policy.PolicyConfigSchema,
): Rule {
  const validateResource = (args: policy.ResourceValidationArgs, reportViolation: policy.ReportViolation) =>
    withDeferral((deferral) => {
      const resource = { type: args.type, name: args.name, props: asRecord(snapshot(args.props)) ?? {} };
      validate(resource, (message) => reportViolation(message), deferral, args);
    });
  return { ...registeredRule(info, configSchema), validateResource };
}

export function stackRule(info: RuleInfo, validate: StackValidator, configSchema?: policy.PolicyConfigSchema): Rule {
  const validateStack = (args: policy.StackValidationArgs, reportViolation: policy.ReportViolation) =>
    withDeferral((deferral) => validate(new StackModel(args.resources), reportViolation, deferral, args));
  return { ...registeredRule(info, configSchema), validateStack };
}

/**
 * What a rule found for one bucket: it passes, it is a violation (the message says how, and the
 * fix), or it cannot tell during a preview (a value it needs is unknown until `pulumi up`).
 */
export type Finding =
  | { readonly kind: "pass" }
  | { readonly kind: "violation"; readonly message: string }
  | { readonly kind: "unknown"; readonly unknown: Unknown };

export const PASS: Finding = { kind: "pass" };

export function violation(message: string): Finding {
  return { kind: "violation", message };
}

export function undecided(unknown: Unknown): Finding {
  return { kind: "unknown", unknown };
}

/**
 * Runs `judge` for every bucket of the stack with the children of `types` linked to it through
 * `key`. A violation is deferred, not reported, while some child's bucket is still unknown.
 */
export function judgeEachBucket(
  model: StackModel,
  report: policy.ReportViolation,
  deferral: Deferral,
  types: readonly string[],
  judge: (bucket: ResourceView, children: ResourceView[]) => Finding,
  key = "bucket",
): void {
  const { byBucket, unresolved } = model.childrenByBucket(types, key);
  for (const bucket of model.buckets) {
    const finding = judge(bucket, byBucket.get(bucket.urn)!);
    if (finding.kind === "pass") continue;
    if (finding.kind === "unknown") deferral.defer(finding.unknown);
    else if (unresolved.length > 0) deferral.defer(unresolved[0]);
    else report(finding.message, bucket.urn);
  }
}
