/**
 * Carrying out a rotation decided in rotation.ts: find the stack's current key generation, check
 * it against the outputs, then either print the Pulumi CLI commands (--print) or run them and read
 * the new outputs back. Shared by rotate-keys and revoke-cohort --rotate.
 */
import { CliIo } from "./cli";
import { UsageError, ValidationError } from "./errors";
import { PulumiCli } from "./pulumi-cli";
import {
  assertGenerationMatches,
  generationQueryArgs,
  KEY_GENERATION_CONFIG_KEY,
  KeySlots,
  keySlotsOf,
  parseGeneration,
  rotationCommandArgs,
  shellCommand,
} from "./rotation";
import { loadStackOutputs, StackOutputs } from "./stack-outputs";

export interface RotationRequest {
  /** --stack: the Pulumi stack the commands act on (required unless printing). */
  stack?: string;
  /** --generation: the stack's current keyGeneration, instead of asking `pulumi config get`. */
  generation?: number;
  /** --print: show the commands instead of running them. */
  print: boolean;
  /** 1: replace the inactive slot's key; 2: replace both keys. */
  rotations: 1 | 2;
  slots: KeySlots;
}

/** A rotation whose generation is known and checked, ready to print or run. */
export interface PreparedRotation {
  request: RotationRequest;
  /** The generation before and after, when known (printing without --stack or --generation: unknown). */
  fromGeneration?: number;
  toGeneration?: number;
  steps: string[][];
  /** The command lines, as printed or run. */
  commands: string[];
}

export interface RotationOutcome extends PreparedRotation {
  printed: boolean;
  /** After a run: the new outputs' key slots (undefined if they could not be read back). */
  newSlots?: KeySlots;
  newOutputs?: StackOutputs;
}

const STACK_PLACEHOLDER = "<stack>";

/** `--generation N`: a usage error when it is not a whole number. */
export function parseGenerationOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseGeneration(value, "--generation");
  } catch (error) {
    throw new UsageError((error as ValidationError).message, { fix: `pass the stack's current ${KEY_GENERATION_CONFIG_KEY}, e.g. --generation 3` });
  }
}

function pulumiFor(io: CliIo): PulumiCli {
  return new PulumiCli({ env: io.env, onOutput: (text) => io.stderr(text) });
}

/**
 * Finds the current generation (--generation, else `pulumi config get` when there is a stack)
 * and checks it against the outputs' active slot, so a stale output file or a pending
 * `config set` is caught before anything changes. Changes nothing.
 */
export async function prepareRotation(request: RotationRequest, io: CliIo): Promise<PreparedRotation> {
  const { stack } = request;
  let fromGeneration = request.generation;
  if (fromGeneration !== undefined) {
    assertGenerationMatches(fromGeneration, request.slots, "--generation");
  } else if (stack !== undefined) {
    fromGeneration = await pulumiFor(io).keyGeneration(stack);
    assertGenerationMatches(fromGeneration, request.slots, `\`${shellCommand("pulumi", generationQueryArgs(stack))}\``);
  }
  const toGeneration = fromGeneration === undefined ? undefined : fromGeneration + request.rotations;
  const steps = rotationCommandArgs(stack ?? STACK_PLACEHOLDER, toGeneration ?? `<n+${request.rotations}>`);
  return { request, fromGeneration, toGeneration, steps, commands: steps.map((args) => shellCommand("pulumi", args)) };
}

/** Prints the commands (--print), or runs them and reads the new outputs back. */
export async function carryOutRotation(prepared: PreparedRotation, io: CliIo): Promise<RotationOutcome> {
  const { request, fromGeneration, toGeneration, steps, commands } = prepared;
  if (request.print) {
    if (toGeneration === undefined) {
      io.stderr(
        `n is the stack's current keyGeneration (\`${shellCommand("pulumi", generationQueryArgs(request.stack ?? STACK_PLACEHOLDER))}\`; absent means 0; ` +
          `slot ${request.slots.active.slot} active means n is ${request.slots.active.slot === "a" ? "even" : "odd"}); pass --generation N or --stack NAME for exact commands.\n`,
      );
    }
    for (const command of commands) io.stdout(`${command}\n`);
    return { ...prepared, printed: true };
  }
  if (request.stack === undefined || fromGeneration === undefined || toGeneration === undefined) {
    throw new UsageError("running the rotation needs --stack NAME (the Pulumi CLI works on a stack)", { fix: "pass --stack NAME, or add --print to see the commands" });
  }
  const stack = request.stack;
  await pulumiFor(io).runSteps(
    steps,
    (line) => io.stderr(`Running: ${line}\n`),
    (failed) =>
      failed === 0
        ? "nothing was changed; fix the cause and run the command again"
        : `keyGeneration is already ${toGeneration}: fix the cause and run \`${commands[1]}\` (not this command again, which would rotate once more); ` +
          `to call it off instead, run \`${shellCommand("pulumi", rotationCommandArgs(stack, fromGeneration)[0])}\``,
  );
  let newOutputs: StackOutputs | undefined;
  let newSlots: KeySlots | undefined;
  try {
    newOutputs = await loadStackOutputs({ stack, env: io.env });
    newSlots = keySlotsOf(newOutputs);
  } catch (error) {
    io.stderr(`warning: the rotation ran, but the new stack outputs could not be read back (${(error as Error).message}); check them with \`pulumi stack output --stack ${stack}\`\n`);
  }
  return { ...prepared, printed: false, newSlots, newOutputs };
}
