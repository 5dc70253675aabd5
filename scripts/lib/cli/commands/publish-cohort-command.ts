import { Command, Option } from "commander";
import { ASSEMBLIES } from "../../cohort/samples";
import { addStackOptions, CliIo, interruptibly, openStack, StackOptions } from "../shell";
import { describeKind } from "../../s3/credentials";
import { parseDuration } from "../../text-format";
import { UsageError } from "../../errors";
import { randomHex8 } from "../../naming";
import { terminalProgress } from "../../progress";
import { CohortSource, publishCohort } from "../../publication/publish";
import { npmCommand } from "../output/lifecycle-report";
import {
  addPublicationOutputOptions,
  checkPublicationOutputOptions,
  parseViewerUrlOption,
  PublicationOutputOptions,
  reportInterruptibly,
} from "../output/publication-output";

interface PublishOptions extends StackOptions, PublicationOutputOptions {
  cohort: string;
  manifest?: string;
  prefix?: string;
  cancer?: string;
  assembly?: string;
  expires?: string;
  clamp?: boolean;
  viewerUrl?: string;
  checkContent?: boolean;
  dryRun?: boolean;
}

function cohortSource(options: PublishOptions): CohortSource {
  if (options.manifest !== undefined && options.prefix !== undefined) {
    throw new UsageError("--manifest and --prefix both describe the cohort", { fix: "pass only one of them" });
  }
  if (options.manifest !== undefined) {
    if (options.cancer !== undefined || options.assembly !== undefined) {
      throw new UsageError("--cancer and --assembly go with --prefix; a manifest names them per sample", { fix: "put cancer and assembly columns in the manifest" });
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
  throw new UsageError("no cohort given", { fix: "pass --manifest FILE, or --prefix PREFIX --cancer NAME --assembly hg19|hg38" });
}

export function publishCohortCommand(io: CliIo): Command {
  const command = addStackOptions(
    new Command("publish-cohort")
      .description("Presign a cohort's files, publish its Chromoscope config privately and print the ready-to-share link.")
      .requiredOption("--cohort <name>", "cohort name shown in Chromoscope (letters, digits, spaces, _ - . , ( ) + ')")
      .option("--manifest <file>", "TSV, CSV or JSON manifest: one sample per row, columns named as Chromoscope's fields")
      .option("--prefix <prefix>", "discover samples under this key prefix (PREFIX/<sample>/<files> or PREFIX/<sample>.<suffix>)")
      .option("--cancer <name>", "with --prefix: the cancer type of every sample")
      .addOption(new Option("--assembly <assembly>", "with --prefix: the genome assembly").choices([...ASSEMBLIES]))
      .option("--expires <duration>", "link lifetime, e.g. 36h or 7d (default: the longest the credentials and the stack allow)")
      .option("--clamp", "shorten --expires to the longest allowed instead of refusing it")
      .option("--viewer-url <url>", "Chromoscope app URL (default: the stack's viewerUrl)")
      .option("--check-content", "read the first KiB of each SV, CNV and drivers file and check its header columns")
      .option("--dry-run", "validate and sign, but upload nothing and print no link"),
  );
  addPublicationOutputOptions(command);
  command.addHelpText(
    "after",
    "\nExit codes: 0 published, 1 invalid input (nothing published), 2 usage error, 3 AWS or network error,\n" +
      "130/143 interrupted by SIGINT/SIGTERM (a config not yet recorded in the ledger is removed first).\n" +
      "The link goes to stdout, everything else to stderr. Links are bearer tokens: share them only with people who may read the data.\n",
  );
  command.action(async (options: PublishOptions) => {
    const source = cohortSource(options);
    const expiresSeconds = options.expires === undefined ? undefined : parseDuration(options.expires);
    const viewerUrl = parseViewerUrlOption(options.viewerUrl);
    checkPublicationOutputOptions(options, { dryRun: options.dryRun });
    const stack = await openStack(options, io);
    await interruptibly(io, async (interruption) => {
      const suggest = (script: string, args: readonly string[]) => npmCommand(script, options, args);
      const { clamp, checkContent, dryRun, out: outFile } = options;
      const result = await publishCohort(
        { cohort: options.cohort, source, expiresSeconds, clamp, viewerUrl, checkContent, dryRun, outFile },
        {
          ...stack,
          now: io.now,
          randomHex: randomHex8,
          progress: terminalProgress(io.isTTY && !options.json),
          warn: (message) => io.stderr(`warning: ${message}\n`),
          interruption,
          suggest,
        },
      );
      await reportInterruptibly(result, options, io, describeKind(stack.credentials, io.now()), stack, { interruption, suggest });
    });
  });
  return command;
}
