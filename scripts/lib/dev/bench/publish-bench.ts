/**
 * The publish benchmark: a synthetic cohort in the local S3 server's directory, published by the
 * real CLI (`chromoscope-private-data publish-cohort`, its own process) against the server running as its own
 * process. Measured: the tool's wall time, CPU time and peak RSS, its step timings (signing's
 * share among them), and the S3 requests it made by type. Setting up the objects is not counted:
 * they are written before the server process starts, which counts only what it serves.
 */
import { isPublishStep, StepDurations } from "../../publication/publish-steps";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultSettings } from "../../../../components/settings";
import { parseChromoscopeLink } from "../../publication/chromoscope";
import { LOCAL_S3_DEFAULT_CREDENTIALS, LOCAL_S3_REGION, startLocalS3 } from "../local-s3";
import {
  childEnv,
  failureSummary,
  REPO_ROOT,
  ResourceReport,
  runMeasured,
  startLocalS3Process,
  withInterruptCleanup,
} from "./processes";
import {
  benchCohortPrefix,
  FILES_PER_SAMPLE,
  SYNTHETIC_FILES,
  syntheticManifestTsv,
  syntheticObjects,
} from "./synthetic-cohort";
import { secondsSince } from "./measure";
import { stackOutputsFor } from "../../s3/outputs-source";

export const BENCH_BUCKET = "chromoscope-bench-data";
const PUBLISH_CLI = join(REPO_ROOT, "scripts", "chromoscope-private-data.ts");

export interface PublishBenchOptions {
  samples: number;
  /** Folder for the server's objects (default: the system's temporary folder). */
  scratch?: string;
  /** Progress lines for the user (stderr). */
  log?: (line: string) => void;
}

export interface PublishBenchResult {
  samples: number;
  objects: number;
  configBytes: number;
  urls: number;
  /** Writing the objects beforehand; not part of the measurement. */
  setupSeconds: number;
  /** The CLI process, spawn to exit (Node and ts-node start-up included). */
  wallSeconds: number;
  /** publishCohort itself: from its first step's start to its last step's end. */
  publishSeconds: number;
  userCpuSeconds: number;
  systemCpuSeconds: number;
  maxRssBytes: number;
  /** Milliseconds per publication step (read-input, validate, check-existence, sign, upload-config, write-ledger). */
  stepsMs: StepDurations;
  /** Signing and serialising every sample's config entry. */
  signSeconds: number;
  requests: Record<string, number>;
  /** The content check's ranged GETs (the first KiB of each file, a sample of 1,000 beyond that many). */
  contentReads: number;
  /** Everything but the one config upload and the content check's reads. */
  requestsBesidesConfigUpload: number;
  /** What the link's config held when fetched back: samples, and the status of one data URL. */
  verified: { configSamples: number; dataUrlStatus: number; dataBodyMatches: boolean };
}

/** The stack outputs `pulumi up` would leave for a bucket on the local server, without a presigner key (the in-memory runs pass their own). */
export function localStackOutputs(bucket: string): Record<string, unknown> {
  return stackOutputsFor(defaultSettings(), { bucket, region: LOCAL_S3_REGION });
}

interface S3rverStore {
  putBucket(bucket: string): Promise<unknown>;
  putObject(object: unknown): Promise<unknown>;
}
type S3rverObjectConstructor = new (
  bucket: string,
  key: string,
  content: Buffer,
  metadata: Record<string, string>,
) => unknown;

/**
 * Writes the cohort's objects with the server's own storage code (what a PUT ends in), without
 * HTTP: about 3,000 objects/s instead of about 900/s through the server, and nothing to count.
 */
