/**
 * Runs the policy pack's rules the way the Pulumi engine and @pulumi/policy's analyzer server do,
 * against the resources the real program registers under mocks (see stack-harness.ts), without a
 * Pulumi CLI.
 *
 * Why this adapter builds URNs, parents and dependencies itself: the mock monitor records each
 * resource's type, name, resolved inputs and state, but a real `pulumi preview` hands a policy more
 * than that, and hands it less. More: every resource has a URN, its parent's URN, `dependencies` and
 * `propertyDependencies` (for each input, the URNs of the resources whose outputs flowed into it).
 * Less: an autonamed bucket's id and ARN are unknown until AWS creates it, so a child's `bucket`
 * input and every policy document built from the ARN are unknown during preview. Stack rules must
 * therefore link a public access block (policy, CORS, ...) to its bucket by URN, and a test that only
 * fed them resolved mock values would prove nothing about that. So this adapter
 *   - derives `propertyDependencies` by matching each input value to the resource whose state
 *     produced it (a bucket's name/id or ARN, an IAM name or ARN, also inside a policy JSON), and adds
 *     the `dependsOn` resources captured from the resource options to `dependencies`;
 *   - in "preview" mode replaces exactly the values a real preview of a new stack cannot know with
 *     the engine's unknown sentinel ("preview-omitted" drops the resources' own computed outputs
 *     instead, as the engine may), and wraps every property bag in @pulumi/policy's own
 *     `unknownCheckingProxy`, so rules meet the same UnknownValueError they meet on a real preview.
 * Resource rules get the inputs (the engine's Analyze call), stack rules the outputs (AnalyzeStack).
 */
import {
  EnforcementLevel,
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { mockAccessKeyId } from "./pulumi-mocks";
import { SynthesizedStack } from "./stack-harness";

// @pulumi/policy 1.21's typings strip these @internal exports; its analyzer server uses exactly these.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped internals, read as the analyzer does
const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy") as {
  unknownCheckingProxy: <T>(value: T) => T;
  UnknownValueError: new (...args: never[]) => Error;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- untyped internals, read as the analyzer does
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

/** The engine's sentinel for an unknown string (the same one the Pulumi RPC layer uses). */
export const UNKNOWN_STRING: string = unknownStringValue;

export const PROJECT = "chromoscope-private-data";
export const STACK = "dev";
export const STACK_TYPE = "pulumi:pulumi:Stack";

export type PreviewMode = "resolved" | "preview" | "preview-omitted";

/** A resource as the engine describes it to a policy pack, in plain data. */
export interface EngineResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** What resource rules see (the engine's Analyze call gets the inputs). */
  inputs: Record<string, any>;
  /** What stack rules see (AnalyzeStack gets the outputs). */
  outputs: Record<string, any>;
  parent?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  opts: PolicyResourceOptions;
}

export function urnOf(type: string, name: string, parentTypes: readonly string[] = []): string {
  return `urn:pulumi:${STACK}::${PROJECT}::${[...parentTypes, type].join("$")}::${name}`;
}

/** Own outputs that AWS computes: unknown during a preview of a new stack. */
const COMPUTED_IN_PREVIEW: Record<string, readonly string[]> = {
  "aws:s3/bucket:Bucket": ["arn"],
  "aws:iam/user:User": ["arn"],
  "aws:iam/group:Group": ["arn"],
  "aws:iam/role:Role": ["arn"],
  "aws:iam/instanceProfile:InstanceProfile": ["arn"],
  "aws:iam/accessKey:AccessKey": ["secret", "createDate"],
  "aws:secretsmanager/secret:Secret": ["arn"],
  "aws:lambda/function:Function": ["arn"],
  "aws:cloudwatch/logGroup:LogGroup": ["arn"],
  "aws:cognito/userPool:UserPool": ["arn"],
};

/** Attributes by which other resources refer to a resource (its id and ARN, names for IAM). */
function producedValues(resource: { type: string; state: Record<string, any> }): { exact: string[]; arns: string[] } {
  const { state } = resource;
  const exact: string[] = [];
  if (resource.type === "aws:s3/bucket:Bucket" && typeof state.bucket === "string") exact.push(state.bucket); // bucket.id
  if (/^aws:iam\/(user|group|role|instanceProfile|policy):/.test(resource.type) && typeof state.name === "string")
    exact.push(state.name);
  const arns = typeof state.arn === "string" ? [state.arn] : [];
  return { exact, arns };
}

function containsArn(text: string, arn: string): boolean {
  let index = text.indexOf(arn);
  while (index >= 0) {
    const next = text[index + arn.length];
    if (next === undefined || !/[A-Za-z0-9_.-]/.test(next)) return true;
    index = text.indexOf(arn, index + 1);
  }
  return false;
}

function stringLeaves(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((item) => stringLeaves(item, out));
  else if (value !== null && typeof value === "object") Object.values(value).forEach((item) => stringLeaves(item, out));
  return out;
}

function mapStrings(value: unknown, replace: (text: string) => string): any {
  if (typeof value === "string") return replace(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, replace));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, replace)]));
  }
  return value;
}

