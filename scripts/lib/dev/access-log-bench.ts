/**
 * `npm run bench`'s access-log section: how fast access-report's parser reads S3 server access log
 * records into memory, against the plainest reading there is (split the text into lines, each line
 * at every space, and keep them: wrong for quoted fields, but the floor of any reading), over the
 * same text, in interleaved rounds. The records are synthetic but shaped as a viewer's traffic logs:
 * presigned GETs with their whole query, ranged reads, browser user agents, a few refusals.
 */
import { AccessLogRecord, formatAccessLogRecord, parseAccessLog } from "../access/access-log-format";
import { interleavedTimings, RepeatOptions } from "./bench/measure";
import { seededRandom } from "./seeded-random";

export interface AccessLogBenchResult {
  records: number;
  bytes: number;
  parser: { recordsPerSecond: number; runs: number };
  split: { recordsPerSecond: number; runs: number };
  /** Parser throughput over the split baseline's (below 1: slower than the floor). */
  ratio: number;
}

const AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/** `count` records of a viewer reading a cohort through presigned links, from a seeded generator. */
export function syntheticLogText(count: number, seed = 28): string {
  const random = seededRandom(seed);
  const lines: string[] = [];
  const time = Date.UTC(2026, 10, 27, 9);
  for (let index = 0; index < count; index++) {
    const sample = `PD${String(Math.floor(random() * 5000)).padStart(6, "0")}`;
    const key = `cohorts/breast/${sample}/${sample}.${random() < 0.5 ? "bam" : "somatic.sv.bedpe"}`;
    const refused = random() < 0.02;
    const query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD" +
      `&X-Amz-Credential=AKIAEXAMPLEKEY0000${Math.floor(random() * 10)}%2F20261127%2Feu-west-2%2Fs3%2Faws4_request` +
      `&X-Amz-Date=20261127T0${Math.floor(random() * 10)}0000Z&X-Amz-Expires=604800` +
      `&X-Amz-Signature=${"0123456789abcdef".repeat(4)}&X-Amz-SignedHeaders=host`;
    const record: AccessLogRecord = {
      bucketOwner: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
      bucket: "chromoscope-data-bucket-1a2b3c",
      time: new Date(time + index * 250),
      remoteIp: `198.51.100.${Math.floor(random() * 250)}`,
      requester: "arn:aws:iam::123456789012:user/chromoscope-presigner",
      requestId: `${Math.floor(random() * 0xffffffff)
        .toString(16)
        .toUpperCase()
        .padStart(8, "0")}EXAMPLE`,
      operation: "REST.GET.OBJECT",
      key,
      requestUri: `GET /${key}?${query} HTTP/1.1`,
      httpStatus: refused ? 403 : 206,
      errorCode: refused ? "AccessDenied" : undefined,
      bytesSent: refused ? 243 : Math.floor(random() * 1_000_000),
      objectSize: 52_311_000,
      totalTimeMs: Math.floor(random() * 200),
      turnAroundTimeMs: Math.floor(random() * 20),
      referrer: "https://chromoscope.bio/",
      userAgent: AGENT,
      hostId: "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=",
      signatureVersion: "SigV4",
      cipherSuite: "TLS_AES_128_GCM_SHA256",
      authenticationType: "QueryString",
      hostHeader: "chromoscope-data-bucket-1a2b3c.s3.eu-west-2.amazonaws.com",
      tlsVersion: "TLSv1.3",
      appended: [],
    };
    lines.push(formatAccessLogRecord(record));
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The baseline: each line split at every space, nothing more, and kept (as the parser keeps its
 * records: a report needs them all at once).
 */
export function splitBaseline(text: string): string[][] {
  const records: string[][] = [];
  for (const line of text.split("\n")) if (line !== "") records.push(line.split(" "));
  return records;
}

/** Each round takes seconds at the full size: enough rounds for a median that one burst of load does not decide. */
const REPEAT: RepeatOptions = { maxRounds: 9, budgetSeconds: 20 };

export function benchAccessLogParser(
  records: number,
  options: { repeat?: RepeatOptions; log?: (line: string) => void } = {},
): Promise<AccessLogBenchResult> {
  options.log?.(
    `access-log: parsing ${records.toLocaleString("en-US")} records, and the split baseline (interleaved)...`,
  );
  const text = syntheticLogText(records);
  const parsedCount = parseAccessLog(text).records.length;
  if (parsedCount !== records) throw new Error(`the parser read ${parsedCount} of ${records} synthetic records`);
  return interleavedTimings([() => parseAccessLog(text), () => splitBaseline(text)], options.repeat ?? REPEAT).then(
    ([parser, split]) => {
      const rate = (seconds: number) => records / seconds;
      return {
        records,
        bytes: Buffer.byteLength(text),
        parser: { recordsPerSecond: rate(parser.seconds), runs: parser.runs },
        split: { recordsPerSecond: rate(split.seconds), runs: split.runs },
        ratio: split.seconds / parser.seconds,
      };
    },
  );
}
