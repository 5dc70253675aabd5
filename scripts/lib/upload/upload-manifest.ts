/**
 * `--manifest-out`: the manifest `publish-cohort --manifest` takes, for the files just uploaded. Which
 * file is which follows discovery's rules (one folder per sample, or flat `<sample>.<suffix>` names);
 * sample ids come from the folder (or file) names, with every character an id may not hold replaced
 * by `_`.
 */
import { discoverSamples } from "../cohort/discover";
import { manifestCell } from "../cohort/manifest";
import { FILE_FIELDS, MANIFEST_COLUMNS, Problem, SampleInput } from "../cohort/samples";
import { MAX_SAMPLE_ID_LENGTH, sampleIdProblem } from "../naming";

export interface UploadManifest {
  tsv: string;
  samples: number;
  /** Names that became other ids: [name, id]. */
  renamed: Array<[string, string]>;
  /** Samples left out (no SV or CNV file, two files for one field), with the reason. */
  problems: Problem[];
  /** Uploaded files that belong to no sample (no known suffix, or deeper than a sample folder). */
  ignored: string[];
}

/** A folder or file name as a sample id: characters ids may not hold become `_`. */
export function sampleIdFrom(name: string): string {
  const id = name
    .replace(/[^A-Za-z0-9_.:+-]/g, "_")
    .replace(/^[^A-Za-z0-9_]/, "_")
    .slice(0, MAX_SAMPLE_ID_LENGTH);
  return id === "" ? "_" : id;
}

/** Two names that became the same id keep apart: the later gets `_2`, `_3`, ... */
function uniqueIds(names: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of names) {
    const base = sampleIdProblem(name) === undefined ? name : sampleIdFrom(name);
    let id = base;
    for (let count = 2; taken.has(id); count++) id = `${base}_${count}`;
    taken.add(id);
    ids.set(name, id);
  }
  return ids;
}

export async function uploadManifest(
  keys: readonly string[],
  options: { prefix: string; cancer: string; assembly: string; bucket: string },
): Promise<UploadManifest> {
  const discovery = await discoverSamples(
    keys.map((key) => ({ key, size: 0 })),
    options,
  );
  const ids = uniqueIds(discovery.samples.map(({ sample }) => sample.id));
  const samples: SampleInput[] = discovery.samples.map(({ sample }) => ({ ...sample, id: ids.get(sample.id)! }));
  const used = FILE_FIELDS.filter(
    (field) => field !== "thumbnail" && samples.some((sample) => sample[field] !== undefined),
  );
  const columns = MANIFEST_COLUMNS.filter(
    (column) => ["id", "cancer", "assembly"].includes(column) || (used as readonly string[]).includes(column),
  ) as Array<keyof SampleInput>;
  const rows = samples.map((sample) => columns.map((column) => manifestCell(sample[column])).join("\t"));
  return {
    tsv: `${[columns.join("\t"), ...rows].join("\n")}\n`,
    samples: samples.length,
    renamed: [...ids].filter(([name, id]) => name !== id),
    problems: discovery.problems,
    ignored: discovery.ignored,
  };
}
