/**
 * `upload-cohort`: puts a cohort's files into the bucket with the caller's own AWS credentials (on
 * AWS the presigner key only reads), so that `publish-cohort` can share them.
 */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { keyPrefixProblem, KEY_PREFIX_RULE } from "../../../../components/address-rules";
import { StackOutputs } from "../../../../components/stack-outputs";
import { ASSEMBLIES, problemReport } from "../../cohort/samples";
import { ExitCode, UsageError } from "../../errors";
import { writePrivateFileAtomic } from "../../files";
import { printable } from "../../naming";
import { fromCredentialChain, fromStackKey, ResolvedCredentials } from "../../s3/credentials";
import { createS3Client, s3ObjectStore } from "../../s3/object-store";
import { stackKey } from "../../s3/outputs-source";
import { plural } from "../../text-format";
import { keyProblems, readLocalFolder } from "../../upload/local-folder";
import { DEFAULT_PART_SIZE, FolderUploadResult, MIN_PART_SIZE, uploadFolder } from "../../upload/folder-upload";
import { uploadManifest } from "../../upload/upload-manifest";
import { bucketLocation, copyFromBucket } from "../../upload/bucket-copy";
import { npmCommand } from "../output/lifecycle-report";
import { formatBytes, stderrStream, terminalTransferProgress } from "../output/progress-bar";
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

/**
 * The caller's credentials from the AWS chain. With none there, a stand-in stack (the demo's local
 * server, named in its outputs) is written with its presigner key, which that server accepts.
 */
async function uploaderCredentials(outputs: StackOutputs, io: CliIo): Promise<ResolvedCredentials> {
  const key = stackKey(outputs);
  let resolved: ResolvedCredentials;
  try {
    resolved = await fromCredentialChain(io.credentialProvider);
  } catch (error) {
    if (outputs.endpoint === undefined || key === undefined) throw error;
    resolved = fromStackKey(key);
  }
  const presignerKeys = new Set([key?.accessKeyId, ...(outputs.accessKeys ?? []).map((slot) => slot.accessKeyId)]);
  if (presignerKeys.has(resolved.credentials.accessKeyId)) {
    io.stderr(
      `warning: uploading with the stack's presigner key ${resolved.credentials.accessKeyId}, which on AWS can read the data prefixes but not write them; trying anyway (a local server accepts it). ` +
        "On AWS, use your own credentials (AWS_PROFILE, aws sso login, or environment variables).\n",
    );
  }
  return resolved;
}

function report(result: FolderUploadResult, seconds: number, where: string, dryRun: boolean, io: CliIo): void {
  const bytes = (files: FolderUploadResult["uploaded"]) => formatBytes(files.reduce((sum, file) => sum + file.size, 0));
  const skipped =
    result.skipped.length > 0
      ? `; ${plural(result.skipped.length, "file")} (${bytes(result.skipped)}) already there with the same size and checksum (as S3 stored it), skipped`
      : "";
  const kept = result.uploaded.filter((file) => file.kept !== undefined);
  const resumed =
    kept.length > 0
      ? `; resumed ${plural(kept.length, "file")} from the parts S3 held (${formatBytes(kept.reduce((sum, file) => sum + file.kept!.bytes, 0))} not sent again)`
      : "";
  if (dryRun) {
    io.stderr(
      `Dry run: would upload ${plural(result.uploaded.length, "file")} (${bytes(result.uploaded)}) to ${where}${skipped}. Nothing was sent.\n`,
    );
    for (const file of result.uploaded) io.stderr(`  ${file.key} (${file.reason})\n`);
    return;
  }
  const rate = seconds > 0 && result.bytesSent > 0 ? `, ${formatBytes(result.bytesSent / seconds)}/s` : "";
  io.stderr(
    `Uploaded ${plural(result.uploaded.length, "file")} (${bytes(result.uploaded)}) to ${where} in ${seconds.toFixed(1)} s${rate}${resumed}${skipped}.\n`,
  );
}

// eslint-disable-next-line max-lines-per-function -- too long still: to be split
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
  return command;
}

