/**
 * Chromoscope's sample fields (type `SampleType` in hms-dbmi/chromoscope `src/data/samples.ts`)
 * as far as a manifest can set them, and the checks a sample must pass before anything is signed.
 */
import { sampleIdProblem } from "../naming";
import { closestWord, plural } from "../text-format";

/** Fields whose value is an object in the bucket, presigned in the published config. */
export const FILE_FIELDS = [
  "sv",
  "cnv",
  "drivers",
  "vcf",
  "vcfIndex",
  "vcf2",
  "vcf2Index",
  "bam",
  "bai",
  "thumbnail",
] as const;
export type FileField = (typeof FILE_FIELDS)[number];

export const TEXT_FIELDS = ["id", "cancer", "assembly", "note"] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

/** Manifest columns, named as Chromoscope's fields. */
export const MANIFEST_COLUMNS: readonly string[] = [
  ...TEXT_FIELDS.filter((field) => field !== "note"),
  ...FILE_FIELDS.filter((field) => field !== "thumbnail"),
  "note",
  "thumbnail",
];
export const REQUIRED_FIELDS = ["id", "cancer", "assembly", "sv", "cnv"] as const;
export const ASSEMBLIES = ["hg19", "hg38"] as const;
export type Assembly = (typeof ASSEMBLIES)[number];

/** Data file and its index; Chromoscope loads the track only when both are set. */
export const FILE_PAIRS: ReadonlyArray<readonly [FileField, FileField]> = [
  ["vcf", "vcfIndex"],
  ["vcf2", "vcf2Index"],
  ["bam", "bai"],
];

/** Names people (and Chromoscope's own scripts) write for a field, mapped to the real one. */
export const COLUMN_ALIASES: Readonly<Record<string, string>> = {
  bamindex: "bai",
  bam_index: "bai",
  baiurl: "bai",
  vcfindex: "vcfIndex",
  vcf_index: "vcfIndex",
  tbi: "vcfIndex",
  vcf2index: "vcf2Index",
  vcf2_index: "vcf2Index",
  sample: "id",
  sample_id: "id",
  sampleid: "id",
  cancer_type: "cancer",
  cancertype: "cancer",
  genome: "assembly",
  reference: "assembly",
  driver: "drivers",
  cna: "cnv",
  cn: "cnv",
  bedpe: "sv",
  notes: "note",
};

/** A driver given inline (JSON manifests only), as Chromoscope reads it. */
export type InlineDriver = Record<string, string | number | boolean | null>;

/** One sample as the manifest or discovery resolved it: file fields hold object keys. */
export interface SampleInput {
  id: string;
  cancer: string;
  assembly: string;
  note?: string;
  sv?: string;
  cnv?: string;
  drivers?: string | InlineDriver[];
  vcf?: string;
  vcfIndex?: string;
  vcf2?: string;
  vcf2Index?: string;
  bam?: string;
  bai?: string;
  thumbnail?: string;
}

/** A sample with its origin, for messages ("row 4", "cohorts/x/PD1/"). */
export interface LocatedSample {
  sample: SampleInput;
  /** Where the sample came from, e.g. "row 4" or "s3://bucket/cohorts/pcawg/PD1/". */
  source: string;
}

/** A problem found in the input, reported with the others before anything is written. */
export interface Problem {
  source: string;
  message: string;
  fix: string;
}

/**
 * How problems name a sample: its origin and, when it has a valid id, the id (`line 4 (PD1)`). One
 * function, so that the problems of one sample group together whichever check found them.
 */
export function sampleLabel({ source, sample }: LocatedSample): string {
  const id = (sample as Partial<SampleInput> | null)?.id;
  return typeof id === "string" && sampleIdProblem(id) === undefined ? `${source} (${id})` : source;
}

export function formatProblem(problem: Problem): string {
  return `${problem.source}: ${problem.message} (fix: ${problem.fix})`;
}

/** Lines of a problem report at most: a manifest with a mistake in every row stays readable. */
export const MAX_PROBLEM_LINES = 50;

/**
 * Problems as report lines, grouped by sample in the cohort's order (`sampleSources`; problems of no
 * sample first), at most MAX_PROBLEM_LINES of them and then how many more there are.
 */
export function problemReport(problems: readonly Problem[], sampleSources: readonly string[]): string[] {
  const rank = new Map(sampleSources.map((source, index) => [source, index]));
  const bySource = new Map<string, Problem[]>();
  for (const problem of problems) {
    const group = bySource.get(problem.source);
    if (group === undefined) bySource.set(problem.source, [problem]);
    else group.push(problem);
  }
  const order = (source: string) => rank.get(source) ?? -1;
  const grouped = [...bySource.entries()].sort(([a], [b]) => order(a) - order(b)).flatMap(([, group]) => group);
  const lines = grouped.slice(0, MAX_PROBLEM_LINES).map(formatProblem);
  const rest = grouped.length - lines.length;
  if (rest > 0)
    lines.push(`… and ${plural(rest, "more problem")} (${plural(bySource.size, "sample")} with problems in all)`);
  return lines;
}

/** The file fields set on a sample, with their keys, in field order. */
export function fileEntries(sample: SampleInput): Array<[FileField, string]> {
  const entries: Array<[FileField, string]> = [];
  for (const field of FILE_FIELDS) {
    const value = sample[field];
    if (typeof value === "string" && value !== "") entries.push([field, value]);
  }
  return entries;
}

/** Closest known column for a typo, by edit distance (at most 2 edits), or undefined. */
export function suggestColumn(name: string): string | undefined {
  return COLUMN_ALIASES[name.toLowerCase()] ?? closestWord(name, MANIFEST_COLUMNS);
}
