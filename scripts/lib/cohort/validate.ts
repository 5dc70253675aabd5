/**
 * Checks samples before anything is signed or written: required fields, assemblies, ids, pairs,
 * file types Chromoscope can read once presigned, and object keys the presigner may read.
 * Existence is checked separately against listings (see existence.ts).
 */
import { printable, SAMPLE_ID_RULE, sampleIdProblem } from "../naming";
import {
  ASSEMBLIES,
  FILE_FIELDS,
  FILE_PAIRS,
  FileField,
  LocatedSample,
  Problem,
  REQUIRED_FIELDS,
  sampleLabel,
  SampleInput,
} from "./samples";

export interface KeyRules {
  bucket: string;
  /** Prefixes the presigner may read; every data file must be under one of them. */
  dataPrefixes: readonly string[];
}

const MAX_KEY_BYTES = 1024;
const MAX_CANCER_LENGTH = 100;
const MAX_NOTE_LENGTH = 4000;

/** What each file field must end with (lower-cased), and the fix when it does not. */
const FILE_SUFFIXES: Partial<Record<FileField, { suffixes: string[]; fix: string }>> = {
  vcf: { suffixes: [".vcf.gz"], fix: "give a bgzipped VCF (.vcf.gz) with a tabix index (.tbi)" },
  vcf2: { suffixes: [".vcf.gz"], fix: "give a bgzipped VCF (.vcf.gz) with a tabix index (.tbi)" },
  vcfIndex: { suffixes: [".tbi"], fix: "give the tabix index (.vcf.gz.tbi); Chromoscope cannot read CSI indexes" },
  vcf2Index: { suffixes: [".tbi"], fix: "give the tabix index (.vcf.gz.tbi); Chromoscope cannot read CSI indexes" },
  bam: { suffixes: [".bam"], fix: "give a BAM file (.bam)" },
  bai: { suffixes: [".bai"], fix: "give the BAM index (.bam.bai or .bai)" },
};

/**
 * Turns a manifest file value into an object key of the stack's bucket, or explains why not.
 * Values are object keys (`cohorts/pcawg/PD1.bedpe`) or `s3://<bucket>/<key>` URIs.
 */
export function resolveObjectKey(
  value: string,
  rules: KeyRules,
): { key?: string; problem?: { message: string; fix: string } } {
  let key = value;
  if (/^s3:\/\//i.test(value)) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/i.exec(value);
    if (!match)
      return {
        problem: { message: `${printable(value)} is not an s3://bucket/key URI`, fix: "write s3://<bucket>/<key>" },
      };
    if (match[1] !== rules.bucket) {
      return {
        problem: {
          message: `${printable(value)} is in bucket "${match[1]}", not the stack's bucket "${rules.bucket}"`,
          fix: `copy the object into s3://${rules.bucket}/${rules.dataPrefixes[0]} and reference it there`,
        },
      };
    }
    key = match[2];
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    return {
      problem: {
        message: `${printable(value)} is a URL`,
        fix: "give the object key in the stack's bucket (e.g. cohorts/pcawg/PD1.bedpe), not a URL",
      },
    };
  }
  if (key.startsWith("/") || /^[A-Za-z]:[\\/]/.test(key)) {
    return {
      problem: {
        message: `${printable(value)} is an absolute path`,
        fix: `give the object key relative to the bucket, e.g. ${rules.dataPrefixes[0]}...`,
      },
    };
  }
  if (key.includes("\\")) {
    return { problem: { message: `${printable(value)} contains a backslash`, fix: "separate key segments with /" } };
  }
  if (/[\u0000-\u001F\u007F]/.test(key)) {
    return { problem: { message: `${printable(value)} contains control characters`, fix: "remove them from the key" } };
  }
  if (key.split("/").some((segment) => segment === ".." || segment === ".")) {
    return {
      problem: {
        message: `${printable(value)} has a "." or ".." segment`,
        fix: "give the object's full key without relative segments",
      },
    };
  }
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    return {
      problem: {
        message: `${printable(value)} is longer than S3's 1,024-byte key limit`,
        fix: "use the object's real key",
      },
    };
  }
  if (!rules.dataPrefixes.some((prefix) => key.startsWith(prefix))) {
    return {
      problem: {
        message: `${printable(value)} is outside the data prefixes (${rules.dataPrefixes.join(", ")}), which are all the presigner may read`,
        fix: "move the object under a data prefix, or add its prefix to the stack's dataPrefixes and run pulumi up",
      },
    };
  }
  return { key };
}

/** How to make a missing index, for the fix line: the command that writes it, from the data file's name. */
function indexFix(data: FileField, index: FileField, value: string): string {
  const file = value.slice(value.lastIndexOf("/") + 1);
  const [command, suffix] = data === "bam" ? ["samtools index", ".bai"] : ["tabix -p vcf", ".tbi"];
  return (
    `set ${index} too (Chromoscope loads the ${data} track only with its index): make it with \`${command} ${file}\`, ` +
    `upload the ${suffix} next to it and name it in ${index}`
  );
}

export interface ValidatedSamples {
  /** Samples with no problem, file values resolved to keys: what may be published. */
  samples: LocatedSample[];
  problems: Problem[];
  /**
   * Every sample whose shape is sound, with the file fields that resolved to keys (the others left
   * out): the existence and content checks read these too, so a sample's missing index, empty file
   * and mislabelled file are all reported in one run.
   */
  checkable: LocatedSample[];
}

type Report = (message: string, fix: string) => void;

