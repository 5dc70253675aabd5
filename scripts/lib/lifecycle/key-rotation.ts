/**
 * Carrying out a rotation decided in rotation.ts: find the stack's current key generation, check
 * it against the outputs, then either print the safe sequence of Pulumi CLI commands (--print) or
 * run it and prove it worked. Shared by rotate-keys and revoke-cohort --rotate.
 *
 * Each rotation is one +1 step (the program refuses any other jump), and each step is:
 * `config set` the next generation → `preview --json`, refused (the generation set back) unless it
 * replaces the rotated slot's key and nothing else → `up --yes` → read the outputs back and verify
 * that the rotated slot's key id changed and the other's did not (rotation-safety.ts). A
 * two-rotation runs two such steps. The engine's version is checked first of all.
 */
import { KeySlot } from "../../../policy/documents/limits";
import { AwsError, UsageError, ValidationError } from "../errors";
import { lastLine, PulumiCli } from "./pulumi-cli";
import {
  accessKeysOutputArgs,
  assertGenerationMatches,
  generationQueryArgs,
  generationSetArgs,
  KEY_GENERATION_CONFIG_KEY,
  KeySlots,
  keySlotsOf,
  parseGeneration,
  previewArgs,
  SlotKey,
  upArgs,
} from "./rotation";
import { judgeRotationPreview, MIN_PULUMI_VERSION, previewErrors, rotationProblems } from "./rotation-safety";
import { loadStackOutputs } from "../s3/outputs-source";
import { shellCommand } from "../text-format";
import { StackOutputs } from "../../../components/stack-outputs";

export interface RotationRequest {
  /** --stack: the Pulumi stack the commands act on (required unless printing). */
  stack?: string;
  /** --generation: the stack's current keyGeneration, instead of asking `pulumi config get`. */
  generation?: number;
  /** The outputs' keyGeneration: the deployed generation (absent in outputs of older deployments). */
  deployedGeneration?: number;
  /** --print: show the commands instead of running them. */
  print: boolean;
  /** 1: replace the inactive slot's key; 2: replace both keys, one step at a time. */
  rotations: 1 | 2;
  slots: KeySlots;
}

/** One +1 step: the slot whose key it replaces, and the generations it moves between. */
export interface RotationStep {
  from: number | string;
  to: number | string;
  slot: KeySlot;
}

/** A rotation whose generation is known and checked, ready to print or run. */
export interface PreparedRotation {
  request: RotationRequest;
  /** The generation before and after, when known (printing without --stack or --generation: unknown). */
  fromGeneration?: number;
  toGeneration?: number;
  steps: RotationStep[];
  /** The command lines, as printed. */
  commands: string[];
}

export interface RotationOutcome extends PreparedRotation {
  printed: boolean;
  /** After a run: the new outputs' key slots, verified. */
  newSlots?: KeySlots;
  newOutputs?: StackOutputs;
}

/** A step being run: its generations are known. */
type NumericStep = RotationStep & { from: number; to: number };

const STACK_PLACEHOLDER = "<stack>";

/** `--generation N`: a usage error when it is not a whole number. */
export function parseGenerationOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseGeneration(value, "--generation");
  } catch (error) {
    throw new UsageError((error as ValidationError).message, {
      fix: `pass the stack's current ${KEY_GENERATION_CONFIG_KEY}, e.g. --generation 3`,
    });
  }
}

/** What a rotation needs of the command line: where to write, and the Pulumi CLI's environment. */
export interface RotationIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

function pulumiFor(io: RotationIo): PulumiCli {
  return new PulumiCli({ env: io.env, onOutput: (text) => io.stderr(text) });
}

function keyOf(slots: KeySlots, slot: KeySlot): SlotKey {
  return slots.active.slot === slot ? slots.active : slots.inactive;
}

function otherSlot(slot: KeySlot): KeySlot {
  return slot === "a" ? "b" : "a";
}

/** The steps: the inactive slot first, then (two rotations) the slot that was active. */
function planSteps(from: number | undefined, rotations: 1 | 2, slots: KeySlots): RotationStep[] {
  const generation = (offset: number) =>
    from === undefined ? (offset === 0 ? "<n>" : `<n+${offset}>`) : from + offset;
  const order = [slots.inactive.slot, slots.active.slot].slice(0, rotations);
  return order.map((slot, index) => ({ from: generation(index), to: generation(index + 1), slot }));
}

