/**
 * The local side of an upload: every regular file under the folder `--from` names (its contents, not
 * the folder itself), the object key each becomes under `--prefix`, and what S3 will be told it is.
 * Nothing from outside the folder is taken: a symbolic link whose target lies outside it is left out
 * (unless `followLinks`), and so is anything that is not a regular file or a folder (a FIFO, a socket,
 * a device), which is never opened; each is listed with the reason, as is a link loop.
 */
import { lstatSync, readdirSync, realpathSync, Stats, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { UsageError } from "../errors";
import { printable } from "../naming";
import { plural } from "../text-format";

export interface LocalFile {
  /** Absolute path on this machine (a link's target, once resolved). */
  path: string;
  /** The path under the folder, with `/` between its parts: the key under the prefix. */
  relativeKey: string;
  size: number;
}

/** Why an entry under the folder is not uploaded. */
export type LeftOutReason =
  | "a link to outside the folder"
  | "a broken link"
  | "a link loop"
  | "a FIFO"
  | "a socket"
  | "a device"
  | "not a regular file";

export interface LocalFolder {
  files: LocalFile[];
  /** Files and folders whose name starts with "." (.DS_Store, editors' swap files): left out. */
  hidden: string[];
  /** Links out of the folder, link loops and special files: left out, with the reason. */
  leftOut: Array<{ name: string; reason: LeftOutReason }>;
}

/** S3 refuses keys longer than this many bytes of UTF-8. */
const MAX_KEY_BYTES = 1024;

function specialKind(stats: Stats): LeftOutReason {
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isSocket()) return "a socket";
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return "a device";
  return "not a regular file";
}

/** Every file under `folder`, in key order; hidden names, links out and special files left out and listed. */
export function readLocalFolder(folder: string, options: { followLinks?: boolean } = {}): LocalFolder {
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
  const root = realpathSync(folder);
  const inside = (path: string) => path === root || path.startsWith(root + sep);
  const files: LocalFile[] = [];
  const hidden: string[] = [];
  const leftOut: LocalFolder["leftOut"] = [];
  const visit = (directory: string, ancestors: ReadonlySet<string>) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      const relativePath = relative(folder, path);
      if (entry.name.startsWith(".")) {
        hidden.push(relativePath);
        continue;
      }
      // lstat: a link is looked at before anything it points to is touched.
      let stats = lstatSync(path);
      let real = path;
      if (stats.isSymbolicLink()) {
        try {
          real = realpathSync(path);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          leftOut.push({ name: relativePath, reason: code === "ELOOP" ? "a link loop" : "a broken link" });
          continue;
        }
        if (!inside(real) && !options.followLinks) {
          leftOut.push({ name: relativePath, reason: "a link to outside the folder" });
          continue;
        }
        stats = statSync(real);
      }
      if (stats.isDirectory()) {
        const resolved = realpathSync(path);
        if (ancestors.has(resolved)) leftOut.push({ name: relativePath, reason: "a link loop" });
        else visit(path, new Set([...ancestors, resolved]));
      } else if (stats.isFile()) {
        files.push({ path: real, relativeKey: relativePath.split(sep).join("/"), size: stats.size });
      } else {
        leftOut.push({ name: relativePath, reason: specialKind(stats) });
      }
    }
  };
  visit(folder, new Set([root]));
  files.sort((a, b) => (a.relativeKey < b.relativeKey ? -1 : a.relativeKey > b.relativeKey ? 1 : 0));
  if (files.length === 0) {
    const others = hidden.length + leftOut.length;
    throw new UsageError(
      `--from ${printable(folder)} holds no files${others > 0 ? ` to upload (only ${plural(others, "name")} left out)` : ""}`,
      {
        fix: "pass the folder that holds the cohort's files",
      },
    );
  }
  return { files, hidden, leftOut };
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