/**
 * Reports what is wrong with a sample's own fields: missing, an id taken already (`firstSourceById`
 * records each id's first sample), unsupported, too long, a data file without its index.
 */
function reportFieldProblems(
  sample: SampleInput,
  source: string,
  firstSourceById: Map<string, string>,
  report: Report,
): void {
  for (const field of REQUIRED_FIELDS) {
    if (sample[field] === undefined || sample[field] === "")
      report(`${field} is missing`, `set ${field} (required by Chromoscope)`);
  }
  if (sample.id !== undefined) {
    const idProblem = sampleIdProblem(sample.id);
    if (idProblem) report(`id ${printable(sample.id)} ${idProblem}`, `use ${SAMPLE_ID_RULE}`);
    const first = firstSourceById.get(sample.id);
    if (first)
      report(
        `id ${printable(sample.id)} is also used by ${first}`,
        "give every sample a unique id (Chromoscope caches thumbnails by id)",
      );
    else firstSourceById.set(sample.id, source);
  }
  if (sample.assembly !== undefined && !(ASSEMBLIES as readonly string[]).includes(sample.assembly)) {
    report(`assembly ${printable(sample.assembly)} is not supported`, `use ${ASSEMBLIES.join(" or ")}`);
  }
  if (
    sample.cancer !== undefined &&
    (sample.cancer.length > MAX_CANCER_LENGTH || /[\u0000-\u001F\u007F]/.test(sample.cancer))
  ) {
    report(
      "cancer is too long or contains control characters",
      `give a cancer type of at most ${MAX_CANCER_LENGTH} characters`,
    );
  }
  if (sample.note !== undefined && sample.note.length > MAX_NOTE_LENGTH) {
    report(`note is ${sample.note.length} characters long`, `keep notes under ${MAX_NOTE_LENGTH} characters`);
  }
  for (const [data, index] of FILE_PAIRS) {
    const dataValue = sample[data];
    if (typeof dataValue === "string" && dataValue !== "" && !sample[index])
      report(`${data} is set without ${index}`, indexFix(data, index, dataValue));
    if (!sample[data] && sample[index])
      report(`${index} is set without ${data}`, `set ${data} too, or remove ${index}`);
  }
}

/**
 * The sample with its file values resolved to keys (a value that is no key left out); reports each
 * value that is no key or has the wrong suffix.
 */
function resolveFiles(sample: SampleInput, rules: KeyRules, report: Report): SampleInput {
  const resolved: SampleInput = { ...sample };
  for (const field of FILE_FIELDS) {
    const value = sample[field];
    if (typeof value !== "string" || value === "") continue;
    const { key, problem } = resolveObjectKey(value, rules);
    if (problem) {
      report(`${field}: ${problem.message}`, problem.fix);
      delete resolved[field];
      continue;
    }
    resolved[field] = key;
    const lower = key!.toLowerCase();
    const rule = FILE_SUFFIXES[field];
    if (rule && !rule.suffixes.some((suffix) => lower.endsWith(suffix)))
      report(`${field} ${printable(value)} is not a ${rule.suffixes.join(" or ")} file`, rule.fix);
    if (field === "drivers" && lower.endsWith(".json")) {
      report(
        `drivers ${printable(value)} is a .json file, which Chromoscope cannot recognise once presigned (it reads the URL's last "." suffix)`,
        "give drivers as a TSV file (chr, pos, gene, ...) or inline in a JSON manifest",
      );
    }
  }
  return resolved;
}

/**
 * Validates every sample and returns them with file values resolved to keys. Problems are
 * collected, never thrown, so that the caller reports them all together.
 */
export function validateSamples(located: readonly LocatedSample[], rules: KeyRules): ValidatedSamples {
  const problems: Problem[] = [];
  const firstSourceById = new Map<string, string>();
  const samples: LocatedSample[] = [];
  const checkable: LocatedSample[] = [];
  for (const { sample, source } of located) {
    const before = problems.length;
    // Samples come from manifests and from the ledger (refresh), which anyone with write access to
    // the bucket could have edited: anything but a string (or inline drivers) is refused, not trusted.
    const shapeProblems = shapeOf(sample);
    if (shapeProblems.length > 0) {
      for (const message of shapeProblems)
        problems.push({
          source,
          message,
          fix: "give every field as a string (drivers may be an inline list in a JSON manifest)",
        });
      continue;
    }
    const report = (message: string, fix: string) =>
      problems.push({ source: sampleLabel({ source, sample }), message, fix });

    reportFieldProblems(sample, source, firstSourceById, report);
    const resolved = resolveFiles(sample, rules, report);
    checkable.push({ sample: resolved, source });
    if (problems.length === before) samples.push({ sample: resolved, source });
  }
  return { samples, problems, checkable };
}

/** What is wrong with the shape of a sample (not an object, fields that are not strings), if anything. */
function shapeOf(sample: unknown): string[] {
  if (typeof sample !== "object" || sample === null || Array.isArray(sample))
    return [
      `is ${sample === null ? "null" : Array.isArray(sample) ? "a list" : `a ${typeof sample}`}, not a sample object`,
    ];
  const problems: string[] = [];
  for (const [field, value] of Object.entries(sample)) {
    if (value === undefined || typeof value === "string") continue;
    if (
      field === "drivers" &&
      Array.isArray(value) &&
      value.every((driver) => typeof driver === "object" && driver !== null && !Array.isArray(driver))
    )
      continue;
    problems.push(
      `${field} is ${value === null ? "null" : Array.isArray(value) ? "a list" : `a ${typeof value}`}, not a string`,
    );
  }
  return problems;
}
