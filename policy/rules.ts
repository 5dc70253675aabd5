/**
 * The CrossGuard rules of the chromoscope-private-data policy pack.
 *
 * Side-effect free: constructing a `PolicyPack` starts a gRPC server, so only policy/index.ts does
 * that; the tests import `policies` from here and run every rule against the program under mocks.
 * Limits and constants come from components/documents.ts, so the pack, the program and the tests
 * share one definition of each.
 *
 * Unknown values: during `pulumi preview`, a value computed by AWS (an autonamed bucket's id or ARN,
 * and every string built from it, such as a bucket policy document) is unknown. A rule reports what
 * it can decide and then rethrows the policy SDK's UnknownValueError for what it cannot, which the
 * SDK reports as an advisory "can't run policy during preview"; the rule runs again with known values
 * on `pulumi up`. No rule passes on a value it could not read.
 */
import type {
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { CORS_ALLOWED_METHODS, MAX_ACCESS_KEY_AGE_DAYS, MAX_KEY_ROTATION_DAYS, MAX_PRESIGN_SECONDS, prefixObjectsArn, PRESIGNED_URL_ACTIONS } from "../components/documents";
import {
  asArray,
  asRecord,
  conditionEntries,
  coversAllObjects,
  coversBucket,
  Deferral,
  firstUnknown,
  globMatch,
  grantsAction,
  IDENTITY_POLICY_TYPES,
  isAllow,
  isDeny,
  isEveryone,
  isOneOf,
  isUnknown,
  parseDocument,
  bucketName as nameOfBucket,
  Props,
  ResourceView,
  s3ArnPath,
  snapshot,
  StackModel,
  Statement,
  stringList,
  TYPES,
  Unknown,
} from "./inspect";

export const POLICY_PACK_NAME = "chromoscope-private-data-policy";

/** The component type that PresignerIdentity registers (components/presigner-identity.ts). */
export const PRESIGNER_COMPONENT_TYPE = "chromoscope-private-data:identity:PresignerIdentity";

/** IAM.3 (90 days) with two key slots: a key lives up to twice its rotation period, so at most 45 days. */
export { MAX_KEY_ROTATION_DAYS };
/** AWS allows two access keys per IAM user. */
export const MAX_ACCESS_KEYS_PER_USER = 2;

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
  /** One line: what the rule checks (the README table uses the same words). */
  readonly checks: string;
}

/** `checks` plus "[AWS Security Hub: ... | Checkov: ...]", the form every description takes. */
export function describeRule(info: RuleInfo): string {
  const related = info.related && info.related.length > 0 ? ` (related: ${info.related.join(", ")})` : "";
  const hub = `${info.securityHub.length > 0 ? info.securityHub.join(", ") : "none"}${related}`;
  const checkov = info.checkov.length > 0 ? info.checkov.join(", ") : "none";
  return `${info.checks} [AWS Security Hub: ${hub} | Checkov: ${checkov}]`;
}

type Rule = (ResourceValidationPolicy | StackValidationPolicy) & { enforcementLevel: RuleLevel };

const infos = new Map<string, RuleInfo>();

/** What each rule checks and mirrors, by rule name (the README table and its test read this). */
export const RULE_INFO: ReadonlyMap<string, RuleInfo> = infos;

function register(info: RuleInfo): RuleInfo {
  if (infos.has(info.name)) throw new Error(`duplicate policy rule name ${info.name}`);
  infos.set(info.name, info);
  return info;
}

interface ResourceUnderTest {
  readonly type: string;
  readonly name: string;
  readonly props: Props;
}

function resourceRule(
  info: RuleInfo,
  validate: (resource: ResourceUnderTest, report: (message: string) => void, deferral: Deferral, args: ResourceValidationArgs) => void,
  configSchema?: PolicyConfigSchema,
): Rule {
  register(info);
  return {
    name: info.name,
    description: describeRule(info),
    enforcementLevel: info.enforcementLevel,
    ...(configSchema ? { configSchema } : {}),
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const props = (asRecord(snapshot(args.props)) ?? {}) as Props;
      const deferral = new Deferral();
      validate({ type: args.type, name: args.name, props }, (message) => reportViolation(message), deferral, args);
      deferral.finish();
    },
  };
}

function stackRule(
  info: RuleInfo,
  validate: (model: StackModel, report: ReportViolation, deferral: Deferral, args: StackValidationArgs) => void,
  configSchema?: PolicyConfigSchema,
): Rule {
  register(info);
  return {
    name: info.name,
    description: describeRule(info),
    enforcementLevel: info.enforcementLevel,
    ...(configSchema ? { configSchema } : {}),
    validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
      const deferral = new Deferral();
      validate(new StackModel(args.resources), reportViolation, deferral, args);
      deferral.finish();
    },
  };
}

/** A per-bucket verdict: true (fine), a violation message, or Unknown (decide on `pulumi up`). */
type Verdict = true | string | Unknown;

/**
 * Runs `judge` for every bucket of the stack with the children of `types` linked to it through
 * `key`. A failing verdict is deferred, not reported, while some child's bucket is still unknown.
 */
function judgeEachBucket(
  model: StackModel,
  report: ReportViolation,
  deferral: Deferral,
  types: readonly string[],
  judge: (bucket: ResourceView, children: ResourceView[]) => Verdict,
  key = "bucket",
): void {
  const { byBucket, unresolved } = model.childrenByBucket(types, key);
  for (const bucket of model.buckets) {
    const verdict = judge(bucket, byBucket.get(bucket.urn)!);
    if (verdict === true) continue;
    if (isUnknown(verdict)) deferral.defer(verdict);
    else if (unresolved.length > 0) deferral.defer(unresolved[0]);
    else report(verdict, bucket.urn);
  }
}

