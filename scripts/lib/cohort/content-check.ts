/**
 * The content check (unless --no-check-content): each data file starts as its kind must, read from
 * its first few KiB: the header columns Chromoscope reads for SV, CNV and drivers files, the format's
 * magic numbers for VCF, BAM and their indexes (file-signatures.ts). Files that do not exist or are
 * empty are existence.ts's to report.
 */
import { eachAtOnce } from "../concurrency";
import { ObjectStore } from "../s3/object-store";
import { FILE_SIGNATURES, signatureProblem } from "./file-signatures";
import { fileEntries, FileField, LocatedSample, Problem, sampleLabel } from "./samples";

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
