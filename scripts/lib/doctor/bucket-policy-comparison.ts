/**
 * Compares a bucket policy as S3 returns it (JSON someone may have edited in the console) with the
 * deny statements the stack declares (policy/documents/bucket-policies.ts transportAndSignatureDenyStatements),
 * by meaning rather than bytes: Sids, statement order, single values vs. lists and key case may
 * differ, and a stricter value (a shorter signature-age cap, a higher TLS floor) still counts.
 * Pure: no I/O.
 */
import {
  DENY_UNSIGNED_HEADER_WRITES_SID,
  transportAndSignatureDenyStatements,
} from "../../../policy/documents/bucket-policies";
import { PolicyStatement } from "../../../policy/documents/iam-policies";

/** A statement as found in a live policy: anything goes. */
interface FoundStatement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

export interface PolicyComparison {
  /** Set when the document is not a JSON policy. */
  invalid?: string;
  /** What each declared deny that has no equivalent was for, e.g. "SigV2 signatures". */
  missingDenies: string[];
  /** Statements that allow everyone with no condition (by Sid, or "(no Sid)"). */
  publicGrants: string[];
  /** Statements that allow everyone under some condition: not public by themselves, worth a look. */
  conditionalPublicGrants: string[];
  /** The longest presigned-link age the policy allows, in ms, when its signature-age deny matched. */
  signatureAgeCapMs?: number;
}

/** What each declared deny is for, by its Sid in policy/documents/bucket-policies.ts. */
const DENY_PURPOSES: Readonly<Record<string, string>> = {
  DenyInsecureTransport: "requests without TLS (aws:SecureTransport false)",
  DenyOutdatedTls: "TLS below 1.2",
  DenySignatureVersion2: "SigV2 signatures",
  [DENY_UNSIGNED_HEADER_WRITES_SID]:
    "requests other than reads not signed in the header (a presigned PUT or DELETE, a browser POST upload)",
  DenyPresignedUrlsOlderThanMaxLifetime: "presigned links older than maxLinkLifetimeSeconds (s3:signatureAge)",
};

export function compareBucketPolicy(
  policyJson: string,
  bucket: string,
  maxLinkLifetimeSeconds: number,
): PolicyComparison {
  let statements: FoundStatement[];
  try {
    const document = JSON.parse(policyJson) as { Statement?: unknown };
    statements = list(document?.Statement).filter(
      (statement): statement is FoundStatement => typeof statement === "object" && statement !== null,
    );
  } catch {
    return { invalid: "is not valid JSON", missingDenies: [], publicGrants: [], conditionalPublicGrants: [] };
  }
  const declared = transportAndSignatureDenyStatements({ bucketArn: `arn:aws:s3:::${bucket}`, maxLinkLifetimeSeconds });
  const missingDenies: string[] = [];
  let signatureAgeCapMs: number | undefined;
  for (const deny of declared) {
    const match = statements.map((statement) => denyCovers(statement, deny)).find((result) => result.ok);
    if (!match) missingDenies.push(DENY_PURPOSES[deny.Sid ?? ""] ?? deny.Sid ?? "a declared deny");
    else if (match.ageCapMs !== undefined) signatureAgeCapMs = Math.min(signatureAgeCapMs ?? Infinity, match.ageCapMs);
  }
  const everyone = statements.filter(
    (statement) =>
      statement.Effect === "Allow" && (isEveryone(statement.Principal) || statement.NotPrincipal !== undefined),
  );
  const name = (statement: FoundStatement) =>
    typeof statement.Sid === "string" && statement.Sid !== "" ? `"${statement.Sid}"` : "(no Sid)";
  return {
    missingDenies,
    publicGrants: everyone.filter((statement) => conditionEntries(statement.Condition).length === 0).map(name),
    conditionalPublicGrants: everyone.filter((statement) => conditionEntries(statement.Condition).length > 0).map(name),
    ...(signatureAgeCapMs !== undefined ? { signatureAgeCapMs } : {}),
  };
}

function list(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

function strings(value: unknown): string[] {
  return list(value).map((item) => String(item));
}

/** IAM wildcard matching (`*`, `?`); actions are case-insensitive, ARNs are not. */
function glob(pattern: string, value: string, caseInsensitive = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, caseInsensitive ? "i" : "").test(value);
}

/** `"*"` or `{ "AWS": "*" }`: every principal, anonymous ones included. */
function isEveryone(principal: unknown): boolean {
  if (principal === "*") return true;
  if (typeof principal !== "object" || principal === null) return false;
  return strings((principal as { AWS?: unknown }).AWS).includes("*");
}

interface ConditionEntry {
  operator: string;
  /** Condition keys are case-insensitive. */
  key: string;
  values: string[];
}