/** The mocks' wrapper of a secret input (a policy sees the value itself). */
const SECRET_SIGNATURE = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

/**
 * Inputs as plain data, as the engine hands them to a policy: secrets as their values, and an asset
 * or archive (the sign-in function's code, whose contents the mocks keep behind promises) as a marker.
 */
function plainData(value: unknown): any {
  if (pulumi.asset.Archive.isInstance(value) || pulumi.asset.Asset.isInstance(value)) return { asset: "(code)" };
  if (Array.isArray(value)) return (value as unknown[]).map(plainData);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[SECRET_SIGNATURE.key] === SECRET_SIGNATURE.value) return plainData(record.value);
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, plainData(item)]));
}

function policyOptions(opts: Record<string, any>, parent: string | undefined): PolicyResourceOptions {
  const options: PolicyResourceOptions = {
    protect: opts.protect === true,
    ignoreChanges: opts.ignoreChanges ?? [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: opts.additionalSecretOutputs ?? [],
  };
  if (opts.deleteBeforeReplace !== undefined) options.deleteBeforeReplace = opts.deleteBeforeReplace;
  if (parent) options.parent = parent;
  return options;
}

/**
 * The synthesized stack as the engine would describe it to a policy pack: the root stack resource
 * (its outputs are the stack outputs), the components and every custom resource.
 */
export function engineResources(stack: SynthesizedStack, mode: PreviewMode = "resolved"): EngineResource[] {
  const rootUrn = urnOf(STACK_TYPE, `${PROJECT}-${STACK}`);
  const componentUrn = (type?: string, name?: string) => (type && name ? urnOf(type, name, [STACK_TYPE]) : undefined);
  const urnByKey = new Map<string, string>();
  for (const component of stack.components)
    urnByKey.set(`${component.type}::${component.name}`, componentUrn(component.type, component.name)!);
  for (const resource of stack.resources) {
    const parentTypes = resource.parentType ? [STACK_TYPE, resource.parentType] : [STACK_TYPE];
    urnByKey.set(`${resource.type}::${resource.name}`, urnOf(resource.type, resource.name, parentTypes));
  }

  // What a preview of a new stack cannot know: computed outputs, and anything built from them.
  const unknownExact = new Set<string>();
  const unknownArns: string[] = [];
  for (const resource of stack.resources) {
    for (const key of COMPUTED_IN_PREVIEW[resource.type] ?? []) {
      const value = resource.state[key];
      if (typeof value !== "string") continue;
      if (key === "arn") unknownArns.push(value);
      else unknownExact.add(value);
    }
    if (resource.type === "aws:iam/accessKey:AccessKey") unknownExact.add(mockAccessKeyId(resource.name)); // the key's id
  }
  // Children receive `bucket.id`, unknown until the bucket exists (its autoname is known, its id is not).
  const unknownIds = new Set(
    stack.resources.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.state.bucket as string),
  );
  const isUnknownText = (text: string, ids: boolean) =>
    unknownExact.has(text) || (ids && unknownIds.has(text)) || unknownArns.some((arn) => containsArn(text, arn));
  const preview = mode !== "resolved";
  const unknownInputs = (value: unknown) =>
    preview ? mapStrings(value, (text) => (isUnknownText(text, true) ? UNKNOWN_STRING : text)) : value;

  const engine: EngineResource[] = [
    {
      urn: rootUrn,
      type: STACK_TYPE,
      name: `${PROJECT}-${STACK}`,
      custom: false,
      inputs: {},
      outputs: Object.fromEntries(
        Object.entries(stack.outputs).map(([key, value]) => [
          key,
          preview && stringLeaves(value).some((text) => isUnknownText(text, false))
            ? UNKNOWN_STRING
            : structuredClone(value),
        ]),
      ),
      dependencies: [],
      propertyDependencies: {},
      opts: policyOptions({}, undefined),
    },
  ];
  for (const component of stack.components) {
    engine.push({
      urn: componentUrn(component.type, component.name)!,
      type: component.type,
      name: component.name,
      custom: false,
      inputs: {},
      outputs: {},
      parent: rootUrn,
      dependencies: [],
      propertyDependencies: {},
      opts: policyOptions({}, rootUrn),
    });
  }

  stack.resources.forEach((resource, index) => {
    const earlier = stack.resources.slice(0, index);
    const propertyDependencies: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(resource.inputs)) {
      const leaves = stringLeaves(value);
      const producers = earlier.filter((producer) => {
        const { exact, arns } = producedValues(producer);
        return leaves.some((text) => exact.includes(text) || arns.some((arn) => containsArn(text, arn)));
      });
      if (producers.length > 0)
        propertyDependencies[key] = producers.map((producer) => urnByKey.get(`${producer.type}::${producer.name}`)!);
    }
    const dependsOn = ([] as any[]).concat(resource.opts.dependsOn ?? []);
    const explicit = dependsOn
      .map((dep) => urnByKey.get(`${dep.__pulumiType}::${dep.__name}`))
      .filter((urn): urn is string => urn !== undefined);
    const dependencies = [...new Set([...Object.values(propertyDependencies).flat(), ...explicit])];

    const parent = componentUrn(resource.parentType, resource.parentName);
    const inputs = unknownInputs(plainData(resource.inputs));
    let outputs: Record<string, any> = plainData(resource.state);
    if (preview) {
      outputs = { ...outputs, ...inputs };
      for (const key of COMPUTED_IN_PREVIEW[resource.type] ?? []) {
        if (mode === "preview-omitted") delete outputs[key];
        else outputs[key] = UNKNOWN_STRING;
      }
    }
    engine.push({
      urn: urnByKey.get(`${resource.type}::${resource.name}`)!,
      type: resource.type,
      name: resource.name,
      custom: true,
      inputs,
      outputs,
      parent,
      dependencies,
      propertyDependencies,
      opts: policyOptions(resource.opts as Record<string, any>, parent),
    });
  });
  return engine;
}

