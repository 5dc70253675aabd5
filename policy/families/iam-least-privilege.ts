/** IAM rules: no wildcards, permissions through groups, two keys per user, rotation within IAM.3. */
import { MAX_ACCESS_KEY_AGE_DAYS, MAX_KEY_ROTATION_DAYS } from "../documents/limits";
import {
  asArray,
  asRecord,
  Deferral,
  firstUnknown,
  isAllow,
  isUnknown,
  parseDocument,
  Props,
  Statement,
  stringList,
  Unknown,
} from "../framework/inspect";
import { IDENTITY_POLICY_TYPES, isOneOf, TYPES } from "../framework/resource-types";
import { resourceRule, ResourceUnderTest, stackRule } from "../framework/rule-framework";

/** AWS allows two access keys per IAM user. */
export const MAX_ACCESS_KEYS_PER_USER = 2;

/** Identity-based policy documents a resource carries, with a label for messages. */
function identityDocuments(resource: {
  type: string;
  name: string;
  props: Props;
}): Array<{ label: string; value: unknown }> {
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

/**
 * The Allow statements of a resource's identity policies, each with where it stands (policy label
 * and Sid). A document still unknown is deferred; one that is not a policy is reported.
 */
export function allowStatements(
  resource: { type: string; name: string; props: Props },
  deferral: Deferral,
  report: (message: string) => void,
): Array<{ where: string; statement: Statement }> {
  const found: Array<{ where: string; statement: Statement }> = [];
  for (const { label, value } of identityDocuments(resource)) {
    const parsed = parseDocument(value);
    if (parsed === undefined) continue;
    if (isUnknown(parsed)) deferral.defer(parsed);
    else if ("invalid" in parsed) report(`The policy of ${label} ${parsed.invalid}.`);
    else {
      for (const statement of parsed.statements.filter(isAllow)) {
        found.push({ where: `${label}${statement.Sid ? ` (${statement.Sid})` : ""}`, statement });
      }
    }
  }
  return found;
}

/** AWS managed policies that grant every action, or every action of a service. */
const BROAD_MANAGED_POLICY =
  /^arn:aws[a-z-]*:iam::aws:policy\/(?:[\w+=,.@-]+\/)*(AdministratorAccess|PowerUserAccess|[\w+=,.@-]*FullAccess)$/;

function managedPolicyArns(resource: ResourceUnderTest): unknown[] {
  if (isOneOf(resource.type, TYPES.managedPolicyAttachments)) return [resource.props.policyArn];
  if (resource.type === TYPES.role) {
    const arns = resource.props.managedPolicyArns;
    return isUnknown(arns) ? [arns] : asArray(arns);
  }
  return [];
}

export const iamNoWildcards = resourceRule(
  {
    name: "iam-no-wildcard-actions-or-resources",
    enforcementLevel: "mandatory",
    checks:
      'No IAM policy (managed, group, role, user, role inline) allows Action "*", a service-wide action such as "s3:*" or "iam:*", NotAction, Resource "*" or NotResource; no AWS managed *FullAccess/AdministratorAccess policy is attached.',
    securityHub: ["IAM.1", "IAM.21"],
    checkov: ["CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_274", "CKV_AWS_355", "CKV_AWS_356"],
  },
  (resource, report, deferral) => {
    for (const { where, statement } of allowStatements(resource, deferral, report)) {
      if (statement.NotAction !== undefined)
        report(`${where} allows NotAction, i.e. every other action: list the actions.`);
      for (const action of stringList(statement.Action)) {
        if (action === "*") report(`${where} allows every action ("*").`);
        else if (/^[^:*]+:\*$/.test(action))
          report(`${where} allows every action of a service ("${action}"): list the actions.`);
      }
      if (statement.NotResource !== undefined)
        report(`${where} allows on NotResource, i.e. every other resource: list the resources.`);
      if (stringList(statement.Resource).includes("*"))
        report(`${where} applies to every resource ("*"): name the ARNs.`);
    }
    for (const arn of managedPolicyArns(resource)) {
      if (isUnknown(arn)) deferral.defer(arn);
      else if (typeof arn === "string" && BROAD_MANAGED_POLICY.test(arn)) {
        report(`${resource.name} attaches ${arn}, which grants every action of one or all services.`);
      }
    }
  },
);

export const iamUserNoDirectPolicies = resourceRule(
  {
    name: "iam-user-no-direct-policies",
    enforcementLevel: "mandatory",
    checks:
      "No IAM user carries an inline or directly attached policy (UserPolicy, UserPolicyAttachment, PolicyAttachment users, exclusive user policies): permissions come through groups.",
    securityHub: ["IAM.2"],
    checkov: ["CKV_AWS_40"],
  },
  (resource, report, deferral) => {
    const nonEmpty = (value: unknown, what: string) => {
      if (isUnknown(value)) deferral.defer(value);
      else if (asArray(value).length > 0)
        report(`${resource.name} ${what}: attach policies to a group and add the user to it.`);
    };
    switch (resource.type) {
      case TYPES.userPolicy:
        return report(`${resource.name} is an inline user policy: put it on a group and add the user to it.`);
      case TYPES.userPolicyAttachment:
        return report(
          `${resource.name} attaches a policy directly to a user: attach it to a group and add the user to it.`,
        );
      case TYPES.policyAttachment:
        return nonEmpty(resource.props.users, "attaches a policy directly to users");
      case TYPES.userPoliciesExclusive:
        return nonEmpty(resource.props.policyNames, "keeps inline policies on a user");
      case TYPES.userPolicyAttachmentsExclusive:
        return nonEmpty(resource.props.policyArns, "keeps policies attached directly to a user");
    }
  },
);

export const accessKeysPerUser = stackRule(
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
        report(
          `IAM user ${entry.label} has ${entry.keys} access keys: AWS allows ${MAX_ACCESS_KEYS_PER_USER}; keep two slots and rotate.`,
          entry.urn,
        );
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

export const accessKeyRotation = stackRule(
  {
    name: "iam-access-key-rotation-period",
    enforcementLevel: "mandatory",
    checks: `A stack with access keys exports their rotation schedule (stack output accessKeys: createdAt, rotationDueAt) and every key's rotation period is at most ${MAX_KEY_ROTATION_DAYS} days (or the pack's maxRotationDays): with two key slots a key lives up to twice its period, and IAM.3 allows ${MAX_ACCESS_KEY_AGE_DAYS}.`,
    securityHub: ["IAM.3"],
    checkov: [],
  },
  (model, report, deferral, args) => {
    const keys = model.ofType(TYPES.accessKey);
    if (keys.length === 0) return;
    const configured = args.getConfig<RotationConfig>().maxRotationDays;
    const maxDays =
      typeof configured === "number" && configured > 0
        ? Math.min(configured, MAX_KEY_ROTATION_DAYS)
        : MAX_KEY_ROTATION_DAYS;
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