// ---------------------------------------------------------------- public access

const PUBLIC_ACCESS_BLOCK_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

const publicAccessBlockFlags = resourceRule(
  {
    name: "s3-public-access-block-all-flags",
    enforcementLevel: "mandatory",
    checks: "Every S3 public access block sets blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
    securityHub: ["S3.1", "S3.8"],
    checkov: ["CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"],
  },
  (resource, report, deferral) => {
    if (!isOneOf(resource.type, TYPES.publicAccessBlock)) return;
    const off: string[] = [];
    for (const flag of PUBLIC_ACCESS_BLOCK_FLAGS) {
      const value = resource.props[flag];
      if (isUnknown(value)) deferral.defer(value);
      else if (value !== true) off.push(flag);
    }
    if (off.length > 0) {
      report(`Public access block ${resource.name} leaves ${off.join(", ")} off: set all four flags to true.`);
    }
  },
);

const bucketHasPublicAccessBlock = stackRule(
  {
    name: "s3-bucket-has-public-access-block",
    enforcementLevel: "mandatory",
    checks: "No bucket of the stack lacks a BucketPublicAccessBlock (linked to its bucket by URN).",
    securityHub: ["S3.8"],
    checkov: ["CKV2_AWS_6"],
  },
  (model, report, deferral) =>
    judgeEachBucket(model, report, deferral, TYPES.publicAccessBlock, (bucket, blocks) =>
      blocks.length > 0 ? true : `Bucket ${bucket.name} has no BucketPublicAccessBlock: add one with all four flags true.`,
    ),
);

const PUBLIC_GROUP_URIS = [
  "http://acs.amazonaws.com/groups/global/AllUsers",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];
/** Canned ACLs that grant the AllUsers or AuthenticatedUsers group. */
const PUBLIC_CANNED_ACLS = ["public-read", "public-read-write", "authenticated-read"];

function publicGrantProblems(grants: unknown, deferral: Deferral, read: (grant: Props) => { uri: unknown; permissions: unknown }): string[] {
  if (isUnknown(grants)) {
    deferral.defer(grants);
    return [];
  }
  const problems: string[] = [];
  for (const item of asArray(grants)) {
    const grant = asRecord(item);
    if (!grant) continue;
    const { uri, permissions } = read(grant);
    const unknown = firstUnknown([uri, permissions]);
    if (unknown) {
      deferral.defer(unknown);
      continue;
    }
    if (typeof uri === "string" && PUBLIC_GROUP_URIS.includes(uri)) {
      problems.push(`grants ${stringList(permissions).join(", ")} to ${uri.split("/").pop()}`);
    }
  }
  return problems;
}

const noPublicAcl = resourceRule(
  {
    name: "s3-no-public-acl",
    enforcementLevel: "mandatory",
    checks: "No bucket or object ACL (canned or grant) gives AllUsers or AuthenticatedUsers read or write access.",
    securityHub: ["S3.2", "S3.3"],
    checkov: ["CKV_AWS_20", "CKV_AWS_57"],
  },
  (resource, report, deferral) => {
    const problems: string[] = [];
    const canned = (acl: unknown) => {
      if (isUnknown(acl)) deferral.defer(acl);
      else if (typeof acl === "string" && PUBLIC_CANNED_ACLS.includes(acl)) problems.push(`uses the canned ACL "${acl}"`);
    };
    if (isOneOf(resource.type, TYPES.acl)) {
      canned(resource.props.acl);
      const policy = resource.props.accessControlPolicy;
      if (isUnknown(policy)) deferral.defer(policy);
      problems.push(
        ...publicGrantProblems(asRecord(policy)?.grants, deferral, (grant) => {
          const grantee = grant.grantee;
          return { uri: isUnknown(grantee) ? grantee : asRecord(grantee)?.uri, permissions: grant.permission };
        }),
      );
    } else if (isOneOf(resource.type, TYPES.bucket)) {
      canned(resource.props.acl);
      problems.push(...publicGrantProblems(resource.props.grants, deferral, (grant) => ({ uri: grant.uri, permissions: grant.permissions })));
    } else if (isOneOf(resource.type, TYPES.object)) {
      canned(resource.props.acl);
    } else {
      return;
    }
    for (const problem of problems) report(`${resource.name} ${problem}: nothing in this stack may be public.`);
  },
);

const bucketOwnerEnforced = stackRule(
  {
    name: "s3-bucket-owner-enforced",
    enforcementLevel: "mandatory",
    checks: "Every bucket has ownership controls set to BucketOwnerEnforced (ACLs disabled).",
    securityHub: ["S3.12"],
    checkov: ["CKV2_AWS_65"],
  },
  (model, report, deferral) => {
    for (const controls of model.ofType(TYPES.ownershipControls)) {
      const rule = controls.props.rule;
      const ownership = isUnknown(rule) ? rule : asRecord(rule)?.objectOwnership;
      if (isUnknown(ownership)) deferral.defer(ownership);
      else if (ownership !== "BucketOwnerEnforced") {
        report(`Ownership controls ${controls.name} set objectOwnership ${JSON.stringify(ownership)}: use "BucketOwnerEnforced" to disable ACLs.`, controls.urn);
      }
    }
    judgeEachBucket(model, report, deferral, TYPES.ownershipControls, (bucket, controls) =>
      controls.length > 0 ? true : `Bucket ${bucket.name} has no BucketOwnershipControls, so ACLs stay enabled: add one with "BucketOwnerEnforced".`,
    );
  },
);

// ---------------------------------------------------------------- bucket policies