// eslint-disable-next-line max-lines-per-function -- too long still: to be split
async function runUpload(options: UploadOptions, io: CliIo): Promise<number> {
  const concurrency = integerOption("--concurrency", options.concurrency, 1, 64, "pass e.g. --concurrency 4");
  const minPart = MIN_PART_SIZE / MIB;
  const partSize =
    integerOption("--part-size", options.partSize, minPart, 5 * 1024, `pass e.g. --part-size ${minPart}`) * MIB;
  if (options.manifestOut !== undefined && (options.cancer === undefined || options.assembly === undefined)) {
    throw new UsageError("--manifest-out needs --cancer and --assembly (they go in every row)", {
      fix: "add e.g. --cancer Breast --assembly hg38",
    });
  }
  const flag = validateEndpoint(options.endpoint);
  const outputs = await readStackOutputs(options, io);
  const prefix = uploadPrefix(options.prefix, outputs);
  const bucketSource = bucketLocation(options.from);
  const folder = bucketSource
    ? undefined
    : readLocalFolder(resolve(options.from), { followLinks: options.followLinks });
  const badKeys = folder ? keyProblems(prefix, folder.files) : [];
  if (badKeys.length > 0) {
    throw new UsageError(`${plural(badKeys.length, "file")} under --from cannot become S3 keys; nothing was uploaded`, {
      details: badKeys.slice(0, 50),
      fix: "rename those files and run the command again",
    });
  }
  if (folder && folder.hidden.length > 0) {
    io.stderr(
      `Leaving out ${plural(folder.hidden.length, "hidden name")} (starting with "."): ${folder.hidden.slice(0, 5).join(", ")}${folder.hidden.length > 5 ? ", …" : ""}\n`,
    );
  }
  if (folder && folder.leftOut.length > 0) {
    io.stderr(
      `Leaving out ${plural(folder.leftOut.length, "entry", "entries")} that would take data from outside the folder or block:\n`,
    );
    for (const entry of folder.leftOut.slice(0, 20)) io.stderr(`  ${printable(entry.name)}: ${entry.reason}\n`);
    if (folder.leftOut.length > 20) io.stderr(`  … and ${folder.leftOut.length - 20} more\n`);
  }
  const credentials = await uploaderCredentials(outputs, io);
  const connection = {
    region: outputs.region,
    credentials: credentials.credentials,
    endpoint: endpointFor(flag, outputs),
    ...io.s3,
  };
  const client = createS3Client(connection);
  const target = {
    client,
    store: s3ObjectStore(client, outputs.bucketName, connection.callTimeoutMs),
    bucket: outputs.bucketName,
  };
  const where = `s3://${outputs.bucketName}/${prefix}`;
  const progress = terminalTransferProgress(io.isTTY, stderrStream(io));
  // A bucket in another region answers with a redirect the SDK follows.
  const sourceClient = bucketSource ? createS3Client({ ...connection, followRegionRedirects: true }) : undefined;
  if (folder) {
    const total = folder.files.reduce((sum, file) => sum + file.size, 0);
    io.stderr(
      `${options.dryRun ? "Checking" : "Uploading"} ${plural(folder.files.length, "file")} (${formatBytes(total)}) from ${options.from} to ${where}\n`,
    );
  } else {
    io.stderr(
      `${options.dryRun ? "Checking" : "Copying"} s3://${bucketSource!.bucket}/${bucketSource!.prefix} to ${where} (server-side: no bytes pass through this machine)\n`,
    );
  }
  const started = Date.now();
  const result = await interruptibly(io, (interruption) =>
    sourceClient
      ? copyFromBucket(
          {
            client: sourceClient,
            store: s3ObjectStore(sourceClient, bucketSource!.bucket, connection.callTimeoutMs),
            ...bucketSource!,
          },
          prefix,
          target,
          { concurrency, dryRun: options.dryRun, interruption, progress },
        )
      : uploadFolder(folder!.files, prefix, target, {
          concurrency,
          partSize,
          dryRun: options.dryRun,
          interruption,
          progress,
        }).then((uploaded) => ({ ...uploaded, keys: folder!.files.map((file) => prefix + file.relativeKey) })),
  ).finally(() => {
    client.destroy();
    sourceClient?.destroy();
  });
  const seconds = (Date.now() - started) / 1000;
  report(result, seconds, where, Boolean(options.dryRun), io);

  let manifest: { file: string; samples: number } | undefined;
  let leftOut = 0;
  if (options.manifestOut !== undefined && options.dryRun) {
    io.stderr(`Dry run: ${options.manifestOut} not written.\n`);
  } else if (options.manifestOut !== undefined) {
    const built = await uploadManifest(result.keys, {
      prefix,
      cancer: options.cancer!,
      assembly: options.assembly!,
      bucket: outputs.bucketName,
    });
    writePrivateFileAtomic(options.manifestOut, built.tsv, "--manifest-out");
    manifest = { file: options.manifestOut, samples: built.samples };
    io.stderr(`Wrote the manifest of ${plural(built.samples, "sample")} to ${options.manifestOut}.\n`);
    if (built.renamed.length > 0) {
      io.stderr(
        `Sample ids hold only letters, digits and _ . : + -, so ${plural(built.renamed.length, "name")} became ${built.renamed.length === 1 ? "an id" : "ids"} with _: ${built.renamed
          .slice(0, 5)
          .map(([name, id]) => `${printable(name)} → ${id}`)
          .join(", ")}${built.renamed.length > 5 ? ", …" : ""}\n`,
      );
    }
    if (built.ignored.length > 0) {
      io.stderr(
        `${plural(built.ignored.length, "uploaded file")} belong${built.ignored.length === 1 ? "s" : ""} to no sample (unknown suffix, or deeper than a sample folder): ${built.ignored.slice(0, 3).join(", ")}${built.ignored.length > 3 ? ", …" : ""}\n`,
      );
    }
    leftOut = built.problems.length;
    if (leftOut > 0) {
      io.stderr(`The manifest leaves out samples with ${plural(leftOut, "problem")}:\n`);
      for (const line of problemReport(built.problems, [])) io.stderr(`  ${line}\n`);
    }
  }
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ bucket: outputs.bucketName, prefix, dryRun: Boolean(options.dryRun), ...result, seconds, ...(manifest ? { manifest } : {}) }, null, 2)}\n`,
    );
  } else if (!options.dryRun) {
    const next = manifest
      ? ["--cohort", "NAME", "--manifest", manifest.file]
      : [
          "--cohort",
          "NAME",
          "--prefix",
          prefix,
          "--cancer",
          options.cancer ?? "TYPE",
          "--assembly",
          options.assembly ?? "hg38",
        ];
    io.stderr(`Next: ${npmCommand("publish-cohort", options, next)}\n`);
  }
  return leftOut > 0 ? ExitCode.validation : ExitCode.ok;
}

export function uploadCohortCommand(io: CliIo): CliCommand {
  return { command: defineCommand(), run: (options: UploadOptions) => runUpload(options, io) };
}
