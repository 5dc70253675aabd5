/**
 * Reads a cohort manifest (TSV, CSV or JSON; one sample per row or object, columns named as
 * Chromoscope's fields) into samples. Every problem is collected with its line or index, so the
 * user sees all of them at once; nothing here touches the network.
 */
import { readFileSync, statSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { UsageError, ValidationError } from "../errors";
import { printable } from "../naming";
import { InlineDriver, LocatedSample, MANIFEST_COLUMNS, Problem, SampleInput, suggestColumn } from "./samples";

export type ManifestFormat = "tsv" | "csv" | "json";

/** Longest value a manifest cell may hold (notes included); keys are at most 1,024 bytes anyway. */
export const MAX_FIELD_LENGTH = 16_384;
/** A manifest larger than this is refused before parsing (about 1.5 million samples). */
export const MAX_MANIFEST_BYTES = 512 * 1024 * 1024;

export interface ParsedManifest {
  format: ManifestFormat;
  samples: LocatedSample[];
  problems: Problem[];
}

export function detectFormat(path: string, text: string): ManifestFormat {
  const extension = extname(path).toLowerCase();
  if (extension === ".json") return "json";
  if (extension === ".csv") return "csv";
  if (extension === ".tsv" || extension === ".tab") return "tsv";
  const start = text.trimStart();
  if (start.startsWith("[") || start.startsWith("{")) return "json";
  const firstLine = start.split(/\r?\n/, 1)[0];
  return firstLine.includes("\t") ? "tsv" : "csv";
}

/** Reads and parses a manifest file; throws only for an unreadable or non-text file. */
export function readManifest(path: string): ParsedManifest {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new UsageError(`--manifest ${printable(path)}: cannot read the file`, {
      fix: "pass the path of a TSV, CSV or JSON manifest that exists",
      cause: error,
    });
  }
  if (size > MAX_MANIFEST_BYTES) {
    throw new ValidationError(
      `--manifest ${printable(path)} is ${size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`,
      {
        fix: "split the cohort into several manifests",
      },
    );
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--manifest ${printable(path)}: ${code === "EISDIR" ? "is a folder" : `cannot read the file (${code ?? (error as Error).message})`}`,
      {
        fix: "pass the path of a TSV, CSV or JSON manifest file",
        cause: error,
      },
    );
  }
  return parseManifest(path, bytes);
}

export function parseManifest(path: string, bytes: Buffer): ParsedManifest {
  const text = decodeText(path, bytes);
  const format = detectFormat(path, text);
  const problems: Problem[] = [];
  const samples = format === "json" ? parseJsonManifest(text, problems) : parseDelimited(text, format, problems);
  if (samples.length === 0 && problems.length === 0) {
    problems.push({ source: "manifest", message: "holds no samples", fix: "add one row (or JSON object) per sample" });
  }
  return { format, samples, problems };
}

function decodeText(path: string, bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ValidationError(`--manifest ${printable(path)} is not UTF-8 text`, {
      fix: "save the manifest as UTF-8 TSV, CSV or JSON",
    });
  }
  // TextDecoder drops a leading BOM; anything else invisible-but-binary is refused.
  if (/[\u0000-\u0008\u000E-\u001F\u007F]/.test(text)) {
    throw new ValidationError(`--manifest ${printable(path)} contains binary data (control characters)`, {
      fix: "save the manifest as plain UTF-8 TSV, CSV or JSON",
    });
  }
  return text;
}

function columnProblem(column: string, source: string): Problem {
  const suggestion = suggestColumn(column);
  return {
    source,
    message: `unknown column ${printable(column)}`,
    fix: suggestion ? `rename it to "${suggestion}"` : `use only Chromoscope's fields: ${MANIFEST_COLUMNS.join(", ")}`,
  };
}

type DelimitedRecord = { record: string[]; info: { lines: number } };

/** The manifest's records with their line numbers, or undefined (and a problem) when it does not parse. */
function readRecords(text: string, format: "tsv" | "csv", problems: Problem[]): DelimitedRecord[] | undefined {
  try {
    return parseCsv(text, {
      delimiter: format === "tsv" ? "\t" : ",",
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      max_record_size: MAX_FIELD_LENGTH * MANIFEST_COLUMNS.length,
    }) as unknown as DelimitedRecord[];
  } catch (error) {
    const { code, lines } = error as { code?: string; lines?: number };
    if (code === "CSV_MAX_RECORD_SIZE") {
      problems.push({
        source: `line ${lines}`,
        message: `is longer than ${MAX_FIELD_LENGTH * MANIFEST_COLUMNS.length} bytes`,
        fix: `keep every field under ${MAX_FIELD_LENGTH} characters`,
      });
      return undefined;
    }
    const detail = error instanceof Error ? error.message.replace(/\s+/g, " ") : String(error);
    problems.push({
      source: "manifest",
      message: `is not valid ${format.toUpperCase()}: ${detail}`,
      fix: "check quoting and delimiters",
    });
    return undefined;
  }
}

