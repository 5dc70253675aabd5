/**
 * Synthetic cohorts of any size for the benchmarks: per sample an SV BEDPE, a CNV TSV and a
 * bgzipped VCF with its tabix index (four fields that validate together), one folder per sample,
 * named the way discovery and the manifest expect. Everything is derived from the sample's index,
 * so a listing can be generated lazily, in S3's key order, without holding the cohort in memory.
 */
import { REQUIRED_HEADERS } from "../../cohort/content-check";
import { ObjectStore, ObjectSummary } from "../../s3/object-store";
import { FileField, SampleInput } from "../../cohort/samples";
import { manifestCell } from "../../cohort/manifest";
import { tbiFile, vcfFile } from "../genomic-fixtures";

export interface SyntheticFile {
  field: FileField;
  /** The file name after `<id>.` */
  suffix: string;
  /** A small body with the start a real file of that kind has. */
  body: Buffer;
}

/** The four files of every sample, in S3 key order of their names. */
export const SYNTHETIC_FILES: readonly SyntheticFile[] = [
  {
    field: "cnv",
    suffix: "consensus.cna.annotated.tsv",
    body: Buffer.from(`${REQUIRED_HEADERS.cnv.join("\t")}\nchr1\t1\t248956422\t2\t1\t1\n`),
  },
  { field: "vcf", suffix: "somatic.snv.vcf.gz", body: vcfFile() },
  { field: "vcfIndex", suffix: "somatic.snv.vcf.gz.tbi", body: tbiFile() },
  {
    field: "sv",
    suffix: "somatic.sv.bedpe",
    body: Buffer.from(
      `${REQUIRED_HEADERS.sv.join("\t")}\nchr1\t1000000\t1000001\tchr1\t2000000\t2000001\tSV0001\t+\t-\n`,
    ),
  },
];

export const FILES_PER_SAMPLE = SYNTHETIC_FILES.length;

/** Where the benchmarks put a cohort of `samples` samples, under the stack's first data prefix. */
export function benchCohortPrefix(dataPrefix: string, samples: number): string {
  return `${dataPrefix}bench-${samples}/`;
}

/** Zero-padded so that key order is index order, as in a real listing. */
export function syntheticSampleId(index: number): string {
  return `PD${String(index + 1).padStart(6, "0")}`;
}

export function syntheticKey(prefix: string, index: number, file: SyntheticFile): string {
  const id = syntheticSampleId(index);
  return `${prefix}${id}/${id}.${file.suffix}`;
}

export function syntheticSample(prefix: string, index: number, cancer = "Breast"): SampleInput {
  const sample: SampleInput = { id: syntheticSampleId(index), cancer, assembly: "hg38" };
  for (const file of SYNTHETIC_FILES) sample[file.field] = syntheticKey(prefix, index, file);
  return sample;
}

/** Every object of a `samples`-sample cohort under `prefix`, in key order, generated as it is read. */
export function* syntheticObjects(prefix: string, samples: number): Generator<ObjectSummary & { body: Buffer }> {
  for (let index = 0; index < samples; index++) {
    for (const file of SYNTHETIC_FILES)
      yield { key: syntheticKey(prefix, index, file), size: file.body.length, body: file.body };
  }
}

/** The first `count` object keys of an endless synthetic cohort (the presign benchmark's input). */
export function syntheticKeys(prefix: string, count: number): string[] {
  const keys: string[] = [];
  for (let index = 0; keys.length < count; index++) {
    for (const file of SYNTHETIC_FILES) if (keys.length < count) keys.push(syntheticKey(prefix, index, file));
  }
  return keys;
}

/** The cohort as a TSV manifest, one row per sample. */
export function syntheticManifestTsv(prefix: string, samples: number, cancer = "Breast"): string {
  const columns = ["id", "cancer", "assembly", ...SYNTHETIC_FILES.map((file) => file.field)] as const;
  const lines = [columns.join("\t")];
  for (let index = 0; index < samples; index++) {
    const sample = syntheticSample(prefix, index, cancer);
    lines.push(columns.map((column) => manifestCell(sample[column])).join("\t"));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * An ObjectStore over a synthetic cohort that exists only as a listing: `list()` generates the
 * summaries S3 would page through, and counts how often it was asked. It holds no data: reads
 * fail, and writes fail too unless `acceptWrites`, when only their sizes are kept.
 */
export class SyntheticListingStore implements ObjectStore {
  readonly listings: string[] = [];
  readonly writes: Array<{ key: string; bytes: number }> = [];

  constructor(
    readonly bucket: string,
    private readonly prefix: string,
    private readonly samples: number,
    private readonly options: { acceptWrites?: boolean } = {},
  ) {}

  // eslint-disable-next-line @typescript-eslint/require-await -- generated in memory; the store's interface is async
  async *list(prefix: string): AsyncIterable<ObjectSummary> {
    this.listings.push(prefix);
    for (const { key, size } of syntheticObjects(this.prefix, this.samples)) {
      if (key.startsWith(prefix)) yield { key, size };
    }
  }

  put(key: string, body: string | Uint8Array): Promise<void> {
    if (!this.options.acceptWrites) return Promise.reject(new Error(`the synthetic listing cannot store ${key}`));
    this.writes.push({ key, bytes: typeof body === "string" ? Buffer.byteLength(body) : body.byteLength });
    return Promise.resolve();
  }

  remove(key: string): Promise<void> {
    return Promise.reject(new Error(`the synthetic listing cannot delete ${key}`));
  }

  /** The start every synthetic file of that kind has (all that the content check reads). */
  read(key: string, range?: { start: number; end: number }): Promise<Buffer> {
    const file = SYNTHETIC_FILES.find(
      (candidate) => key.startsWith(this.prefix) && key.endsWith(`.${candidate.suffix}`),
    );
    if (file === undefined) return Promise.reject(new Error(`the synthetic listing holds no object ${key}`));
    return Promise.resolve(range ? file.body.subarray(range.start, range.end + 1) : file.body);
  }
}
