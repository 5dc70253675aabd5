/**
 * Checks that every referenced object exists (and is not empty) with one paginated listing per
 * prefix — about one request per 1,000 objects — instead of one HEAD per object; and (unless
 * --no-check-content) that each data file starts as its kind must: the header columns Chromoscope
 * reads for SV, CNV and drivers files, the format's magic numbers for VCF, BAM and their indexes.
 */
import { eachAtOnce } from "../concurrency";
import { ObjectStore } from "../s3/object-store";
import { FILE_SIGNATURES, signatureProblem } from "./file-signatures";
import { fileEntries, FileField, LocatedSample, Problem, sampleLabel } from "./samples";

/** Longest common prefix of the keys, cut back to a "/" so it names a folder. */
export function commonFolder(keys: readonly string[], floor: string): string {
  if (keys.length === 0) return floor;
  let common = keys[0];
  for (const key of keys) {
    let i = 0;
    while (i < common.length && i < key.length && common[i] === key[i]) i++;
    common = common.slice(0, i);
  }
  const folder = common.slice(0, common.lastIndexOf("/") + 1);
  return folder.length >= floor.length ? folder : floor;
}

/**
 * Lists, once per data prefix, the folder that holds all of that prefix's referenced keys; keys
 * whose size a listing already gave (`listedSizes`, from discovery) are not listed again.
 * Returns one problem per missing or empty object.
 */
export async function checkObjectsExist(
  samples: readonly LocatedSample[],
  dataPrefixes: readonly string[],
  store: ObjectStore,
  listedSizes: ReadonlyMap<string, number> = new Map(),
): Promise<{ problems: Problem[]; listings: string[]; unreadable: Set<string> }> {
  // Who uses each key, by reference: a message is formatted only when there is a problem.
  const wanted = new Map<string, Array<{ located: LocatedSample; field: FileField }>>();
  for (const located of samples) {
    for (const [field, key] of fileEntries(located.sample)) {
      const users = wanted.get(key);
      if (users === undefined) wanted.set(key, [{ located, field }]);
      else users.push({ located, field });
    }
  }
  const sizes = new Map<string, number>();
  const listings: string[] = [];
  // Longest data prefix first, so nested prefixes each get their own keys.
  const prefixes = [...dataPrefixes].sort((a, b) => b.length - a.length);
  const keysByPrefix = new Map<string, string[]>();
  for (const key of wanted.keys()) {
    if (listedSizes.has(key)) continue;
    const prefix = prefixes.find((candidate) => key.startsWith(candidate));
    if (prefix === undefined) continue;
    const keys = keysByPrefix.get(prefix) ?? [];
    keys.push(key);
    keysByPrefix.set(prefix, keys);
  }
  for (const [prefix, keys] of keysByPrefix) {
    const folder = commonFolder(keys, prefix);
    listings.push(folder);
    for await (const object of store.list(folder)) {
      if (wanted.has(object.key)) sizes.set(object.key, object.size);
    }
  }
  const problems: Problem[] = [];
  const unreadable = new Set<string>();
  const report = (users: Array<{ located: LocatedSample; field: FileField }>, what: string, fix: string) => {
    for (const { located, field } of users)
      problems.push({ source: sampleLabel(located), message: `${field} ${what}`, fix });
  };
  for (const [key, users] of wanted) {
    const size = listedSizes.get(key) ?? sizes.get(key);
    if (size === undefined || size === 0) unreadable.add(key);
    if (size === undefined)
      report(
        users,
        `s3://${store.bucket}/${key} does not exist`,
        "upload it, or correct the key (keys are case-sensitive)",
      );
    else if (size === 0) report(users, `s3://${store.bucket}/${key} is empty (0 bytes)`, "upload the complete file");
  }
  return { problems, listings, unreadable };
}

/** Header columns Chromoscope reads, per file field. */
export const REQUIRED_HEADERS: Readonly<Record<"sv" | "cnv" | "drivers", readonly string[]>> = {
  sv: ["chrom1", "start1", "end1", "chrom2", "start2", "end2", "sv_id", "strand1", "strand2"],
  cnv: ["chromosome", "start", "end", "total_cn", "major_cn", "minor_cn"],
  drivers: ["chr", "pos", "gene"],
};

export const CONTENT_CHECK_BYTES = 8192;