/** Every statement of the bucket's policies (BucketPolicy resources and the inline `policy`). */
function bucketPolicyStatements(bucket: ResourceView, policies: readonly ResourceView[]): Statement[] | Unknown | string {
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
function isBlanketDeny(statement: Statement): boolean {
  return (
    isDeny(statement) &&
    isEveryone(statement.Principal) &&
    statement.NotPrincipal === undefined &&
    statement.NotAction === undefined &&
    statement.NotResource === undefined
  );
}

function deniesEveryS3Action(statement: Statement): boolean {
  return stringList(statement.Action).some((action) => action === "*" || action.toLowerCase() === "s3:*");
}

function appliesToBucketAndObjects(statement: Statement, name: string): boolean {
  const resources = stringList(statement.Resource);
  return coversBucket(resources, name) && coversAllObjects(resources, name);
}

function conditionValues(values: unknown[]): string[] {
  return values.map((value) => String(value));
}

/**
 * A stack rule over every bucket's policy: `judge` gets the bucket's name and all its statements.
 */
function bucketPolicyRule(info: RuleInfo, judge: (name: string, statements: Statement[], args: StackValidationArgs, model: StackModel) => Verdict, configSchema?: PolicyConfigSchema): Rule {
  return stackRule(
    info,
    (model, report, deferral, args) =>
      judgeEachBucket(model, report, deferral, TYPES.bucketPolicy, (bucket, policies) => {
        const statements = bucketPolicyStatements(bucket, policies);
        if (isUnknown(statements)) return statements;
        if (typeof statements === "string") return `${statements}: ${info.checks}`;
        const name = nameOfBucket(bucket);
        if (name === undefined) return `Bucket ${bucket.name} has neither a name nor an ARN to check its policy against.`;
        if (isUnknown(name)) return name;
        const verdict = judge(name, statements, args, model);
        return verdict === true || isUnknown(verdict) ? verdict : `Bucket ${bucket.name}: ${verdict}`;
      }),
    configSchema,
  );
}

const denyInsecureTransport = bucketPolicyRule(
  {
    name: "s3-deny-insecure-transport",
    enforcementLevel: "mandatory",
    checks: "Every bucket has a bucket policy that denies every S3 action on the bucket and its objects when aws:SecureTransport is false.",
    securityHub: ["S3.5"],
    checkov: [],
  },
  (name, statements) =>
    statements.some((statement) => {
      if (!isBlanketDeny(statement) || !deniesEveryS3Action(statement) || !appliesToBucketAndObjects(statement, name)) return false;
      const entries = conditionEntries(statement.Condition);
      return (
        entries.length === 1 &&
        ["Bool", "BoolIfExists"].includes(entries[0].operator) &&
        entries[0].key.toLowerCase() === "aws:securetransport" &&
        entries[0].values.length > 0 &&
        conditionValues(entries[0].values).every((value) => value === "false")
      );
    })
      ? true
      : "no statement denies requests without TLS (Deny, Principal \"*\", Action \"s3:*\", the bucket and bucket/*, Bool aws:SecureTransport \"false\", no other condition).",
);

const SIGV2 = "AWS";
const SIGV4 = "AWS4-HMAC-SHA256";

const denySignatureVersion2 = bucketPolicyRule(
  {
    name: "s3-deny-sigv2",
    enforcementLevel: "mandatory",
    checks: "Every bucket's policy denies every S3 action signed with Signature Version 2 (s3:signatureversion \"AWS\"), which has no expiry cap.",
    securityHub: [],
    checkov: [],
    related: ["S3.5"],
  },
  (name, statements) =>
    statements.some((statement) => {
      if (!isBlanketDeny(statement) || !deniesEveryS3Action(statement) || !appliesToBucketAndObjects(statement, name)) return false;
      const entries = conditionEntries(statement.Condition);
      if (entries.length !== 1 || entries[0].key.toLowerCase() !== "s3:signatureversion") return false;
      const values = conditionValues(entries[0].values);
      return (
        (["StringEquals", "StringEqualsIgnoreCase", "StringLike"].includes(entries[0].operator) && values.includes(SIGV2)) ||
        (entries[0].operator === "StringNotEquals" && values.length === 1 && values[0] === SIGV4)
      );
    })
      ? true
      : `no statement denies SigV2 requests (Deny, Principal "*", Action "s3:*", StringEquals s3:signatureversion "${SIGV2}").`,
);

/** Policy config of the link-age rule: a pack may demand shorter links than AWS's 7 days. */
interface LinkAgeConfig {
  maxLinkLifetimeSeconds?: number;
}

const presignedUrlAgeCap = bucketPolicyRule(
  {
    name: "s3-presigned-url-age-cap",
    enforcementLevel: "mandatory",
    checks:
      "Every bucket's policy denies presigned (REST-QUERY-STRING) requests whose s3:signatureAge exceeds 7 days, or the stack's shorter maxLinkLifetimeSeconds output.",
    securityHub: [],
    checkov: [],
    related: ["S3.2"],
  },
  (name, statements, args, model) => {
    const configured = args.getConfig<LinkAgeConfig>().maxLinkLifetimeSeconds;
    let capSeconds = typeof configured === "number" && configured > 0 ? Math.min(configured, MAX_PRESIGN_SECONDS) : MAX_PRESIGN_SECONDS;
    const declared = model.stackResource?.props.maxLinkLifetimeSeconds;
    if (isUnknown(declared)) return declared;
    if (typeof declared === "number" && declared > 0) capSeconds = Math.min(capSeconds, declared);
    const capMs = capSeconds * 1000;
    const caps: number[] = [];
    for (const statement of statements) {
      if (!isBlanketDeny(statement) || !grantsAction(statement, "s3:GetObject") || !coversAllObjects(stringList(statement.Resource), name)) continue;
      let age: number | undefined;
      let other = false;
      for (const entry of conditionEntries(statement.Condition)) {
        const key = entry.key.toLowerCase();
        const values = conditionValues(entry.values);
        if (key === "s3:signatureage" && ["NumericGreaterThan", "NumericGreaterThanEquals"].includes(entry.operator) && values.length === 1) {
          age = Number(values[0]);
        } else if (key === "s3:authtype" && entry.operator === "StringEquals" && values.includes("REST-QUERY-STRING")) {
          // Narrows the deny to presigned requests, which is the point.
        } else {
          other = true;
        }
      }
      if (age !== undefined && !other && Number.isFinite(age)) caps.push(age);
    }
    if (caps.some((age) => age <= capMs)) return true;
    const limit = `${capMs} ms (${capSeconds / 86400} days)`;
    return caps.length > 0
      ? `its signature-age deny allows links up to ${Math.min(...caps)} ms (${Math.min(...caps) / 86_400_000} days), more than ${limit}.`
      : `no statement denies presigned requests older than ${limit} (Deny, Principal "*", StringEquals s3:authType "REST-QUERY-STRING", NumericGreaterThan s3:signatureAge).`;
  },
  {
    properties: {
      maxLinkLifetimeSeconds: {
        type: "integer",
        minimum: 1,
        maximum: MAX_PRESIGN_SECONDS,
        default: MAX_PRESIGN_SECONDS,
        description: "Longest presigned-link life the bucket policies must enforce.",
      },
    },
  },
);

/** Condition keys that tie an "everyone" grant to a known account, organisation, network or source. */
const RESTRICTING_CONDITION_KEYS = [
  "aws:principalaccount",
  "aws:principalarn",
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceip",
  "aws:sourceowner",
  "aws:sourcevpc",
  "aws:sourcevpce",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
  "aws:userid",
  "aws:username",
  "s3:dataaccesspointaccount",
  "s3:dataaccesspointarn",
];
const OPEN_IP_RANGES = ["0.0.0.0/0", "::/0"];

function hasRestrictingCondition(condition: unknown): boolean {
  return conditionEntries(condition).some(({ operator, key, values }) => {
    // Negated and IfExists operators match requests that lack the key, i.e. anonymous ones.
    if (/Not|IfExists$|^Null$/.test(operator)) return false;
    if (!RESTRICTING_CONDITION_KEYS.includes(key.toLowerCase())) return false;
    const strings = conditionValues(values);
    return strings.length > 0 && strings.every((value) => value !== "" && !value.includes("*") && !OPEN_IP_RANGES.includes(value));
  });
}

const noPublicPrincipalAllow = resourceRule(
  {
    name: "s3-no-public-principal-allow",
    enforcementLevel: "mandatory",
    checks:
      "No bucket policy statement allows Principal \"*\" (or {\"AWS\": \"*\"}, or uses NotPrincipal) without a condition that pins the caller's account, organisation, source ARN, VPC or IP.",
    securityHub: ["S3.2", "S3.3"],
    checkov: ["CKV_AWS_70"],
  },
  (resource, report, deferral) => {
    if (!isOneOf(resource.type, TYPES.bucketPolicy) && !isOneOf(resource.type, TYPES.bucket)) return;
    const parsed = parseDocument(resource.props.policy);
    if (parsed === undefined) return;
    if (isUnknown(parsed)) return deferral.defer(parsed);
    if ("invalid" in parsed) return report(`The policy of ${resource.name} ${parsed.invalid}.`);
    for (const statement of parsed.statements.filter(isAllow)) {
      const label = statement.Sid ? `statement ${statement.Sid}` : "a statement";
      if (statement.NotPrincipal !== undefined) {
        report(`${resource.name}: ${label} allows with NotPrincipal, i.e. everyone else: name the principals instead.`);
      } else if (isEveryone(statement.Principal) && !hasRestrictingCondition(statement.Condition)) {
        report(`${resource.name}: ${label} allows Principal "*" without a restricting condition (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce, ...).`);
      }
    }
  },
);

// ---------------------------------------------------------------- encryption

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

function encryptionDefault(rule: unknown): { algorithm: unknown; bucketKey: unknown } | Unknown | undefined {
  if (isUnknown(rule)) return rule;
  const record = asRecord(rule);
  if (!record) return undefined;
  const byDefault = record.applyServerSideEncryptionByDefault;
  if (isUnknown(byDefault)) return byDefault;
  return { algorithm: asRecord(byDefault)?.sseAlgorithm, bucketKey: record.bucketKeyEnabled };
}

const defaultEncryption = stackRule(
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
      if (configurations.length === 0) return `Bucket ${bucket.name} declares no default encryption: add a BucketServerSideEncryptionConfiguration.`;
      for (const configuration of configurations) {
        const rules = configuration.props.rules;
        if (isUnknown(rules)) return rules;
        for (const rule of asArray(rules)) {
          const parsed = encryptionDefault(rule);
          if (isUnknown(parsed)) return parsed;
          if (isUnknown(parsed?.algorithm)) return parsed.algorithm;
          if (typeof parsed?.algorithm === "string" && SSE_ALGORITHMS.includes(parsed.algorithm)) return true;
        }
      }
      return `Bucket ${bucket.name}: its encryption configuration has no applyServerSideEncryptionByDefault rule with ${SSE_ALGORITHMS.join(", ")}.`;
    }),
);

