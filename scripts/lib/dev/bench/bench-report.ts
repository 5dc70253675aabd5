/**
 * The benchmark's figures: the targets each is held to (PASS/MISS), the text printed side by side,
 * and the JSON document written with --json. Pure: everything here works on measured figures.
 */
import { PUBLISH_STEPS, PublishStep, StepDurations } from "../../publication/publish-steps";
import type { InMemoryRunResult } from "./in-memory-bench";
import type { PresignBenchResult, PresignRow } from "./presign-bench";
import { rowFor } from "./presign-bench";
import type { PublishBenchResult } from "./publish-bench";
import type { StartupBenchResult } from "./startup-bench";
import type { AccessLogBenchResult } from "../access-log-bench";
import { MIN_UPLOAD_RATIO, UploadBenchResult, uploadSection } from "../upload-bench";
import { SIGNER_LABELS, SignerId } from "./signers";

/** The issue's targets, as measured by `npm run bench` on this machine. */
export const TARGETS = {
  presignSize: 100_000,
  minSpeedupOverGetSignedUrl: 25,
  maxSlowdownFromFloor: 2,
  publishSamples: 10_000,
  /** Requests besides the config upload: one listing page per 1,000 objects, plus this many. */
  extraRequests: 5,
  maxSigningShare: 0.05,
  dryRunSamples: 100_000,
  maxDryRunCpuSeconds: 10,
  maxDryRunRssBytes: 500e6,
  /** Every command's `--help`, spawn to exit, within this many times a bare `node -e 0`. */
  maxStartupRatio: 4,
} as const;

export interface MachineInfo {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  totalMemoryBytes: number;
  /** 1-minute load average when the run started and ended: other work makes figures noisy. */
  loadAverageStart: number;
  loadAverageEnd?: number;
}

export interface TargetResult {
  id: string;
  description: string;
  measured: string;
  /** undefined: the section was not run. */
  pass?: boolean;
  /** Set when measured at other sizes than the target names (e.g. --quick). */
  note?: string;
}

export interface BenchReport {
  generatedAt: string;
  totalSeconds: number;
  quick: boolean;
  machine: MachineInfo;
  startup?: StartupBenchResult;
  presign?: PresignBenchResult & { ratios: Ratio[] };
  publish?: PublishBenchResult & { requestBudget: number; signingShareOfPublish: number; signingShareOfWall: number };
  /** Dry runs (held to the targets) and, for comparison, the same cohort uploaded into memory. */
  inMemory?: InMemoryRunResult[];
  /** access-report's log parser against a plain split of the same records. */
  accessLog?: AccessLogBenchResult;
  upload?: UploadBenchResult;
  targets: TargetResult[];
}

/** The sections of a report that the targets judge. */
type MeasuredSections = Pick<BenchReport, "startup" | "presign" | "publish" | "inMemory" | "upload">;

export interface Ratio {
  /** "project ÷ getSignedUrl": throughput of the first over the second. */
  name: string;
  count: number;
  value: number;
}

const RATIO_SIGNERS: readonly SignerId[] = ["getSignedUrl", "smithy", "boto3", "floor"];

export function presignRatios(result: PresignBenchResult): Ratio[] {
  const ratios: Ratio[] = [];
  for (const count of result.sizes) {
    const project = rowFor(result, "project", count);
    if (!project) continue;
    for (const other of RATIO_SIGNERS) {
      const row = rowFor(result, other, count);
      if (row) ratios.push({ name: `project ÷ ${other}`, count, value: project.urlsPerSecond / row.urlsPerSecond });
    }
  }
  return ratios;
}

export function requestBudget(objects: number): number {
  return Math.ceil(objects / 1000) + TARGETS.extraRequests;
}

const integer = (value: number) => Math.round(value).toLocaleString("en-US");
const fixed = (value: number, digits: number) =>
  value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const seconds = (value: number) => `${fixed(value, value < 10 ? 2 : 1)} s`;
