/**
 * The in-memory benchmarks: a cohort of many samples whose objects exist only as a synthetic
 * listing, discovered from it or read from a manifest of it, validated, checked and signed, as a
 * dry run or uploaded into memory, in a child process (in-memory-child.ts) so that its CPU time
 * and peak RSS are its own.
 */
import { StepDurations } from "../../publication/publish-steps";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultSettings } from "../../../../components/settings";
import type { InMemoryChildOutput, InMemorySource } from "./in-memory-child";
import { childEnv, DEV_SOURCES, failureSummary, runMeasured, withInterruptCleanup } from "./processes";
import { publishSpan, stepDurations } from "./publish-bench";
import { benchCohortPrefix, FILES_PER_SAMPLE, syntheticManifestTsv } from "./synthetic-cohort";

const IN_MEMORY_CHILD = join(DEV_SOURCES, "bench", "in-memory-child.ts");

export interface InMemoryRunOptions {
  samples: number;
  source: InMemorySource;
  /** Upload the config and ledger entry into memory instead of a dry run. */
  upload?: boolean;
  /** Folder for the manifest file (default: the system's temporary folder). */
  scratch?: string;
}

export interface InMemoryRunResult extends InMemoryChildOutput {
  source: InMemorySource;
  dryRun: boolean;
  objects: number;
  /** The child process, spawn to exit (Node and ts-node start-up and the synthetic listing included). */
  wallSeconds: number;
  /** The whole child process: user + system. */
  processCpuSeconds: number;
  maxRssBytes: number;
  stepsMs: StepDurations;
  /** publishCohort from its first step's start to its last step's end. */
  stepsSpanSeconds: number;
}

export async function benchInMemory(options: InMemoryRunOptions): Promise<InMemoryRunResult> {
  const root = mkdtempSync(join(options.scratch ?? tmpdir(), "chromoscope-in-memory-"));
  const removeRoot = () => rmSync(root, { recursive: true, force: true });
  try {
    return await withInterruptCleanup(removeRoot, () => runChild(root, options));
  } finally {
    removeRoot();
  }
}

async function runChild(
  root: string,
  { samples, source, upload = false }: InMemoryRunOptions,
): Promise<InMemoryRunResult> {
  const args = ["--samples", String(samples), "--source", source, ...(upload ? ["--upload"] : [])];
  if (source === "manifest") {
    const manifest = join(root, "manifest.tsv");
    writeFileSync(
      manifest,
      syntheticManifestTsv(benchCohortPrefix(defaultSettings().dataPrefixes[0], samples), samples),
    );
    args.push("--manifest", manifest);
  }
  const run = await runMeasured(IN_MEMORY_CHILD, args, childEnv({}));
  if (run.exitCode !== 0) throw new Error(`the in-memory benchmark's child failed (${failureSummary(run)})`);
  if (!run.report) throw new Error("the in-memory benchmark's child exited without its resource report");
  const output = JSON.parse(run.stdout) as InMemoryChildOutput;
  return {
    ...output,
    source,
    dryRun: !upload,
    objects: samples * FILES_PER_SAMPLE,
    wallSeconds: run.wallSeconds,
    processCpuSeconds: run.report.userCpuSeconds + run.report.systemCpuSeconds,
    maxRssBytes: run.report.maxRssBytes,
    stepsMs: stepDurations(run.report),
    stepsSpanSeconds: publishSpan(run.report),
  };
}
