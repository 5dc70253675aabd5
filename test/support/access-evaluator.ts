/**
 * Evaluates the access matrix (test/fixtures/access-matrix.ts) with @cloud-copilot/iam-simulate
 * against the policies the real program registered under mocks: the presigner's group or role
 * policies, the data and log buckets' policies with their Block Public Access setting, and the
 * role's trust policy, all read from the synthesized resources (never rebuilt from the builders).
 *
 * iam-simulate is AGPL-3.0: it is a devDependency used by tests only, never by shipped code.
 */
import {
  anonymousPrincipal,
  getDenialReasons,
  getGrantReasons,
  runSimulation,
  type RequestAnalysis,
  type Simulation,
  type SimulationIdentityPolicy,
  type StatementExplain,
} from "@cloud-copilot/iam-simulate";
import type { PolicyDocument } from "../../policy/documents/iam-policies";
import {
  AccessRow,
  BASELINE_CONTEXT,
  Decision,
  Feature,
  KMS_KEY_POLICY,
  OTHER_ACCOUNT_ID,
  OTHER_BUCKET_ARN,
  OTHER_KMS_KEY_ARN,
  OTHER_SECRET_ARN,
  PRINCIPALS,
  PrincipalSpec,
  REFERENCE_IDENTITY_POLICIES,
  ROLE_KIND_PLACEHOLDER_USER,
  ROWS,
} from "../fixtures/access-matrix";
import { SynthesizedResource, SynthesizedStack } from "./stack-harness";
import { RESOURCE_TYPE } from "../../policy/framework/resource-types";
import { PRESIGNER_COMPONENT_TYPE } from "../../policy/rules";

/** The component type of the sign-in function (its role, policy, secret and log group). */
const SIGN_IN_FUNCTION_COMPONENT_TYPE = "chromoscope-private-data:sign-in:SignInFunction";

/** The sign-in function's role, as a running function's session, with its policies and resources. */
function signInFunctionIdentity(stack: SynthesizedStack, account: string) {
  const owned = (type: string) =>
    only(
      ofType(stack, type).filter((resource) => resource.parentType === SIGN_IN_FUNCTION_COMPONENT_TYPE),
      `${type} of the sign-in function`,
    );
  const role = owned(TYPES.role);
  const identityPolicies = ofType(stack, TYPES.rolePolicy)
    .filter((policy) => policy.inputs.role === role.state.name)
    .map((policy) => ({ name: policy.name, policy: parseDocument(policy, "policy") }));
  const functionName = owned(TYPES.lambdaFunction).state.name as string;
  return {
    principal: `arn:aws:sts::${account}:assumed-role/${role.state.name}/${functionName}`,
    roleArn: role.state.arn as string,
    identityPolicies,
    secretArn: owned(TYPES.secret).state.arn as string,
    logGroupArn: owned(TYPES.logGroup).state.arn as string,
  };
}

const TYPES = RESOURCE_TYPE;

/** One bucket of the stack as S3 evaluates it. */
export interface EvaluatedBucket {
  arn: string;
  /** The bucket policy attached to it, if any. */
  policy?: PolicyDocument;
  /** RestrictPublicBuckets of its BucketPublicAccessBlock (false when there is none). */
  restrictPublicBuckets: boolean;
}

/**
 * Everything the matrix evaluates, as read from one synthesized stack. Negative tests mutate a
 * deep copy of it (widen a statement, drop a deny) and run the matrix again.
 */
export interface StackPolicies {
  variant: string;
  features: Feature[];
  account: string;
  /** Symbol -> value, e.g. "{bucket}" -> "arn:aws:s3:::stack1-data-bucket-0a1b2c3". */
  symbols: Record<string, string>;
  presigner: { principal: string; identityPolicies: SimulationIdentityPolicy[] };
  dataBucket: EvaluatedBucket;
  logBucket?: EvaluatedBucket;
  /** The self-hosted viewer's bucket (viewer: "self-hosted"). */
  viewerBucket?: EvaluatedBucket;
  role?: { arn: string; trustPolicy: PolicyDocument };
  /** Sign-in mode: the function's role session and the identity policies of its role. */
  signInFunction?: { principal: string; identityPolicies: SimulationIdentityPolicy[] };
  /** Key policies of the KMS keys the rows touch (the lab's key is outside the stack). */
  kmsKeyPolicies: Record<string, PolicyDocument>;
}

