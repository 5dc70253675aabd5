/**
 * The tests' one way to run a command of the CLI: in-process with captured output (`run`), or as a
 * real child process through the one command-line entry (`spawnCli`), for the tests that signal,
 * kill or time the process itself.
 */
import { ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { CliIo, CommandFactory, runCli, withoutNpmVariables } from "../../scripts/lib/cli/shell";
import { PROJECT_ROOT } from "../../scripts/lib/files";

/** The one command-line entry; its first argument names the command. */
export const CLI_ENTRY = join(PROJECT_ROOT, "scripts", "chromoscope-private-data.ts");

export interface CommandRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command in-process with captured output; `io` overrides (clock, credentials...). */
export async function run(factory: CommandFactory, argv: string[], io: Partial<CliIo> = {}): Promise<CommandRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(factory, argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    isTTY: false,
    now: () => new Date(),
    env: {},
    ...io,
  });
  return { code, stdout, stderr };
}

export interface CliChild {
  child: ChildProcessWithoutNullStreams;
  /** What the child printed so far. */
  output: { stdout: string; stderr: string };
  /** Resolves with the exit code (null when a signal ended it) and the signal. */
  exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/** Starts `command` with `args` as a child process of the CLI entry, in the project's folder. */
export function spawnCli(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = withoutNpmVariables(process.env),
): CliChild {
  const child = spawn(process.execPath, ["--require", "ts-node/register/transpile-only", CLI_ENTRY, command, ...args], {
    cwd: PROJECT_ROOT,
    env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, output, exited };
}