const megabytes = (bytes: number) => `${integer(bytes / 1e6)} MB`;
const percent = (share: number, digits = 2) => `${fixed(share * 100, digits)}%`;
const times = (value: number) => `${fixed(value, value < 10 ? 2 : 1)}×`;

function sizeNote(measured: number, target: number, what: string): string | undefined {
  return measured === target
    ? undefined
    : `measured at ${integer(measured)} ${what}, not the target's ${integer(target)}`;
}

/** Every command starts within a few times a bare node. */
function startupTargets(report: MeasuredSections): TargetResult[] {
  const targets: TargetResult[] = [];
  const startup = report.startup;
  const slowest = startup && [...startup.rows].sort((a, b) => b.ratio - a.ratio)[0];
  targets.push({
    id: "startup",
    description: `every command's --help within ${TARGETS.maxStartupRatio}× a bare node -e 0`,
    measured: slowest ? `slowest: ${slowest.args} at ${times(slowest.ratio)}` : "not run",
    pass: slowest && startup.compiled ? slowest.ratio <= TARGETS.maxStartupRatio : undefined,
    note: startup && !startup.compiled ? "dist/ is missing or stale: run npm run build, then the benchmark" : undefined,
  });
  return targets;
}

/** The presigner against getSignedUrl and the crypto floor. */
function presignTargets(report: MeasuredSections): TargetResult[] {
  const targets: TargetResult[] = [];
  const presign = report.presign;
  const count = presign ? Math.max(...presign.sizes) : TARGETS.presignSize;
  const project = presign && rowFor(presign, "project", count);
  const sdk = presign && rowFor(presign, "getSignedUrl", count);
  const floor = presign && rowFor(presign, "floor", count);
  const speedup = project && sdk ? project.urlsPerSecond / sdk.urlsPerSecond : undefined;
  targets.push({
    id: "presigner-vs-getSignedUrl",
    description: `project presigner ≥ ${TARGETS.minSpeedupOverGetSignedUrl}× the throughput of getSignedUrl at N = ${integer(TARGETS.presignSize)}`,
    measured: speedup === undefined ? "not run" : `${times(speedup)} at N = ${integer(count)}`,
    pass: speedup === undefined ? undefined : speedup >= TARGETS.minSpeedupOverGetSignedUrl,
    note: presign && sizeNote(count, TARGETS.presignSize, "URLs"),
  });
  const slowdown = project && floor ? floor.urlsPerSecond / project.urlsPerSecond : undefined;
  targets.push({
    id: "presigner-vs-floor",
    description: `project presigner within ${TARGETS.maxSlowdownFromFloor}× of the crypto floor at N = ${integer(TARGETS.presignSize)}`,
    measured: slowdown === undefined ? "not run" : `floor ÷ project = ${times(slowdown)} at N = ${integer(count)}`,
    pass: slowdown === undefined ? undefined : slowdown <= TARGETS.maxSlowdownFromFloor,
    note: presign && sizeNote(count, TARGETS.presignSize, "URLs"),
  });
  return targets;
}

/** A large publish's S3 requests and its signing share. */
function publishTargets(report: MeasuredSections): TargetResult[] {
  const targets: TargetResult[] = [];
  const publish = report.publish;
  const budget = publish ? requestBudget(publish.objects) : requestBudget(TARGETS.publishSamples * 4);
  targets.push({
    id: "publish-requests",
    description: `publish of ${integer(TARGETS.publishSamples)} samples: at most ⌈objects/1000⌉ + ${TARGETS.extraRequests} S3 requests besides the config upload (and the content check's reads, counted apart)`,
    measured: publish
      ? `${publish.requestsBesidesConfigUpload} requests (budget ${budget} for ${integer(publish.objects)} objects)`
      : "not run",
    pass: publish ? publish.requestsBesidesConfigUpload <= budget : undefined,
    note: publish && sizeNote(publish.samples, TARGETS.publishSamples, "samples"),
  });
  const share = publish ? publish.signSeconds / publish.publishSeconds : undefined;
  targets.push({
    id: "publish-signing-share",
    description: `publish of ${integer(TARGETS.publishSamples)} samples: signing under ${percent(TARGETS.maxSigningShare, 0)} of its wall time`,
    measured:
      publish && share !== undefined
        ? `${percent(share)} of the publication (${seconds(publish.signSeconds)} of ${seconds(publish.publishSeconds)}; ${percent(publish.signSeconds / publish.wallSeconds)} of the command's ${seconds(publish.wallSeconds)})`
        : "not run",
    pass: share === undefined ? undefined : share < TARGETS.maxSigningShare,
    note: publish && sizeNote(publish.samples, TARGETS.publishSamples, "samples"),
  });
  return targets;
}