function parseDocument(resource: SynthesizedResource, field: string): PolicyDocument {
  const raw = resource.inputs[field];
  if (typeof raw !== "string")
    throw new Error(`${resource.name}.${field} is not a JSON string: ${JSON.stringify(raw)}`);
  return JSON.parse(raw) as PolicyDocument;
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0];
}

function ofType(stack: SynthesizedStack, type: string): SynthesizedResource[] {
  return stack.resources.filter((resource) => resource.type === type);
}

function evaluatedBucket(stack: SynthesizedStack, bucketName: string): EvaluatedBucket {
  const bucket = only(
    ofType(stack, TYPES.bucket).filter((b) => b.state.bucket === bucketName),
    `bucket ${bucketName}`,
  );
  const policies = ofType(stack, TYPES.bucketPolicy).filter((p) => p.inputs.bucket === bucketName);
  if (policies.length > 1) throw new Error(`bucket ${bucketName} has ${policies.length} bucket policies`);
  const blocks = ofType(stack, TYPES.publicAccessBlock).filter((b) => b.inputs.bucket === bucketName);
  if (blocks.length > 1) throw new Error(`bucket ${bucketName} has ${blocks.length} public access blocks`);
  return {
    arn: bucket.state.arn,
    policy: policies.length === 1 ? parseDocument(policies[0], "policy") : undefined,
    restrictPublicBuckets: blocks.length === 1 && blocks[0].inputs.restrictPublicBuckets === true,
  };
}

/** The presigner's principal and every identity policy IAM would evaluate for it. */
function presignerIdentity(
  stack: SynthesizedStack,
  account: string,
): StackPolicies["presigner"] & { userArn?: string; role?: StackPolicies["role"] } {
  const managed = [TYPES.groupPolicyAttachment, TYPES.userPolicyAttachment, TYPES.rolePolicyAttachment].flatMap(
    (type) => ofType(stack, type),
  );
  if (managed.length > 0) {
    // A managed policy's document is not in the stack's inputs; the matrix could not see it.
    throw new Error(`managed policy attachments cannot be evaluated: ${managed.map((r) => r.name).join(", ")}`);
  }
  // Other roles of the stack (the sign-in function's) are not the presigner.
  const presignerOwned = (resource: SynthesizedResource) => resource.parentType === PRESIGNER_COMPONENT_TYPE;
  const roles = ofType(stack, TYPES.role).filter(presignerOwned);
  const users = ofType(stack, TYPES.user).filter(presignerOwned);
  if (roles.length + users.length !== 1)
    throw new Error(`expected one presigner user or role, found ${users.length} users and ${roles.length} roles`);
  if (roles.length === 1) {
    const role = roles[0];
    const identityPolicies = ofType(stack, TYPES.rolePolicy)
      .filter((p) => p.inputs.role === role.state.name)
      .map((p) => ({ name: p.name, policy: parseDocument(p, "policy") }));
    return {
      principal: `arn:aws:sts::${account}:assumed-role/${role.state.name}/chromoscope-presigner`,
      identityPolicies,
      role: { arn: role.state.arn, trustPolicy: parseDocument(role, "assumeRolePolicy") },
    };
  }
  const user = users[0];
  const groups = ofType(stack, TYPES.groupMembership)
    .filter((m) => m.inputs.user === user.state.name)
    .flatMap((m) => m.inputs.groups as string[]);
  const identityPolicies = [
    ...ofType(stack, TYPES.userPolicy).filter((p) => p.inputs.user === user.state.name),
    ...ofType(stack, TYPES.groupPolicy).filter((p) => groups.includes(p.inputs.group)),
  ].map((p) => ({ name: p.name, policy: parseDocument(p, "policy") }));
  return { principal: user.state.arn, identityPolicies, userArn: user.state.arn };
}