// ---------------------------------------------------------------- running the rules

type AnyPolicy = (ResourceValidationPolicy | StackValidationPolicy) & { enforcementLevel?: EnforcementLevel };

export interface Finding {
  rule: string;
  level: EnforcementLevel;
  message: string;
  /** The resource the finding is about (stack rules may omit it: then the root stack). */
  urn: string;
  /** The last segment of the URN: the resource's name. */
  name: string;
}

export interface PolicyRun {
  findings: Finding[];
  /** Rules that met an unknown value: the server reports "can't run policy during preview". */
  undecided: Array<{ rule: string; urn?: string; message: string }>;
}

export interface RunOptions {
  /** Per-rule policy-pack config, as `--policy-pack-config` would set it. */
  config?: Record<string, Record<string, unknown>>;
}

class NotApplicable extends Error {}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
  return (resourceClass as { __pulumiType?: string } | undefined)?.__pulumiType === type;
}

/** Builds the PolicyResource graph AnalyzeStack hands to stack rules (fresh proxies every call). */
export function policyResources(resources: readonly EngineResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const built = resources.map((resource) => {
    const props = unknownCheckingProxy(structuredClone(resource.outputs));
    const policyResource: PolicyResource = {
      type: resource.type,
      props,
      urn: resource.urn,
      name: resource.name,
      opts: resource.opts,
      dependencies: [],
      propertyDependencies: {},
      isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
      asType: (resourceClass) => (isTypeOf(resource.type, resourceClass) ? (props as any) : undefined),
    };
    byUrn.set(resource.urn, policyResource);
    return { resource, policyResource };
  });
  for (const { resource, policyResource } of built) {
    if (resource.parent && byUrn.has(resource.parent)) policyResource.parent = byUrn.get(resource.parent);
    policyResource.dependencies = resource.dependencies
      .map((urn) => byUrn.get(urn))
      .filter((dep): dep is PolicyResource => dep !== undefined);
    for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
      policyResource.propertyDependencies[key] = urns
        .map((urn) => byUrn.get(urn))
        .filter((dep): dep is PolicyResource => dep !== undefined);
    }
  }
  return built.map(({ policyResource }) => policyResource);
}

