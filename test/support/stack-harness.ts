/**
 * Runs the real program (buildStack) under Pulumi mocks for a given set of settings and returns
 * what it registered: every child resource with its resolved inputs and resource options, and the
 * resolved stack outputs. The policy-pack and access-matrix tests use the same harness.
 */
import * as pulumi from "@pulumi/pulumi";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildStack, StackBuildOptions } from "../../components/chromoscope-stack";
import { SIGN_IN_HANDLER_ENTRY } from "../../components/sign-in/function-bundle";
import { ProgramStackOutputs } from "../../components/stack-outputs";
import { resolveSettings, SettingKey, StackSettings } from "../../components/settings";
import { mocksReady, RecordedResource, recordedResources } from "./pulumi-mocks";

export type SettingOverrides = Partial<Record<SettingKey, unknown>>;

export interface SynthesizedResource extends RecordedResource {
  /** Resource options as the component passed them (captured by a transformation). */
  opts: pulumi.CustomResourceOptions;
  /** The type and name of the parent resource. */
  parentType?: string;
  parentName?: string;
}

export interface SynthesizedStack {
  name: string;
  settings: StackSettings;
  /** Child resources of the stack's components, in registration order. */
  resources: SynthesizedResource[];
  /** The components themselves. */
  components: RecordedResource[];
  /** Stack outputs with every Output resolved; absent outputs are left out. */
  outputs: Record<string, unknown>;
  /** The unresolved outputs, to inspect secretness. */
  rawOutputs: ProgramStackOutputs;
}

/** Settings as the Pulumi CLI would hand them over: strings, arrays as JSON. */
export function settingsFrom(overrides: SettingOverrides): StackSettings {
  return resolveSettings((key) => {
    const value = overrides[key];
    if (value === undefined) return undefined;
    return Array.isArray(value) ? JSON.stringify(value) : String(value);
  });
}

export function resolved<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

async function resolveOutputs(outputs: ProgramStackOutputs): Promise<Record<string, unknown>> {
  const entries = await Promise.all(
    Object.entries(outputs).map(
      async ([key, value]: [string, unknown]) => [key, await resolved(pulumi.output(value))] as const,
    ),
  );
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

let counter = 0;

let standInEntry: string | undefined;
/**
 * The sign-in function's entry the program bundles: the project's handler, or, while that file does
 * not exist yet in this checkout, a minimal stand-in written once to a temporary folder.
 */
export function signInHandlerEntry(): string {
  if (existsSync(SIGN_IN_HANDLER_ENTRY)) return SIGN_IN_HANDLER_ENTRY;
  if (standInEntry === undefined) {
    standInEntry = join(mkdtempSync(join(tmpdir(), "sign-in-handler-")), "lambda-handler.ts");
    writeFileSync(standInEntry, "export async function handler() {\n  return { statusCode: 503 };\n}\n");
  }
  return standInEntry;
}

/**
 * Builds the stack for `overrides` with a unique resource-name prefix so that several variants
 * can live in one mocked process, and waits until every declared child resource reached the mock.
 */
export async function synthesize(
  overrides: SettingOverrides = {},
  label = "stack",
  build: StackBuildOptions = { signInHandlerEntry: signInHandlerEntry() },
): Promise<SynthesizedStack> {
  await mocksReady;
  const settings = settingsFrom(overrides);
  const name = `${label}${++counter}`;
  const declared = new Map<string, { opts: pulumi.CustomResourceOptions; parentType?: string; parentName?: string }>();
  const capture: pulumi.ResourceTransformation = (args) => {
    const parent = args.opts.parent as { __pulumiType?: string; __name?: string } | undefined;
    declared.set(`${args.type}::${args.name}`, {
      opts: args.opts,
      parentType: parent?.__pulumiType,
      parentName: parent?.__name,
    });
    return undefined;
  };
  const rawOutputs = buildStack(settings, name, { transformations: [capture] }, build);
  const outputs = await resolveOutputs(rawOutputs);

  const ownedBy = (resource: RecordedResource) => resource.name === name || resource.name.startsWith(`${name}-`);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const seen = new Set(recordedResources.filter(ownedBy).map((resource) => `${resource.type}::${resource.name}`));
    if ([...declared.keys()].every((key) => seen.has(key))) break;
    if (Date.now() > deadline) {
      const missing = [...declared.keys()].filter((key) => !seen.has(key));
      throw new Error(`resources never reached the mock monitor: ${missing.join(", ")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const mine = recordedResources.filter(ownedBy);
  // A resource created without `parent: this` escapes the transformation: it stays in the list with
  // empty options and no parent, so the structure tests see it.
  const resources = mine
    .filter((resource) => resource.custom)
    .map((resource) => ({ opts: {}, ...resource, ...declared.get(`${resource.type}::${resource.name}`) }));
  const components = mine.filter((resource) => !resource.custom);
  return { name, settings, resources, components, outputs, rawOutputs };
}

/** Resources of one type, e.g. "aws:s3/bucket:Bucket". */
export function ofType(stack: SynthesizedStack, type: string): SynthesizedResource[] {
  return stack.resources.filter((resource) => resource.type === type);
}

/** The single resource of a type whose name ends with `suffix`; throws when there is not exactly one. */
export function single(stack: SynthesizedStack, type: string, suffix: string): SynthesizedResource {
  const found = ofType(stack, type).filter((resource) => resource.name.endsWith(suffix));
  if (found.length !== 1)
    throw new Error(`expected one ${type} named *${suffix}, found ${found.map((r) => r.name).join(", ") || "none"}`);
  return found[0];
}