const kmsBucketKey = resourceRule(
  {
    name: "s3-kms-bucket-key",
    enforcementLevel: "mandatory",
    checks: "Every SSE-KMS default-encryption rule turns the S3 Bucket Key on (bucketKeyEnabled), so each object read does not call KMS.",
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

// ---------------------------------------------------------------- versioning, logging, lifecycle

const versioningEnabled = stackRule(
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
      if (asRecord(inline)?.enabled === true) return true;
      for (const versioning of versionings) {
        const configuration = versioning.props.versioningConfiguration;
        const status = isUnknown(configuration) ? configuration : asRecord(configuration)?.status;
        if (isUnknown(status)) return status;
        if (status === "Enabled") return true;
      }
      return `Bucket ${bucket.name} is not versioned: deleted or overwritten objects cannot be recovered.`;
    }),
);

const accessLoggingEnabled = stackRule(
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
      const targetBucket = typeof target === "string" ? model.buckets.find((other) => other.props.bucket === target) : undefined;
      if (targetBucket) logTargets.add(targetBucket.urn);
    }
    judgeEachBucket(model, report, deferral, TYPES.logging, (bucket, loggings) => {
      if (logTargets.has(bucket.urn)) return true;
      const inline = asRecord(bucket.props.logging)?.targetBucket;
      if (typeof inline === "string" && inline !== "") return true;
      for (const logging of loggings) {
        const target = logging.props.targetBucket;
        if (isUnknown(target)) return true; // bound to a bucket that does not exist yet
        if (typeof target === "string" && target !== "") return true;
      }
      if (unresolvedTargets.length > 0) return unresolvedTargets[0]; // it may be a log bucket
      return `Bucket ${bucket.name} has no server access logging: add a BucketLogging into a log bucket.`;
    });
  },
);