/** Reads the evaluated policies and the symbol bindings from a synthesized stack. */
export function stackPolicies(stack: SynthesizedStack, variant: string, account: string): StackPolicies {
  const outputs = stack.outputs as {
    bucketName: string;
    bucketArn: string;
    dataPrefixes: string[];
    configPrefix: string;
    ledgerPrefix: string;
    maxLinkLifetimeSeconds: number;
    logBucketName?: string;
    region: string;
    viewerBucketName?: string;
    viewerDistributionId?: string;
    access?: string;
    grantsPrefix?: string;
    auditPrefix?: string;
  };
  const dataBucket = evaluatedBucket(stack, outputs.bucketName);
  if (dataBucket.arn !== outputs.bucketArn)
    throw new Error(`bucketArn output ${outputs.bucketArn} is not the data bucket's ARN ${dataBucket.arn}`);
  const logBucket = outputs.logBucketName === undefined ? undefined : evaluatedBucket(stack, outputs.logBucketName);
  const logging = ofType(stack, TYPES.logging).filter((l) => l.inputs.bucket === outputs.bucketName);
  if (logBucket && logging.length !== 1)
    throw new Error(`the data bucket has ${logging.length} logging configurations`);
  const viewerBucket =
    outputs.viewerBucketName === undefined ? undefined : evaluatedBucket(stack, outputs.viewerBucketName);
  const identity = presignerIdentity(stack, account);
  const kmsKeyArn = stack.settings.kmsKeyArn;

  const features: Feature[] = [identity.role ? "role" : "user"];
  if (kmsKeyArn !== "") features.push("kms");
  if (logBucket) features.push("logging");
  if (stack.settings.externalId !== "") features.push("externalId");
  if (logBucket && stack.settings.logReaderArns.length > 0) features.push("logReaders");
  if (viewerBucket) features.push("viewer");
  const signIn = outputs.access === "sign-in" ? signInFunctionIdentity(stack, account) : undefined;
  if (signIn) features.push("signIn");
  if (stack.settings.ciRoleArns.length > 0) features.push("ciRoles");

  const [firstData] = outputs.dataPrefixes;
  const symbols: Record<string, string> = {
    "{account}": account,
    "{otherAccount}": OTHER_ACCOUNT_ID,
    "{bucket}": dataBucket.arn,
    "{otherBucket}": OTHER_BUCKET_ARN,
    "{otherDistribution}": `arn:aws:cloudfront::${account}:distribution/EOTHERDISTRIB1`,
    "{data}": firstData,
    "{dataLast}": outputs.dataPrefixes[outputs.dataPrefixes.length - 1],
    "{dataStem}": firstData.replace(/\/$/, ""),
    "{dataSibling}": firstData.replace(/\/$/, "-archive/"),
    "{config}": outputs.configPrefix,
    "{ledger}": outputs.ledgerPrefix,
    "{iamUser}": identity.userArn ?? ROLE_KIND_PLACEHOLDER_USER,
    "{otherKmsKey}": OTHER_KMS_KEY_ARN,
    "{kmsViaService}": `s3.${outputs.region}.amazonaws.com`,
    "{maxAgeMs}": String(outputs.maxLinkLifetimeSeconds * 1000),
    "{presigner}": identity.principal,
  };
  if (logBucket) {
    symbols["{logBucket}"] = logBucket.arn;
    symbols["{logPrefix}"] = logging[0].inputs.targetPrefix;
  }
  if (viewerBucket) {
    symbols["{viewerBucket}"] = viewerBucket.arn;
    symbols["{distribution}"] = `arn:aws:cloudfront::${account}:distribution/${outputs.viewerDistributionId}`;
  }
  if (identity.role) symbols["{role}"] = identity.role.arn;
  if (signIn) {
    Object.assign(symbols, {
      "{grants}": outputs.grantsPrefix!,
      "{audit}": outputs.auditPrefix!,
      "{signInSecret}": signIn.secretArn,
      "{otherSecret}": OTHER_SECRET_ARN,
      "{signInLogGroup}": signIn.logGroupArn,
      "{signInRole}": signIn.roleArn,
      "{signInSession}": signIn.principal,
    });
  }
  if (kmsKeyArn !== "") symbols["{kmsKey}"] = kmsKeyArn;
  if (stack.settings.externalId !== "") symbols["{externalId}"] = stack.settings.externalId;

  const keyPolicy = JSON.parse(JSON.stringify(KMS_KEY_POLICY)) as PolicyDocument;
  return {
    variant,
    features,
    account,
    symbols,
    presigner: { principal: identity.principal, identityPolicies: identity.identityPolicies },
    dataBucket,
    logBucket,
    viewerBucket,
    role: identity.role,
    ...(signIn && { signInFunction: { principal: signIn.principal, identityPolicies: signIn.identityPolicies } }),
    kmsKeyPolicies: Object.fromEntries(
      [kmsKeyArn, OTHER_KMS_KEY_ARN].filter((arn) => arn !== "").map((arn) => [arn, keyPolicy]),
    ),
  };
}

