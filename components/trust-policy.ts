/**
 * Who may assume the presigner role (role kind): the trust policy builder and the check of
 * `trustedPrincipals`, shared by the settings, the component and the tests. Pure: no Pulumi runtime.
 */
import type { PolicyDocument, PolicyStatement } from "../policy/documents/iam-policies";

/** The services that run code which presigns in practice: an EC2 instance profile, an ECS task, a Lambda function. */
export const PRESIGNER_SERVICE_PRINCIPALS = [
  "ec2.amazonaws.com",
  "ecs-tasks.amazonaws.com",
  "lambda.amazonaws.com",
] as const;
export type PresignerServicePrincipal = (typeof PRESIGNER_SERVICE_PRINCIPALS)[number];

/** The account the role lives in, as the deployer's caller identity reports it. */
export interface TrustAccount {
  accountId: string;
  /** "aws", "aws-cn", "aws-us-gov". */
  partition: string;
}

type Condition = NonNullable<PolicyStatement["Condition"]>;

/**
 * Confused-deputy conditions, only where AWS documents that the service sets the keys when it
 * assumes the role. A condition on a key the service never sends would lock the role out.
 */
const SOURCE_CONDITIONS: Record<PresignerServicePrincipal, ((account: TrustAccount) => Condition) | undefined> = {
  // The instance-profile trust policy has no condition: EC2 documents no source keys for it.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html
  "ec2.amazonaws.com": undefined,
  // ECS recommends aws:SourceAccount and aws:SourceArn in a task role's trust policy; a single cluster
  // cannot be named (the ARN must cover every cluster of the account).
  // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
  "ecs-tasks.amazonaws.com": ({ accountId, partition }) => ({
    ArnLike: { "aws:SourceArn": `arn:${partition}:ecs:*:${accountId}:*` },
    StringEquals: { "aws:SourceAccount": accountId },
  }),
  // An execution role's trust policy has no condition; Lambda documents aws:SourceArn only for
  // policies where the function is the target, not for assuming its execution role.
  // https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
  "lambda.amazonaws.com": undefined,
};

const IAM_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)$/;

function isPresignerService(principal: string): principal is PresignerServicePrincipal {
  return (PRESIGNER_SERVICE_PRINCIPALS as readonly string[]).includes(principal);
}

/** Why a `trustedPrincipals` entry is refused, or undefined when it is a named user, role or allowed service. */
export function trustedPrincipalProblem(principal: string): string | undefined {
  if (isPresignerService(principal)) return undefined;
  if (/\.amazonaws\.com$/.test(principal)) {
    return `"${principal}" is not a service that presigns: use one of ${PRESIGNER_SERVICE_PRINCIPALS.join(", ")}`;
  }
  const arn = IAM_ARN.exec(principal);
  if (!arn) {
    return `"${principal}" is not an IAM user or role ARN (arn:aws:iam::123456789012:user/NAME or :role/NAME) nor one of ${PRESIGNER_SERVICE_PRINCIPALS.join(", ")}`;
  }
  if (arn[3] === "root") {
    return `"${principal}" is an account root, which lets every principal of account ${arn[2]} that its administrators allow assume the role: name a role or user (arn:${arn[1]}:iam::${arn[2]}:role/NAME)`;
  }
  return undefined;
}

export interface TrustPolicyArgs extends TrustAccount {
  trustedPrincipals: readonly string[];
  /** "" for none; otherwise principals of other accounts must pass it as `sts:ExternalId`. */
  externalId: string;
}

/** Trust policy of the presigner role: exactly the configured principals, nobody else. */
export function presignerTrustPolicyDocument(args: TrustPolicyArgs): PolicyDocument {
  const { trustedPrincipals, accountId, externalId } = args;
  if (trustedPrincipals.length === 0) {
    throw new Error("trustedPrincipals must name at least one principal allowed to assume the presigner role");
  }
  const problems = trustedPrincipals.map(trustedPrincipalProblem).filter((problem) => problem !== undefined);
  if (problems.length > 0) throw new Error(`trustedPrincipals: ${problems.join("; ")}`);

  const services = trustedPrincipals.filter(isPresignerService);
  const identities = trustedPrincipals.filter((principal) => !isPresignerService(principal));
  const otherAccount = (arn: string) => IAM_ARN.exec(arn)![2] !== accountId;
  const guarded = externalId === "" ? [] : identities.filter(otherAccount);
  const plain = identities.filter((arn) => !guarded.includes(arn));

  const assume = (Sid: string, Principal: PolicyStatement["Principal"], Condition?: PolicyStatement["Condition"]) => {
    const statement: PolicyStatement = { Sid, Effect: "Allow", Principal, Action: "sts:AssumeRole" };
    return Condition ? { ...statement, Condition } : statement;
  };
  const statements: PolicyStatement[] = [];
  if (plain.length > 0) statements.push(assume("TrustedPrincipalsAssume", { AWS: plain }));
  if (guarded.length > 0) {
    const externalIdCondition = { StringEquals: { "sts:ExternalId": externalId } };
    statements.push(assume("OtherAccountPrincipalsAssumeWithExternalId", { AWS: guarded }, externalIdCondition));
  }
  const unconditioned = services.filter((service) => SOURCE_CONDITIONS[service] === undefined);
  if (unconditioned.length > 0) statements.push(assume("TrustedServicesAssume", { Service: unconditioned }));
  for (const service of services) {
    const condition = SOURCE_CONDITIONS[service];
    if (condition === undefined) continue;
    statements.push(assume(`${serviceLabel(service)}AssumeForOwnAccount`, { Service: service }, condition(args)));
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** "ecs-tasks.amazonaws.com" -> "EcsTasks" (a statement id is alphanumeric). */
function serviceLabel(service: string): string {
  return service
    .replace(/\.amazonaws\.com$/, "")
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** The account and partition of an ARN such as the caller identity's `arn:aws:iam::123456789012:user/x`. */
export function trustAccountOf(callerArn: string, accountId: string): TrustAccount {
  const partition = callerArn.split(":")[1];
  if (!partition?.startsWith("aws")) throw new Error(`caller identity ARN "${callerArn}" names no AWS partition`);
  return { accountId, partition };
}