/** Columns of the first non-empty line (a leading "#" is allowed), or undefined for binary data. */
export function headerColumns(head: Buffer): string[] | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return undefined;
  const firstLine = head
    .toString("utf8")
    .split(/\r?\n/)
    .find((line) => line.trim() !== "");
  return firstLine === undefined
    ? []
    : firstLine
        .replace(/^#/, "")
        .split("\t")
        .map((column) => column.trim());
}

/** Beyond this many files, the check reads a random sample of them (plus the first samples' files). */
export const CONTENT_CHECK_LIMITS: ContentCheckLimits = { files: 1000, firstSamples: 20 };

export interface ContentCheckLimits {
  /** Files read at most beyond the first samples'... */
  files: number;
  /** ...whose files are all read. */
  firstSamples: number;
}

export interface ContentCheck {
  problems: Problem[];
  /** Files read. */
  checked: number;
  /** Files that could be read (present and not empty). */
  files: number;
}

interface ContentJob {
  sampleIndex: number;
  source: string;
  field: FileField;
  key: string;
}

/**
 * Every file of the first `firstSamples` samples, and `files` chosen at random from the rest: a big
 * cohort's mistakes are usually systematic (one pipeline wrote them all), and a lab looks at its
 * first samples first.
 */
function sampleJobs(jobs: ContentJob[], limits: ContentCheckLimits, random: () => number): ContentJob[] {
  if (jobs.length <= limits.files) return jobs;
  const first = jobs.filter((job) => job.sampleIndex < limits.firstSamples);
  const rest = jobs.filter((job) => job.sampleIndex >= limits.firstSamples);
  for (let index = 0; index < Math.min(limits.files, rest.length); index++) {
    const pick = index + Math.floor(random() * (rest.length - index));
    [rest[index], rest[pick]] = [rest[pick], rest[index]];
  }
  return [...first, ...rest.slice(0, limits.files)];
}

/** The problem with one file's first bytes, if any: header columns for text, magic numbers for binary. */
function contentProblem(job: ContentJob, head: Buffer, bucket: string): Problem | undefined {
  const where = `${job.field} s3://${bucket}/${job.key}`;
  if (!(job.field in REQUIRED_HEADERS)) {
    const problem = signatureProblem(job.field, head);
    return problem && { source: job.source, message: `${where} ${problem.message}`, fix: problem.fix };
  }
  const columns = headerColumns(head);
  if (columns === undefined) {
    return {
      source: job.source,
      message: `${where} is gzip-compressed`,
      fix: "upload it uncompressed; Chromoscope reads plain tab-separated text",
    };
  }
  const required = REQUIRED_HEADERS[job.field as keyof typeof REQUIRED_HEADERS];
  const missing = required.filter((column) => !columns.includes(column));
  return missing.length === 0
    ? undefined
    : {
        source: job.source,
        message: `${where} lacks the header column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`,
        fix: `start the file with a tab-separated header: ${required.join(" ")}`,
      };
}

/**
 * Reads the first few KiB of each data file (ranged GETs, a few at a time): the header columns of
 * SV, CNV and drivers files, the format of VCF, BAM and their indexes (see file-signatures).
 */
export async function checkContent(
  samples: readonly LocatedSample[],
  store: ObjectStore,
  options: {
    concurrency?: number;
    skip?: ReadonlySet<string>;
    limits?: ContentCheckLimits;
    random?: () => number;
  } = {},
): Promise<ContentCheck> {
  const { concurrency = 8, skip = new Set<string>(), limits = CONTENT_CHECK_LIMITS, random = Math.random } = options;
  const all: ContentJob[] = [];
  samples.forEach((located, sampleIndex) => {
    for (const [field, key] of fileEntries(located.sample)) {
      // A missing or empty file is reported already; the others are still read.
      if ((field in REQUIRED_HEADERS || FILE_SIGNATURES[field]) && !skip.has(key))
        all.push({ sampleIndex, source: sampleLabel(located), field, key });
    }
  });
  const jobs = sampleJobs(all, limits, random);
  const problems: Problem[] = [];
  await eachAtOnce(jobs, concurrency, async (job) => {
    const head = await store.read(job.key, { start: 0, end: CONTENT_CHECK_BYTES - 1 });
    const problem = contentProblem(job, head, store.bucket);
    if (problem) problems.push(problem);
  });
  return { problems, checked: jobs.length, files: all.length };
}
