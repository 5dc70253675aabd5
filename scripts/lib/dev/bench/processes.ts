/**
 * The processes the benchmark measures or talks to: TypeScript entry points run as their own Node
 * processes (through ts-node, as `npm run` runs them) with resource-report.ts preloaded, and the
 * local S3 server process (scripts/lib/dev/local-s3-server.ts) with its ready line and request counts.
 * Every process is started here and stopped by its own handle, never by name; an interrupted
 * benchmark stops the ones still running and removes its scratch files before it dies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../files";
import { createInterface } from "node:readline";

export const REPO_ROOT = PROJECT_ROOT;
/** File descriptor on which a preloaded resource-report.ts writes its report. */
export const REPORT_FD = 3;
const TS_NODE = require.resolve("ts-node/register/transpile-only");
/** The development tools' TypeScript sources, which the children run even when this runs compiled. */
export const DEV_SOURCES = join(PROJECT_ROOT, "scripts", "lib", "dev");
const RESOURCE_REPORT = join(DEV_SOURCES, "bench", "resource-report.ts");
const LOCAL_S3_SERVER = join(DEV_SOURCES, "local-s3-server.ts");

/** Children still running, so that an interrupt can stop exactly these. */
const running = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once("close", () => running.delete(child));
  return child;
}

/**
 * Runs `work`; if SIGINT or SIGTERM arrives meanwhile, stops the children still running, runs
 * `cleanup`, and lets the signal end the process as it would have.
 */
export async function withInterruptCleanup<T>(cleanup: () => void, work: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    for (const child of running) child.kill("SIGKILL");
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await work();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export interface StepTiming {
  /** The step's name without `publish:`. */
  name: string;
  /** Milliseconds since the process started. */
  startMs: number;
  durationMs: number;
}

export interface ResourceReport {
  userCpuSeconds: number;
  systemCpuSeconds: number;
  /** Peak resident set size, bytes (getrusage's ru_maxrss). */
  maxRssBytes: number;
  /** From process start to exit, as the process saw it. */
  uptimeSeconds: number;
  steps: StepTiming[];
}

export interface MeasuredRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, as the benchmark saw it (includes Node and ts-node start-up). */
  wallSeconds: number;
  report?: ResourceReport;
}

/** A minimal environment for a child: no AWS settings of the user's leak into a measurement. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  for (const name of ["HOME", "LANG", "TMPDIR"]) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

function nodeArgs(script: string, args: readonly string[], preloadReport: boolean): string[] {
  return ["-r", TS_NODE, ...(preloadReport ? ["-r", RESOURCE_REPORT] : []), script, ...args];
}

/** Runs a TypeScript entry point in its own process and collects its output and resource report. */
export function runMeasured(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 600_000,
): Promise<MeasuredRun> {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = track(
      spawn(process.execPath, nodeArgs(script, args, true), {
        cwd: REPO_ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe", "pipe"],
      }),
    );
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const report: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk));
    (child.stdio[REPORT_FD] as NodeJS.ReadableStream).on("data", (chunk: Buffer) => report.push(chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (exitCode, signal) => {
      clearTimeout(timer);
      const reportText = Buffer.concat(report).toString("utf8").trim();
      resolvePromise({
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        wallSeconds: Number(process.hrtime.bigint() - started) / 1e9,
        report: reportText === "" ? undefined : (JSON.parse(reportText) as ResourceReport),
      });
    });
  });
}

/** The last `error:`/`fix:` lines a failed child printed, for a one-line message. */
export function failureSummary(run: MeasuredRun): string {
  const lines = run.stderr
    .trim()
    .split("\n")
    .filter((line) => /^(error|fix):/.test(line));
  const summary = lines.length > 0 ? lines.join(" ") : run.stderr.trim().split("\n").slice(-3).join(" ");
  return `exit ${run.exitCode ?? run.signal}${summary ? `: ${summary}` : ""}`;
}

export interface LocalS3Process {
  endpoint: string;
  region: string;
  /** SIGTERM, then the per-operation request counts the server prints on its way out. */
  stop(): Promise<Record<string, number>>;
  /** SIGKILL if still running (cleanup after a failure). */
  kill(): void;
}

/** Starts scripts/lib/dev/local-s3-server.ts on `directory` and waits for its ready line. */
export async function startLocalS3Process(
  directory: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<LocalS3Process> {
  const child = track(
    spawn(process.execPath, nodeArgs(LOCAL_S3_SERVER, ["--directory", directory], false), {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiting: Array<(line: string | undefined) => void> = [];
  lines.on("line", (line) => (waiting.length > 0 ? waiting.shift()!(line) : queue.push(line)));
  const exited = new Promise<void>((resolveExit) => child.once("close", () => resolveExit()));
  void exited.then(() => {
    for (const resolveLine of waiting.splice(0)) resolveLine(undefined);
  });
  const nextLine = (timeout: number): Promise<string | undefined> =>
    queue.length > 0
      ? Promise.resolve(queue.shift())
      : new Promise((resolveLine) => {
          const timer = setTimeout(() => resolveLine(undefined), timeout);
          waiting.push((line) => {
            clearTimeout(timer);
            resolveLine(line);
          });
        });

  const ready = await nextLine(timeoutMs);
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  let parsed: { endpoint?: string; region?: string } = {};
  try {
    parsed = JSON.parse(ready ?? "{}") as typeof parsed;
  } catch {
    // reported below
  }
  if (!parsed.endpoint || !parsed.region) {
    kill();
    throw new Error(`the local S3 server did not start: ${(stderr.trim() || ready) ?? "no output"}`);
  }
  return {
    endpoint: parsed.endpoint,
    region: parsed.region,
    kill,
    async stop() {
      child.kill("SIGTERM");
      const line = await nextLine(timeoutMs);
      await exited;
      const counts =
        line === undefined ? undefined : (JSON.parse(line) as { requests?: Record<string, number> }).requests;
      if (counts === undefined)
        throw new Error(`the local S3 server printed no request counts: ${stderr.trim() || "no output"}`);
      return counts;
    },
  };
}