export function copyPolicies(policies: StackPolicies): StackPolicies {
  return structuredClone(policies);
}

/** Replaces every `{symbol}` (and `{symbol+N}` / `{symbol-N}` for numbers) in a string. */
export function bind(text: string, symbols: Record<string, string>): string {
  return text.replace(/\{([A-Za-z]+)([+-]\d+)?\}/g, (token, name: string, offset: string | undefined) => {
    const value = symbols[`{${name}}`];
    if (value === undefined) throw new Error(`no binding for ${token} in "${text}"`);
    if (offset === undefined) return value;
    const number = Number(value);
    if (!Number.isSafeInteger(number)) throw new Error(`${token}: {${name}} = ${value} is not an integer`);
    return String(number + Number(offset));
  });
}

export function rowApplies(row: AccessRow, features: readonly Feature[]): boolean {
  return (
    (row.when ?? []).every((feature) => features.includes(feature)) &&
    !(row.unless ?? []).some((feature) => features.includes(feature))
  );
}

/** A row bound to one stack: the request and the policies iam-simulate evaluates. */
export interface BoundRequest {
  row: AccessRow;
  simulation: Simulation;
  /** Which resource policy was used, for messages. */
  resourcePolicyLabel: string;
}

function resourcePolicyFor(
  policies: StackPolicies,
  resource: string,
): { label: string; account: string; policy?: unknown; bpa: boolean } {
  for (const [label, bucket] of [
    ["data bucket policy", policies.dataBucket],
    ["log bucket policy", policies.logBucket],
    ["viewer bucket policy", policies.viewerBucket],
  ] as const) {
    if (bucket && (resource === bucket.arn || resource.startsWith(`${bucket.arn}/`))) {
      return { label, account: policies.account, policy: bucket.policy, bpa: bucket.restrictPublicBuckets };
    }
  }
  if (policies.role && resource === policies.role.arn)
    return { label: "role trust policy", account: policies.account, policy: policies.role.trustPolicy, bpa: false };
  const arnAccount = resource.split(":")[4];
  if (resource.startsWith("arn:aws:kms:")) {
    const keyPolicy = policies.kmsKeyPolicies[resource];
    if (!keyPolicy) throw new Error(`no key policy for ${resource}`);
    return { label: "KMS key policy", account: arnAccount, policy: keyPolicy, bpa: false };
  }
  // Another bucket (no known policy) or an IAM resource (no resource policy).
  return { label: "no resource policy", account: arnAccount === "" ? policies.account : arnAccount, bpa: false };
}

/**
 * `aws:PrincipalArn` of a principal's requests, as AWS sets it (iam-simulate does not): an IAM user's
 * or the root's own ARN, a role session's role ARN (the presigner's role as synthesized), none for
 * anonymous requests and service principals.
 */