/** The safe sequence a person runs for `--print`: each command, with what to check as a shell comment. */
function printedCommands(stack: string, steps: readonly RotationStep[], slots: KeySlots): string[] {
  const lines = [
    `pulumi version  # must be ${MIN_PULUMI_VERSION} or newer: older engines ignore replacementTrigger and replace no key`,
  ];
  steps.forEach((step, index) => {
    const other = otherSlot(step.slot);
    const kept = index === 0 ? `still be ${keyOf(slots, other).accessKeyId}` : "be the key the step before created";
    lines.push(
      shellCommand("pulumi", generationSetArgs(stack, step.to)),
      `${shellCommand("pulumi", previewArgs(stack, "diff"))}  # must replace slot ${step.slot}'s access key (...-key-${step.slot}) and change nothing else; ` +
        `otherwise stop and run: ${shellCommand("pulumi", generationSetArgs(stack, step.from))}`,
      shellCommand("pulumi", upArgs(stack)),
      `${shellCommand("pulumi", accessKeysOutputArgs(stack))}  # slot ${step.slot}'s accessKeyId must differ from ${keyOf(slots, step.slot).accessKeyId}; ` +
        `slot ${other}'s must ${kept}`,
    );
  });
  return lines;
}

/**
 * Checks the engine (unless printing), finds the current generation (--generation, else `pulumi
 * config get` when there is a stack) and checks it against the outputs, so a stale output file or
 * a pending `config set` is caught before anything changes. Changes nothing.
 */
export async function prepareRotation(request: RotationRequest, io: RotationIo): Promise<PreparedRotation> {
  const { stack } = request;
  if (!request.print && stack !== undefined) await pulumiFor(io).assertVersion();
  let fromGeneration = request.generation;
  if (fromGeneration !== undefined) {
    assertGenerationMatches(fromGeneration, request.slots, "--generation", request.deployedGeneration);
  } else if (stack !== undefined) {
    fromGeneration = await pulumiFor(io).keyGeneration(stack);
    assertGenerationMatches(
      fromGeneration,
      request.slots,
      `\`${shellCommand("pulumi", generationQueryArgs(stack))}\``,
      request.deployedGeneration,
    );
  }
  const toGeneration = fromGeneration === undefined ? undefined : fromGeneration + request.rotations;
  const steps = planSteps(fromGeneration, request.rotations, request.slots);
  return {
    request,
    fromGeneration,
    toGeneration,
    steps,
    commands: printedCommands(stack ?? STACK_PLACEHOLDER, steps, request.slots),
  };
}

/** Prints the safe sequence (--print), or runs it step by step, each step verified. */
export async function carryOutRotation(prepared: PreparedRotation, io: RotationIo): Promise<RotationOutcome> {
  const { request, fromGeneration, toGeneration } = prepared;
  if (request.print) {
    if (toGeneration === undefined) {
      io.stderr(
        `n is the stack's current keyGeneration (\`${shellCommand("pulumi", generationQueryArgs(request.stack ?? STACK_PLACEHOLDER))}\`; absent means 0; ` +
          `slot ${request.slots.active.slot} active means n is ${request.slots.active.slot === "a" ? "even" : "odd"}); pass --generation N or --stack NAME for exact commands.\n`,
      );
    }
    for (const command of prepared.commands) io.stdout(`${command}\n`);
    return { ...prepared, printed: true };
  }
  if (request.stack === undefined || fromGeneration === undefined || toGeneration === undefined) {
    throw new UsageError("running the rotation needs --stack NAME (the Pulumi CLI works on a stack)", {
      fix: "pass --stack NAME, or add --print to see the commands",
    });
  }
  const run = new StepRunner(pulumiFor(io), request.stack, io);
  let slots = request.slots;
  let outputs: StackOutputs | undefined;
  for (const [index, { slot }] of prepared.steps.entries()) {
    const step = { from: fromGeneration + index, to: fromGeneration + index + 1, slot };
    const done =
      index === 0
        ? ""
        : `rotation ${index} of ${prepared.steps.length} is done and verified (keyGeneration ${step.from}); `;
    ({ slots, outputs } = await run.step(step, slots, done));
  }
  return { ...prepared, printed: false, newSlots: slots, newOutputs: outputs };
}

/** Runs the Pulumi CLI for one step at a time on one stack, saying what it runs on stderr. */
class StepRunner {
  constructor(
    private readonly cli: PulumiCli,
    private readonly stack: string,
    private readonly io: RotationIo,
  ) {}

  private command(args: readonly string[]): string {
    return shellCommand("pulumi", args);
  }

  /** The `pulumi up` command line, for messages. */
  private get up(): string {
    return this.command(upArgs(this.stack));
  }

  private async run(args: string[], stream = false) {
    this.io.stderr(`Running: ${this.command(args)}\n`);
    return this.cli.run(args, stream);
  }

  /** Sets the generation back after a refused preview; the fix to add when that fails too. */
  private async restore(from: number): Promise<string> {
    const args = generationSetArgs(this.stack, from);
    const result = await this.run(args);
    return result.code === 0
      ? `keyGeneration was set back to ${from}`
      : `setting keyGeneration back failed too: run \`${this.command(args)}\``;
  }

