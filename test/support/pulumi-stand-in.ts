/**
 * A `pulumi` stand-in (test/fixtures/pulumi-stand-in) first on PATH, whose stack "dev" has a test
 * bucket's outputs with slot a active, and the Pulumi CLI calls the rotation commands make, as
 * argument lists to compare its call log with.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PRESIGNER_KEY, SESSION_KEY, TestBucket } from "./local-bucket";

/** The stack's second slot key in the test outputs: the server does not know it (it signs nothing that is fetched). */
export const SLOT_B_KEY = {
  accessKeyId: "AKIATESTPRESIGNER002",
  secretAccessKey: "sLoTbSeCrEtKeYnotKnownToTheServer0123456",
};
const STAND_IN = join(__dirname, "..", "fixtures", "pulumi-stand-in");
export const GENERATION_KEY = "chromoscope-private-data:keyGeneration";
export const VERSION = ["version"];
export const STACK_OUTPUT = ["stack", "output", "--json", "--show-secrets", "--stack", "dev"];
export const CONFIG_GET = ["config", "get", GENERATION_KEY, "--stack", "dev"];
export const configSet = (generation: number) => [
  "config",
  "set",
  GENERATION_KEY,
  String(generation),
  "--stack",
  "dev",
];
export const PREVIEW = ["preview", "--json", "--stack", "dev"];
export const UP = ["up", "--yes", "--stack", "dev"];
/** One verified +1 step to `generation`: set it, preview, deploy, read the outputs back. */
export const ROTATION = (generation: number) => [configSet(generation), PREVIEW, UP, STACK_OUTPUT];

/** How the stand-in misbehaves (see the fixture's header). */
export interface StandInOptions {
  generation?: number;
  failUp?: boolean;
  /** `up` fails once it has succeeded this many times. */
  failUpAfter?: number;
  version?: string;
  oldEngine?: boolean;
  previewExtra?: Array<{ op: string; urn: string; diffReasons?: string[] }>;
  previewFails?: string;
  upSkipsReplace?: boolean;
  upReplacesWrongSlot?: boolean;
}

export interface StandIn {
  env: NodeJS.ProcessEnv;
  calls(): string[][];
  cwds(): string[];
  state(): {
    config: Record<string, string>;
    deployedGeneration: number;
    keys: Record<"a" | "b", { accessKeyId: string }>;
    outputs: Record<string, unknown>;
  };
  close(): void;
}

export function standIn(bucket: TestBucket, options: StandInOptions = {}): StandIn {
  const dir = mkdtempSync(join(tmpdir(), "pulumi-stand-in-"));
  const bin = join(dir, "bin");
  mkdirSync(bin);
  copyFileSync(STAND_IN, join(bin, "pulumi"));
  chmodSync(join(bin, "pulumi"), 0o755);
  const createdAt = "2026-11-20T10:00:00.000Z";
  const { generation, ...behaviour } = options;
  writeFileSync(
    join(dir, "state.json"),
    JSON.stringify({
      stack: "dev",
      config: generation === undefined ? {} : { [GENERATION_KEY]: String(generation) },
      deployedGeneration: generation ?? 0,
      outputs: bucket.outputs,
      keys: { a: { ...PRESIGNER_KEY, createdAt }, b: { ...SLOT_B_KEY, createdAt } },
      keyPool: [SESSION_KEY],
      ...behaviour,
    }),
  );
  const log = join(dir, "calls.jsonl");
  const lines = () =>
    existsSync(log)
      ? readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line))
      : [];
  return {
    env: { PATH: `${bin}:${dirname(process.execPath)}`, PULUMI_STAND_IN_STATE: dir },
    calls: () => lines().map((call: { args: string[] }) => call.args),
    cwds: () => lines().map((call: { cwd: string }) => call.cwd),
    state: () => JSON.parse(readFileSync(join(dir, "state.json"), "utf8")),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