async function seedObjects(directory: string, bucket: string, prefix: string, samples: number): Promise<void> {
  // Internal modules of the pinned, patched @20minutes/s3rver 4.0.4 (see scripts/lib/dev/local-s3.ts).
  /* eslint-disable @typescript-eslint/no-require-imports -- untyped internals of the pinned server */
  const FilesystemStore = require("@20minutes/s3rver/lib/stores/filesystem") as new (directory: string) => S3rverStore;
  const S3Object = require("@20minutes/s3rver/lib/models/object") as S3rverObjectConstructor;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const store = new FilesystemStore(directory);
  await store.putBucket(bucket);
  const objects = syntheticObjects(prefix, samples);
  const worker = async () => {
    for (let next = objects.next(); !next.done; next = objects.next()) {
      await store.putObject(
        new S3Object(bucket, next.value.key, next.value.body, { "content-type": "application/octet-stream" }),
      );
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

export async function benchPublish(options: PublishBenchOptions): Promise<PublishBenchResult> {
  const { samples } = options;
  const log = options.log ?? (() => undefined);
  const root = mkdtempSync(join(options.scratch ?? tmpdir(), "chromoscope-bench-"));
  const removeRoot = () => rmSync(root, { recursive: true, force: true });
  try {
    return await withInterruptCleanup(removeRoot, () => publishInto(root, samples, log));
  } finally {
    removeRoot();
  }
}

async function publishInto(root: string, samples: number, log: (line: string) => void): Promise<PublishBenchResult> {
  const s3Directory = join(root, "s3");
  const prefix = benchCohortPrefix(defaultSettings().dataPrefixes[0], samples);
  const objects = samples * FILES_PER_SAMPLE;
  // The server knows only its own local key: the stack outputs carry it as the presigner's, as a real stack's do.
  const env = childEnv({});
  log(
    `publish: writing ${objects.toLocaleString("en-US")} objects (${samples.toLocaleString("en-US")} samples × ${FILES_PER_SAMPLE} files) for the server (not counted)...`,
  );
  const setupStart = process.hrtime.bigint();
  await seedObjects(s3Directory, BENCH_BUCKET, prefix, samples);
  const setupSeconds = secondsSince(setupStart);
  const outputsFile = join(root, "outputs.json");
  const presigner = { userName: "bench-presigner", ...LOCAL_S3_DEFAULT_CREDENTIALS, createdAt: new Date() };
  writeFileSync(
    outputsFile,
    JSON.stringify(
      stackOutputsFor(defaultSettings(), { bucket: BENCH_BUCKET, region: LOCAL_S3_REGION, presigner }),
      null,
      2,
    ),
    { mode: 0o600 },
  );
  const manifest = join(root, "manifest.tsv");
  writeFileSync(manifest, syntheticManifestTsv(prefix, samples));

  log("publish: starting the local S3 server process and publishing with `chromoscope-private-data publish-cohort`...");
  const server = await startLocalS3Process(s3Directory, env);
  let requests: Record<string, number>;
  let run;
  try {
    run = await runMeasured(
      PUBLISH_CLI,
      [
        "publish-cohort",
        "--cohort",
        `Bench ${samples}`,
        "--outputs",
        outputsFile,
        "--endpoint",
        server.endpoint,
        "--manifest",
        manifest,
        "--json",
      ],
      env,
    );
    requests = await server.stop();
  } finally {
    server.kill();
  }
  if (run.exitCode !== 0) throw new Error(`publish-cohort failed (${failureSummary(run)})`);
  if (!run.report) throw new Error("publish-cohort exited without its resource report");
  const published = JSON.parse(run.stdout) as { link: string; samples: number; urls: number };
  const verified = await verifyPublication(s3Directory, published.link, prefix);
  const total = Object.values(requests).reduce((sum, count) => sum + count, 0);
  const stepsMs = stepDurations(run.report);
  return {
    samples: published.samples,
    objects,
    configBytes: verified.configBytes,
    urls: published.urls,
    setupSeconds,
    wallSeconds: run.wallSeconds,
    publishSeconds: publishSpan(run.report),
    userCpuSeconds: run.report.userCpuSeconds,
    systemCpuSeconds: run.report.systemCpuSeconds,
    maxRssBytes: run.report.maxRssBytes,
    stepsMs,
    signSeconds: (stepsMs.sign ?? 0) / 1000,
    requests,
    contentReads: requests.GetObject ?? 0,
    requestsBesidesConfigUpload: total - 1 - (requests.GetObject ?? 0),
    verified: {
      configSamples: verified.configSamples,
      dataUrlStatus: verified.dataUrlStatus,
      dataBodyMatches: verified.dataBodyMatches,
    },
  };
}

export function stepDurations(report: ResourceReport): StepDurations {
  const durations: StepDurations = {};
  for (const step of report.steps)
    if (isPublishStep(step.name)) durations[step.name] = (durations[step.name] ?? 0) + step.durationMs;
  return durations;
}

/** Seconds from the first recorded step's start to the last one's end. */
export function publishSpan(report: ResourceReport): number {
  if (report.steps.length === 0) return 0;
  const start = Math.min(...report.steps.map((step) => step.startMs));
  const end = Math.max(...report.steps.map((step) => step.startMs + step.durationMs));
  return (end - start) / 1000;
}

/**
 * Opens what the link points to, as the viewer would, on a fresh in-process server over the same
 * directory and port (after the measured server has stopped, so none of this is counted).
 */
async function verifyPublication(
  directory: string,
  link: string,
  prefix: string,
): Promise<{ configSamples: number; configBytes: number; dataUrlStatus: number; dataBodyMatches: boolean }> {
  const configUrl = parseChromoscopeLink(link).external;
  if (!configUrl) throw new Error("the published link holds no config URL");
  // The links name the measured server's port: serve the same directory there again.
  const server = await startLocalS3({ directory, port: Number(new URL(configUrl).port) });
  try {
    const response = await fetch(configUrl);
    if (response.status !== 200) throw new Error(`the published config URL answered ${response.status}`);
    const body = Buffer.from(await response.arrayBuffer());
    const config = JSON.parse(body.toString("utf8")) as { samples: Array<Record<string, string>> };
    const first = config.samples[0];
    const svFile = SYNTHETIC_FILES.find((file) => file.field === "sv")!;
    const data = await fetch(first.sv);
    const dataBody = Buffer.from(await data.arrayBuffer());
    const expectedKey = `${prefix}${first.id}/${first.id}.${svFile.suffix}`;
    return {
      configSamples: config.samples.length,
      configBytes: body.length,
      dataUrlStatus: data.status,
      dataBodyMatches: new URL(first.sv).pathname.endsWith(`/${expectedKey}`) && dataBody.equals(svFile.body),
    };
  } finally {
    await server.close();
  }
}