  async step(step: NumericStep, before: KeySlots, done: string): Promise<{ slots: KeySlots; outputs: StackOutputs }> {
    const { stack } = this;
    const set = await this.run(generationSetArgs(stack, step.to));
    if (set.code !== 0) {
      throw new AwsError(
        `\`${this.command(generationSetArgs(stack, step.to))}\` failed (exit ${set.code}): ${lastLine(set.stderr) || "no message"}`,
        {
          fix: `${done}nothing else was changed; fix the cause and run the command again`,
        },
      );
    }
    await this.preview(step);
    const up = await this.run(upArgs(stack), true);
    if (up.code !== 0) {
      throw new AwsError(
        `\`${this.up}\` failed (exit ${up.code}): ${lastLine(up.stderr) || lastLine(up.stdout) || "no message"}`,
        {
          fix:
            `${done}keyGeneration is already ${step.to}: fix the cause and run \`${this.up}\` (not this command again, which would rotate once more); ` +
            `to call it off instead, run \`${this.command(generationSetArgs(stack, step.from))}\``,
        },
      );
    }
    return this.verify(step, before, done);
  }

  /** Runs `preview --json` and refuses, setting the generation back, unless it replaces the slot's key and nothing else. */
  private async preview(step: NumericStep): Promise<void> {
    const args = previewArgs(this.stack, "json");
    const result = await this.run(args);
    let digest: unknown;
    try {
      digest = JSON.parse(result.stdout);
    } catch {
      digest = undefined;
    }
    if (result.code !== 0 || digest === undefined) {
      const why =
        previewErrors(digest)[0] ??
        (lastLine(result.stderr) || (result.code === 0 ? "it printed no JSON" : "no message"));
      const restored = await this.restore(step.from);
      throw new AwsError(`\`${this.command(args)}\` failed (exit ${result.code}): ${why}`, {
        fix: `${restored}; fix the cause and run the command again`,
      });
    }
    const judged = judgeRotationPreview(digest, step.slot);
    if (judged.unexpected.length > 0) {
      const restored = await this.restore(step.from);
      throw new ValidationError(
        `the update would change more than slot ${step.slot}'s access key: refused, so no key was rotated`,
        {
          details: judged.unexpected,
          fix:
            `${restored}. Those changes are pending on the stack (config, program or drift): ` +
            `review them with \`${this.command(previewArgs(this.stack, "diff"))}\`, ` +
            "apply or undo them, then run this command again",
        },
      );
    }
    if (!judged.replacesSlot) {
      const restored = await this.restore(step.from);
      throw new AwsError(
        `the preview does not replace slot ${step.slot}'s access key: the engine would not rotate it`,
        {
          fix: `${restored}; check that \`pulumi version\` is ${MIN_PULUMI_VERSION} or newer and that the program sets replacementTrigger on the key slots`,
        },
      );
    }
    this.io.stderr(`Preview: replaces slot ${step.slot}'s access key and changes nothing else.\n`);
  }

  /** Reads the outputs back: the rotated slot's key changed, the other's did not; else exit 3. */
  private async verify(
    step: NumericStep,
    before: KeySlots,
    done: string,
  ): Promise<{ slots: KeySlots; outputs: StackOutputs }> {
    const inspect = `\`${this.command(accessKeysOutputArgs(this.stack))}\``;
    let outputs: StackOutputs;
    let after: KeySlots;
    try {
      outputs = await loadStackOutputs({ stack: this.stack, env: this.io.env });
      after = keySlotsOf(outputs);
    } catch (error) {
      throw new AwsError(
        `\`pulumi up\` ran, but the new stack outputs could not be read back (${(error as Error).message}), so the rotation is not verified`,
        {
          fix: `${done}check the keys with ${inspect} before publishing: slot ${step.slot}'s key must be new, the other unchanged`,
          cause: error,
        },
      );
    }
    const problems = rotationProblems(before, after, step.slot);
    if (problems.length > 0) {
      throw new AwsError(
        `the engine did not rotate as asked (keyGeneration is now ${step.to}): ${problems.join("; ")}`,
        {
          fix:
            `${done}do not rely on the rotation: inspect ${inspect} and \`${this.command(previewArgs(this.stack, "diff"))}\`, check that \`pulumi version\` is ` +
            `${MIN_PULUMI_VERSION} or newer, and list the live links the keys signed with \`npm run cohorts\``,
        },
      );
    }
    const [was, now] = [keyOf(before, step.slot), keyOf(after, step.slot)];
    const kept = keyOf(after, otherSlot(step.slot));
    const replaced = `slot ${step.slot}'s key was replaced (${was.accessKeyId} → ${now.accessKeyId})`;
    this.io.stderr(`Verified: ${replaced}; slot ${kept.slot}'s key ${kept.accessKeyId} is unchanged.\n`);
    return { slots: after, outputs };
  }
}