function principalArnOf(spec: PrincipalSpec, policies: StackPolicies): string | undefined {
  if (spec.principalArn !== undefined) return bind(spec.principalArn, policies.symbols);
  if (spec.arn === null || !spec.signs) return undefined;
  const arn = bind(spec.arn, policies.symbols);
  if (/^arn:aws:iam::\d{12}:(root|user\/)/.test(arn)) return arn;
  if (spec.arn === "{presigner}" && policies.role) return policies.role.arn;
  throw new Error(`no aws:PrincipalArn known for ${arn}: give its PrincipalSpec a principalArn`);
}

/**
 * `aws:PrincipalIsAWSService` as AWS sets it (iam-simulate does not): "true" for a service principal
 * acting as itself, "false" for every request signed with IAM credentials, absent when anonymous.
 */
export function principalIsAwsServiceOf(spec: PrincipalSpec): "true" | "false" | undefined {
  if (spec.arn === null) return undefined;
  if (/\.amazonaws\.com$/.test(spec.arn)) return "true";
  return spec.signs ? "false" : undefined;
}

export function bindRow(row: AccessRow, policies: StackPolicies): BoundRequest {
  const spec: PrincipalSpec = PRINCIPALS[row.principal];
  const symbols = policies.symbols;
  const resource = bind(row.resource, symbols);
  const isS3 = row.action.toLowerCase().startsWith("s3:");
  const principalArn = principalArnOf(spec, policies);
  const isService = principalIsAwsServiceOf(spec);
  const context: Record<string, string | null> = {
    ...(principalArn !== undefined ? { "aws:PrincipalArn": principalArn } : {}),
    ...(isService !== undefined ? { "aws:PrincipalIsAWSService": isService } : {}),
    ...BASELINE_CONTEXT.all,
    ...(isS3 ? BASELINE_CONTEXT.s3 : {}),
    ...(isS3 && spec.signs ? BASELINE_CONTEXT.s3Signed : {}),
    ...row.context,
  };
  const contextVariables: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (value !== null) contextVariables[key] = bind(value, symbols);
  }
  const identityPolicies: SimulationIdentityPolicy[] =
    spec.identityPolicies === "stack"
      ? policies.presigner.identityPolicies
      : spec.identityPolicies === "signInFunction"
        ? (policies.signInFunction?.identityPolicies ?? [])
        : spec.identityPolicies.map((name) => ({ name, policy: REFERENCE_IDENTITY_POLICIES[name] }));
  const target = resourcePolicyFor(policies, resource);
  const simulation: Simulation = {
    request: {
      principal: spec.arn === null ? anonymousPrincipal : bind(spec.arn, symbols),
      action: row.action,
      resource: { resource, accountId: target.account },
      contextVariables,
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: target.policy,
    additionalSettings: { s3: { blockPublicAccess: target.bpa } },
  };
  return { row, simulation, resourcePolicyLabel: target.label };
}

export interface RowOutcome {
  row: AccessRow;
  variant: string;
  expected: Decision;
  /** The simulator's decision, or "Error" when it refused the request. */
  actual: Decision | "Error";
  /** Multi-line explanation: request, decisive statements, evaluation of each relevant statement. */
  explanation: string;
}

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function describeStatement(explain: StatementExplain): string {
  const head = `${explain.effect} ${explain.identifier}: action=${explain.actionMatch} resource=${explain.resourceMatch} principal=${explain.principalMatch} condition=${explain.conditionMatch} => ${explain.matches ? "MATCH" : "no match"}`;
  const conditions = (explain.conditions ?? []).map((condition) => {
    const values = list(condition.values)
      .map((v) => `${v.value}${v.matches ? "✓" : "✗"}`)
      .join(",");
    const missing = condition.failedBecauseMissing
      ? " (key missing)"
      : condition.matchedBecauseMissing
        ? " (matched: key missing)"
        : "";
    return `      ${condition.operator} ${condition.conditionKeyValue} [${values}] => ${condition.matches}${missing}`;
  });
  return [`    ${head}`, ...conditions].join("\n");
}