const lifecycleConfigured = stackRule(
  {
    name: "s3-lifecycle-configured",
    enforcementLevel: "advisory",
    checks: "Every bucket has a lifecycle configuration with at least one enabled rule.",
    securityHub: ["S3.13"],
    checkov: ["CKV2_AWS_61"],
  },
  (model, report, deferral) =>
    judgeEachBucket(model, report, deferral, TYPES.lifecycle, (bucket, lifecycles) => {
      if (asArray(bucket.props.lifecycleRules).some((rule) => asRecord(rule)?.enabled === true)) return true;
      for (const lifecycle of lifecycles) {
        const rules = lifecycle.props.rules;
        if (isUnknown(rules)) return rules;
        for (const rule of asArray(rules)) {
          const status = asRecord(rule)?.status;
          if (isUnknown(status)) return status;
          if (status === "Enabled") return true;
        }
      }
      return `Bucket ${bucket.name} has no enabled lifecycle rule: old versions, logs and incomplete uploads are kept forever.`;
    }),
);

// ---------------------------------------------------------------- CORS

function corsRulesOf(resource: ResourceUnderTest): unknown {
  if (isOneOf(resource.type, TYPES.cors) || isOneOf(resource.type, TYPES.bucket)) return resource.props.corsRules;
  return undefined;
}

