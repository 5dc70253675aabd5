/**
 * Discovery: groups the objects under a prefix into samples, for `--prefix`. Two layouts:
 *   PREFIX/<sample>/<files>        one folder per sample
 *   PREFIX/<sample>.<suffix>       flat, the sample id is the file name up to its first "."
 * Files are matched by suffix; a sample with a missing or ambiguous file is reported, not guessed.
 */
import { ObjectSummary } from "../s3/object-store";
import { FileField, LocatedSample, Problem, SampleInput } from "./samples";

interface Candidate {
  key: string;
  /** The file name (after the sample folder, or the whole flat name). */
  name: string;
}

type Role = FileField;

/** Which field a file name is, or undefined when it is not a Chromoscope file. */
export function roleOf(name: string): Role | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith(".bedpe")) return "sv";
  if (lower.endsWith(".vcf.gz.tbi")) return /indel/.test(lower) ? "vcf2Index" : "vcfIndex";
  if (lower.endsWith(".vcf.gz")) return /indel/.test(lower) ? "vcf2" : "vcf";
  if (lower.endsWith(".bam.bai") || lower.endsWith(".bai")) return "bai";
  if (lower.endsWith(".bam")) return "bam";
  if (lower.endsWith(".tsv") || lower.endsWith(".txt")) return /driver/.test(lower) ? "drivers" : "cnv";
  if (lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg")) return "thumbnail";
  return undefined;
}

const REQUIRED: Role[] = ["sv", "cnv"];

export interface DiscoveryOptions {
  prefix: string;
  cancer: string;
  assembly: string;
  bucket: string;
}

export interface Discovery {
  samples: LocatedSample[];
  problems: Problem[];
  /** Objects that matched no field or sat deeper than a sample folder. */
  ignored: string[];
  layout: { folders: number; flat: number };
  /** Size of every listed file that could belong to a sample, so the existence check need not list again. */
  sizes: Map<string, number>;
  /** Samples refused above (a missing or ambiguous file), with the files that were clear: their content is still checked. */
  incomplete: LocatedSample[];
}

/** Where an object sits under the prefix: its sample id, file name and layout; undefined when no sample's. */
function placeOf(rest: string): { id: string; name: string; folder: boolean } | undefined {
  const parts = rest.split("/");
  const place =
    parts.length === 1
      ? { id: parts[0].split(".")[0], name: parts[0], folder: false }
      : parts.length === 2
        ? { id: parts[0], name: parts[1], folder: true }
        : undefined;
  return place === undefined || place.id === "" || roleOf(place.name) === undefined ? undefined : place;
}

interface SampleGroup {
  candidates: Candidate[];
  folder: boolean;
}

/** One group's sample (with the files that were clear) and the problems that keep it out, if any. */
function sampleOfGroup(
  id: string,
  group: SampleGroup,
  source: string,
  options: DiscoveryOptions,
): { sample: SampleInput; problems: Problem[] } {
  const byRole = new Map<Role, Candidate[]>();
  for (const candidate of group.candidates) {
    const role = roleOf(candidate.name)!;
    byRole.set(role, [...(byRole.get(role) ?? []), candidate]);
  }
  const sample: SampleInput = { id, cancer: options.cancer, assembly: options.assembly };
  const problems: Problem[] = [];
  for (const [role, candidates] of byRole) {
    if (candidates.length > 1) {
      problems.push({
        source,
        message: `${candidates.length} files could be ${role}: ${candidates.map((c) => c.name).join(", ")}`,
        fix:
          role === "cnv"
            ? "keep one CNV file per sample, or name the drivers file *.drivers.tsv"
            : `keep one ${role} file per sample, or write a manifest (--manifest)`,
      });
    } else {
      sample[role] = candidates[0].key;
    }
  }
  for (const role of REQUIRED) {
    if (!byRole.has(role)) {
      problems.push({
        source,
        message: `no ${role === "sv" ? "SV file (*.bedpe)" : "CNV file (*.tsv or *.txt, e.g. *.cna.annotated.tsv)"}`,
        fix: `add the sample's ${role} file, or write a manifest (--manifest)`,
      });
    }
  }
  return { sample, problems };
}

export async function discoverSamples(
  objects: AsyncIterable<ObjectSummary> | Iterable<ObjectSummary>,
  options: DiscoveryOptions,
): Promise<Discovery> {
  const prefix = options.prefix;
  const groups = new Map<string, SampleGroup>();
  const ignored: string[] = [];
  const layout = { folders: 0, flat: 0 };
  const sizes = new Map<string, number>();

  for await (const object of objects) {
    if (!object.key.startsWith(prefix) || object.key.endsWith("/")) continue;
    const place = placeOf(object.key.slice(prefix.length));
    if (place === undefined) {
      ignored.push(object.key);
      continue;
    }
    const groupKey = `${place.folder ? "folder" : "flat"}:${place.id}`;
    const group = groups.get(groupKey) ?? { candidates: [], folder: place.folder };
    group.candidates.push({ key: object.key, name: place.name });
    groups.set(groupKey, group);
    sizes.set(object.key, object.size);
  }

  const samples: LocatedSample[] = [];
  const incomplete: LocatedSample[] = [];
  const problems: Problem[] = [];
  const ids = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [groupKey, group] of ids) {
    const id = groupKey.slice(groupKey.indexOf(":") + 1);
    const source = `s3://${options.bucket}/${prefix}${id}${group.folder ? "/" : ".*"}`;
    if (group.folder) layout.folders++;
    else layout.flat++;
    const found = sampleOfGroup(id, group, source, options);
    problems.push(...found.problems);
    (found.problems.length === 0 ? samples : incomplete).push({ sample: found.sample, source });
  }
  return { samples, problems, ignored, layout, sizes, incomplete };
}
