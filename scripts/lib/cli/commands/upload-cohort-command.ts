/**
 * `upload-cohort`: puts a cohort's files into the bucket with the caller's own AWS credentials (on
 * AWS the presigner key only reads), so that `publish-cohort` can share them.
 */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { keyPrefixProblem, KEY_PREFIX_RULE } from "../../../../components/address-rules";
import { StackOutputs } from "../../../../components/stack-outputs";
import { ASSEMBLIES } from "../../cohort/samples";
import { ExitCode, UsageError } from "../../errors";
import { printable } from "../../naming";
import { callerCredentials } from "../caller-stack";
import { plural } from "../../text-format";
import { keyProblems, readLocalFolder } from "../../upload/local-folder";
import { DEFAULT_PART_SIZE, MIN_PART_SIZE } from "../../upload/folder-upload";
import { bucketLocation } from "../../upload/bucket-copy";
import { TransferSource, transferCohort } from "../../upload/cohort-transfer";
import { npmCommand } from "../output/lifecycle-report";
import { stderrStream, terminalTransferProgress } from "../output/progress-bar";
import {
  announceTransfer,
  nextPublishArgs,
  reportLeftOut,
  reportTransfer,
  writeManifest,
} from "../output/upload-output";
import {
  addHelpNotes,
  addStackOptions,
  CliCommand,
  CliIo,
  endpointFor,
  integerOption,
  interruptibly,
  readStackOutputs,
  StackOptions,
  validateEndpoint,
} from "../shell";

interface UploadOptions extends StackOptions {
  from: string;
  prefix: string;
  concurrency: string;
  partSize: string;
  manifestOut?: string;
  cancer?: string;
  assembly?: string;
  dryRun?: boolean;
  json?: boolean;
  followLinks?: boolean;
}

const MIB = 1024 * 1024;

/** The --prefix as a key prefix (ending in "/") inside one of the stack's data prefixes. */
function uploadPrefix(value: string, outputs: StackOutputs): string {
  const prefix = value.endsWith("/") ? value : `${value}/`;
  if (keyPrefixProblem(prefix) !== undefined) {
    throw new UsageError(`--prefix ${printable(value)} is not a key prefix`, { fix: `use ${KEY_PREFIX_RULE}` });
  }
  if (!outputs.dataPrefixes.some((dataPrefix) => prefix.startsWith(dataPrefix))) {
    throw new UsageError(`--prefix ${printable(value)} is not inside a data prefix of the stack`, {
      fix: `upload under ${outputs.dataPrefixes.map((dataPrefix) => `${dataPrefix}<cohort>/`).join(" or ")}: only data prefixes can be presigned`,
    });
  }
  return prefix;
}

/** What the help says besides the options: credentials, resuming, checksums, sample ids, exit codes. */
function addUploadHelp(command: Command): void {
  addHelpNotes(
    command,
    [
      "Credentials: your own, from the AWS chain (AWS_PROFILE, aws sso login, environment); only S3 is called.",
      "An interrupted upload resumes when run again: files already uploaded are skipped, and a large file",
      "resumes from the parts S3 holds (found by listing: nothing is kept on this machine).",
      "An object without a CRC-64/NVME (or other full-object) checksum, e.g. stored by another tool before S3",
      "kept checksums, is uploaded again rather than downloaded to compare.",
      'Sample ids in --manifest-out come from the folder names (or flat file names up to their first "."),',
      "with characters an id may not hold replaced by _.",
    ],
    {
      0: "uploaded (or nothing to do)",
      1: "uploaded, but --manifest-out left samples out (listed)",
      3: "AWS or network error",
      "130/143": "interrupted: run it again to resume",
    },
  );
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("upload-cohort")
      .description(
        "Upload a local folder's files under a data prefix with your own AWS credentials: large files in parts, several at once, " +
          "each with a CRC-64/NVME checksum S3 validates; files already there with the same size and checksum (as S3 stored it) are skipped, " +
          "and an interrupted file resumes from the parts S3 holds.",
      )
      .requiredOption(
        "--from <folder>",
        "the local folder whose contents (not the folder itself) are uploaded, or s3://<bucket>/<prefix>/ to copy a cohort from a bucket you can read (server-side)",
      )
      .requiredOption(
        "--prefix <prefix>",
        "the key prefix to upload under, inside a data prefix, e.g. cohorts/pcawg-breast/",
      )
      .option("--concurrency <n>", "files uploaded at once", "4")
      .option(
        "--part-size <MiB>",
        "part size of multipart uploads, in MiB (at least 5)",
        String(DEFAULT_PART_SIZE / MIB),
      )
      .option(
        "--manifest-out <file>",
        "also write the manifest publish-cohort takes (overwritten), with --cancer and --assembly",
      )
      .option("--cancer <name>", "with --manifest-out: the cancer type of every sample")
      .addOption(
        new Option("--assembly <assembly>", "with --manifest-out: the genome assembly").choices([...ASSEMBLIES]),
      )
      .option(
        "--follow-links",
        "also upload what symbolic links to outside --from point to (by default they are left out and listed)",
      )
      .option("--dry-run", "say what would be uploaded and skipped, and send (or write) nothing")
      .option("--json", "print what was uploaded and skipped as JSON on stdout"),
  );
  addUploadHelp(command);
  return command;
}

