/**
 * The local side of an upload: every file under the folder `--from` names (its contents, not the
 * folder itself), the object key each becomes under `--prefix`, and what S3 will be told it is.
 */
import { readdirSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { UsageError } from "../errors";
import { printable } from "../naming";
import { plural } from "../text-format";

export interface LocalFile {
  /** Absolute path on this machine. */
  path: string;
  /** The path under the folder, with `/` between its parts: the key under the prefix. */
  relativeKey: string;
  size: number;
}

export interface LocalFolder {
  files: LocalFile[];
  /** Files and folders whose name starts with "." (.DS_Store, editors' swap files): left out. */
  hidden: string[];
}

/** S3 refuses keys longer than this many bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

/** Every file under `folder`, in key order; hidden names left out and listed. */
export function readLocalFolder(folder: string): LocalFolder {
  let top;
  try {
    top = statSync(folder);
  } catch {
    throw new UsageError(`--from ${printable(folder)}: no such folder`, {
      fix: "pass the folder that holds the cohort's files",
    });
  }
  if (!top.isDirectory()) {
    throw new UsageError(`--from ${printable(folder)} is a file, not a folder`, {
      fix: "pass the folder that holds the cohort's files (its contents are uploaded, not the folder itself)",
    });
  }
  const files: LocalFile[] = [];
  const hidden: string[] = [];
  const visit = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      const relativePath = relative(folder, path);
      if (entry.name.startsWith(".")) {
        hidden.push(relativePath);
        continue;
      }
      // statSync follows symbolic links: a linked file is uploaded as the file it points to.
      const stats = statSync(path);
      if (stats.isDirectory()) visit(path);
      else if (stats.isFile()) files.push({ path, relativeKey: relativePath.split(sep).join("/"), size: stats.size });
    }
  };
  visit(folder);
  files.sort((a, b) => (a.relativeKey < b.relativeKey ? -1 : a.relativeKey > b.relativeKey ? 1 : 0));
  if (files.length === 0) {
    throw new UsageError(
      `--from ${printable(folder)} holds no files${hidden.length > 0 ? ` (only ${plural(hidden.length, "hidden name")})` : ""}`,
      {
        fix: "pass the folder that holds the cohort's files",
      },
    );
  }
  return { files, hidden };
}

/** The key names S3 would refuse or mangle, each with the file it came from; empty when all are fine. */
export function keyProblems(prefix: string, files: readonly LocalFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const key = prefix + file.relativeKey;
    if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
      problems.push(`${printable(file.relativeKey)}: its key would be over ${MAX_KEY_BYTES} bytes`);
    } else if (/[\u0000-\u001f\u007f]/.test(key)) {
      problems.push(`${printable(file.relativeKey)}: its name holds a control character`);
    }
  }
  return problems;
}

const CONTENT_TYPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\.(tsv|bedpe)$/i, "text/tab-separated-values"],
  [/\.csv$/i, "text/csv"],
  [/\.txt$/i, "text/plain"],
  [/\.json$/i, "application/json"],
  [/\.(gz|bgz)$/i, "application/gzip"],
  [/\.png$/i, "image/png"],
  [/\.jpe?g$/i, "image/jpeg"],
];

/** The Content-Type S3 stores with the object (BAM, indexes and anything unknown: plain bytes). */
export function contentTypeFor(name: string): string {
  return CONTENT_TYPES.find(([pattern]) => pattern.test(name))?.[1] ?? "application/octet-stream";
}
