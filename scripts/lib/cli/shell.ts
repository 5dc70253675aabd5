/**
 * The command-line shell shared by every script: builds a commander program from an argv array
 * (so tests need no child process), opens the stack, and turns errors into messages and exit codes.
 * Only this module catches CliErrors; the exit code is set once, by the caller of runCli.
 */
import { setMaxListeners } from "node:events";
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, Option } from "commander";
import { CliError, describeCause, ExitCode, InterruptSignal, UsageError } from "../errors";
import { fromCredentialChain, fromStackKey, ResolvedCredentials } from "../s3/credentials";
import { createS3Client, ObjectStore, S3ConnectionOptions, s3ObjectStore } from "../s3/object-store";
import { EXPORT_OUTPUTS_COMMAND, loadStackOutputs, stackKey } from "../s3/outputs-source";
import { StackOutputs } from "../../../components/stack-outputs";

type CredentialProvider = Parameters<typeof fromCredentialChain>[0];

/** Everything a command touches outside its arguments; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress bars). */
  isTTY: boolean;
  now: () => Date;
  env: NodeJS.ProcessEnv;
  /** Replaces the AWS credential chain (tests). */
  credentialProvider?: CredentialProvider;
  /** Extra S3 client options (tests: short timeouts). */
  s3?: Partial<S3ConnectionOptions>;
  /** Answers a yes/no question on the terminal; absent when not interactive. */
  confirm?: (question: string) => Promise<boolean>;
  /**
   * Calls `handler` on the first SIGINT or SIGTERM until the returned function is called; a second
   * signal then acts as if nobody listened (the process ends at once). Absent: not interruptible.
   */
  onInterrupt?: (handler: (signal: InterruptSignal) => void) => () => void;
}

/** Listens for SIGINT and SIGTERM once: the next signal gets Node's default (the process ends). */
function onProcessInterrupt(handler: (signal: InterruptSignal) => void): () => void {
  const listener = (signal: NodeJS.Signals) => {
    stop();
    handler(signal === "SIGTERM" ? "SIGTERM" : "SIGINT");
  };
  const stop = () => {
    process.off("SIGINT", listener);
    process.off("SIGTERM", listener);
  };
  process.on("SIGINT", listener);
  process.on("SIGTERM", listener);
  return stop;
}

/**
 * Runs `work` with a signal that aborts, with the signal's name as reason, on the first SIGINT or
 * SIGTERM; says on stderr that the command is stopping and cleaning up.
 */
export async function interruptibly<T>(io: CliIo, work: (interruption: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  // Every request in flight listens to this one signal (an upload has dozens at once): no limit, so
  // Node prints no "possible memory leak" warning in the middle of the command's output.
  setMaxListeners(0, controller.signal);
  const stop = io.onInterrupt?.((signal) => {
    io.stderr(
      `\n${signal}: stopping and cleaning up (nothing is left half-published); signal again to quit at once.\n`,
    );
    controller.abort(signal);
  });
  try {
    return await work(controller.signal);
  } finally {
    stop?.();
  }
}

/** Asks on the terminal (stderr, so stdout stays clean); only an explicit yes counts. */
async function askOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await terminal.question(`${question} [y/N] `)).trim());
  } finally {
    terminal.close();
  }
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: Boolean(process.stderr.isTTY),
    now: () => new Date(),
    env: process.env,
    ...(process.stdin.isTTY && process.stderr.isTTY ? { confirm: askOnTerminal } : {}),
    onInterrupt: onProcessInterrupt,
  };
}

/** Options every command that reads the stack takes, with the same meaning everywhere. */
export interface StackOptions {
  stack?: string;
  outputs?: string;
  endpoint?: string;
  bucket?: string;
  region?: string;
}

export function addStackOptions(command: Command): Command {
  return command
    .option("--stack <name>", "read the outputs of this Pulumi stack (`pulumi stack output --json --show-secrets`)")
    .option(
      "--outputs <file>",
      `read the stack outputs from this JSON file instead of the Pulumi CLI (write it with ${EXPORT_OUTPUTS_COMMAND})`,
    )
    .option("--endpoint <url>", "S3-compatible endpoint, path-style (e.g. http://127.0.0.1:4569 for a local server)")
    .option("--bucket <name>", "override the stack's bucket (with --region: use a bucket without stack outputs)")
    .option("--region <region>", "override the bucket's region");
}

export interface OpenedStack {
  outputs: StackOutputs;
  credentials: ResolvedCredentials;
  store: ObjectStore;
  endpoint?: string;
}

