/**
 * The upload benchmark: one folder (two large files and many small ones, as a cohort's BAMs beside
 * its SV, CNV and index files) uploaded to the project's S3 server (its own process) by
 * `upload-cohort`, by Debian's `aws s3 cp --recursive` and by `rclone copy`, each into a fresh prefix,
 * in interleaved rounds (so a slow minute of the machine hits every tool alike). Measured: each run's
 * wall time, spawn to exit, as MB/s of the folder's bytes; reported: the median per tool and
 * upload-cohort's ratio to the faster peer. A peer that is not installed is reported as such.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { createS3Client } from "../s3/object-store";
import { LOCAL_S3_DEFAULT_CREDENTIALS } from "./local-s3";
import { median, secondsSince } from "./bench/measure";
import { childEnv, REPO_ROOT, startLocalS3Process, withInterruptCleanup } from "./bench/processes";
import { localStackOutputs } from "./bench/publish-bench";

export const UPLOAD_TOOLS = ["upload-cohort", "aws s3 cp", "rclone copy"] as const;
export type UploadTool = (typeof UPLOAD_TOOLS)[number];
/** Debian's aws-cli: another `aws` may come first on the PATH. */
export const DEBIAN_AWS = "/usr/bin/aws";
const BUCKET = "chromoscope-upload-bench";
const MIB = 1024 * 1024;

export interface UploadBenchOptions {
  scratch: string;
  rounds: number;
  largeFiles: number;
  largeFileBytes: number;
  smallFiles: number;
  log?: (line: string) => void;
}

export interface UploadToolResult {
  tool: UploadTool;
  available: boolean;
  /** Why it is not (not installed), or how it failed. */
  reason?: string;
  version?: string;
  /** MB/s (10^6 bytes) of each round, in round order. */
  megabytesPerSecond: number[];
  median?: number;
}

export interface UploadBenchResult {
  files: number;
  bytes: number;
  rounds: number;
  tools: UploadToolResult[];
  /** upload-cohort's median ÷ the faster peer's median. */
  ratio?: { peer: UploadTool; value: number };
}

function writeFolder(folder: string, options: UploadBenchOptions): number {
  let bytes = 0;
  for (let index = 0; index < options.largeFiles; index++) {
    const sample = join(folder, `S${index + 1}`);
    mkdirSync(sample, { recursive: true });
    const file = join(sample, `S${index + 1}.bam`);
    // Incompressible, as sequencing data is; written in pieces to keep memory flat.
    for (let written = 0; written < options.largeFileBytes; written += 16 * MIB) {
      writeFileSync(file, randomBytes(Math.min(16 * MIB, options.largeFileBytes - written)), {
        flag: written === 0 ? "w" : "a",
      });
    }
    bytes += options.largeFileBytes;
  }
  for (let index = 0; index < options.smallFiles; index++) {
    const sample = join(folder, `S${(index % Math.max(options.largeFiles, 1)) + 1}`);
    mkdirSync(sample, { recursive: true });
    const body = randomBytes(1024 + ((index * 7919) % (64 * 1024)));
    writeFileSync(join(sample, `part-${index}.tsv`), body);
    bytes += body.length;
  }
  return bytes;
}

function versionOf(command: string, args: string[]): string | undefined {
  const run = spawnSync(command, args, { encoding: "utf8", timeout: 20_000 });
  return run.status === 0 ? (run.stdout || run.stderr).split("\n")[0].trim() : undefined;
}

interface ToolRun {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

function toolRun(tool: UploadTool, folder: string, prefix: string, endpoint: string, outputsFile: string): ToolRun {
  const keys = {
    AWS_ACCESS_KEY_ID: LOCAL_S3_DEFAULT_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_S3_DEFAULT_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
  };
  switch (tool) {
    case "upload-cohort":
      return {
        command: process.execPath,
        args: [
          join(REPO_ROOT, "bin", "chromoscope-private-data.js"),
          "upload-cohort",
          "--outputs",
          outputsFile,
          "--endpoint",
          endpoint,
          "--from",
          folder,
          "--prefix",
          prefix,
        ],
        env: childEnv(keys),
      };
    case "aws s3 cp":
      return {
        command: DEBIAN_AWS,
        args: [
          "s3",
          "cp",
          "--recursive",
          "--only-show-errors",
          "--endpoint-url",
          endpoint,
          folder,
          `s3://${BUCKET}/${prefix}`,
        ],
        env: childEnv(keys),
      };
    case "rclone copy":
      return {
        command: "rclone",
        args: ["copy", folder, `bench:${BUCKET}/${prefix}`, "--config", "/dev/null"],
        env: childEnv({
          RCLONE_CONFIG_BENCH_TYPE: "s3",
          RCLONE_CONFIG_BENCH_PROVIDER: "Other",
          RCLONE_CONFIG_BENCH_ENDPOINT: endpoint,
          RCLONE_CONFIG_BENCH_ACCESS_KEY_ID: keys.AWS_ACCESS_KEY_ID,
          RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY: keys.AWS_SECRET_ACCESS_KEY,
          RCLONE_CONFIG_BENCH_REGION: keys.AWS_DEFAULT_REGION,
          RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE: "true",
        }),
      };
  }
}

function timed(run: ToolRun): Promise<{ seconds: number; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(run.command, run.args, { cwd: REPO_ROOT, env: run.env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ seconds: secondsSince(started), code, stderr }));
  });
}

