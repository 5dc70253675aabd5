/**
 * Reading a local file for an upload: opened so that a FIFO or device put in its place never blocks
 * the run, nor a link put in its place leads out of the folder (non-blocking, not following a link,
 * then refused unless it is a regular file of the size listed), read by ranges into memory (each
 * byte once: its checksum is computed from the same buffer that is sent).
 */
import { constants } from "node:fs";
import { FileHandle, open } from "node:fs/promises";
import { AwsError } from "../errors";
import { printable } from "../naming";
import { ChecksumAlgorithm, checksummer, combineCrc, emptyCrc } from "../s3/checksums";

export class LocalFileChanged extends AwsError {}

export async function openListedFile(path: string, size: number, name: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: a file swapped for a link after it was listed is not followed out of the folder.
    // (A link listed and followed is opened by its resolved path, which is no link.)
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ELOOP") throw error;
    throw new LocalFileChanged(
      `${printable(name)} changed while the upload ran (now a symbolic link, listed as a file); nothing of it was kept`,
      { fix: "run the upload again: links are looked at when the folder is read", cause: error },
    );
  }
  const stats = await handle.stat();
  if (!stats.isFile() || stats.size !== size) {
    await handle.close();
    throw new LocalFileChanged(
      `${printable(name)} changed while the upload ran (${stats.isFile() ? `now ${stats.size} bytes, listed with ${size}` : "no longer a regular file"}); nothing of it was kept`,
      { fix: "run the upload again once the file stays put" },
    );
  }
  return handle;
}

/** `length` bytes from `start`, all of them (a file that shrank meanwhile fails). */
export async function readRange(handle: FileHandle, start: number, length: number, name: string): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, start + filled);
    if (bytesRead === 0) {
      throw new LocalFileChanged(`${printable(name)} got shorter while the upload ran`, {
        fix: "run the upload again once the file stays put",
      });
    }
    filled += bytesRead;
  }
  return buffer;
}

/** The checksum of a whole file (comparing with an object), read once in 8 MiB pieces. */
export async function fileChecksum(
  handle: FileHandle,
  size: number,
  algorithm: ChecksumAlgorithm,
  name: string,
  onBytes: (bytes: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const sum = checksummer(algorithm);
  const piece = 8 * 1024 * 1024;
  for (let start = 0; start < size; start += piece) {
    signal?.throwIfAborted();
    const bytes = await readRange(handle, start, Math.min(piece, size - start), name);
    sum.update(bytes);
    onBytes(bytes.length);
  }
  return sum.digest().toString("base64");
}

/** The full-object CRC of consecutive parts from their CRCs (base64) and sizes. */
export function combinedCrc(algorithm: ChecksumAlgorithm, parts: ReadonlyArray<{ checksum: string; size: number }>) {
  return parts
    .reduce(
      (whole, part) => combineCrc(algorithm, whole, Buffer.from(part.checksum, "base64"), part.size),
      emptyCrc(algorithm),
    )
    .toString("base64");
}