function conditionEntries(condition: unknown): ConditionEntry[] {
  if (typeof condition !== "object" || condition === null) return [];
  const entries: ConditionEntry[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (typeof block !== "object" || block === null) continue;
    for (const [key, values] of Object.entries(block as Record<string, unknown>))
      entries.push({ operator, key: key.toLowerCase(), values: strings(values) });
  }
  return entries;
}

/** The resource path of an S3 ARN in any partition ("bucket", "bucket/*"), or "*". */
function s3Path(resource: string): string | undefined {
  if (resource === "*") return "*";
  return /^arn:[^:]+:s3:::(.*)$/.exec(resource)?.[1];
}

/**
 * Whether a found condition denies at least what the declared one denies: same key, an operator of
 * the same family, and an equal or stricter value. Returns the signature-age cap in ms when it is one.
 */
function conditionCovers(found: ConditionEntry, declared: ConditionEntry): { ok: boolean; ageCapMs?: number } {
  if (found.key !== declared.key) return { ok: false };
  // "...IfExists" also denies when the key is present, which is every request these keys describe.
  const operator = found.operator.replace(/IfExists$/, "");
  const single = found.values.length === 1 ? Number(found.values[0]) : Number.NaN;
  switch (declared.operator) {
    case "Bool":
      return { ok: operator === "Bool" && found.values.length > 0 && found.values.every((value) => value === "false") };
    case "StringNotEquals":
      // Denies every value but the declared ones: a found list that spares no more (a subset) is as strict.
      return {
        ok:
          operator === "StringNotEquals" &&
          found.values.length > 0 &&
          found.values.every((value) => declared.values.includes(value)),
      };
    case "StringEquals":
      return {
        ok:
          ["StringEquals", "StringEqualsIgnoreCase", "StringLike"].includes(operator) &&
          declared.values.every((value) => found.values.includes(value)),
      };
    case "NumericLessThan": {
      // Denies TLS below a floor: a floor at least as high is as strict.
      const floor = Number(declared.values[0]);
      return {
        ok:
          (operator === "NumericLessThan" && single >= floor) ||
          (operator === "NumericLessThanEquals" && single > floor),
      };
    }
    case "NumericGreaterThan": {
      // Denies signatures older than a cap: "> c" allows up to c ms, ">= c" up to c - 1.
      const allowedUpTo =
        operator === "NumericGreaterThan" ? single : operator === "NumericGreaterThanEquals" ? single - 1 : Number.NaN;
      return Number.isFinite(allowedUpTo) && allowedUpTo <= Number(declared.values[0])
        ? { ok: true, ageCapMs: allowedUpTo }
        : { ok: false };
    }
  }
  return { ok: operator === declared.operator && declared.values.every((value) => found.values.includes(value)) };
}

/**
 * Whether `found` denies every action the declared statement denies. A declared NotAction ("every
 * action but these") is covered by a NotAction that spares no more, or by an Action of every S3 action.
 */
function deniesAtLeast(found: FoundStatement, declared: PolicyStatement): boolean {
  const actions = strings(found.Action);
  if (declared.NotAction !== undefined) {
    if (found.NotAction !== undefined) {
      const spared = strings(declared.NotAction);
      return strings(found.NotAction).every((action) => spared.some((pattern) => glob(pattern, action, true)));
    }
    return actions.some((pattern) => pattern === "*" || pattern.toLowerCase() === "s3:*");
  }
  if (found.NotAction !== undefined) return false;
  return strings(declared.Action).every((action) => actions.some((pattern) => glob(pattern, action, true)));
}

/**
 * Whether `found` denies everything the declared deny statement denies: Deny, everyone, every S3
 * action, the bucket and its objects, and the same conditions (each equal or stricter, none added:
 * an extra condition narrows a deny).
 */
function denyCovers(found: FoundStatement, declared: PolicyStatement): { ok: boolean; ageCapMs?: number } {
  if (found.Effect !== "Deny" || !isEveryone(found.Principal) || found.NotPrincipal !== undefined) return { ok: false };
  if (!deniesAtLeast(found, declared)) return { ok: false };
  const paths = strings(found.Resource)
    .map(s3Path)
    .filter((path): path is string => path !== undefined);
  const wanted = strings(declared.Resource)
    .map(s3Path)
    .filter((path): path is string => path !== undefined);
  if (!wanted.every((path) => paths.some((pattern) => glob(pattern, path)))) return { ok: false };
  const foundEntries = conditionEntries(found.Condition);
  const declaredEntries = conditionEntries(declared.Condition);
  if (foundEntries.length !== declaredEntries.length) return { ok: false };
  let ageCapMs: number | undefined;
  for (const entry of declaredEntries) {
    const match = foundEntries.map((candidate) => conditionCovers(candidate, entry)).find((result) => result.ok);
    if (!match) return { ok: false };
    if (match.ageCapMs !== undefined) ageCapMs = match.ageCapMs;
  }
  return { ok: true, ageCapMs };
}