export async function benchUpload(options: UploadBenchOptions): Promise<UploadBenchResult> {
  const root = mkdtempSync(join(options.scratch, "chromoscope-upload-bench-"));
  const removeRoot = () => rmSync(root, { recursive: true, force: true });
  try {
    return await withInterruptCleanup(removeRoot, () => uploadRounds(root, options));
  } finally {
    removeRoot();
  }
}

async function uploadRounds(root: string, options: UploadBenchOptions): Promise<UploadBenchResult> {
  const log = options.log ?? (() => undefined);
  const folder = join(root, "cohort");
  const bytes = writeFolder(folder, options);
  const files = options.largeFiles + options.smallFiles;
  const serverDirectory = join(root, "s3");
  const outputsFile = join(root, "outputs.json");
  writeFileSync(outputsFile, JSON.stringify(localStackOutputs(BUCKET)), { mode: 0o600 });
  const tools: UploadToolResult[] = UPLOAD_TOOLS.map((tool) => {
    const version =
      tool === "upload-cohort"
        ? "this checkout"
        : tool === "aws s3 cp"
          ? existsSync(DEBIAN_AWS)
            ? versionOf(DEBIAN_AWS, ["--version"])
            : undefined
          : versionOf("rclone", ["version"]);
    const hint =
      tool === "aws s3 cp"
        ? `${DEBIAN_AWS} not found (apt-get install awscli)`
        : "rclone not found (apt-get install rclone)";
    return {
      tool,
      available: version !== undefined,
      version,
      megabytesPerSecond: [],
      ...(version === undefined ? { reason: hint } : {}),
    };
  });
  const server = await startLocalS3Process(serverDirectory, childEnv({}));
  try {
    const client = createS3Client({
      region: server.region,
      endpoint: server.endpoint,
      credentials: { ...LOCAL_S3_DEFAULT_CREDENTIALS },
    });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    const available = tools.filter((tool) => tool.available);
    for (let round = 0; round < options.rounds; round++) {
      // Interleaved: each round starts with the next tool, so no tool always runs first.
      const order = available.map((_, index) => available[(index + round) % available.length]);
      for (const tool of order) {
        const prefix = `cohorts/bench-${round + 1}-${tool.tool.split(" ")[0]}/`;
        log(`upload section: round ${round + 1} of ${options.rounds}, ${tool.tool}...`);
        const run = await timed(toolRun(tool.tool, folder, prefix, server.endpoint, outputsFile));
        // A fresh prefix each time; its objects go once measured (the server keeps them on disk).
        rmSync(join(serverDirectory, BUCKET, prefix), { recursive: true, force: true });
        if (run.code !== 0) {
          tool.available = false;
          tool.reason = `exit ${run.code}: ${run.stderr.trim().split("\n").slice(-2).join(" ")}`;
          continue;
        }
        tool.megabytesPerSecond.push(bytes / 1e6 / run.seconds);
      }
    }
  } finally {
    await server.stop().catch(() => server.kill());
  }
  for (const tool of tools) if (tool.megabytesPerSecond.length > 0) tool.median = median(tool.megabytesPerSecond);
  const own = tools.find((tool) => tool.tool === "upload-cohort");
  const peers = tools.filter((tool) => tool.tool !== "upload-cohort" && tool.available && tool.median !== undefined);
  const fastest = peers.sort((a, b) => b.median! - a.median!)[0];
  return {
    files,
    bytes,
    rounds: options.rounds,
    tools,
    ...(own?.median !== undefined && fastest
      ? { ratio: { peer: fastest.tool, value: own.median / fastest.median! } }
      : {}),
  };
}

/** The issue's target: upload-cohort at least as fast as the faster peer (median of the rounds). */
export const MIN_UPLOAD_RATIO = 1;

export function uploadSection(result: UploadBenchResult): string[] {
  const lines = [
    `Upload: ${result.files} files, ${(result.bytes / 1e6).toFixed(0)} MB, to the local S3 server (its own process), ${result.rounds} interleaved rounds, a fresh prefix each`,
  ];
  for (const tool of result.tools) {
    lines.push(
      tool.median === undefined
        ? `  ${tool.tool.padEnd(14)} not measured: ${tool.reason ?? "no round finished"}`
        : `  ${tool.tool.padEnd(14)} median ${tool.median.toFixed(1)} MB/s (rounds: ${tool.megabytesPerSecond.map((value) => value.toFixed(1)).join(", ")})${tool.version ? `, ${tool.version}` : ""}`,
    );
  }
  if (result.ratio) lines.push(`  upload-cohort ÷ ${result.ratio.peer}: ${result.ratio.value.toFixed(2)}×`);
  return lines;
}
