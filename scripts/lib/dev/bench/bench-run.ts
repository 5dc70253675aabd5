/**
 * Runs the benchmark's sections in order (start-up, presigners, publish, dry runs, access-log parsing, upload) and gathers one report.
 * The micro-benchmark runs first, in this process, before any child process competes for the CPU.
 */
import { accessSync, constants } from "node:fs";
import { cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { benchInMemory, InMemoryRunOptions, InMemoryRunResult } from "./in-memory-bench";
import { secondsSince } from "./measure";
import { benchPresigners } from "./presign-bench";
import { benchPublish } from "./publish-bench";
import { benchStartup } from "./startup-bench";
import { benchAccessLogParser } from "../access-log-bench";
import { benchUpload } from "../upload-bench";
import { BenchReport, evaluateTargets, presignRatios, requestBudget, TARGETS } from "./bench-report";

export const BENCH_SECTIONS = ["startup", "presign", "publish", "dry-run", "access-log", "upload"] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

export interface BenchPlan {
  quick: boolean;
  sections: readonly BenchSection[];
  presignSizes: readonly number[];
  publishSamples: number;
  dryRunSamples: number;
  /** Records of the access-log parsing benchmark. */
  accessLogRecords: number;
  boto3: boolean;
  /** Where the publish benchmark's server keeps its objects. */
  scratch: string;
  /** The upload benchmark's folder: large files of this many bytes (two), and its rounds. */
  uploadLargeFileBytes: number;
  uploadRounds: number;
}

export const FULL_SIZES = {
  presignSizes: [10_000, TARGETS.presignSize],
  publishSamples: TARGETS.publishSamples,
  dryRunSamples: TARGETS.dryRunSamples,
  accessLogRecords: 50_000,
  uploadLargeFileBytes: 256 * 1024 * 1024,
  uploadRounds: 5,
} as const;

export const QUICK_SIZES = {
  presignSizes: [1_000, 10_000],
  publishSamples: 1_000,
  dryRunSamples: 10_000,
  accessLogRecords: 10_000,
  uploadLargeFileBytes: 32 * 1024 * 1024,
  uploadRounds: 3,
} as const;

/**
 * A RAM-backed folder when there is one: the publish benchmark writes and deletes some 130,000
 * small files, which on a disk with discard can take minutes and measures the disk, not the tool.
 */
export function defaultScratch(): string {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return tmpdir();
  }
}

/** Both dry-run sources, and (for comparison) the same cohort uploaded into memory. */
const IN_MEMORY_RUNS: ReadonlyArray<Pick<InMemoryRunOptions, "source" | "upload">> = [
  { source: "prefix" },
  { source: "manifest" },
  { source: "prefix", upload: true },
];

export async function runBench(plan: BenchPlan, log: (line: string) => void): Promise<BenchReport> {
  const started = process.hrtime.bigint();
  const machine: BenchReport["machine"] = {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? "unknown CPU",
    totalMemoryBytes: totalmem(),
    loadAverageStart: loadavg()[0],
  };
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    totalSeconds: 0,
    quick: plan.quick,
    machine,
    targets: [],
  };

  if (plan.sections.includes("startup")) report.startup = await benchStartup({ log });
  if (plan.sections.includes("presign")) {
    const presign = await benchPresigners({ sizes: plan.presignSizes, boto3: plan.boto3, log });
    report.presign = { ...presign, ratios: presignRatios(presign) };
  }
  if (plan.sections.includes("publish")) {
    const publish = await benchPublish({ samples: plan.publishSamples, scratch: plan.scratch, log });
    report.publish = {
      ...publish,
      requestBudget: requestBudget(publish.objects),
      signingShareOfPublish: publish.signSeconds / publish.publishSeconds,
      signingShareOfWall: publish.signSeconds / publish.wallSeconds,
    };
  }
  if (plan.sections.includes("dry-run")) {
    const runs: InMemoryRunResult[] = [];
    for (const run of IN_MEMORY_RUNS) {
      const what = `${run.upload ? "publish into memory" : "dry run"}, ${run.source === "prefix" ? "discovered from" : "manifest checked against"} an in-memory listing`;
      log(`dry run section: ${plan.dryRunSamples.toLocaleString("en-US")} samples, ${what}, in a child process...`);
      runs.push(await benchInMemory({ ...run, samples: plan.dryRunSamples, scratch: plan.scratch }));
    }
    report.inMemory = runs;
  }
  if (plan.sections.includes("access-log"))
    report.accessLog = await benchAccessLogParser(plan.accessLogRecords, { log });
  if (plan.sections.includes("upload")) {
    report.upload = await benchUpload({
      scratch: plan.scratch,
      rounds: plan.uploadRounds,
      largeFiles: 2,
      largeFileBytes: plan.uploadLargeFileBytes,
      smallFiles: 60,
      log,
    });
  }
  report.targets = evaluateTargets(report);
  report.machine.loadAverageEnd = loadavg()[0];
  report.totalSeconds = secondsSince(started);
  return report;
}
