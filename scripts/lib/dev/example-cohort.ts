/**
 * A small, realistic, generated hg38 cohort for the demo, the tests and the benchmarks: per sample a
 * BEDPE with Chromoscope's header and valid strands, a CNV TSV with total/major/minor copy numbers,
 * and a drivers TSV. Deterministic for a seed, so runs are reproducible.
 */
import { REQUIRED_HEADERS } from "../cohort/content-check";
import { SampleInput } from "../cohort/samples";
import { seededRandom } from "./seeded-random";
import { manifestCell } from "../cohort/manifest";

/** hg38 chromosome lengths (GRCh38.p14), autosomes and X. */
const HG38_LENGTHS: ReadonlyArray<[string, number]> = [
  ["chr1", 248956422],
  ["chr2", 242193529],
  ["chr3", 198295559],
  ["chr4", 190214555],
  ["chr5", 181538259],
  ["chr6", 170805979],
  ["chr7", 159345973],
  ["chr8", 145138636],
  ["chr9", 138394717],
  ["chr10", 133797422],
  ["chr11", 135086622],
  ["chr12", 133275309],
  ["chr13", 114364328],
  ["chr14", 107043718],
  ["chr15", 101991189],
  ["chr16", 90338345],
  ["chr17", 83257441],
  ["chr18", 80373285],
  ["chr19", 58617616],
  ["chr20", 64444167],
  ["chr21", 46709983],
  ["chr22", 50818468],
  ["chrX", 156040895],
];

/** Well-known cancer drivers at their hg38 positions. */
const DRIVERS: ReadonlyArray<{ chr: string; pos: number; gene: string; ref: string; alt: string }> = [
  { chr: "chr17", pos: 7675088, gene: "TP53", ref: "C", alt: "T" },
  { chr: "chr17", pos: 43094464, gene: "BRCA1", ref: "A", alt: "G" },
  { chr: "chr13", pos: 32340300, gene: "BRCA2", ref: "G", alt: "A" },
  { chr: "chr3", pos: 179234297, gene: "PIK3CA", ref: "A", alt: "G" },
  { chr: "chr12", pos: 25245350, gene: "KRAS", ref: "C", alt: "A" },
  { chr: "chr7", pos: 55191822, gene: "EGFR", ref: "T", alt: "G" },
  { chr: "chr10", pos: 87933147, gene: "PTEN", ref: "C", alt: "T" },
  { chr: "chr9", pos: 21971120, gene: "CDKN2A", ref: "G", alt: "A" },
  { chr: "chr17", pos: 39724775, gene: "ERBB2", ref: "G", alt: "A" },
  { chr: "chr8", pos: 127738263, gene: "MYC", ref: "C", alt: "G" },
];

/** Strands Chromoscope maps to SV classes (docs: "SV Type Mapping Table"). */
const SV_CLASSES: ReadonlyArray<{ svclass: string; strand1: string; strand2: string }> = [
  { svclass: "DEL", strand1: "+", strand2: "-" },
  { svclass: "DUP", strand1: "-", strand2: "+" },
  { svclass: "h2hINV", strand1: "+", strand2: "+" },
  { svclass: "t2tINV", strand1: "-", strand2: "-" },
  { svclass: "TRA", strand1: "+", strand2: "-" },
];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function between(next: () => number, min: number, max: number): number {
  return min + Math.floor(next() * (max - min + 1));
}

export function svBedpe(next: () => number, count: number): string {
  const header = [...REQUIRED_HEADERS.sv.slice(0, 7), "pe_support", "strand1", "strand2", "svclass"];
  const lines = [header.join("\t")];
  for (let i = 1; i <= count; i++) {
    const kind = pick(next, SV_CLASSES);
    const [chrom1, length1] = pick(next, HG38_LENGTHS);
    let chrom2 = chrom1;
    let start2: number;
    const start1 = between(next, 1_000_000, length1 - 2_000_000);
    if (kind.svclass === "TRA") {
      let other = pick(next, HG38_LENGTHS);
      while (other[0] === chrom1) other = pick(next, HG38_LENGTHS);
      chrom2 = other[0];
      start2 = between(next, 1_000_000, other[1] - 2_000_000);
    } else {
      start2 = Math.min(length1 - 1000, start1 + between(next, 5_000, 1_500_000));
    }
    const strands = kind.svclass === "TRA" ? pick(next, SV_CLASSES.slice(0, 4)) : kind;
    lines.push(
      [
        chrom1,
        start1,
        start1 + 1,
        chrom2,
        start2,
        start2 + 1,
        `SV${String(i).padStart(4, "0")}`,
        between(next, 4, 60),
        strands.strand1,
        strands.strand2,
        kind.svclass,
      ].join("\t"),
    );
  }
  return `${lines.join("\n")}\n`;
}

