/**
 * Helpers for the policy rules: reading values that may be unknown during a preview, linking S3
 * child resources to their bucket by URN, and reading IAM policy documents.
 *
 * Pure and side-effect free (only type imports from @pulumi/policy), so the root tests import it with
 * the root's dependencies and the pack imports it from policy/node_modules.
 */
import type { PolicyResource } from "@pulumi/policy";
import { isOneOf, TYPES } from "./resource-types";

// ---------------------------------------------------------------- unknown values

/**
 * A value the engine cannot know yet (during `pulumi preview`, e.g. a bucket's ARN, or any string
 * computed from it such as a bucket policy document). @pulumi/policy hands rules a proxy that throws
 * its `UnknownValueError` when such a value is read; `snapshot` turns that into an `Unknown` leaf that
 * keeps the original error, so a rule can finish its definite findings and then rethrow it. The policy
 * server turns exactly that error into an advisory "can't run policy during preview" note, and the
 * rule runs again with known values on `pulumi up`: never a silent pass.
 */
export class Unknown {
  constructor(readonly error: Error) {}
}

export function isUnknown(value: unknown): value is Unknown {
  return value instanceof Unknown;
}

/**
 * Recognises @pulumi/policy's UnknownValueError by shape rather than by class, so that the check also
 * holds when the rules and the policy server load @pulumi/policy from different node_modules.
 */
export function isUnknownValueError(error: unknown): error is Error {
  return (
    error instanceof Error && "unknownTypeSentinel" in error && Array.isArray((error as { props?: unknown }).props)
  );
}

/**
 * A plain deep copy of a (proxied) property bag in which every value that is unknown during preview
 * is an `Unknown`. Absent values stay `undefined`: each rule decides what absence means.
 */
export function snapshot(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {};
  for (const key of Object.keys(value)) {
    let item: unknown;
    try {
      item = snapshot((value as Record<string, unknown>)[key]);
    } catch (error) {
      if (!isUnknownValueError(error)) throw error;
      item = new Unknown(error);
    }
    (copy as Record<string, unknown>)[key] = item;
  }
  return copy;
}

/** Collects the first unknown value that kept a rule from deciding; `finish` rethrows it. */
export class Deferral {
  private pending?: Unknown;

  defer(unknown: Unknown): void {
    this.pending ??= unknown;
  }

  /** Call after every definite violation was reported. */
  finish(): void {
    if (this.pending) throw this.pending.error;
  }
}