/** A large dry run's CPU time and peak memory. */
function dryRunTargets(report: MeasuredSections): TargetResult[] {
  const targets: TargetResult[] = [];
  const dryRuns = (report.inMemory ?? []).filter((run) => run.dryRun);
  targets.push({
    id: "dry-run-cpu",
    description: `dry run of ${integer(TARGETS.dryRunSamples)} samples: under ${TARGETS.maxDryRunCpuSeconds} s of CPU`,
    measured:
      dryRuns.length === 0
        ? "not run"
        : dryRuns.map((run) => `${seconds(run.processCpuSeconds)} (${run.source})`).join(", "),
    pass:
      dryRuns.length === 0 ? undefined : dryRuns.every((run) => run.processCpuSeconds < TARGETS.maxDryRunCpuSeconds),
    note: dryRuns[0] && sizeNote(dryRuns[0].samples, TARGETS.dryRunSamples, "samples"),
  });
  targets.push({
    id: "dry-run-rss",
    description: `dry run of ${integer(TARGETS.dryRunSamples)} samples: peak RSS under ${megabytes(TARGETS.maxDryRunRssBytes)}`,
    measured:
      dryRuns.length === 0
        ? "not run"
        : dryRuns.map((run) => `${megabytes(run.maxRssBytes)} (${run.source})`).join(", "),
    pass: dryRuns.length === 0 ? undefined : dryRuns.every((run) => run.maxRssBytes < TARGETS.maxDryRunRssBytes),
    note: dryRuns[0] && sizeNote(dryRuns[0].samples, TARGETS.dryRunSamples, "samples"),
  });
  return targets;
}

/** upload-cohort against aws s3 cp and rclone copy. */
function uploadTargets(report: MeasuredSections): TargetResult[] {
  const targets: TargetResult[] = [];
  const upload = report.upload;
  targets.push({
    id: "upload-vs-peers",
    description: `upload-cohort at least ${times(MIN_UPLOAD_RATIO)} the faster of aws s3 cp and rclone copy (median MB/s, same folder, same server)`,
    measured: upload?.ratio
      ? `${times(upload.ratio.value)} ${upload.ratio.peer}`
      : upload
        ? "no peer measured"
        : "not run",
    pass: upload?.ratio ? upload.ratio.value >= MIN_UPLOAD_RATIO : undefined,
  });
  return targets;
}

/** PASS/MISS for every target of the sections that ran. */
export function evaluateTargets(report: MeasuredSections): TargetResult[] {
  return [
    ...startupTargets(report),
    ...presignTargets(report),
    ...publishTargets(report),
    ...dryRunTargets(report),
    ...uploadTargets(report),
  ];
}

function table(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join("   ")
      .trimEnd(),
  );
}

const SIGNER_ORDER: readonly SignerId[] = ["project", "getSignedUrl", "smithy", "boto3", "floor"];
const STEP_LABELS: Record<PublishStep, string> = {
  "read-input": "read input",
  validate: "validate",
  "check-existence": "check existence (listing)",
  "check-content": "check content",
  sign: "sign + serialise",
  "upload-config": "upload config",
  "write-ledger": "write ledger entry",
};

function stepsLine(stepsMs: StepDurations): string {
  return PUBLISH_STEPS.filter((name) => stepsMs[name] !== undefined)
    .map((name) => `${STEP_LABELS[name]} ${seconds(stepsMs[name]! / 1000)}`)
    .join(" · ");
}

