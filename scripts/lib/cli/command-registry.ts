/**
 * Every command of `chromoscope-private-data <command>`, loaded only when asked for: listing the
 * commands or running one never loads the others (nor the AWS SDK parts only they need).
 */
import { ExitCode } from "../errors";
import { printable } from "../naming";
import { closestWord } from "../text-format";
import { CommandFactory, main, processIo } from "./shell";

export interface CommandEntry {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Development only (not part of the shipped tool's workflow). */
  readonly development?: boolean;
  load(): CommandFactory;
}

/** Every command and its line in the command list, in the order the list shows them. */
const SUMMARIES = {
  demo: "run the whole flow on this machine: embedded S3 server, example cohort, publish, verified links",
  "upload-cohort":
    "upload a local folder's files under a data prefix (resumable inside a file, checksums S3 validates), optionally writing the manifest",
  "publish-cohort": "presign a cohort's files, publish its Chromoscope config privately, print the link",
  cohorts: "list published cohorts from the ledger: live, expired, revoked or dead",
  "refresh-cohort": "publish a cohort again from its recorded inputs, with fresh links",
  "revoke-cohort": "withdraw a cohort: delete its configs (and, with --rotate, the keys that signed its links)",
  "grant-cohort": "on a sign-in stack: let the people of a group open a cohort",
  "add-reader": "on a sign-in stack with its own user pool: invite a person by email into a group",
  "remove-reader": "on a sign-in stack with its own user pool: take a person out of a group, or out of the pool",
  "rotate-keys": "replace the presigner's inactive access key when no live link needs it",
  doctor: "check a deployed stack and your credentials before sharing links",
  "access-report": "who read what: the bucket's access logs of a period, per publication, with flags",
  bench: "measure signing and publishing speed against baselines (development)",
} as const;

/** The one command that lives with the development tools rather than in ./commands. */
const BENCH_MODULE = "../dev/bench/bench-command";

/**
 * Loads a command's module only when it runs: `require` keeps every other command's module graph
 * (and the AWS SDK parts only it needs) out of the start-up. `publish-cohort` is
 * `./commands/publish-cohort-command`, exporting `publishCohortCommand`.
 */
function loadCommand(name: string): CommandFactory {
  const path = name === "bench" ? BENCH_MODULE : `./commands/${name}-command`;
  const exportName = `${name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase())}Command`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, see above
  const factory = (require(path) as Record<string, unknown>)[exportName];
  if (typeof factory !== "function") throw new Error(`${path} does not export ${exportName}`);
  return factory as CommandFactory;
}

export const COMMANDS: readonly CommandEntry[] = Object.entries(SUMMARIES).map(([name, summary]) => ({
  name,
  summary,
  development: name === "bench",
  load: () => loadCommand(name),
}));

export const PROGRAM_NAME = "chromoscope-private-data";

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((entry) => entry.name === name);
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((entry) => entry.name.length));
  const lines = COMMANDS.map((entry) => `  ${entry.name.padEnd(width)}  ${entry.summary}`);
  return (
    `Usage: ${PROGRAM_NAME} <command> [options]\n\n` +
    `Keep tumour data in a private S3 bucket and share it in Chromoscope through time-limited presigned URLs.\n\n` +
    `Commands:\n${lines.join("\n")}\n\n` +
    `Run \`${PROGRAM_NAME} <command> --help\` for a command's options (npm scripts: \`npm run <command> -- --help\`).\n`
  );
}

/** Runs `<command> [options]` from the command line and sets process.exitCode. */
export function runFromArgv(argv: readonly string[]): void {
  const [name, ...rest] = argv;
  const io = processIo();
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    if (name === undefined) io.stderr(usage());
    else io.stdout(usage());
    process.exitCode = name === undefined ? ExitCode.usage : ExitCode.ok;
    return;
  }
  const entry = findCommand(name);
  if (!entry) {
    const names = COMMANDS.map((command) => command.name);
    const meant = closestWord(name, names);
    io.stderr(
      `error: unknown command ${printable(name)}${meant ? `: did you mean ${meant}?` : ""}\nfix: use one of: ${names.join(", ")}\n`,
    );
    process.exitCode = ExitCode.usage;
    return;
  }
  main(entry.load(), rest);
}
