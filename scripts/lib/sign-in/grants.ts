/**
 * Grants: which group may open which cohort, one object per (cohort, group) in the data bucket,
 * `<grantsPrefix><cohort folder>/<group as base64url>.json`. `grant-cohort` and `revoke-cohort` write
 * and delete them with the caller's own credentials; the sign-in function only reads them. The
 * body names the cohort exactly, so a folder two names might share never grants the other name.
 */
import { UsageError, ValidationError } from "../errors";
import { assertCohortName, cohortSlug, printable } from "../naming";
import { ObjectStore } from "../s3/object-store";
import { StackOutputs } from "../../../components/stack-outputs";

export interface Grant {
  cohort: string;
  group: string;
  grantedAt: string;
  /** Who granted: the caller's ARN, or an access key id when the ARN is not known. */
  grantedBy: string;
}

export interface StoredGrant extends Grant {
  key: string;
}

export const MAX_GROUP_LENGTH = 128;
export const GROUP_RULE = `1-${MAX_GROUP_LENGTH} characters, no control characters (a group of the identity provider, e.g. a Cognito group name)`;

/** Why `group` cannot be granted, or undefined. */
export function groupProblem(group: string): string | undefined {
  if (group.length === 0) return "is empty";
  if ([...group].length > MAX_GROUP_LENGTH) return `is longer than ${MAX_GROUP_LENGTH} characters`;
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(group)) return "holds control or invisible characters";
  return undefined;
}

/** The folder holding one cohort's grants. */
export function grantFolder(grantsPrefix: string, cohort: string): string {
  return `${grantsPrefix}${cohortSlug(cohort)}/`;
}

/** The one object that grants `group` the cohort (any group name is a safe key in base64url). */
export function grantKey(grantsPrefix: string, cohort: string, group: string): string {
  return `${grantFolder(grantsPrefix, cohort)}${Buffer.from(group, "utf8").toString("base64url")}.json`;
}

export async function writeGrant(store: ObjectStore, grantsPrefix: string, grant: Grant): Promise<string> {
  const key = grantKey(grantsPrefix, grant.cohort, grant.group);
  await store.put(key, `${JSON.stringify(grant)}\n`, "application/json");
  return key;
}

function parseGrant(body: Buffer): Grant | undefined {
  try {
    const grant = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    const fields = [grant.cohort, grant.group, grant.grantedAt, grant.grantedBy];
    return fields.every((field) => typeof field === "string") ? (grant as unknown as Grant) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The grants of a cohort folder (by the folder's own name, e.g. `/open/<folder>`), optionally only
 * those of `groups`: one listing, then a read of each object that matters. A grant object whose
 * body does not match its key is reported through `warn` and never counts.
 */
export async function grantsInFolder(
  store: ObjectStore,
  folder: string,
  options: { groups?: readonly string[]; warn?: (message: string) => void } = {},
): Promise<StoredGrant[]> {
  const wanted = options.groups && new Set(options.groups.map((group) => Buffer.from(group).toString("base64url")));
  const grants: StoredGrant[] = [];
  for await (const object of store.list(folder)) {
    const name = object.key.slice(folder.length);
    if (!name.endsWith(".json") || name.includes("/")) continue;
    if (wanted && !wanted.has(name.slice(0, -".json".length))) continue;
    const grant = parseGrant(await store.read(object.key));
    const expectedName = grant && `${Buffer.from(grant.group).toString("base64url")}.json`;
    if (grant === undefined || expectedName !== name) {
      options.warn?.(`grant ${printable(object.key, 200)} is unreadable or names another group; ignored`);
      continue;
    }
    grants.push({ ...grant, key: object.key });
  }
  return grants;
}

/** The cohort's grants, by its exact name (a folder two names share lists only this name's). */
export async function grantsOf(
  store: ObjectStore,
  grantsPrefix: string,
  cohort: string,
  warn?: (message: string) => void,
): Promise<StoredGrant[]> {
  const grants = await grantsInFolder(store, grantFolder(grantsPrefix, cohort), { warn });
  return grants.filter((grant) => grant.cohort === cohort);
}

/** The grants prefix of a sign-in stack, or a UsageError naming the fix for a links stack. */
export function signInGrantsPrefix(outputs: Pick<StackOutputs, "access" | "grantsPrefix">, command: string): string {
  if (outputs.access !== "sign-in") {
    throw new UsageError(`${command} needs a sign-in stack, and this stack shares presigned links (access: links)`, {
      fix: 'set the stack setting access to "sign-in" (with viewer: "self-hosted"), run pulumi up, and export its outputs again',
    });
  }
  if (outputs.grantsPrefix === undefined) {
    throw new ValidationError("the stack outputs say access: sign-in but name no grantsPrefix", {
      fix: "export the outputs of the deployed stack again (`pulumi stack output --json --show-secrets`)",
    });
  }
  return outputs.grantsPrefix;
}

export interface GrantRequest {
  cohort: string;
  group: string;
  /** The caller: an ARN, or an access key id. */
  grantedBy: string;
  now: Date;
}

/** Grants `group` the cohort (writing the grant again is harmless); returns the grant object's key. */
export async function grantCohort(store: ObjectStore, grantsPrefix: string, request: GrantRequest): Promise<string> {
  const cohort = assertCohortName(request.cohort);
  const problem = groupProblem(request.group);
  if (problem !== undefined) {
    throw new ValidationError(`--group ${printable(request.group)} ${problem}`, {
      fix: `pass --group with ${GROUP_RULE}`,
    });
  }
  const grant = { cohort, group: request.group, grantedAt: request.now.toISOString(), grantedBy: request.grantedBy };
  return writeGrant(store, grantsPrefix, grant);
}

/**
 * Removes the cohort's grants (only `group`'s when given); returns the grants removed. A group that
 * holds no grant is reported by the caller, not an error here.
 */
export async function removeGrants(
  store: ObjectStore,
  grantsPrefix: string,
  cohort: string,
  options: { group?: string; warn?: (message: string) => void } = {},
): Promise<StoredGrant[]> {
  const grants = (await grantsOf(store, grantsPrefix, cohort, options.warn)).filter(
    (grant) => options.group === undefined || grant.group === options.group,
  );
  for (const grant of grants) await store.remove(grant.key);
  return grants;
}
