/**
 * Start-up: `chromoscope-private-data <command> --help`, spawn to exit, for every command, against a
 * bare `node -e 0` timed in the same rounds; and, for comparison, the TypeScript entry run through
 * ts-node (how the npm scripts started before the compiled entry).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { COMMAND_LIST } from "../../cli/command-list";
import { withoutNpmVariables } from "../../cli/shell";
import { PROJECT_ROOT } from "../../files";
import { interleavedTimings, RepeatOptions } from "./measure";

export const BIN = join(PROJECT_ROOT, "bin", "chromoscope-private-data.js");
const TYPESCRIPT_ENTRY = join(PROJECT_ROOT, "scripts", "chromoscope-private-data.ts");

export interface StartupRow {
  /** What ran after the entry: "--help" or "<command> --help". */
  args: string;
  seconds: number;
  runs: number;
  /** seconds ÷ the bare Node start. */
  ratio: number;
}

export interface StartupBenchResult {
  baselineSeconds: number;
  /** False when the entry ran the sources through ts-node (dist/ missing or stale): figures say little. */
  compiled: boolean;
  rows: StartupRow[];
  /** `publish-cohort --help` through ts-node, the TypeScript entry. */
  tsNode: { seconds: number; runs: number; ratio: number };
}

function run(args: readonly string[]): string {
  // What is timed is the command, not the npm script (`npm run bench`, an outer `npx --yes`) around the bench.
  const env = withoutNpmVariables(process.env);
  const result = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, encoding: "utf8", env });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  return result.stderr;
}

export async function benchStartup(
  options: { log?: (line: string) => void; repeat?: RepeatOptions } = {},
): Promise<StartupBenchResult> {
  const compiled = !run([BIN, "--help"]).includes("ts-node");
  const argLists = [["--help"], ...COMMAND_LIST.map((command) => [command.name, "--help"])];
  options.log?.(`start-up section: node -e 0 and ${argLists.length} --help runs per round...`);
  const repeat = options.repeat ?? { maxRounds: 7, budgetSeconds: 20 };
  const [baseline, ...timings] = await interleavedTimings(
    [() => run(["-e", "0"]), ...argLists.map((args) => () => run([BIN, ...args]))],
    repeat,
  );
  const tsNodeArgs = ["--require", "ts-node/register/transpile-only", TYPESCRIPT_ENTRY, "publish-cohort", "--help"];
  const [tsNode] = await interleavedTimings([() => run(tsNodeArgs)], { maxRounds: 3, budgetSeconds: 6 });
  return {
    baselineSeconds: baseline.seconds,
    compiled,
    rows: timings.map((timing, index) => ({
      args: argLists[index].join(" "),
      seconds: timing.seconds,
      runs: timing.runs,
      ratio: timing.seconds / baseline.seconds,
    })),
    tsNode: { ...tsNode, ratio: tsNode.seconds / baseline.seconds },
  };
}
