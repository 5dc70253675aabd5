/**
 * The few Pulumi CLI calls key rotation makes (`version`, `config get|set`, `preview`, `up`), run in the
 * project directory with the environment the command was given (so PATH, PULUMI_* and AWS_*
 * settings reach the CLI, and tests can put a stand-in `pulumi` first on PATH).
 */
import { spawn } from "node:child_process";
import { UsageError } from "../errors";
import { generationQueryArgs, parseGeneration } from "./rotation";
import { shellCommand } from "../text-format";
import { MIN_PULUMI_VERSION, PULUMI_UPGRADE, pulumiVersionProblem } from "./rotation-safety";
import { PROJECT_ROOT } from "../files";

export interface PulumiCliOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives the live output of long commands (`pulumi up`), for stderr. */
  onOutput?(text: string): void;
}

export interface PulumiRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The last line the CLI printed: its error message. */
export function lastLine(text: string): string {
  return text.trim().split("\n").pop()?.trim() ?? "";
}

export class PulumiCli {
  constructor(private readonly options: PulumiCliOptions) {}

  /** Runs `pulumi args...`; resolves with its exit code, or throws when the CLI cannot be started. */
  run(args: readonly string[], stream = false): Promise<PulumiRun> {
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", [...args], {
        cwd: this.options.cwd ?? PROJECT_ROOT,
        env: this.options.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (text: string) => {
        stdout += text;
        if (stream) this.options.onOutput?.(text);
      });
      child.stderr.setEncoding("utf8").on("data", (text: string) => {
        stderr += text;
        if (stream) this.options.onOutput?.(text);
      });
      child.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") {
          reject(
            new UsageError(`\`${shellCommand("pulumi", args)}\` needs the Pulumi CLI, which is not on PATH`, {
              fix: `install the Pulumi CLI (${MIN_PULUMI_VERSION} or newer), or add --print to see the commands and run them where Pulumi is installed`,
              cause: error,
            }),
          );
        } else {
          reject(
            new UsageError(`cannot run \`${shellCommand("pulumi", args)}\`: ${error.message}`, {
              fix: "check the Pulumi CLI installation",
              cause: error,
            }),
          );
        }
      });
      child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
  }

  /** The stack's keyGeneration; a key that was never set is generation 0 (the settings' default). */
  async keyGeneration(stack: string): Promise<number> {
    const args = generationQueryArgs(stack);
    const result = await this.run(args);
    if (result.code !== 0) {
      if (/not found/i.test(result.stderr)) return 0;
      throw new UsageError(
        `\`${shellCommand("pulumi", args)}\` failed (exit ${result.code}): ${lastLine(result.stderr) || "no message"}`,
        {
          fix: "check the stack name (`pulumi stack ls`) and that you are logged in, or pass --generation N",
        },
      );
    }
    return parseGeneration(result.stdout, `\`${shellCommand("pulumi", args)}\``);
  }

  /** Refuses an engine older than MIN_PULUMI_VERSION (it would ignore replacementTrigger), with the upgrade command. */
  async assertVersion(): Promise<void> {
    const result = await this.run(["version"]);
    if (result.code !== 0) {
      throw new UsageError(
        `\`pulumi version\` failed (exit ${result.code}): ${lastLine(result.stderr) || "no message"}`,
        {
          fix: `check the Pulumi CLI installation (${MIN_PULUMI_VERSION} or newer)`,
        },
      );
    }
    const problem = pulumiVersionProblem(result.stdout);
    const fix = `upgrade the Pulumi CLI to ${MIN_PULUMI_VERSION} or newer: ${PULUMI_UPGRADE}`;
    if (problem) throw new UsageError(`${problem}; nothing was changed`, { fix });
  }
}