/** --from: a bucket prefix, or a local folder read (names that cannot be keys refused, others left out said). */
function uploadSource(options: UploadOptions, prefix: string, io: CliIo): TransferSource {
  const place = bucketLocation(options.from);
  if (place) return { kind: "bucket", place };
  const folder = readLocalFolder(resolve(options.from), { followLinks: options.followLinks });
  const badKeys = keyProblems(prefix, folder.files);
  if (badKeys.length > 0) {
    throw new UsageError(`${plural(badKeys.length, "file")} under --from cannot become S3 keys; nothing was uploaded`, {
      details: badKeys.slice(0, 50),
      fix: "rename those files and run the command again",
    });
  }
  reportLeftOut(folder, io);
  return { kind: "folder", files: folder.files };
}

/** The numbers of --concurrency and --part-size, and --manifest-out's companions checked. */
function transferOptions(options: UploadOptions): { concurrency: number; partSize: number } {
  const concurrency = integerOption("--concurrency", options.concurrency, 1, 64, "pass e.g. --concurrency 4");
  const minPart = MIN_PART_SIZE / MIB;
  const partSize =
    integerOption("--part-size", options.partSize, minPart, 5 * 1024, `pass e.g. --part-size ${minPart}`) * MIB;
  if (options.manifestOut !== undefined && (options.cancer === undefined || options.assembly === undefined)) {
    throw new UsageError("--manifest-out needs --cancer and --assembly (they go in every row)", {
      fix: "add e.g. --cancer Breast --assembly hg38",
    });
  }
  return { concurrency, partSize };
}

async function runUpload(options: UploadOptions, io: CliIo): Promise<number> {
  const numbers = transferOptions(options);
  const flag = validateEndpoint(options.endpoint);
  const outputs = await readStackOutputs(options, io);
  const prefix = uploadPrefix(options.prefix, outputs);
  const source = uploadSource(options, prefix, io);
  const credentials = await callerCredentials(outputs, io, {
    doing: "uploading",
    onAws: "can read the data prefixes but not write them",
  });
  const endpoint = endpointFor(flag, outputs);
  const connection = { region: outputs.region, credentials: credentials.credentials, endpoint, ...io.s3 };
  const where = `s3://${outputs.bucketName}/${prefix}`;
  announceTransfer(source, options, where, io);
  const started = Date.now();
  const into = { bucket: outputs.bucketName, prefix };
  const progress = terminalTransferProgress(io.isTTY, stderrStream(io));
  const transfer = { ...numbers, dryRun: options.dryRun, progress };
  const result = await interruptibly(io, (interruption) =>
    transferCohort(source, into, connection, { ...transfer, interruption }),
  );
  const seconds = (Date.now() - started) / 1000;
  reportTransfer(result, seconds, where, Boolean(options.dryRun), io);
  const manifest = await writeManifest(result.keys, prefix, outputs.bucketName, options, io);
  if (options.json) {
    const figures = { bucket: outputs.bucketName, prefix, dryRun: Boolean(options.dryRun), ...result, seconds };
    io.stdout(`${JSON.stringify({ ...figures, ...(manifest ? { manifest: manifest.written } : {}) }, null, 2)}\n`);
  } else if (!options.dryRun) {
    io.stderr(
      `Next: ${npmCommand("publish-cohort", options, nextPublishArgs(manifest?.written.file, prefix, options))}\n`,
    );
  }
  return manifest && manifest.leftOut > 0 ? ExitCode.validation : ExitCode.ok;
}

export function uploadCohortCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: UploadOptions) => runUpload(options, io) };
}
