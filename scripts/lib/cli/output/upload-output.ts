/** What upload-cohort says: what it leaves out, what it transfers, what it did, the manifest it writes. */
import { problemReport } from "../../cohort/samples";
import { writePrivateFileAtomic } from "../../files";
import { printable } from "../../naming";
import { plural } from "../../text-format";
import { FolderUploadResult } from "../../upload/folder-upload";
import { readLocalFolder } from "../../upload/local-folder";
import { TransferSource } from "../../upload/cohort-transfer";
import { uploadManifest } from "../../upload/upload-manifest";
import type { CliIo } from "../shell";
import { formatBytes } from "./progress-bar";

type LocalFolder = ReturnType<typeof readLocalFolder>;

/** The folder's hidden names, and the entries left out because they would read outside it or block. */
export function reportLeftOut(folder: LocalFolder, io: Pick<CliIo, "stderr">): void {
  if (folder.hidden.length > 0) {
    io.stderr(
      `Leaving out ${plural(folder.hidden.length, "hidden name")} (starting with "."): ${folder.hidden.slice(0, 5).join(", ")}${folder.hidden.length > 5 ? ", …" : ""}\n`,
    );
  }
  if (folder.leftOut.length > 0) {
    io.stderr(
      `Leaving out ${plural(folder.leftOut.length, "entry", "entries")} that would take data from outside the folder or block:\n`,
    );
    for (const entry of folder.leftOut.slice(0, 20)) io.stderr(`  ${printable(entry.name)}: ${entry.reason}\n`);
    if (folder.leftOut.length > 20) io.stderr(`  … and ${folder.leftOut.length - 20} more\n`);
  }
}

/** The line before the transfer: how much from where to where. */
export function announceTransfer(
  source: TransferSource,
  options: { from: string; dryRun?: boolean },
  where: string,
  io: Pick<CliIo, "stderr">,
): void {
  if (source.kind === "folder") {
    const total = source.files.reduce((sum, file) => sum + file.size, 0);
    io.stderr(
      `${options.dryRun ? "Checking" : "Uploading"} ${plural(source.files.length, "file")} (${formatBytes(total)}) from ${options.from} to ${where}\n`,
    );
  } else {
    io.stderr(
      `${options.dryRun ? "Checking" : "Copying"} s3://${source.place.bucket}/${source.place.prefix} to ${where} (server-side: no bytes pass through this machine)\n`,
    );
  }
}

export function reportTransfer(
  result: FolderUploadResult,
  seconds: number,
  where: string,
  dryRun: boolean,
  io: CliIo,
): void {
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

interface ManifestOptions {
  manifestOut?: string;
  cancer?: string;
  assembly?: string;
  dryRun?: boolean;
}

/** Writes --manifest-out from the uploaded keys; says what it renamed, ignored and left out. */
export async function writeManifest(
  keys: readonly string[],
  prefix: string,
  bucket: string,
  options: ManifestOptions,
  io: Pick<CliIo, "stderr">,
): Promise<{ written: { file: string; samples: number }; leftOut: number } | undefined> {
  if (options.manifestOut === undefined) return undefined;
  if (options.dryRun) {
    io.stderr(`Dry run: ${options.manifestOut} not written.\n`);
    return undefined;
  }
  const built = await uploadManifest([...keys], {
    prefix,
    cancer: options.cancer!,
    assembly: options.assembly!,
    bucket,
  });
  writePrivateFileAtomic(options.manifestOut, built.tsv, "--manifest-out");
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
  const leftOut = built.problems.length;
  if (leftOut > 0) {
    io.stderr(`The manifest leaves out samples with ${plural(leftOut, "problem")}:\n`);
    for (const line of problemReport(built.problems, [])) io.stderr(`  ${line}\n`);
  }
  return { written: { file: options.manifestOut, samples: built.samples }, leftOut };
}

/** publish-cohort's arguments for what was uploaded: the manifest written, or the prefix to discover. */
export function nextPublishArgs(manifestFile: string | undefined, prefix: string, options: ManifestOptions): string[] {
  return manifestFile
    ? ["--cohort", "NAME", "--manifest", manifestFile]
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
}
