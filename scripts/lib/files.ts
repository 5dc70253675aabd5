/**
 * Local files that may hold links (configs, share pages, link files) are bearer tokens: they are
 * written with mode 0600, atomically (temporary file in the same folder, fsync, rename), so a
 * reader never sees half a file and a crash never leaves one.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { UsageError } from "./errors";
import { printable } from "./naming";

export const PRIVATE_FILE_MODE = 0o600;

export function writePrivateFileAtomic(path: string, content: string | Buffer | readonly Buffer[], option = "--out"): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, "wx", PRIVATE_FILE_MODE);
    const chunks = typeof content === "string" ? [Buffer.from(content)] : Buffer.isBuffer(content) ? [content] : content;
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
