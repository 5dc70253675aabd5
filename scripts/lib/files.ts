/**
 * Local files that may hold links (configs, share pages, link files) are bearer tokens: they are
 * written with mode 0600, atomically (temporary file in the same folder, fsync, rename), so a
 * reader never sees half a file and a crash never leaves one.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "./errors";
import { printable } from "./naming";

export const PRIVATE_FILE_MODE = 0o600;

/**
 * The project's root folder (where package.json and Pulumi.yaml are): the Pulumi CLI runs there and the
 * tools find their own files from it. Found by walking up, so it holds wherever this module is loaded from.
 */
export const PROJECT_ROOT = findProjectRoot(__dirname);

function findProjectRoot(start: string): string {
  for (let folder = resolve(start); ; folder = dirname(folder)) {
    if (existsSync(join(folder, "Pulumi.yaml")) && existsSync(join(folder, "package.json"))) return folder;
    if (dirname(folder) === folder)
      throw new Error(`no Pulumi.yaml above ${start}: the tools must run from the project's checkout`);
  }
}

export function writePrivateFileAtomic(
  path: string,
  content: string | Buffer | readonly Buffer[],
  option = "--out",
): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, "wx", PRIVATE_FILE_MODE);
    const chunks =
      typeof content === "string" ? [Buffer.from(content)] : Buffer.isBuffer(content) ? [content] : content;
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(fd, chunk, offset, chunk.length - offset);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temporary);
    } catch {
      // nothing to clean up
    }
    throw new UsageError(`${option} ${printable(path)}: cannot write the file (${(error as Error).message})`, {
      fix: "pass a path in a folder that exists and that you can write",
      cause: error,
    });
  }
}