/**
 * Runs every rule as @pulumi/policy 1.21's server does: resource rules once per resource with its
 * inputs, stack rules once with every resource's outputs. An UnknownValueError becomes `undecided`;
 * any other error fails the test (a rule must never crash).
 */
export async function runPolicies(
  policies: readonly AnyPolicy[],
  resources: readonly EngineResource[],
  options: RunOptions = {},
): Promise<PolicyRun> {
  const run: PolicyRun = { findings: [], undecided: [] };
  for (const policy of policies) {
    const config = options.config?.[policy.name] ?? {};
    const level = (config.enforcementLevel as EnforcementLevel | undefined) ?? policy.enforcementLevel ?? "advisory";
    if (level === "disabled") continue;
    const { enforcementLevel: _ignored, ...policyConfig } = config;
    const common = {
      stackTags: new Map<string, string>(),
      getConfig: <T extends object>() => policyConfig as T,
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason);
      },
    };
    const attempt = async (urn: string | undefined, validate: () => Promise<void> | void) => {
      try {
        await validate();
      } catch (error) {
        if (error instanceof UnknownValueError) run.undecided.push({ rule: policy.name, urn, message: error.message });
        else if (!(error instanceof NotApplicable)) {
          throw new Error(
            `rule ${policy.name} crashed${urn ? ` on ${urn}` : ""}: ${error instanceof Error ? error.stack : String(error)}`,
            { cause: error },
          );
        }
      }
    };

    if ("validateResource" in policy && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
      for (const resource of resources) {
        const report: ReportViolation = (message) =>
          run.findings.push({ rule: policy.name, level, message, urn: resource.urn, name: resource.name });
        for (const validation of validations) {
          const props = unknownCheckingProxy(structuredClone(resource.inputs));
          const args: ResourceValidationArgs = {
            ...common,
            type: resource.type,
            props,
            urn: resource.urn,
            name: resource.name,
            opts: resource.opts,
            isType: (resourceClass) => isTypeOf(resource.type, resourceClass),
            asType: (resourceClass) => (isTypeOf(resource.type, resourceClass) ? (props as any) : undefined),
          };
          await attempt(resource.urn, () => validation(args, report));
        }
      }
    }
    if ("validateStack" in policy && policy.validateStack) {
      const rootUrn =
        resources.find((resource) => resource.type === STACK_TYPE)?.urn ?? urnOf(STACK_TYPE, `${PROJECT}-${STACK}`);
      const report: ReportViolation = (message, urn) =>
        run.findings.push({ rule: policy.name, level, message, urn: urn ?? rootUrn, name: nameOf(urn ?? rootUrn) });
      const args: StackValidationArgs = { ...common, resources: policyResources(resources) };
      const validateStack = policy.validateStack;
      await attempt(undefined, () => validateStack(args, report));
    }
  }
  return run;
}

