/**
 * Entry point of the in-memory benchmarks' child process (so that its CPU time and peak RSS are
 * its own):
 *
 *   node -r ts-node/register/transpile-only -r scripts/lib/dev/bench/resource-report.ts \
 *     scripts/lib/dev/bench/in-memory-child.ts --samples N --source prefix|manifest [--manifest FILE] [--upload]
 *
 * publishes an N-sample cohort whose objects exist only as a synthetic listing: discovered from it
 * (`prefix`) or read from a TSV manifest and checked against it (`manifest`); as a dry run, or with
 * --upload into a store that keeps only the byte counts of what is written. Prints one JSON line:
 * what was published, how often the bucket was listed, what was written, and the CPU and wall
 * time publishCohort took.
 */
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { fromStackKey } from "../../s3/credentials";
import { randomHex8 } from "../../naming";
import { CohortSource, publishCohort } from "../../publication/publish";
import { parseStackOutputs } from "../../s3/outputs-source";
import { BENCH_BUCKET, localStackOutputs } from "./publish-bench";
import { BENCH_SIGNING } from "./signers";
import { benchCohortPrefix, SyntheticListingStore } from "./synthetic-cohort";

export type InMemorySource = "prefix" | "manifest";

export interface InMemoryChildOutput {
  samples: number;
  urls: number;
  configBytes: number;
  /** Listings the publication asked the store for (discovery's one, and no second for existence). */
  listings: number;
  /** Bytes of every object written (config and ledger entry); 0 on a dry run. */
  writtenBytes: number;
  publishCpuSeconds: number;
  publishWallSeconds: number;
}

async function publishFromListing(
  samples: number,
  sourceKind: InMemorySource,
  manifest: string | undefined,
  upload: boolean,
): Promise<InMemoryChildOutput> {
  const outputs = parseStackOutputs(
    { ...localStackOutputs(BENCH_BUCKET), region: BENCH_SIGNING.region },
    "the benchmark's stack outputs",
  );
  const prefix = benchCohortPrefix(outputs.dataPrefixes[0], samples);
  const store = new SyntheticListingStore(outputs.bucketName, prefix, samples, { acceptWrites: upload });
  const source: CohortSource =
    sourceKind === "prefix"
      ? { kind: "prefix", prefix, cancer: "Breast", assembly: "hg38" }
      : { kind: "manifest", path: manifest ?? "" };
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await publishCohort(
    { cohort: `Bench ${samples}`, source, dryRun: !upload },
    {
      outputs,
      credentials: fromStackKey(BENCH_SIGNING.credentials),
      store,
      now: () => new Date(),
      randomHex: randomHex8,
    },
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    samples: result.sampleIds.length,
    urls: result.urlCount,
    configBytes: result.configBytes,
    listings: store.listings.length,
    writtenBytes: store.writes.reduce((sum, write) => sum + write.bytes, 0),
    publishCpuSeconds: (cpu.user + cpu.system) / 1e6,
    publishWallSeconds: (performance.now() - wallBefore) / 1000,
  };
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      samples: { type: "string" },
      source: { type: "string" },
      manifest: { type: "string" },
      upload: { type: "boolean", default: false },
    },
  });
  const samples = Number(values.samples);
  const source = values.source;
  if (
    !Number.isInteger(samples) ||
    samples < 1 ||
    (source !== "prefix" && source !== "manifest") ||
    (source === "manifest" && !values.manifest)
  ) {
    process.stderr.write(
      "usage: in-memory-child.ts --samples N --source prefix|manifest [--manifest FILE] [--upload]\n",
    );
    process.exitCode = 2;
    return;
  }
  publishFromListing(samples, source, values.manifest, values.upload).then(
    (output) => process.stdout.write(`${JSON.stringify(output)}\n`),
    (error: unknown) => {
      const { message, details } = error as { message?: string; details?: string[] };
      process.stderr.write(
        `error: ${message ?? String(error)}\n${(details ?? [])
          .slice(0, 5)
          .map((line) => `  - ${line}\n`)
          .join("")}`,
      );
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main(process.argv.slice(2));