function eachCorsRule(resource: ResourceUnderTest, deferral: Deferral, visit: (rule: Props, label: string) => void): void {
  const rules = corsRulesOf(resource);
  if (isUnknown(rules)) return deferral.defer(rules);
  asArray(rules).forEach((item, index) => {
    if (isUnknown(item)) return deferral.defer(item);
    const rule = asRecord(item);
    if (rule) visit(rule, `${resource.name} CORS rule ${typeof rule.id === "string" ? rule.id : `#${index + 1}`}`);
  });
}

const corsGetOnly = resourceRule(
  {
    name: "s3-cors-get-only",
    enforcementLevel: "mandatory",
    checks: `Every CORS rule allows only ${CORS_ALLOWED_METHODS.join(", ")}: browsers may read, never PUT, POST or DELETE.`,
    securityHub: [],
    checkov: [],
    related: ["S3.3"],
  },
  (resource, report, deferral) =>
    eachCorsRule(resource, deferral, (rule, label) => {
      const methods = rule.allowedMethods;
      const unknown = firstUnknown(methods);
      if (unknown) return deferral.defer(unknown);
      const allowed: readonly string[] = CORS_ALLOWED_METHODS;
      const extra = stringList(methods).filter((method) => !allowed.includes(method.toUpperCase()));
      if (extra.length > 0) report(`${label} allows ${extra.join(", ")}: allow only ${allowed.join(", ")}.`);
    }),
);

const corsNoWildcardOrigin = resourceRule(
  {
    name: "s3-cors-no-wildcard-origin",
    enforcementLevel: "advisory",
    checks: "Reports a CORS rule whose allowedOrigins contains \"*\" (any web page may then read what a link points to).",
    securityHub: [],
    checkov: [],
    related: ["S3.2"],
  },
  (resource, report, deferral) =>
    eachCorsRule(resource, deferral, (rule, label) => {
      const origins = rule.allowedOrigins;
      const unknown = firstUnknown(origins);
      if (unknown) return deferral.defer(unknown);
      if (stringList(origins).includes("*")) {
        report(`${label} allows origin "*": list the viewer's origins (allowedOrigins) unless any site may read shared links.`);
      }
    }),
);

// ---------------------------------------------------------------- IAM

/** Identity-based policy documents a resource carries, with a label for messages. */
function identityDocuments(resource: { type: string; name: string; props: Props }): Array<{ label: string; value: unknown }> {
  if (IDENTITY_POLICY_TYPES.includes(resource.type)) return [{ label: resource.name, value: resource.props.policy }];
  if (resource.type === TYPES.role) {
    const inline = resource.props.inlinePolicies;
    if (isUnknown(inline)) return [{ label: `${resource.name} inlinePolicies`, value: inline }];
    return asArray(inline).map((item, index) => {
      const policy = asRecord(item);
      const name = policy && typeof policy.name === "string" ? policy.name : `#${index + 1}`;
      return { label: `${resource.name} inline policy ${name}`, value: isUnknown(item) ? item : policy?.policy };
    });
  }
  return [];
}

/** AWS managed policies that grant every action, or every action of a service. */
const BROAD_MANAGED_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(?:[\w+=,.@-]+\/)*(AdministratorAccess|PowerUserAccess|[\w+=,.@-]*FullAccess)$/;

function managedPolicyArns(resource: ResourceUnderTest): unknown[] {
  if (isOneOf(resource.type, TYPES.managedPolicyAttachments)) return [resource.props.policyArn];
  if (resource.type === TYPES.role) {
    const arns = resource.props.managedPolicyArns;
    return isUnknown(arns) ? [arns] : asArray(arns);
  }
  return [];
}

const iamNoWildcards = resourceRule(
  {
    name: "iam-no-wildcard-actions-or-resources",
    enforcementLevel: "mandatory",
    checks:
      "No IAM policy (managed, group, role, user, role inline) allows Action \"*\", a service-wide action such as \"s3:*\" or \"iam:*\", NotAction, Resource \"*\" or NotResource; no AWS managed *FullAccess/AdministratorAccess policy is attached.",
    securityHub: ["IAM.1", "IAM.21"],
    checkov: ["CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_274", "CKV_AWS_355", "CKV_AWS_356"],
  },
  (resource, report, deferral) => {
    for (const { label, value } of identityDocuments(resource)) {
      const parsed = parseDocument(value);
      if (parsed === undefined) continue;
      if (isUnknown(parsed)) {
        deferral.defer(parsed);
        continue;
      }
      if ("invalid" in parsed) {
        report(`The policy of ${label} ${parsed.invalid}.`);
        continue;
      }
      for (const statement of parsed.statements.filter(isAllow)) {
        const where = `${label}${statement.Sid ? ` (${statement.Sid})` : ""}`;
        if (statement.NotAction !== undefined) report(`${where} allows NotAction, i.e. every other action: list the actions.`);
        for (const action of stringList(statement.Action)) {
          if (action === "*") report(`${where} allows every action ("*").`);
          else if (/^[^:*]+:\*$/.test(action)) report(`${where} allows every action of a service ("${action}"): list the actions.`);
        }
        if (statement.NotResource !== undefined) report(`${where} allows on NotResource, i.e. every other resource: list the resources.`);
        if (stringList(statement.Resource).includes("*")) report(`${where} applies to every resource ("*"): name the ARNs.`);
      }
    }
    for (const arn of managedPolicyArns(resource)) {
      if (isUnknown(arn)) deferral.defer(arn);
      else if (typeof arn === "string" && BROAD_MANAGED_POLICY.test(arn)) {
        report(`${resource.name} attaches ${arn}, which grants every action of one or all services.`);
      }
    }
  },
);

const iamUserNoDirectPolicies = resourceRule(
  {
    name: "iam-user-no-direct-policies",
    enforcementLevel: "mandatory",
    checks: "No IAM user carries an inline or directly attached policy (UserPolicy, UserPolicyAttachment, PolicyAttachment users, exclusive user policies): permissions come through groups.",
    securityHub: ["IAM.2"],
    checkov: ["CKV_AWS_40"],
  },
  (resource, report, deferral) => {
    const nonEmpty = (value: unknown, what: string) => {
      if (isUnknown(value)) deferral.defer(value);
      else if (asArray(value).length > 0) report(`${resource.name} ${what}: attach policies to a group and add the user to it.`);
    };
    switch (resource.type) {
      case TYPES.userPolicy:
        return report(`${resource.name} is an inline user policy: put it on a group and add the user to it.`);
      case TYPES.userPolicyAttachment:
        return report(`${resource.name} attaches a policy directly to a user: attach it to a group and add the user to it.`);
      case TYPES.policyAttachment:
        return nonEmpty(resource.props.users, "attaches a policy directly to users");
      case TYPES.userPoliciesExclusive:
        return nonEmpty(resource.props.policyNames, "keeps inline policies on a user");
      case TYPES.userPolicyAttachmentsExclusive:
        return nonEmpty(resource.props.policyArns, "keeps policies attached directly to a user");
    }
  },
);

const accessKeysPerUser = stackRule(
  {
    name: "iam-user-at-most-two-access-keys",
    enforcementLevel: "mandatory",
    checks: `No IAM user has more than ${MAX_ACCESS_KEYS_PER_USER} access keys in the stack (AWS's limit; two slots let one key rotate while the other signs).`,
    securityHub: [],
    checkov: [],
    related: ["IAM.3"],
  },
  (model, report, deferral) => {
    const users = model.ofType(TYPES.user);
    const keysByUser = new Map<string, { urn?: string; label: string; keys: number }>();
    const unresolved: Unknown[] = [];
    for (const key of model.ofType(TYPES.accessKey)) {
      const linked = model.linked(key, "user", users);
      if (isUnknown(linked)) {
        unresolved.push(linked);
        continue;
      }
      const user = linked[0];
      const id = user ? user.urn : `external:${String(key.props.user)}`;
      const entry = keysByUser.get(id) ?? { urn: user?.urn, label: user ? user.name : String(key.props.user), keys: 0 };
      entry.keys += 1;
      keysByUser.set(id, entry);
    }
    let most = 0;
    for (const entry of keysByUser.values()) {
      most = Math.max(most, entry.keys);
      if (entry.keys > MAX_ACCESS_KEYS_PER_USER) {
        report(`IAM user ${entry.label} has ${entry.keys} access keys: AWS allows ${MAX_ACCESS_KEYS_PER_USER}; keep two slots and rotate.`, entry.urn);
      }
    }
    if (unresolved.length > 0 && most + unresolved.length > MAX_ACCESS_KEYS_PER_USER) deferral.defer(unresolved[0]);
  },
);

/** Policy config of the rotation rule: a pack may demand faster rotation than the 45 days two slots allow. */
interface RotationConfig {
  maxRotationDays?: number;
}

const DAY_MS = 86_400_000;

const accessKeyRotation = stackRule(
  {
    name: "iam-access-key-rotation-period",
    enforcementLevel: "mandatory",
    checks:
      `A stack with access keys exports their rotation schedule (stack output accessKeys: createdAt, rotationDueAt) and every key's rotation period is at most ${MAX_KEY_ROTATION_DAYS} days (or the pack's maxRotationDays): with two key slots a key lives up to twice its period, and IAM.3 allows ${MAX_ACCESS_KEY_AGE_DAYS}.`,
    securityHub: ["IAM.3"],
    checkov: [],
  },
  (model, report, deferral, args) => {
    const keys = model.ofType(TYPES.accessKey);
    if (keys.length === 0) return;
    const configured = args.getConfig<RotationConfig>().maxRotationDays;
    const maxDays = typeof configured === "number" && configured > 0 ? Math.min(configured, MAX_KEY_ROTATION_DAYS) : MAX_KEY_ROTATION_DAYS;
    const stack = model.stackResource;
    const schedule = stack?.props.accessKeys;
    if (isUnknown(schedule)) return deferral.defer(schedule);
    if (!Array.isArray(schedule)) {
      return report(
        `The stack has ${keys.length} access key(s) but exports no accessKeys rotation schedule, so their rotation period cannot be checked.`,
        stack?.urn,
      );
    }
    for (const item of schedule) {
      const unknown = firstUnknown(item);
      if (unknown) {
        deferral.defer(unknown);
        continue;
      }
      const entry = asRecord(item) ?? {};
      const label = typeof entry.slot === "string" ? `slot ${entry.slot}` : "an access key";
      const created = Date.parse(String(entry.createdAt));
      const due = Date.parse(String(entry.rotationDueAt));
      if (Number.isNaN(created) || Number.isNaN(due)) {
        report(`The accessKeys output has no valid createdAt/rotationDueAt for ${label}.`, stack?.urn);
        continue;
      }
      const days = (due - created) / DAY_MS;
      if (days > maxDays) {
        report(
          `The rotation period of ${label} is ${days} days, more than ${maxDays}: a key lives up to twice its period (two slots) and IAM.3 allows ${MAX_ACCESS_KEY_AGE_DAYS}; lower keyRotationDays.`,
          stack?.urn,
        );
      }
    }
  },
  {
    properties: {
      maxRotationDays: {
        type: "integer",
        minimum: 1,
        maximum: MAX_KEY_ROTATION_DAYS,
        default: MAX_KEY_ROTATION_DAYS,
        description: "Longest rotation period allowed for an access key, in days.",
      },
    },
  },
);

/** Object writes: the presigner may do these only under the config and ledger prefixes. */
const OBJECT_WRITE_ACTIONS = [
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:PutObjectAcl",
  "s3:PutObjectVersionAcl",
  "s3:PutObjectTagging",
  "s3:PutObjectVersionTagging",
  "s3:DeleteObjectTagging",
  "s3:DeleteObjectVersionTagging",
  "s3:PutObjectRetention",
  "s3:PutObjectLegalHold",
  "s3:RestoreObject",
  "s3:ReplicateObject",
  "s3:ReplicateDelete",
];

/** Bucket administration: the presigner may read the configuration (for the doctor), never change it. */
const BUCKET_ADMIN_ACTIONS = [
  "s3:CreateBucket",
  "s3:DeleteBucket",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutBucketAcl",
  "s3:PutBucketCORS",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:PutEncryptionConfiguration",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutBucketLogging",
];

function stringOutput(stack: ResourceView | undefined, key: string): string | Unknown | undefined {
  const value = stack?.props[key];
  return isUnknown(value) || (typeof value === "string" && value !== "") ? value : undefined;
}

const presignerWriteScope = stackRule(
  {
    name: "presigner-writes-only-config-and-ledger",
    enforcementLevel: "mandatory",
    checks:
      "The presigner identity's policies (under the PresignerIdentity component) write objects (s3:PutObject, s3:DeleteObject, ...) only under the stack's configPrefix and ledgerPrefix of its data bucket, and change no bucket configuration and nothing in IAM.",
    securityHub: [],
    checkov: [],
    related: ["IAM.1", "IAM.21"],
  },
  (model, report, deferral) => {
    const policyResources = model.resources.filter((view) => IDENTITY_POLICY_TYPES.includes(view.type) || view.type === TYPES.role);
    const hasPresigner = model.resources.some((view) => view.type === PRESIGNER_COMPONENT_TYPE);
    const scoped = hasPresigner ? policyResources.filter((view) => model.ancestorTypes(view).includes(PRESIGNER_COMPONENT_TYPE)) : policyResources;
    if (scoped.length === 0) return;

    const stack = model.stackResource;
    const outputs = { configPrefix: stringOutput(stack, "configPrefix"), ledgerPrefix: stringOutput(stack, "ledgerPrefix") };
    const bucketNameOutput = stringOutput(stack, "bucketName");
    const bucketArnOutput = stringOutput(stack, "bucketArn");
    const name =
      typeof bucketNameOutput === "string" ? bucketNameOutput : typeof bucketArnOutput === "string" ? s3ArnPath(bucketArnOutput) : undefined;
    const unknown = firstUnknown([outputs.configPrefix, outputs.ledgerPrefix]) ?? (name === undefined ? firstUnknown([bucketNameOutput, bucketArnOutput]) : undefined);
    if (unknown) return deferral.defer(unknown);
    if (typeof outputs.configPrefix !== "string" || typeof outputs.ledgerPrefix !== "string" || name === undefined) {
      return report("The stack exports no bucketName/bucketArn, configPrefix and ledgerPrefix, so the presigner's write scope cannot be checked.", stack?.urn);
    }
    // "bucket/prefix*" as an ARN path, built by the same function as the presigner's policy.
    const writable = [outputs.configPrefix, outputs.ledgerPrefix].map((prefix) => s3ArnPath(prefixObjectsArn(`arn:aws:s3:::${name}`, prefix))!.slice(0, -1));

    for (const resource of scoped) {
      for (const { label, value } of identityDocuments(resource)) {
        const parsed = parseDocument(value);
        if (parsed === undefined) continue;
        if (isUnknown(parsed)) {
          deferral.defer(parsed);
          continue;
        }
        if ("invalid" in parsed) {
          report(`The policy of ${label} ${parsed.invalid}.`, resource.urn);
          continue;
        }
        for (const statement of parsed.statements.filter(isAllow)) {
          const where = `${label}${statement.Sid ? ` (${statement.Sid})` : ""}`;
          if (statement.NotAction !== undefined) {
            report(`${where} allows NotAction: the presigner may only have listed actions.`, resource.urn);
            continue;
          }
          const resources = stringList(statement.Resource);
          const writes = OBJECT_WRITE_ACTIONS.filter((action) => grantsAction(statement, action));
          if (writes.length > 0) {
            const outside =
              statement.NotResource !== undefined
                ? ["NotResource"]
                : resources.filter((arn) => {
                    const path = s3ArnPath(arn);
                    return path === undefined || !writable.some((prefix) => path.startsWith(prefix));
                  });
            if (outside.length > 0) {
              report(
                `${where} lets the presigner ${writes.join(", ")} on ${outside.join(", ")}: writes are allowed only under ${writable.map((path) => `${path}*`).join(" and ")}.`,
                resource.urn,
              );
            }
          }
          const admin = BUCKET_ADMIN_ACTIONS.filter((action) => grantsAction(statement, action));
          if (admin.length > 0 && (statement.NotResource !== undefined || coversBucket(resources, name))) {
            report(`${where} lets the presigner change bucket configuration (${admin.join(", ")}).`, resource.urn);
          }
          const iam = stringList(statement.Action).filter((action) => action === "*" || action.toLowerCase().startsWith("iam:"));
          if (iam.length > 0) report(`${where} grants IAM actions (${iam.join(", ")}) to the presigner.`, resource.urn);
        }
      }
    }
  },
);

/** Whether a Deny statement denies `action`: its Action matches it, or its NotAction spares it not. */
function deniesAction(statement: Statement, action: string): boolean {
  if (statement.NotAction !== undefined) return !stringList(statement.NotAction).some((pattern) => globMatch(pattern, action, true));
  return grantsAction(statement, action);
}

/** A condition that holds for exactly the presigned (query-string signed) requests, and nothing else. */
function isPresignedOnlyCondition(condition: unknown): boolean {
  const entries = conditionEntries(condition);
  return (
    entries.length === 1 &&
    entries[0].key.toLowerCase() === "s3:authtype" &&
    ["StringEquals", "StringLike"].includes(entries[0].operator) &&
    conditionValues(entries[0].values).includes("REST-QUERY-STRING")
  );
}

/** What no presigned URL may do: every object write and bucket change the pack knows of. */
const PRESIGNED_FORBIDDEN_ACTIONS = [...OBJECT_WRITE_ACTIONS, ...BUCKET_ADMIN_ACTIONS];

const presignedReadsOnly = bucketPolicyRule(
  {
    name: "s3-deny-presigned-writes",
    enforcementLevel: "mandatory",
    checks:
      "Every bucket's policy denies every presigned (s3:authType REST-QUERY-STRING) request but a read, whoever signed it: " +
      "a leaked key cannot mint a link that writes, deletes or changes the bucket.",
    securityHub: [],
    checkov: [],
    related: ["S3.3"],
  },
  (name, statements) => {
    const candidates = statements.filter(
      (statement) =>
        isDeny(statement) &&
        isEveryone(statement.Principal) &&
        statement.NotPrincipal === undefined &&
        statement.NotResource === undefined &&
        appliesToBucketAndObjects(statement, name) &&
        isPresignedOnlyCondition(statement.Condition),
    );
    let spared: string[] | undefined;
    for (const statement of candidates) {
      const missed = PRESIGNED_FORBIDDEN_ACTIONS.filter((action) => !deniesAction(statement, action));
      if (missed.length === 0) return true;
      if (spared === undefined || missed.length < spared.length) spared = missed;
    }
    return spared !== undefined
      ? `its deny of presigned requests spares ${spared.join(", ")}: a leaked key could mint links that do that.`
      : `no statement denies presigned writes (Deny, Principal "*", NotAction ${JSON.stringify(PRESIGNED_URL_ACTIONS)}, the bucket and bucket/*, ` +
          'StringEquals s3:authType "REST-QUERY-STRING", no other condition): a leaked key could mint links that write or delete.';
  },
);

// ---------------------------------------------------------------- the pack

/** Every rule, in the order the README lists them. policy/index.ts builds the pack from this list. */
export const policies: Rule[] = [
  publicAccessBlockFlags,
  bucketHasPublicAccessBlock,
  bucketOwnerEnforced,
  noPublicAcl,
  noPublicPrincipalAllow,
  denyInsecureTransport,
  defaultEncryption,
  kmsBucketKey,
  versioningEnabled,
  accessLoggingEnabled,
  lifecycleConfigured,
  corsGetOnly,
  corsNoWildcardOrigin,
  iamNoWildcards,
  iamUserNoDirectPolicies,
  accessKeysPerUser,
  accessKeyRotation,
  presignerWriteScope,
  presignedUrlAgeCap,
  denySignatureVersion2,
  presignedReadsOnly,
];

export const RULE_NAMES: readonly string[] = policies.map((policy) => policy.name);
