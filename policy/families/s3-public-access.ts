/** Rules that keep every bucket private: public access blocks, ACLs, ownership, public principals. */
import {
  asArray,
  asRecord,
  conditionEntries,
  Deferral,
  firstUnknown,
  isAllow,
  isEveryone,
  isUnknown,
  parseDocument,
  Props,
  stringList,
} from "../framework/inspect";
import { conditionValues } from "../framework/policy-statements";
import { isOneOf, TYPES } from "../framework/resource-types";
import { judgeEachBucket, PASS, resourceRule, stackRule, violation } from "../framework/rule-framework";

const PUBLIC_ACCESS_BLOCK_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

export const publicAccessBlockFlags = resourceRule(
  {
    name: "s3-public-access-block-all-flags",
    enforcementLevel: "mandatory",
    checks:
      "Every S3 public access block sets blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
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

export const bucketHasPublicAccessBlock = stackRule(
  {
    name: "s3-bucket-has-public-access-block",
    enforcementLevel: "mandatory",
    checks: "No bucket of the stack lacks a BucketPublicAccessBlock (linked to its bucket by URN).",
    securityHub: ["S3.8"],
    checkov: ["CKV2_AWS_6"],
  },
  (model, report, deferral) =>
    judgeEachBucket(model, report, deferral, TYPES.publicAccessBlock, (bucket, blocks) =>
      blocks.length > 0
        ? PASS
        : violation(`Bucket ${bucket.name} has no BucketPublicAccessBlock: add one with all four flags true.`),
    ),
);

const PUBLIC_GROUP_URIS = [
  "http://acs.amazonaws.com/groups/global/AllUsers",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];
/** Canned ACLs that grant the AllUsers or AuthenticatedUsers group. */
const PUBLIC_CANNED_ACLS = ["public-read", "public-read-write", "authenticated-read"];

function publicGrantProblems(
  grants: unknown,
  deferral: Deferral,
  read: (grant: Props) => { uri: unknown; permissions: unknown },
): string[] {
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

export const noPublicAcl = resourceRule(
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
      else if (typeof acl === "string" && PUBLIC_CANNED_ACLS.includes(acl))
        problems.push(`uses the canned ACL "${acl}"`);
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
      problems.push(
        ...publicGrantProblems(resource.props.grants, deferral, (grant) => ({
          uri: grant.uri,
          permissions: grant.permissions,
        })),
      );
    } else if (isOneOf(resource.type, TYPES.object)) {
      canned(resource.props.acl);
    } else {
      return;
    }
    for (const problem of problems) report(`${resource.name} ${problem}: nothing in this stack may be public.`);
  },
);

export const bucketOwnerEnforced = stackRule(
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
        report(
          `Ownership controls ${controls.name} set objectOwnership ${JSON.stringify(ownership)}: use "BucketOwnerEnforced" to disable ACLs.`,
          controls.urn,
        );
      }
    }
    judgeEachBucket(model, report, deferral, TYPES.ownershipControls, (bucket, controls) =>
      controls.length > 0
        ? PASS
        : violation(
            `Bucket ${bucket.name} has no BucketOwnershipControls, so ACLs stay enabled: add one with "BucketOwnerEnforced".`,
          ),
    );
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
    return (
      strings.length > 0 &&
      strings.every((value) => value !== "" && !value.includes("*") && !OPEN_IP_RANGES.includes(value))
    );
  });
}

export const noPublicPrincipalAllow = resourceRule(
  {
    name: "s3-no-public-principal-allow",
    enforcementLevel: "mandatory",
    checks:
      'No bucket policy statement allows Principal "*" (or {"AWS": "*"}, or uses NotPrincipal) without a condition that pins the caller\'s account, organisation, source ARN, VPC or IP.',
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
        report(
          `${resource.name}: ${label} allows Principal "*" without a restricting condition (aws:SourceArn, aws:SourceAccount, aws:PrincipalOrgID, aws:SourceVpce, ...).`,
        );
      }
    }
  },
);
