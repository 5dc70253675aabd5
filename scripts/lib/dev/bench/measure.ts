/**
 * Timing for the micro-benchmarks. Contestants whose ratio matters are timed in interleaved rounds
 * (A, B, A, B, ...) and each keeps its median run, so a burst of load on a shared machine hits both
 * alike instead of deciding the ratio; a slow contestant runs as often as the budget allows.
 */

export interface Timing {
  /** Seconds of the median run. */
  seconds: number;
  runs: number;
}

export interface RepeatOptions {
  /** At most this many rounds... */
  maxRounds: number;
  /** ...and no new round once another would take the time spent past this. */
  budgetSeconds: number;
}

export const DEFAULT_REPEAT: RepeatOptions = { maxRounds: 15, budgetSeconds: 3 };

export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Runs every work once per round, in order, for at least one round; the median run of each. */
export async function interleavedTimings(
  works: ReadonlyArray<() => unknown>,
  options: RepeatOptions = DEFAULT_REPEAT,
): Promise<Timing[]> {
  const runs: number[][] = works.map(() => []);
  let spent = 0;
  let rounds = 0;
  do {
    for (const [index, work] of works.entries()) {
      const start = process.hrtime.bigint();
      await work();
      const seconds = secondsSince(start);
      runs[index].push(seconds);
      spent += seconds;
    }
    rounds++;
  } while (rounds < options.maxRounds && spent + spent / rounds <= options.budgetSeconds);
  return runs.map((times) => ({ seconds: median(times), runs: times.length }));
}

export interface Throughput {
  urlsPerSecond: number;
  microsPerUrl: number;
}

export function throughput(count: number, seconds: number): Throughput {
  return { urlsPerSecond: count / seconds, microsPerUrl: (seconds * 1e6) / count };
}