function startupSection(startup: StartupBenchResult): string[] {
  const rows = [
    ["bin/chromoscope-private-data.js", "median", "× node -e 0", "runs"],
    ...startup.rows.map((row) => [row.args, seconds(row.seconds), times(row.ratio), String(row.runs)]),
  ];
  return [
    `Start-up, spawn to exit: node -e 0 takes ${seconds(startup.baselineSeconds)}${startup.compiled ? "" : " (dist/ missing or stale: these ran through ts-node)"}`,
    ...table(rows).map((line) => `  ${line}`),
    `  for comparison, the TypeScript entry through ts-node: publish-cohort --help ${seconds(startup.tsNode.seconds)} (${times(startup.tsNode.ratio)}, ${startup.tsNode.runs} runs)`,
  ];
}

function presignSection(presign: NonNullable<BenchReport["presign"]>): string[] {
  const lines = [
    "Presigning GET URLs: same keys, credentials, signing date and 7-day expiry for every signer (checked equal before timing)",
  ];
  const rows: string[][] = [
    ["", ...presign.sizes.flatMap((count) => [`N = ${integer(count)}`, "", ""])],
    ["signer", ...presign.sizes.flatMap(() => ["URLs/s", "µs/URL", "runs"])],
  ];
  for (const signer of SIGNER_ORDER) {
    const cells = presign.sizes.map((count) => rowFor(presign, signer, count));
    if (cells.every((row) => row === undefined)) continue;
    rows.push([
      SIGNER_LABELS[signer],
      ...cells.flatMap((row: PresignRow | undefined) =>
        row ? [integer(row.urlsPerSecond), fixed(row.microsPerUrl, 2), String(row.runs)] : ["-", "-", "-"],
      ),
    ]);
  }
  const ratioNames = [...new Set(presign.ratios.map((ratio) => ratio.name))];
  for (const name of ratioNames) {
    rows.push([
      name,
      ...presign.sizes.flatMap((count) => {
        const ratio = presign.ratios.find((candidate) => candidate.name === name && candidate.count === count);
        return [ratio ? times(ratio.value) : "-", "", ""];
      }),
    ]);
  }
  lines.push(...table(rows).map((line) => `  ${line}`));
  if (!presign.boto3.available) lines.push(`  boto3: not measured: ${presign.boto3.reason}`);
  else lines.push(`  boto3: ${presign.boto3.version}, timed inside one Python process (start-up excluded)`);
  return lines;
}

function publishSection(publish: NonNullable<BenchReport["publish"]>): string[] {
  const requests = Object.entries(publish.requests)
    .map(([operation, count]) => `${operation} ${count}`)
    .join(", ");
  return [
    `Publish: ${integer(publish.samples)} samples × ${publish.objects / publish.samples} files (${integer(publish.objects)} objects), chromoscope-private-data publish-cohort --manifest --json as its own process, against the local S3 server process`,
    `  setup (not counted): ${integer(publish.objects)} objects written in ${seconds(publish.setupSeconds)}`,
    `  wall time ${seconds(publish.wallSeconds)} (the publication itself ${seconds(publish.publishSeconds)}; the rest is start-up: Node, ts-node, the AWS SDK)`,
    `  CPU time ${seconds(publish.userCpuSeconds + publish.systemCpuSeconds)} (user ${seconds(publish.userCpuSeconds)}, system ${seconds(publish.systemCpuSeconds)}), peak RSS ${megabytes(publish.maxRssBytes)}`,
    `  steps: ${stepsLine(publish.stepsMs)}`,
    `  signing: ${percent(publish.signingShareOfPublish)} of the publication, ${percent(publish.signingShareOfWall)} of the command's wall time`,
    `  S3 requests: ${requests} (besides the config upload and the content check's ${integer(publish.contentReads)} reads: ${publish.requestsBesidesConfigUpload}, budget ${publish.requestBudget})`,
    `  config: ${integer(publish.urls)} URLs, ${megabytes(publish.configBytes)}; fetched back through the link: ${integer(publish.verified.configSamples)} samples, a data URL answered ${publish.verified.dataUrlStatus}${publish.verified.dataBodyMatches ? " with the right bytes" : " WITH OTHER BYTES"}`,
  ];
}

