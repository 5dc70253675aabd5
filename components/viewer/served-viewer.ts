/**
 * What the self-hosted viewer serves, made from a lab's plain Chromoscope build: every file of the
 * build under `app/`, its index.html and scripts changed as chromoscope-changes.ts says, and the
 * project's start-up files under `app/startup/`. One transformation (build folder → served files:
 * key → bytes) for the stack's folder sync and the demo's local viewer, so both serve the same
 * bytes. It only reads the build folder, never writes into it.
 *
 * Pure Node, no Pulumi runtime (the sync's dynamic provider runs it serialized, where no ts-node is).
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { inlineScriptHashes, VIEWER_INDEX_KEY, VIEWER_KEY_PREFIX } from "../viewer-site";
import {
  AUDITED_CHROMOSCOPE_COMMIT,
  ownOriginIndexHtml,
  redirectStartupFetches,
  STARTUP_FILES,
  STARTUP_REDIRECTS,
  VIEWER_STARTUP_PREFIX,
} from "./chromoscope-changes";

/** One file as the viewer serves it. */
export interface ServedFile {
  /** Its key (and path): `app/…`. */
  readonly key: string;
  /** Hex SHA-256 of the served bytes. */
  readonly sha256: string;
  /** Hex MD5 of the served bytes: the ETag S3 lists for them (a single-part upload to an SSE-S3 bucket). */
  readonly md5: string;
  readonly size: number;
  /** "build": the build's file as it is; "changed": the build's file, changed; "added": a start-up file. */
  readonly origin: "build" | "changed" | "added";
  /** The served bytes (a build file is read again from the build folder). */
  read(): Buffer;
}

export interface ServedViewer {
  /** Every served file, sorted by key. */
  readonly files: readonly ServedFile[];
  /** SHA-256 over every file's key and hash: changes exactly when what is served does. */
  readonly digest: string;
  /** listingDigest of the files: what a listing of the viewer bucket's app/ must add up to. */
  readonly listingDigest: string;
  /** `'sha256-…'` sources of the served index.html's inline scripts, which the CSP allows. */
  readonly scriptHashes: readonly string[];
  /** What was changed, one line each (e.g. "removed the third-party script <script …>"). */
  readonly applied: readonly string[];
  /** What could not be applied, each with what the viewer then needs: a warning for the lab. */
  readonly notApplied: readonly string[];
}

/**
 * The project's start-up files (components/viewer/startup-files), found from this module
 * wherever it runs from: the sources, or the compiled copy under dist/.
 */
export const VIEWER_STARTUP_FOLDER = findStartupFolder(__dirname);

function findStartupFolder(start: string): string {
  for (let folder = start; ; folder = dirname(folder)) {
    const candidate = join(folder, "components", "viewer", "startup-files");
    if (existsSync(join(candidate, "README.md"))) return candidate;
    if (dirname(folder) === folder) return join(start, "startup-files");
  }
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");

/**
 * SHA-256 over every key and MD5 (ETag), in key order: computed alike from the served files (the
 * stack's `viewerFilesDigest` output) and from a listing of the bucket (the doctor), equal exactly when
 * every object under app/ holds the served bytes and nothing else is there.
 */
export function listingDigest(files: ReadonlyArray<{ key: string; md5: string }>): string {
  const sorted = [...files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const digest = createHash("sha256");
  for (const file of sorted) digest.update(`${file.key}\0${file.md5}\n`);
  return digest.digest("hex");
}
const isScript = (key: string) => /\.m?js$/i.test(key);

function fromBytes(key: string, bytes: Buffer, origin: ServedFile["origin"]): ServedFile {
  return { key, sha256: sha256(bytes), md5: md5(bytes), size: bytes.length, origin, read: () => bytes };
}

/** The served files of the Chromoscope build in `buildFolder` (read only) and the project's start-up files. */
export function servedViewer(buildFolder: string, startupFolder = VIEWER_STARTUP_FOLDER): ServedViewer {
  const files = new Map<string, ServedFile>();
  const applied: string[] = [];
  const redirected = STARTUP_REDIRECTS.map(() => 0);
  const visit = (directory: string) => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (statSync(path).isFile()) {
        const key = VIEWER_KEY_PREFIX + relative(buildFolder, path).split(sep).join("/");
        const bytes = readFileSync(path);
        const changed = changedFile(key, bytes, applied, redirected);
        files.set(
          key,
          changed === undefined
            ? {
                key,
                sha256: sha256(bytes),
                md5: md5(bytes),
                size: bytes.length,
                origin: "build",
                read: () => readFileSync(path),
              }
            : fromBytes(key, changed, "changed"),
        );
      }
    }
  };
  visit(buildFolder);
  STARTUP_REDIRECTS.forEach((redirect, index) => {
    if (redirected[index] > 0) {
      applied.push(`pointed ${redirect.what} at /${VIEWER_STARTUP_PREFIX}${redirect.file} (${redirected[index]}×)`);
    }
  });
  for (const name of STARTUP_FILES) {
    const key = VIEWER_STARTUP_PREFIX + name;
    if (files.has(key)) applied.push(`served the project's ${key} instead of the build's file of that name`);
    files.set(key, fromBytes(key, readFileSync(join(startupFolder, name)), "added"));
  }
  const notApplied = STARTUP_REDIRECTS.filter((_, index) => redirected[index] === 0).map(
    (redirect) =>
      `not found in the build's scripts, so not redirected: ${redirect.what}, which ${AUDITED_CHROMOSCOPE_COMMIT} fetches as it starts; ${redirect.ifMissing}`,
  );
  const sorted = [...files.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const digest = createHash("sha256");
  for (const file of sorted) digest.update(`${file.key}\0${file.sha256}\n`);
  const index = files.get(VIEWER_INDEX_KEY);
  return {
    files: sorted,
    digest: digest.digest("hex"),
    listingDigest: listingDigest(sorted),
    scriptHashes: index === undefined ? [] : inlineScriptHashes(index.read().toString("utf8")),
    applied,
    notApplied,
  };
}

/** The served bytes of one build file when they differ from the build's, else undefined. */
function changedFile(key: string, bytes: Buffer, applied: string[], redirected: number[]): Buffer | undefined {
  if (key === VIEWER_INDEX_KEY) {
    const { html, removed } = ownOriginIndexHtml(bytes.toString("utf8"));
    applied.push(...removed.map((what) => `removed ${what} from index.html`));
    return removed.length > 0 ? Buffer.from(html, "utf8") : undefined;
  }
  if (!isScript(key)) return undefined;
  const { script, counts } = redirectStartupFetches(bytes.toString("utf8"));
  counts.forEach((count, index) => (redirected[index] += count));
  return counts.some((count) => count > 0) ? Buffer.from(script, "utf8") : undefined;
}

/** The served files by key, for a server that answers requests (the demo's local viewer). */
export function servedFilesByKey(viewer: ServedViewer): ReadonlyMap<string, ServedFile> {
  return new Map(viewer.files.map((file) => [file.key, file]));
}
