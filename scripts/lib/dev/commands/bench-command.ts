/**
 * `npm run bench`: the performance figures of issue #7 in one run, side by side, with PASS/MISS
 * per target (see docs/performance.md). Not part of `npm test`. It prints no presigned URL:
 * the ones it makes are signed with AWS's documentation example key or point at a local server.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command, Option } from "commander";
import { addHelpNotes, CliCommand, CliIo } from "../../cli/shell";
import { ExitCode, UsageError } from "../../errors";
import { writePrivateFileAtomic } from "../../files";
import { formatReport } from "../bench/bench-report";
import { BENCH_SECTIONS, BenchSection, defaultScratch, FULL_SIZES, QUICK_SIZES, runBench } from "../bench/bench-run";

interface BenchOptions {
  quick?: boolean;
  json?: string;
  only?: BenchSection[];
  sizes?: string;
  publishSamples?: string;
  dryRunSamples?: string;
  boto3: boolean;
  scratch?: string;
}

function positiveInteger(value: string, option: string): number {
  const number = Number(value.replace(/_/g, ""));
  if (!/^[\d_]+$/.test(value) || !Number.isSafeInteger(number) || number < 1) {
    throw new UsageError(`${option} ${JSON.stringify(value)} is not a positive whole number`, {
      fix: `pass e.g. ${option} 10000`,
    });
  }
  return number;
}

/** Checked before minutes of measuring, not after. */
function existingFolder(path: string, option: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new UsageError(`${option}: folder ${JSON.stringify(path)} does not exist`, {
      fix: `create it, or pass ${option} with a folder that exists`,
    });
  }
  return path;
}

function defineCommand(): Command {
  const command = new Command("bench")
    .description(
      "Measure the presigner against getSignedUrl, @smithy/signature-v4, boto3 and the crypto floor; a 10,000-sample publish against the local S3 server; " +
        "100,000-sample dry runs from an in-memory listing; access-log parsing against a plain split; and upload-cohort against aws s3 cp and rclone copy on one folder. Prints the figures and PASS/MISS per target.",
    )
    .option(
      "--quick",
      `smaller sizes for a fast look (presign N = ${QUICK_SIZES.presignSizes.join(", ")}; publish ${QUICK_SIZES.publishSamples} samples; dry runs ${QUICK_SIZES.dryRunSamples})`,
    )
    .option("--json <file>", "also write the figures as JSON to this file")
    .addOption(new Option("--only <section...>", "run only these sections").choices([...BENCH_SECTIONS]))
    .option("--sizes <list>", `presign sizes, comma-separated (default ${FULL_SIZES.presignSizes.join(",")})`)
    .option("--publish-samples <n>", `samples of the publish benchmark (default ${FULL_SIZES.publishSamples})`)
    .option("--dry-run-samples <n>", `samples of the dry runs (default ${FULL_SIZES.dryRunSamples})`)
    .option("--no-boto3", "leave boto3 out of the presign benchmark")
    .option(
      "--scratch <dir>",
      "folder for the publish benchmark's objects (default: /dev/shm when writable, else the temporary folder)",
    );
  addHelpNotes(command, [], {
    0: "the figures were measured (whether or not they met their targets)",
    2: "usage error",
  });
  return command;
}

async function runBenchCommand(options: BenchOptions, io: CliIo): Promise<number> {
  const sizes = options.quick ? QUICK_SIZES : FULL_SIZES;
  if (options.json) existingFolder(dirname(resolve(options.json)), "--json");
  const plan = {
    quick: Boolean(options.quick),
    sections: options.only ?? BENCH_SECTIONS,
    presignSizes:
      options.sizes === undefined
        ? sizes.presignSizes
        : options.sizes.split(",").map((size) => positiveInteger(size.trim(), "--sizes")),
    publishSamples:
      options.publishSamples === undefined
        ? sizes.publishSamples
        : positiveInteger(options.publishSamples, "--publish-samples"),
    dryRunSamples:
      options.dryRunSamples === undefined
        ? sizes.dryRunSamples
        : positiveInteger(options.dryRunSamples, "--dry-run-samples"),
    accessLogRecords: sizes.accessLogRecords,
    boto3: options.boto3,
    scratch: options.scratch === undefined ? defaultScratch() : existingFolder(options.scratch, "--scratch"),
    uploadLargeFileBytes: sizes.uploadLargeFileBytes,
    uploadRounds: sizes.uploadRounds,
  };
  const report = await runBench(plan, (line) => io.stderr(`${line}\n`));
  io.stdout(formatReport(report));
  if (options.json) {
    writePrivateFileAtomic(options.json, `${JSON.stringify(report, null, 2)}\n`, "--json");
    io.stderr(`Figures written to ${options.json}.\n`);
  }
  return ExitCode.ok;
}

export function benchCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: BenchOptions) => runBenchCommand(options, io) };
}
