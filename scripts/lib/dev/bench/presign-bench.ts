/**
 * The presign benchmark: every signer of signers.ts (and boto3, when installed) signs the first N
 * keys of a synthetic cohort for each N; throughput is taken from the median of repeated runs.
 * The crypto floor and the project's presigner are timed in interleaved rounds, because their
 * ratio is a target; equivalence is checked before anything is timed.
 */
import { runBoto3 } from "../botocore-runner";
import { DEFAULT_REPEAT, interleavedTimings, throughput } from "./measure";
import {
  BENCH_SIGNING,
  checkEquivalence,
  Contestant,
  floorContestant,
  getSignedUrlContestant,
  projectContestant,
  SIGNER_LABELS,
  SignerId,
  SigningSetup,
  smithyContestant,
} from "./signers";
import { syntheticKeys } from "./synthetic-cohort";

export interface PresignRow {
  signer: SignerId;
  label: string;
  count: number;
  seconds: number;
  runs: number;
  urlsPerSecond: number;
  microsPerUrl: number;
}

export interface PresignBenchOptions {
  sizes: readonly number[];
  boto3: boolean;
  /** Time budget per contestant group and size. */
  budgetSeconds?: number;
  /** Signed untimed by every contestant first, so that none is timed while still being compiled. */
  warmup?: number;
  setup?: SigningSetup;
  log?: (line: string) => void;
}

export interface PresignBenchResult {
  sizes: number[];
  rows: PresignRow[];
  boto3: { available: boolean; version?: string; reason?: string };
}

/**
 * boto3 in one Python process at every size, its rows added to `rows` when it signed the same
 * object and scope as `project`.
 */
async function benchBoto3(
  setup: SigningSetup,
  keys: string[],
  sizes: number[],
  warmup: number,
  project: Contestant,
  rows: PresignRow[],
  log: (line: string) => void,
): Promise<PresignBenchResult["boto3"]> {
  log(
    `presign: boto3 in one Python process, N = ${sizes.map((size) => size.toLocaleString("en-US")).join(" and ")}...`,
  );
  const outcome = runBoto3(setup, keys, sizes, warmup);
  if (!outcome.available) return { available: false, reason: outcome.reason };
  const reference = String(await project.produce(0));
  if (!sameObjectAndScope(outcome.sampleUrl, reference))
    return {
      available: false,
      reason: "boto3 signed another object or scope than the other signers; its row is left out",
    };
  for (const count of sizes) {
    const seconds = outcome.seconds[String(count)];
    if (seconds !== undefined)
      rows.push({
        signer: "boto3",
        label: SIGNER_LABELS.boto3,
        count,
        seconds,
        runs: 1,
        ...throughput(count, seconds),
      });
  }
  return { available: true, version: outcome.version };
}

export async function benchPresigners(options: PresignBenchOptions): Promise<PresignBenchResult> {
  const setup = options.setup ?? BENCH_SIGNING;
  const log = options.log ?? (() => undefined);
  const sizes = [...options.sizes].sort((a, b) => a - b);
  const largest = sizes[sizes.length - 1];
  const keys = syntheticKeys("cohorts/bench/", largest);
  const floor = floorContestant(setup, keys, largest);
  const project = projectContestant(setup, keys);
  const smithy = smithyContestant(setup, keys);
  const sdk = getSignedUrlContestant(setup, keys);
  const contestants: Contestant[] = [project, sdk, smithy, floor];
  const rows: PresignRow[] = [];
  try {
    const mismatches = await checkEquivalence(
      contestants,
      [...new Set([0, 1, 2, 3, largest - 1])].filter((index) => index < largest),
    );
    if (mismatches.length > 0)
      throw new Error(
        `the signers do not sign the same requests, so their speeds cannot be compared: ${mismatches.join("; ")}`,
      );

    const warmup = Math.min(options.warmup ?? 5_000, largest);
    for (const contestant of contestants) await contestant.run(warmup);

    const repeat = { ...DEFAULT_REPEAT, budgetSeconds: options.budgetSeconds ?? DEFAULT_REPEAT.budgetSeconds };
    const record = (contestant: Contestant, count: number, timing: { seconds: number; runs: number }) =>
      rows.push({
        signer: contestant.id,
        label: SIGNER_LABELS[contestant.id],
        count,
        ...timing,
        ...throughput(count, timing.seconds),
      });
    for (const count of sizes) {
      log(`presign: N = ${count.toLocaleString("en-US")}: crypto floor and project presigner (interleaved)...`);
      const [floorTiming, projectTiming] = await interleavedTimings(
        [() => floor.run(count), () => project.run(count)],
        repeat,
      );
      record(floor, count, floorTiming);
      record(project, count, projectTiming);
      for (const slow of [smithy, sdk]) {
        log(`presign: N = ${count.toLocaleString("en-US")}: ${slow.label}...`);
        const [timing] = await interleavedTimings([() => slow.run(count)], repeat);
        record(slow, count, timing);
      }
    }
  } finally {
    sdk.client.destroy();
  }

  const boto3 = options.boto3
    ? await benchBoto3(setup, keys, sizes, Math.min(options.warmup ?? 5_000, largest), project, rows, log)
    : { available: false, reason: "skipped (--no-boto3)" };
  return { sizes, rows, boto3 };
}

/**
 * boto3 signs a query without X-Amz-Content-Sha256, so its signature differs by design; it must
 * still address the same object with the same credential scope, date and expiry.
 */
export function sameObjectAndScope(url: string, reference: string): boolean {
  const parameter = (from: string, name: string) =>
    from
      .slice(from.indexOf("?") + 1)
      .split("&")
      .find((pair) => pair.startsWith(`${name}=`));
  return (
    url.slice(0, url.indexOf("?")) === reference.slice(0, reference.indexOf("?")) &&
    ["X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-Algorithm"].every(
      (name) => parameter(url, name) !== undefined && parameter(url, name) === parameter(reference, name),
    )
  );
}

export function rowFor(result: PresignBenchResult, signer: SignerId, count: number): PresignRow | undefined {
  return result.rows.find((row) => row.signer === signer && row.count === count);
}