export function cnvTsv(next: () => number): string {
  const lines = [REQUIRED_HEADERS.cnv.join("\t")];
  for (const [chromosome, length] of HG38_LENGTHS) {
    const cuts = Array.from({ length: between(next, 1, 4) }, () => between(next, 1, length - 1)).sort((a, b) => a - b);
    const bounds = [1, ...cuts, length];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const major = between(next, 1, 4);
      const minor = next() < 0.15 ? 0 : between(next, 0, Math.min(major, 2));
      lines.push([chromosome, bounds[i], bounds[i + 1], major + minor, major, minor].join("\t"));
    }
  }
  return `${lines.join("\n")}\n`;
}

export function driversTsv(next: () => number, count: number): string {
  const lines = [[...REQUIRED_HEADERS.drivers, "ref", "alt", "biallelic"].join("\t")];
  const chosen = [...DRIVERS].sort(() => next() - 0.5).slice(0, count);
  for (const driver of chosen) {
    lines.push([driver.chr, driver.pos, driver.gene, driver.ref, driver.alt, next() < 0.3 ? "Yes" : "No"].join("\t"));
  }
  return `${lines.join("\n")}\n`;
}

export interface ExampleFile {
  key: string;
  body: string;
  contentType: string;
}

export interface ExampleSample {
  sample: SampleInput;
  files: ExampleFile[];
}

export interface ExampleCohortOptions {
  /** Where the files go, e.g. "cohorts/demo-breast/"; one folder per sample. */
  prefix: string;
  samples?: number;
  cancer?: string;
  seed?: number;
}

const CANCERS = ["Breast", "Ovary", "Pancreas", "Prostate", "Liver"];

/** The example cohort: samples (with object keys) and the files to upload. */
export function exampleCohort(options: ExampleCohortOptions): ExampleSample[] {
  const next = seededRandom(options.seed ?? 20261127);
  const count = options.samples ?? 3;
  return Array.from({ length: count }, (_, index) => {
    const id = `PD${String(4101 + index)}`;
    const folder = `${options.prefix}${id}/`;
    const files: ExampleFile[] = [
      {
        key: `${folder}${id}.somatic.sv.bedpe`,
        body: svBedpe(next, between(next, 25, 60)),
        contentType: "text/tab-separated-values",
      },
      {
        key: `${folder}${id}.consensus.cna.annotated.tsv`,
        body: cnvTsv(next),
        contentType: "text/tab-separated-values",
      },
      {
        key: `${folder}${id}.drivers.tsv`,
        body: driversTsv(next, between(next, 2, 5)),
        contentType: "text/tab-separated-values",
      },
    ];
    const sample: SampleInput = {
      id,
      cancer: options.cancer ?? CANCERS[index % CANCERS.length],
      assembly: "hg38",
      sv: files[0].key,
      cnv: files[1].key,
      drivers: files[2].key,
      note: `Generated example sample ${index + 1} of ${count}`,
    };
    return { sample, files };
  });
}

/** The cohort as a TSV manifest, as a lab would write it. */
export function exampleManifestTsv(samples: readonly ExampleSample[]): string {
  const columns = ["id", "cancer", "assembly", "sv", "cnv", "drivers", "note"] as const;
  const rows = samples.map(({ sample }) => columns.map((column) => manifestCell(sample[column])).join("\t"));
  return `${[columns.join("\t"), ...rows].join("\n")}\n`;
}
