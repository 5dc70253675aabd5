/**
 * What the deployed stack says about its key generations, read through a StackReference to itself
 * before any resource is declared, and whether the requested keyGeneration may be deployed over it.
 */
import * as pulumi from "@pulumi/pulumi";
import { KeySlot } from "../../policy/documents/limits";
import { StackSettings } from "../settings";
import {
  KEY_GENERATION_OUTPUT,
  KEY_SLOT_OUTPUTS,
  keyGenerationProblem,
  unrecordedGenerationProblem,
} from "./key-generation";
import { BackendFacts, selfReferenceName, stateBackend } from "./state-backend";

/** What the deployed stack says about its keys: no key slots, key slots without a recorded generation, or its generation. */
export type DeployedKeys =
  { kind: "none" } | { kind: "unrecorded"; activeKeySlot?: KeySlot } | { kind: "recorded"; generation: number };

/** A stack output's value whether or not it is marked secret (getOutputDetails puts a secret's in secretValue). */
async function outputValue(reference: pulumi.StackReference, name: string): Promise<unknown> {
  const details = await reference.getOutputDetails(name);
  return details.value ?? details.secretValue;
}

/** The program's reference to its own deployed stack, and the name it took. */
export interface SelfReference {
  reference: pulumi.StackReference;
  /** The stack's name on its backend, for messages. */
  self: string;
}

/**
 * A StackReference to the stack itself under the name its backend takes (state-backend.ts); one per
 * program, shared by every guard that reads the deployed outputs.
 */
export function selfReference(
  referenceName: string,
  backend: BackendFacts = stateBackend({ env: process.env, projectDir: process.cwd() }),
): SelfReference {
  const self = selfReferenceName(backend, {
    organization: backend.layout === "project" ? "organization" : pulumi.getOrganization(),
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
  });
  return { reference: new pulumi.StackReference(referenceName, { name: self }), self };
}

/**
 * A generation output of the deployed stack (secret or not); undefined when it does not export it
 * (a first deployment, or one made before the output existed).
 */
export async function deployedGeneration(
  { reference, self }: SelfReference,
  output: string,
): Promise<number | undefined> {
  const value = await outputValue(reference, output);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new pulumi.RunError(
      `the deployed stack ${self} exports ${output} ${JSON.stringify(value)}, which is not a generation: fix or remove that output`,
    );
  }
  return value;
}

/** What the deployed stack says about its access keys. */
export async function deployedKeys(deployed: SelfReference): Promise<DeployedKeys> {
  const generation = await deployedGeneration(deployed, KEY_GENERATION_OUTPUT);
  if (generation !== undefined) return { kind: "recorded", generation };
  const [activeKeySlot, accessKeys] = await Promise.all(
    KEY_SLOT_OUTPUTS.map((name) => outputValue(deployed.reference, name)),
  );
  if ((activeKeySlot === undefined || activeKeySlot === null) && (accessKeys === undefined || accessKeys === null)) {
    return { kind: "none" };
  }
  return activeKeySlot === "a" || activeKeySlot === "b"
    ? { kind: "unrecorded", activeKeySlot }
    : { kind: "unrecorded" };
}

/** Why the requested generation must not be deployed over `deployed`, or undefined. */
export function deployedKeysProblem(settings: StackSettings, deployed: DeployedKeys): string | undefined {
  switch (deployed.kind) {
    case "none":
      return undefined;
    case "unrecorded":
      return unrecordedGenerationProblem(
        settings.keyGeneration,
        deployed.activeKeySlot,
        settings.allowKeyGenerationJump,
      );
    case "recorded":
      return keyGenerationProblem(settings.keyGeneration, deployed.generation, settings.allowKeyGenerationJump);
  }
}