function inMemorySection(run: InMemoryRunResult, all: readonly InMemoryRunResult[]): string[] {
  const source =
    run.source === "prefix"
      ? "discovered (--prefix) from the listing"
      : "read from a TSV manifest, checked against the listing";
  const title = run.dryRun ? "Dry run" : "Publish into memory (for comparison: the upload body and the ledger entry)";
  const dryRun = all.find((other) => other.dryRun && other.source === run.source && other.samples === run.samples);
  const overDryRun =
    !run.dryRun && dryRun ? ` (${megabytes(run.maxRssBytes - dryRun.maxRssBytes)} more than the dry run)` : "";
  return [
    `${title}: ${integer(run.samples)} samples × ${run.objects / run.samples} files (${integer(run.objects)} objects) from an in-memory listing, ${source}`,
    `  CPU time ${seconds(run.processCpuSeconds)} for the whole process (publishCohort ${seconds(run.publishCpuSeconds)}), peak RSS ${megabytes(run.maxRssBytes)}${overDryRun}, wall time ${seconds(run.wallSeconds)}`,
    `  steps: ${stepsLine(run.stepsMs)}`,
    `  ${integer(run.urls)} URLs signed, config ${megabytes(run.configBytes)}, bucket listed ${run.listings} time${run.listings === 1 ? "" : "s"}${run.dryRun ? "" : `, ${megabytes(run.writtenBytes)} uploaded`}`,
  ];
}

function accessLogSection(result: AccessLogBenchResult): string[] {
  const rows = [
    ["reading S3 access log records into memory", "records/s", "runs"],
    [
      "access-report's parser (every field, quoted ones whole)",
      integer(result.parser.recordsPerSecond),
      String(result.parser.runs),
    ],
    ["baseline: lines split at every space", integer(result.split.recordsPerSecond), String(result.split.runs)],
    ["parser ÷ baseline", times(result.ratio), ""],
  ];
  return [
    `Access logs: ${integer(result.records)} synthetic records (${megabytes(result.bytes)}), presigned reads as a viewer makes them, in interleaved rounds`,
    ...table(rows).map((line) => `  ${line}`),
  ];
}

export function formatReport(report: BenchReport): string {
  const { machine } = report;
  const lines = [
    `chromoscope-private-data benchmark${report.quick ? " (--quick)" : ""}, ${report.generatedAt}`,
    `Node ${machine.node} on ${machine.platform}, ${machine.cpus} × ${machine.cpuModel}, ${megabytes(machine.totalMemoryBytes)} RAM; load average ${fixed(machine.loadAverageStart, 2)} at the start${machine.loadAverageEnd === undefined ? "" : `, ${fixed(machine.loadAverageEnd, 2)} at the end`}`,
    "",
  ];
  if (report.startup) lines.push(...startupSection(report.startup), "");
  if (report.presign) lines.push(...presignSection(report.presign), "");
  if (report.publish) lines.push(...publishSection(report.publish), "");
  for (const run of report.inMemory ?? []) lines.push(...inMemorySection(run, report.inMemory ?? []), "");
  if (report.accessLog) lines.push(...accessLogSection(report.accessLog), "");
  if (report.upload) lines.push(...uploadSection(report.upload), "");
  lines.push("Targets");
  for (const target of report.targets) {
    const outcome = target.pass === undefined ? "n/a " : target.pass ? "PASS" : "MISS";
    lines.push(`  ${outcome}  ${target.description}: ${target.measured}${target.note ? ` (${target.note})` : ""}`);
  }
  lines.push("", `Total ${seconds(report.totalSeconds)}.`);
  return `${lines.join("\n")}\n`;
}
