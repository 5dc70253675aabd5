/**
 * The Chromoscope side: the config document and the link that opens it.
 *
 * Link rules (hms-dbmi/chromoscope src/App.tsx): the app takes the raw remainder of the query after
 * `external=` without decoding it and strips only `&demoIndex`, `&example` and `&domain`. So the
 * presigned config URL goes last and unencoded; `cohortId` (URL-encoded) comes before it, or the
 * app keeps showing its default demo sample; `showSamples=false` hides the sample panel.
 */
import { fileEntries, FILE_FIELDS, LocatedSample, SampleInput } from "../cohort/samples";
import { VIEWER_URL_RULE, viewerUrlProblem } from "../../../components/address-rules";

/** Field order in the published config: Chromoscope's own order. */
const CONFIG_FIELD_ORDER: ReadonlyArray<keyof SampleInput> = [
  "id",
  "cancer",
  "assembly",
  ...FILE_FIELDS.slice(0, 9),
  "note",
  "thumbnail",
];

/** Builds one published sample: every file field replaced by the URL `sign` returns for its key. */
export function publishedSample(sample: SampleInput, sign: (key: string) => string): Record<string, unknown> {
  const signed = new Map(fileEntries(sample).map(([field, key]) => [field, sign(key)]));
  const out: Record<string, unknown> = {};
  for (const field of CONFIG_FIELD_ORDER) {
    const value = signed.get(field as never) ?? sample[field];
    if (value !== undefined && value !== "") out[field] = value;
  }
  return out;
}

export interface BuiltConfig {
  /** UTF-8 JSON of `{ "name": cohort, "samples": [...] }`, in blocks of about 1 MiB. */
  chunks: Buffer[];
  byteLength: number;
  urlCount: number;
  sampleCount: number;
}

/** Large enough that a block holds hundreds of samples; the last block's unused tail is at most this. */
const CONFIG_BLOCK_BYTES = 1 << 20;

/**
 * Appends UTF-8 text to large blocks: no allocation per sample and no slack per sample (a small
 * Buffer per sample would come from Node's 8 KiB pool, wasting about an eighth of a big config).
 */
class BlockWriter {
  private readonly blocks: Buffer[] = [];
  private block = Buffer.alloc(0);
  private used = 0;
  byteLength = 0;

  write(text: string): void {
    const length = Buffer.byteLength(text, "utf8");
    if (length > this.block.length - this.used) {
      this.seal();
      this.block = Buffer.alloc(Math.max(CONFIG_BLOCK_BYTES, length));
      this.used = 0;
    }
    this.used += this.block.write(text, this.used, "utf8");
    this.byteLength += length;
  }

  finish(): Buffer[] {
    this.seal();
    this.block = Buffer.alloc(0);
    return this.blocks;
  }

  private seal(): void {
    if (this.used > 0) this.blocks.push(this.block.subarray(0, this.used));
  }
}

/**
 * Serialises the config sample by sample, so a 100,000-sample cohort is held once, as bytes,
 * not as objects plus a string plus bytes.
 */
export function buildConfig(
  cohort: string,
  samples: readonly LocatedSample[],
  sign: (key: string) => string,
  onSample?: () => void,
): BuiltConfig {
  const writer = new BlockWriter();
  writer.write(`{"name":${JSON.stringify(cohort)},"samples":[`);
  let urlCount = 0;
  const counting = (key: string) => {
    urlCount++;
    return sign(key);
  };
  samples.forEach(({ sample }, index) => {
    writer.write(index === 0 ? "\n" : ",\n");
    writer.write(JSON.stringify(publishedSample(sample, counting)));
    onSample?.();
  });
  writer.write("\n]}\n");
  const chunks = writer.finish();
  return { chunks, byteLength: writer.byteLength, urlCount, sampleCount: samples.length };
}

export interface LinkParts {
  viewerUrl: string;
  cohort: string;
  configUrl: string;
  /** Opens sample `demoIndex` (0-based) of the cohort. */
  demoIndex?: number;
}

export function chromoscopeLink({ viewerUrl, cohort, configUrl, demoIndex }: LinkParts): string {
  const problem = viewerUrlProblem(viewerUrl);
  if (problem !== undefined) throw new Error(`viewer URL ${viewerUrl} ${problem}: expected ${VIEWER_URL_RULE}`);
  const link = `${viewerUrl}?showSamples=false&cohortId=${encodeURIComponent(cohort)}&external=${configUrl}`;
  return demoIndex === undefined ? link : `${link}&demoIndex=${demoIndex}`;
}

/** Reads a link back the way Chromoscope does (raw remainder after `external=`). */
export function parseChromoscopeLink(link: string): {
  viewerUrl: string;
  cohortId: string | null;
  external: string | null;
  demoIndex: number | null;
} {
  const queryStart = link.indexOf("?");
  const viewerUrl = queryStart < 0 ? link : link.slice(0, queryStart);
  const search = queryStart < 0 ? "" : link.slice(queryStart);
  const params = new URLSearchParams(search);
  let external: string | null = null;
  if (search.includes("external=")) {
    external = search.split("external=")[1];
    for (const known of ["&demoIndex", "&example", "&domain"]) external = external.split(known)[0];
  }
  const demoIndex = params.get("demoIndex");
  return {
    viewerUrl,
    cohortId: params.get("cohortId"),
    external,
    demoIndex: demoIndex === null ? null : Number(demoIndex),
  };
}

/** Whether links open the public Chromoscope, whose page loads Google Analytics. */
export function opensPublicChromoscope(viewerUrl: string): boolean {
  return /^(www\.)?chromoscope\.bio$/i.test(new URL(viewerUrl).hostname);
}

/** Said once wherever a link to the public Chromoscope is handed out (command output, share page, README). */
export const PUBLIC_VIEWER_NOTICE =
  "chromoscope.bio loads Google Analytics, which records the page address, this link included, and the link is a key to the cohort's data. " +
  'For controlled-access data, host the viewer yourself (stack setting viewer: "self-hosted"), or open the config file with Chromoscope\'s upload dialog, which keeps the key out of every address.';