/** The --endpoint URL without trailing slashes, or a UsageError naming it. */
export function validateEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined) return undefined;
  try {
    const url = new URL(endpoint);
    if ((url.protocol === "http:" || url.protocol === "https:") && url.search === "" && url.hash === "") {
      return endpoint.replace(/\/+$/, "");
    }
  } catch {
    // reported below
  }
  throw new CliError(`--endpoint ${JSON.stringify(endpoint)} is not an http(s) URL`, ExitCode.usage, {
    fix: "pass the server's base URL, e.g. --endpoint http://127.0.0.1:4569",
  });
}

/** The stack outputs the options name; a warning (an outputs file others can read) goes to stderr. */
export function readStackOutputs(options: StackOptions, io: CliIo): Promise<StackOutputs> {
  return loadStackOutputs({
    stack: options.stack,
    outputsFile: options.outputs,
    bucket: options.bucket,
    region: options.region,
    env: io.env,
    warn: (message) => io.stderr(`warning: ${message}\n`),
  });
}

/**
 * The S3 endpoint a command talks to: --endpoint (validated), else the server a stand-in stack's
 * outputs name (the demo's), else none (AWS).
 */
export function endpointFor(flag: string | undefined, outputs: StackOutputs): string | undefined {
  return flag ?? outputs.endpoint?.replace(/\/+$/, "");
}

/** Reads the stack outputs, picks the signing credentials and connects to the bucket. */
export async function openStack(options: StackOptions, io: CliIo): Promise<OpenedStack> {
  const flag = validateEndpoint(options.endpoint);
  const outputs = await readStackOutputs(options, io);
  const endpoint = endpointFor(flag, outputs);
  const key = stackKey(outputs);
  const credentials = key ? fromStackKey(key) : await fromCredentialChain(io.credentialProvider);
  const connection: S3ConnectionOptions = {
    region: outputs.region,
    credentials: credentials.credentials,
    endpoint,
    ...io.s3,
  };
  const store = s3ObjectStore(createS3Client(connection), outputs.bucketName, connection.callTimeoutMs);
  return { outputs, credentials, store, endpoint };
}

export function writeError(error: unknown, io: CliIo, verbose: boolean): ExitCode {
  if (error instanceof CliError) {
    io.stderr(`error: ${error.message}\n`);
    for (const detail of error.details) io.stderr(`  - ${detail}\n`);
    if (error.fix) io.stderr(`fix: ${error.fix}\n`);
    if (verbose && error.cause) {
      io.stderr(`cause: ${error.cause instanceof Error ? error.cause.stack : describeCause(error.cause)}\n`);
    }
    return error.exitCode;
  }
  // Anything else is a bug or an unexpected AWS/network failure: say so without a stack trace.
  io.stderr(`error: unexpected failure: ${describeCause(error)}\n`);
  io.stderr("fix: run again with --verbose and report the output if it persists\n");
  if (verbose && error instanceof Error) io.stderr(`${error.stack}\n`);
  return ExitCode.aws;
}

/**
 * A command: its definition for commander (name, options, help) and its handler, which parses the
 * options into a request, makes one library call, reports, and returns the exit code.
 */
export interface CliCommand {
  readonly command: Command;
  /** Runs with the options commander parsed (each command types its own); returns the exit code. */
  run(options: never): Promise<number>;
}

/** Builds a command for an I/O (tests pass their own). */
export type CommandFactory = (io: CliIo) => CliCommand;

/**
 * Runs one command with `argv` (the user's arguments, without node and script). Returns the exit
 * code: 0 success, 1 validation, 2 usage, 3 AWS or network.
 */
export async function runCli(
  factory: CommandFactory,
  argv: readonly string[],
  io: CliIo = processIo(),
): Promise<number> {
  const cli = factory(io);
  const command = cli.command;
  let exitCode: number = ExitCode.ok;
  command.action(async (options: Record<string, unknown>) => {
    exitCode = await cli.run(options as never);
  });
  command
    .addOption(new Option("--verbose", "show the cause of errors in full"))
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .showHelpAfterError("(run with --help for usage)");
  const swallowed = optionsNpmTook(command, argv, io.env);
  if (swallowed.length > 0) {
    io.stderr(npmTookOptionsMessage(command.name(), swallowed, io.env));
    return ExitCode.usage;
  }
  try {
    await command.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version"
        ? ExitCode.ok
        : ExitCode.usage;
    }
    return writeError(error, io, argv.includes("--verbose"));
  }
}

/** One of the command's options that npm kept for itself, and the setting that shows it. */
interface TakenOption {
  /** As the user wrote it: `--dry-run`, `--no-check-content`. */
  flag: string;
  /** `npm_config_dry_run` */
  variable: string;
  /** The option takes a value (npm left it behind as a stray argument). */
  takesValue: boolean;
}

/**
 * The environment without npm's own variables (npm_command, npm_lifecycle_event, npm_config_*), for a
 * child that runs the command itself: it is then not under the npm script (or the `npx --yes`) that
 * started its parent, and none of its options reads as one npm took.
 */