// ---------------------------------------------------------------- summaries and mutations

/** `[rule, resource name]` pairs of one enforcement level, sorted: what the tests compare. */
export function summary(run: PolicyRun, level: EnforcementLevel): Array<[string, string]> {
  return run.findings
    .filter((finding) => finding.level === level)
    .map((finding): [string, string] => [finding.rule, finding.name])
    .sort((a, b) => (a.join(" ") < b.join(" ") ? -1 : a.join(" ") > b.join(" ") ? 1 : 0));
}

export function undecidedRules(run: PolicyRun): string[] {
  return [...new Set(run.undecided.map((entry) => entry.rule))].sort();
}

/** The single resource of `type` whose name ends with `suffix`. */
export function pick(resources: readonly EngineResource[], type: string, suffix = ""): EngineResource {
  const found = resources.filter((resource) => resource.type === type && resource.name.endsWith(suffix));
  if (found.length !== 1)
    throw new Error(`expected one ${type} named *${suffix}, found ${found.map((r) => r.name).join(", ") || "none"}`);
  return found[0];
}

export function rootOf(resources: readonly EngineResource[]): EngineResource {
  return pick(resources, STACK_TYPE);
}

/** Sets a (top-level) property in both the inputs and the outputs, as a changed program would. */
export function setProp(resource: EngineResource, key: string, value: unknown): void {
  if (value === undefined) {
    delete resource.inputs[key];
    delete resource.outputs[key];
  } else {
    resource.inputs[key] = structuredClone(value);
    resource.outputs[key] = structuredClone(value);
  }
}

/** Rewrites the JSON policy document in `key` (inputs and outputs alike). */
export function editDocument(
  resource: EngineResource,
  edit: (document: { Version?: string; Statement: any[] }) => void,
  key = "policy",
): void {
  const document = JSON.parse(resource.inputs[key]);
  edit(document);
  setProp(resource, key, JSON.stringify(document));
}

export function without(resources: readonly EngineResource[], ...removed: EngineResource[]): EngineResource[] {
  const urns = new Set(removed.map((resource) => resource.urn));
  return resources.filter((resource) => !urns.has(resource.urn));
}

/**
 * A hand-made custom resource. `links` maps an input key to the resources it refers to: their URNs
 * become its propertyDependencies (pass `link: false` to leave them out, as a child of an external
 * or unknown resource would have none).
 */
export function customResource(
  type: string,
  name: string,
  props: Record<string, any>,
  options: { parent?: EngineResource; links?: Record<string, EngineResource[]>; outputs?: Record<string, any> } = {},
): EngineResource {
  const parentTypes = options.parent ? options.parent.urn.split("::")[2].split("$") : [STACK_TYPE];
  const propertyDependencies = Object.fromEntries(
    Object.entries(options.links ?? {}).map(([key, targets]) => [key, targets.map((target) => target.urn)]),
  );
  return {
    urn: urnOf(type, name, parentTypes),
    type,
    name,
    custom: true,
    inputs: structuredClone(props),
    outputs: structuredClone({ ...props, ...options.outputs }),
    parent: options.parent?.urn,
    dependencies: [...new Set(Object.values(propertyDependencies).flat())],
    propertyDependencies,
    opts: policyOptions({}, options.parent?.urn),
  };
}

/** The root stack resource with the given outputs. */
export function stackResource(outputs: Record<string, any>): EngineResource {
  return {
    urn: urnOf(STACK_TYPE, `${PROJECT}-${STACK}`),
    type: STACK_TYPE,
    name: `${PROJECT}-${STACK}`,
    custom: false,
    inputs: {},
    outputs: structuredClone(outputs),
    dependencies: [],
    propertyDependencies: {},
    opts: policyOptions({}, undefined),
  };
}
