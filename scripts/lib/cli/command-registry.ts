/**
 * Every command of `chromoscope-private-data <command>`, loaded only when asked for: listing the
 * commands or running one never loads the others (nor the AWS SDK parts only they need). The
 * shipped commands live in ./commands; the demo and the benchmarks, which run the embedded S3
 * server, in ../dev/commands.
 */
import { Command } from "commander";
import { ExitCode } from "../errors";
import { printable } from "../naming";
import { closestWord } from "../text-format";
import { COMMAND_LIST, CommandName } from "./command-list";
import { CommandFactory, main, processIo } from "./shell";

export interface CommandEntry {
  readonly name: CommandName;
  /** One line for the command list. */
  readonly summary: string;
  /** Development only (not part of the shipped tool's workflow). */
  readonly development?: boolean;
  load(): CommandFactory;
}

/*
 * Each loader names its module and export literally, so a rename fails the type-check and
 * go-to-definition finds the command; `require` runs only when the command does, which keeps every
 * other command's module graph (and the AWS SDK parts only it needs) out of the start-up.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, see above */
const LOADERS: { readonly [name in CommandName]: () => CommandFactory } = {
  demo: () => (require("../dev/commands/demo-command") as typeof import("../dev/commands/demo-command")).demoCommand,
  "upload-cohort": () =>
    (require("./commands/upload-cohort-command") as typeof import("./commands/upload-cohort-command"))
      .uploadCohortCommand,
  "publish-cohort": () =>
    (require("./commands/publish-cohort-command") as typeof import("./commands/publish-cohort-command"))
      .publishCohortCommand,
  cohorts: () => (require("./commands/cohorts-command") as typeof import("./commands/cohorts-command")).cohortsCommand,
  "refresh-cohort": () =>
    (require("./commands/refresh-cohort-command") as typeof import("./commands/refresh-cohort-command"))
      .refreshCohortCommand,
  "revoke-cohort": () =>
    (require("./commands/revoke-cohort-command") as typeof import("./commands/revoke-cohort-command"))
      .revokeCohortCommand,
  "grant-cohort": () =>
    (require("./commands/grant-cohort-command") as typeof import("./commands/grant-cohort-command")).grantCohortCommand,
  "add-reader": () =>
    (require("./commands/add-reader-command") as typeof import("./commands/add-reader-command")).addReaderCommand,
  "remove-reader": () =>
    (require("./commands/remove-reader-command") as typeof import("./commands/remove-reader-command"))
      .removeReaderCommand,
  "rotate-keys": () =>
    (require("./commands/rotate-keys-command") as typeof import("./commands/rotate-keys-command")).rotateKeysCommand,
  doctor: () => (require("./commands/doctor-command") as typeof import("./commands/doctor-command")).doctorCommand,
  "access-report": () =>
    (require("./commands/access-report-command") as typeof import("./commands/access-report-command"))
      .accessReportCommand,
  bench: () =>
    (require("../dev/commands/bench-command") as typeof import("../dev/commands/bench-command")).benchCommand,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const COMMANDS: readonly CommandEntry[] = COMMAND_LIST.map((entry) => ({ ...entry, load: LOADERS[entry.name] }));

export const PROGRAM_NAME = "chromoscope-private-data";

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((entry) => entry.name === name);
}

/** A command's definition (options, help), built with an I/O that prints nothing, for reading it. */
export function commandDefinition(name: string): Command {
  const entry = findCommand(name);
  if (entry === undefined) throw new Error(`no command ${name}`);
  const quietIo = { stdout: () => undefined, stderr: () => undefined, isTTY: false, now: () => new Date(), env: {} };
  return entry.load()(quietIo).command;
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