export function withoutNpmVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_/i.test(name)));
}

/**
 * Whether the command runs as an npm script (`npm run`, `npm test`...): npm then keeps every option
 * written before `--` and passes it on only as an `npm_config_<name>` variable. Not under npx (`npm
 * exec`), which hands the command every argument after its name.
 */
function underNpmScript(env: NodeJS.ProcessEnv): boolean {
  if (env.npm_command !== undefined) return env.npm_command !== "exec";
  return env.npm_lifecycle_event !== undefined && env.npm_lifecycle_event !== "npx";
}

/**
 * The command's options that npm kept for itself: `npm run revoke-cohort --dry-run -- --cohort X`
 * turns `--dry-run` into `npm_config_dry_run=true` and passes only `--cohort X` on, so the command
 * would act for real. An option counts when npm's variable for it is set (npm exports only values
 * that differ from its defaults; a `--no-` option sets it empty) and the option did not reach the
 * command after `--` as well. Never `--prefix`: npm always sets npm_config_prefix (and takes
 * `--prefix` itself as the folder it works in).
 */
function optionsNpmTook(command: Command, argv: readonly string[], env: NodeJS.ProcessEnv): TakenOption[] {
  if (!underNpmScript(env)) return [];
  const reached = (long: string) => argv.some((arg) => arg === long || arg.startsWith(`${long}=`));
  const taken: TakenOption[] = [];
  for (const option of command.options) {
    const long = option.long;
    if (long === undefined || long === "--prefix") continue;
    const name = long.replace(/^--(no-)?/, "");
    const variable = `npm_config_${name.replace(/-/g, "_")}`;
    const value = env[variable];
    const tookIt = option.negate ? value === "" : value !== undefined && value !== "";
    if (tookIt && !reached(long) && !reached(option.negate ? `--${name}` : `--no-${name}`)) {
      taken.push({ flag: long, variable, takesValue: option.required || option.optional });
    }
  }
  return taken;
}

/** What npm took, where else its variables come from, and how to pass the options. */
function npmTookOptionsMessage(commandName: string, taken: readonly TakenOption[], env: NodeJS.ProcessEnv): string {
  const flags = taken.map(({ flag }) => flag);
  const one = taken.length === 1;
  const script = env.npm_lifecycle_event ?? commandName;
  const origins = taken.map(
    ({ flag, variable }) =>
      `  - ${variable}=${env[variable]}: npm sets it for ${flag} written before -- ` +
      `(or from an .npmrc or an ${variable.toUpperCase()} variable${variable === "npm_config_yes" ? "; an outer npx --yes sets it too" : ""})\n`,
  );
  // A value npm took left its word behind as an argument: show where it goes.
  const example = taken.map(({ flag, takesValue }) => (takesValue ? `${flag} …` : flag)).join(" ");
  return (
    `error: npm took ${flags.join(", ")} as ${one ? "an option" : "options"} of its own, so ${one ? "it" : "they"} never reached ${commandName}: nothing was done\n` +
    origins.join("") +
    `fix: put ${one ? "it" : "them"} after --: npm run ${script} -- ${example} … (npm hands a script only what follows --); ` +
    `if you did not write ${one ? "it" : "them"}, unset the variable${one ? "" : "s"} above\n`
  );
}

/** Runs a command from a script file and sets process.exitCode. */
export function main(factory: CommandFactory, argv: readonly string[] = process.argv.slice(2)): void {
  // The project supports Node.js 20.19+ with the SDK versions it locks; the SDK's notice about its
  // future Node 22 requirement would only clutter every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  runCli(factory, argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.stderr.write(`error: ${describeCause(error)}\n`);
      process.exitCode = ExitCode.aws;
    },
  );
}

/** What exit codes mean; 2, a usage error, means the same for every command. */
export type ExitCodeMeanings = { 0: string } & Partial<Record<1 | 2 | 3 | "130/143", string>>;

/** Notes printed after a command's options: what to know beyond them, then each exit code, one per line. */
export function addHelpNotes(command: Command, notes: readonly string[], exitCodes: ExitCodeMeanings): void {
  const meanings = Object.entries({ 2: "usage error", ...exitCodes }).sort(([a], [b]) => parseInt(a) - parseInt(b));
  const codes = meanings.map(([code, meaning]) => `  ${code.padEnd(8)}${meaning}`);
  command.addHelpText("after", ["", ...notes, "Exit codes:", ...codes, ""].join("\n"));
}

/** A whole-number option's value within [min, max], or a UsageError naming the option, its range and `fix`. */
export function integerOption(name: string, value: string, min: number, max: number, fix: string): number {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, { fix });
  }
  return number;
}