/** Depth-first search for an `Unknown` leaf. */
export function firstUnknown(value: unknown): Unknown | undefined {
  if (isUnknown(value)) return value;
  if (value === null || typeof value !== "object") return undefined;
  for (const item of Object.values(value)) {
    const found = firstUnknown(item);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------- plain-data accessors

export type Props = Record<string, unknown>;

export function asRecord(value: unknown): Props | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !isUnknown(value)
    ? (value as Props)
    : undefined;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string or list of strings (IAM's `Action`, `Resource`, ...), as a list. */
export function stringList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

// ---------------------------------------------------------------- the stack as plain data

/** A stack resource with its properties snapshotted (see `snapshot`). */
export interface ResourceView {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly props: Props;
  readonly source: PolicyResource;
}

export class StackModel {
  readonly resources: ResourceView[];
  private readonly byUrn: Map<string, ResourceView>;

  constructor(resources: readonly PolicyResource[]) {
    this.resources = resources.map((source) => ({
      urn: source.urn,
      type: source.type,
      name: source.name,
      props: asRecord(snapshot(source.props)) ?? {},
      source,
    }));
    this.byUrn = new Map(this.resources.map((view) => [view.urn, view]));
  }

  ofType(types: string | readonly string[]): ResourceView[] {
    return this.resources.filter((view) => isOneOf(view.type, types));
  }

  get buckets(): ResourceView[] {
    return this.ofType(TYPES.bucket);
  }

  /** The root stack resource: its properties are the stack outputs. */
  get stackResource(): ResourceView | undefined {
    return this.ofType(TYPES.stack)[0];
  }

  /** Types of the resource's ancestors, nearest first. */
  ancestorTypes(view: ResourceView): string[] {
    const types: string[] = [];
    for (let parent = view.source.parent; parent; parent = parent.parent) types.push(parent.type);
    return types;
  }

  /**
   * The resources among `candidates` that `child`'s `key` property refers to.
   *
   * In a real preview, autonamed buckets have no known id or ARN yet, so a child's `bucket` input is
   * unknown: the link comes from the engine's dependency graph first (`propertyDependencies[key]`,
   * then `dependencies` when exactly one candidate is among them), and only then from known values
   * (the candidate's name, id or ARN). Returns `Unknown` when neither can decide.
   */
  linked(child: ResourceView, key: string, candidates: readonly ResourceView[]): ResourceView[] | Unknown {
    const urns = new Set(candidates.map((candidate) => candidate.urn));
    const byProperty = (child.source.propertyDependencies?.[key] ?? []).filter((dep) => urns.has(dep.urn));
    if (byProperty.length > 0) return byProperty.map((dep) => this.byUrn.get(dep.urn)!);

    const value = child.props[key];
    if (typeof value === "string" && value !== "") {
      const matches = candidates.filter((candidate) => identifiers(candidate).includes(value));
      if (matches.length > 0) return matches;
    }
    const byDependency = (child.source.dependencies ?? []).filter((dep) => urns.has(dep.urn));
    if (byDependency.length === 1) return [this.byUrn.get(byDependency[0].urn)!];
    if (isUnknown(value)) return value;
    if (typeof value === "string" && value !== "") {
      // A known reference that matches no candidate: it names something outside the stack, unless a
      // candidate has no known identifier to compare it with yet.
      const undecided = candidates
        .filter((candidate) => identifiers(candidate).length === 0)
        .map((candidate) =>
          firstUnknown([candidate.props.bucket, candidate.props.name, candidate.props.id, candidate.props.arn]),
        )
        .find((unknown) => unknown !== undefined);
      if (undecided) return undecided;
    }
    return [];
  }

  /**
   * Groups resources of `types` by the bucket their `key` property refers to. `unresolved` holds the
   * ones whose bucket cannot be known yet: a bucket without a linked child is undecided, not failed,
   * while any of them is unresolved.
   */
  childrenByBucket(
    types: readonly string[],
    key = "bucket",
  ): { byBucket: Map<string, ResourceView[]>; unresolved: Unknown[] } {
    const byBucket = new Map<string, ResourceView[]>(this.buckets.map((bucket) => [bucket.urn, []]));
    const unresolved: Unknown[] = [];
    for (const child of this.ofType(types)) {
      const targets = this.linked(child, key, this.buckets);
      if (isUnknown(targets)) {
        unresolved.push(targets);
        continue;
      }
      for (const target of targets) byBucket.get(target.urn)!.push(child);
    }
    return { byBucket, unresolved };
  }
}

/** Known strings by which other resources refer to a resource: its name, id and ARN. */
function identifiers(view: ResourceView): string[] {
  return [view.props.bucket, view.props.name, view.props.id, view.props.arn].filter(
    (value): value is string => typeof value === "string" && value !== "",
  );
}

/** A bucket's name when known, else the name inside its known ARN. */
export function bucketName(bucket: ResourceView): string | Unknown | undefined {
  const name = bucket.props.bucket;
  if (typeof name === "string" && name !== "") return name;
  const fromArn = typeof bucket.props.arn === "string" ? s3ArnPath(bucket.props.arn) : undefined;
  if (fromArn !== undefined) return fromArn;
  return firstUnknown([name, bucket.props.arn]);
}

// ---------------------------------------------------------------- IAM documents

export interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

export type ParsedDocument = { statements: Statement[] } | { invalid: string };

/**
 * A policy document from a resource property: a JSON string (what @pulumi/aws sends) or an object.
 * Returns undefined when the property is absent, `Unknown` when it is unknown during preview.
 */
export function parseDocument(value: unknown): ParsedDocument | Unknown | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (isUnknown(value)) return value;
  let document: unknown = value;
  if (typeof value === "string") {
    try {
      document = JSON.parse(value);
    } catch {
      return { invalid: "is not valid JSON" };
    }
  }
  const record = asRecord(document);
  if (!record) return { invalid: "is not a JSON object" };
  const nested = firstUnknown(record);
  if (nested) return nested;
  const statement = record.Statement;
  const statements = Array.isArray(statement) ? statement : asRecord(statement) ? [statement] : undefined;
  if (!statements || !statements.every((item) => asRecord(item))) return { invalid: "has no Statement list" };
  return { statements: statements as Statement[] };
}

export function isAllow(statement: Statement): boolean {
  return statement.Effect === "Allow";
}

export function isDeny(statement: Statement): boolean {
  return statement.Effect === "Deny";
}

function globRegExp(pattern: string, flags = ""): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, flags);
}

/** IAM wildcard matching (`*`, `?`); actions are case-insensitive, ARNs are not. */
export function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  return globRegExp(pattern, caseInsensitive ? "i" : "").test(value);
}

/** Whether a statement's Action patterns grant `action` (e.g. "s3:PutObject"). */
export function grantsAction(statement: Statement, action: string): boolean {
  return stringList(statement.Action).some((pattern) => globMatch(pattern, action, true));
}

/** `"*"` or `{ "AWS": "*" }` (alone or in a list): every principal, anonymous ones included. */
export function isEveryone(principal: unknown): boolean {
  if (principal === "*") return true;
  const record = asRecord(principal);
  return record !== undefined && stringList(record.AWS).includes("*");
}

export interface ConditionEntry {
  operator: string;
  key: string;
  values: unknown[];
}

export function conditionEntries(condition: unknown): ConditionEntry[] {
  const entries: ConditionEntry[] = [];
  const operators = asRecord(condition);
  if (!operators) return entries;
  for (const [operator, block] of Object.entries(operators)) {
    const keys = asRecord(block);
    if (!keys) continue;
    for (const [key, value] of Object.entries(keys)) {
      entries.push({ operator, key, values: Array.isArray(value) ? value : [value] });
    }
  }
  return entries;
}

/** The path inside an S3 ARN ("bucket" or "bucket/key"), "*" for a bare "*", undefined otherwise. */
export function s3ArnPath(resource: string): string | undefined {
  if (resource === "*") return "*";
  const match = /^arn:[^:]*:s3:::(.*)$/.exec(resource);
  return match ? match[1] : undefined;
}

/** Whether one of `resources` applies to the bucket itself. */
export function coversBucket(resources: readonly string[], name: string): boolean {
  return resources.some((resource) => {
    const path = s3ArnPath(resource);
    return path !== undefined && globMatch(path, name);
  });
}

/** Whether one of `resources` applies to every object of the bucket (`name/*`, `name*`, `*`, ...). */
export function coversAllObjects(resources: readonly string[], name: string): boolean {
  return resources.some((resource) => {
    const path = s3ArnPath(resource);
    if (path === undefined || !path.endsWith("*")) return false;
    // The trailing "*" absorbs any key once the rest of the pattern matches a prefix of "name/".
    const head = globRegExp(path.slice(0, -1)).source.replace(/\$$/, "");
    return new RegExp(head).test(`${name}/`);
  });
}
