/**
 * Every command of `chromoscope-private-data <command>`, loaded only when asked for: listing the
 * commands or running one never loads the others (nor the AWS SDK parts only they need).
 */
import { ExitCode } from "../errors";
import { CommandFactory, main, processIo } from "./shell";

export interface CommandEntry {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Development only (not part of the shipped tool's workflow). */
  readonly development?: boolean;
  load(): CommandFactory;
}

// `require` keeps each command's module graph out of the start-up of every other command.
/* eslint-disable @typescript-eslint/no-require-imports */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "demo",
    summary: "run the whole flow on this machine: embedded S3 server, example cohort, publish, verified links",
    load: () => (require("./commands/demo-command") as typeof import("./commands/demo-command")).demoCommand,
  },
  {
    name: "publish-cohort",
    summary: "presign a cohort's files, publish its Chromoscope config privately, print the link",
    load: () => (require("./commands/publish-cohort-command") as typeof import("./commands/publish-cohort-command")).publishCohortCommand,
  },
  {
    name: "cohorts",
    summary: "list published cohorts from the ledger: live, expired, revoked or dead",
    load: () => (require("./commands/cohorts-command") as typeof import("./commands/cohorts-command")).cohortsCommand,
  },
  {
    name: "refresh-cohort",
    summary: "publish a cohort again from its recorded inputs, with fresh links",
    load: () => (require("./commands/refresh-cohort-command") as typeof import("./commands/refresh-cohort-command")).refreshCohortCommand,
  },
  {
    name: "revoke-cohort",
    summary: "withdraw a cohort: delete its configs (and, with --rotate, the keys that signed its links)",
    load: () => (require("./commands/revoke-cohort-command") as typeof import("./commands/revoke-cohort-command")).revokeCohortCommand,
  },
  {
    name: "rotate-keys",
    summary: "replace the presigner's inactive access key when no live link needs it",
    load: () => (require("./commands/rotate-keys-command") as typeof import("./commands/rotate-keys-command")).rotateKeysCommand,
  },
  {
    name: "doctor",
    summary: "check a deployed stack and your credentials before sharing links",
    load: () => (require("./commands/doctor-command") as typeof import("./commands/doctor-command")).doctorCommand,
  },
  {
    name: "bench",
    summary: "measure signing and publishing speed against baselines (development)",
    development: true,
    load: () => (require("../dev/bench/bench-command") as typeof import("../dev/bench/bench-command")).benchCommand,
  },
];
/* eslint-enable @typescript-eslint/no-require-imports */

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
    (name === undefined ? io.stderr : io.stdout)(usage());
    process.exitCode = name === undefined ? ExitCode.usage : ExitCode.ok;
    return;
  }
  const entry = findCommand(name);
  if (!entry) {
    io.stderr(`error: unknown command ${JSON.stringify(name)}\nfix: use one of: ${COMMANDS.map((command) => command.name).join(", ")}\n`);
    process.exitCode = ExitCode.usage;
    return;
  }
  main(entry.load(), rest);
}
