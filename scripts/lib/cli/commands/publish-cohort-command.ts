import { Command, Option } from "commander";
import { ASSEMBLIES } from "../../cohort/samples";
import { addStackOptions, CliCommand, CliIo, openStack, StackOptions } from "../shell";
import { parseDuration } from "../../text-format";
import { ExitCode, UsageError } from "../../errors";
import { CohortSource } from "../../publication/publish";
import { publishAndReport } from "../output/publication-output";
import {
  addPublicationOutputOptions,
  checkPublicationOptions,
  PublicationOutputOptions,
} from "../output/publication-options";

interface PublishOptions extends StackOptions, PublicationOutputOptions {
  cohort: string;
  manifest?: string;
  prefix?: string;
  cancer?: string;
  assembly?: string;
  expires?: string;
  clamp?: boolean;
  checkContent?: boolean;
}

function cohortSource(options: PublishOptions): CohortSource {
  if (options.manifest !== undefined && options.prefix !== undefined) {
    throw new UsageError("--manifest and --prefix both describe the cohort", { fix: "pass only one of them" });
  }
  if (options.manifest !== undefined) {
    if (options.cancer !== undefined || options.assembly !== undefined) {
      throw new UsageError("--cancer and --assembly go with --prefix; a manifest names them per sample", {
        fix: "put cancer and assembly columns in the manifest",
      });
    }
    return { kind: "manifest", path: options.manifest };
  }
  if (options.prefix !== undefined) {
    if (options.cancer === undefined || options.assembly === undefined) {
      throw new UsageError("--prefix needs --cancer and --assembly (they apply to every discovered sample)", {
        fix: "add e.g. --cancer Breast --assembly hg38, or describe the samples in a --manifest",
      });
    }
    return { kind: "prefix", prefix: options.prefix, cancer: options.cancer, assembly: options.assembly };
  }
  throw new UsageError("no cohort given", {
    fix: "pass --manifest FILE, or --prefix PREFIX --cancer NAME --assembly hg19|hg38",
  });
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("publish-cohort")
      .description(
        "Presign a cohort's files, publish its Chromoscope config privately and print the ready-to-share link.",
      )
      .requiredOption("--cohort <name>", "cohort name shown in Chromoscope (letters, digits, spaces, _ - . , ( ) + ')")
      .option(
        "--manifest <file>",
        "TSV, CSV or JSON manifest: one sample per row, columns named as Chromoscope's fields",
      )
      .option(
        "--prefix <prefix>",
        "discover samples under this key prefix (PREFIX/<sample>/<files> or PREFIX/<sample>.<suffix>)",
      )
      .option("--cancer <name>", "with --prefix: the cancer type of every sample")
      .addOption(new Option("--assembly <assembly>", "with --prefix: the genome assembly").choices([...ASSEMBLIES]))
      .option(
        "--expires <duration>",
        "link lifetime, e.g. 36h or 7d (default: the longest the credentials and the stack allow)",
      )
      .option("--clamp", "shorten --expires to the longest allowed instead of refusing it")
      .option("--viewer-url <url>", "Chromoscope app URL (default: the stack's viewerUrl)")
      .option(
        "--no-check-content",
        "skip reading the start of each data file (header columns of SV, CNV and drivers files; VCF, BAM and index formats)",
      )
      // The check is on by default; the flag that once turned it on is still accepted.
      .addOption(new Option("--check-content").hideHelp())
      .option("--dry-run", "validate and sign, but upload nothing and print no link"),
  );
  addPublicationOutputOptions(command, [
    "The link goes to stdout, everything else to stderr.",
    "Links are bearer tokens: share them only with people who may read the data.",
  ]);
  return command;
}

async function runPublish(options: PublishOptions, io: CliIo): Promise<number> {
  const source = cohortSource(options);
  const expiresSeconds = options.expires === undefined ? undefined : parseDuration(options.expires);
  const { viewerUrl } = checkPublicationOptions(options);
  const stack = await openStack(options, io);
  const { clamp, checkContent, dryRun, out: outFile } = options;
  const request = { cohort: options.cohort, source, expiresSeconds, clamp, viewerUrl, checkContent, dryRun, outFile };
  await publishAndReport(request, options, io, stack, (message) => io.stderr(`warning: ${message}\n`));
  return ExitCode.ok;
}

export function publishCohortCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: PublishOptions) => runPublish(options, io) };
}