/** What is wrong with the header's columns: none that is a field, no id, empty, repeated or unknown names. */
function headerProblems(columns: readonly string[], headerSource: string, format: "tsv" | "csv"): Problem[] {
  const known = columns.filter((column) => MANIFEST_COLUMNS.includes(column));
  if (known.length === 0 || !columns.includes("id")) {
    const looksLikeData = known.length === 0;
    return [
      {
        source: headerSource,
        message: looksLikeData ? "the first line is not a header" : 'the header has no "id" column',
        fix: `start the manifest with a header line naming the columns, e.g. ${["id", "cancer", "assembly", "sv", "cnv"].join(format === "tsv" ? "<TAB>" : ",")}`,
      },
    ];
  }
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (column === "") {
      problems.push({
        source: headerSource,
        message: "has an empty column name",
        fix: "name every column or remove the empty one",
      });
    } else if (seen.has(column)) {
      problems.push({
        source: headerSource,
        message: `names the column ${printable(column)} twice`,
        fix: "keep one column per field",
      });
    } else if (!MANIFEST_COLUMNS.includes(column)) {
      problems.push(columnProblem(column, headerSource));
    }
    seen.add(column);
  }
  return problems;
}

function parseDelimited(text: string, format: "tsv" | "csv", problems: Problem[]): LocatedSample[] {
  const records = readRecords(text, format, problems);
  if (records === undefined || records.length === 0) return [];

  const [{ record: header, info: headerInfo }, ...rows] = records;
  const columns = header.map((name) => name.trim());
  const inHeader = headerProblems(columns, `line ${headerInfo.lines}`, format);
  problems.push(...inHeader);
  if (inHeader.length > 0) return [];

  const samples: LocatedSample[] = [];
  for (const { record, info } of rows) {
    const source = `line ${info.lines}`;
    if (record.length !== columns.length) {
      problems.push({
        source,
        message: `has ${record.length} fields but the header has ${columns.length}`,
        fix:
          format === "tsv"
            ? "separate fields with exactly one tab; quote values that contain tabs"
            : "quote values that contain commas",
      });
      continue;
    }
    const fields: Record<string, string> = {};
    columns.forEach((column, index) => {
      const value = record[index].trim();
      if (value !== "") fields[column] = value;
    });
    const sample = toSample(fields, source, problems);
    if (sample) samples.push({ sample, source });
  }
  return samples;
}

function toSample(fields: Record<string, unknown>, source: string, problems: Problem[]): SampleInput | undefined {
  let ok = true;
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value === "string" && value.length > MAX_FIELD_LENGTH) {
      problems.push({
        source,
        message: `${field} is ${value.length} characters long (at most ${MAX_FIELD_LENGTH})`,
        fix: `shorten ${field}`,
      });
      ok = false;
    }
  }
  return ok ? ({ ...fields } as unknown as SampleInput) : undefined;
}

function parseJsonManifest(text: string, problems: Problem[]): LocatedSample[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    problems.push({
      source: "manifest",
      message: `is not valid JSON: ${(error as Error).message}`,
      fix: "fix the JSON syntax",
    });
    return [];
  }
  const list = Array.isArray(document)
    ? document
    : typeof document === "object" && document !== null && Array.isArray((document as { samples?: unknown }).samples)
      ? (document as { samples: unknown[] }).samples
      : undefined;
  if (!list) {
    problems.push({
      source: "manifest",
      message: 'JSON is not an array of sample objects (nor an object with a "samples" array)',
      fix: 'write [ { "id": ..., "cancer": ..., "assembly": ..., "sv": ..., "cnv": ... }, ... ]',
    });
    return [];
  }
  const samples: LocatedSample[] = [];
  list.forEach((entry, index) => {
    const source = `sample #${index + 1}`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      problems.push({
        source,
        message: "is not an object",
        fix: "give each sample as an object of Chromoscope fields",
      });
      return;
    }
    const fields: Record<string, unknown> = {};
    let ok = true;
    for (const [column, value] of Object.entries(entry as Record<string, unknown>)) {
      if (!MANIFEST_COLUMNS.includes(column)) {
        problems.push(columnProblem(column, source));
        ok = false;
      } else if (column === "drivers" && Array.isArray(value)) {
        const drivers = inlineDrivers(value, source, problems);
        if (drivers) fields.drivers = drivers;
        else ok = false;
      } else if (typeof value === "string") {
        if (value.trim() !== "") fields[column] = value.trim();
      } else if (value !== null && value !== undefined) {
        problems.push({
          source,
          message: `${column} is a ${Array.isArray(value) ? "list" : typeof value}, not a string`,
          fix: `write ${column} as a string`,
        });
        ok = false;
      }
    }
    const sample = ok ? toSample(fields, source, problems) : undefined;
    if (sample) samples.push({ sample, source });
  });
  return samples;
}

function inlineDrivers(value: unknown[], source: string, problems: Problem[]): InlineDriver[] | undefined {
  const drivers: InlineDriver[] = [];
  for (const [index, driver] of value.entries()) {
    const scalar = (v: unknown) => v === null || ["string", "number", "boolean"].includes(typeof v);
    if (
      typeof driver !== "object" ||
      driver === null ||
      Array.isArray(driver) ||
      !Object.values(driver).every(scalar)
    ) {
      problems.push({
        source,
        message: `drivers[${index}] is not an object of plain values`,
        fix: 'give inline drivers as objects such as {"chr": "chr17", "pos": 7675088, "gene": "TP53"}',
      });
      return undefined;
    }
    drivers.push(driver as InlineDriver);
  }
  return drivers;
}

/** A sample's value as a manifest cell: text as it is, nothing as empty, inline records as JSON. */
export function manifestCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