/** Every statement whose action matched, from each policy the simulator evaluated. */
function relevantStatements(analysis: RequestAnalysis): string[] {
  const lines: string[] = [];
  const sections = [
    ["identity", analysis.identityAnalysis],
    ["resource", analysis.resourceAnalysis],
  ] as const;
  for (const [name, section] of sections) {
    if (!section) continue;
    const statements = [...section.denyStatements, ...section.allowStatements, ...section.unmatchedStatements].filter(
      (s) => s.actionMatch,
    );
    lines.push(`  ${name} policies: ${section.result}`);
    for (const statement of statements) lines.push(describeStatement(statement.explain));
  }
  return lines;
}

export function explainOutcome(
  bound: BoundRequest,
  analysis: RequestAnalysis | undefined,
  ignored: string[],
  error?: string,
): string {
  const { request } = bound.simulation;
  const principal = typeof request.principal === "string" ? request.principal : "anonymous";
  const lines = [
    `  request: ${principal} ${request.action} ${request.resource.resource} (account ${request.resource.accountId})`,
    `  context: ${JSON.stringify(request.contextVariables)}`,
    `  policies: ${bound.simulation.identityPolicies.map((p) => p.name).join(", ") || "no identity policy"}; ${bound.resourcePolicyLabel}; BPA ${bound.simulation.additionalSettings?.s3?.blockPublicAccess}`,
  ];
  if (error) lines.push(`  simulator error: ${error}`);
  if (ignored.length > 0) lines.push(`  context keys the simulator ignored for this action: ${ignored.join(", ")}`);
  if (analysis) {
    lines.push(`  same account: ${analysis.sameAccount}; blocked by: ${JSON.stringify(analysis.blockedBy ?? [])}`);
    lines.push(`  grants: ${JSON.stringify(getGrantReasons(analysis))}`);
    lines.push(`  denials: ${JSON.stringify(getDenialReasons(analysis))}`);
    lines.push(...relevantStatements(analysis));
  }
  return lines.join("\n");
}

/** Evaluates one bound row. Context keys the simulator would ignore count as an error (a vacuous row). */
export async function evaluate(bound: BoundRequest, variant: string): Promise<RowOutcome> {
  const base = { row: bound.row, variant, expected: bound.row.expect };
  const response = await runSimulation(bound.simulation, { simulationMode: "Strict" });
  if (response.resultType === "error") {
    return {
      ...base,
      actual: "Error",
      explanation: explainOutcome(bound, undefined, [], JSON.stringify(response.errors)),
    };
  }
  if (response.resultType !== "single") {
    return {
      ...base,
      actual: "Error",
      explanation: explainOutcome(
        bound,
        undefined,
        [],
        `unexpected ${response.resultType} result (wildcard in the resource?)`,
      ),
    };
  }
  const ignored = response.result.ignoredContextKeys ?? [];
  const explanation = explainOutcome(bound, response.result.analysis, ignored);
  if (ignored.length > 0) return { ...base, actual: "Error", explanation };
  return { ...base, actual: response.overallResult, explanation };
}

/** Runs every row that applies to the stack; returns every outcome (matching or not). */
export async function runMatrix(policies: StackPolicies, rows: readonly AccessRow[] = ROWS): Promise<RowOutcome[]> {
  const outcomes: RowOutcome[] = [];
  for (const row of rows) {
    if (!rowApplies(row, policies.features)) continue;
    outcomes.push(await evaluate(bindRow(row, policies), policies.variant));
  }
  return outcomes;
}

export function mismatches(outcomes: readonly RowOutcome[]): RowOutcome[] {
  return outcomes.filter((outcome) => outcome.actual !== outcome.expected);
}

/** `{ rowId: actualDecision }` of the rows whose decision differs from the matrix. */
export function differingRows(outcomes: readonly RowOutcome[]): Record<string, string> {
  return Object.fromEntries(mismatches(outcomes).map((outcome) => [outcome.row.id, outcome.actual]));
}

export function formatMismatches(outcomes: readonly RowOutcome[]): string {
  return mismatches(outcomes)
    .map((o) => `[${o.variant}] ${o.row.id}: expected ${o.expected}, got ${o.actual}\n${o.explanation}`)
    .join("\n\n");
}
