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

export async function discoverSamples(
  objects: AsyncIterable<ObjectSummary> | Iterable<ObjectSummary>,
  options: DiscoveryOptions,
): Promise<Discovery> {
  const prefix = options.prefix;
  const groups = new Map<string, { candidates: Candidate[]; folder: boolean }>();
  const ignored: string[] = [];
  const layout = { folders: 0, flat: 0 };
  const sizes = new Map<string, number>();

  for await (const object of objects) {
    if (!object.key.startsWith(prefix) || object.key.endsWith("/")) continue;
    const rest = object.key.slice(prefix.length);
    const parts = rest.split("/");
    let id: string;
    let name: string;
    let folder: boolean;
    if (parts.length === 1) {
      name = parts[0];
      id = name.split(".")[0];
      folder = false;
    } else if (parts.length === 2) {
      [id, name] = parts;
      folder = true;
    } else {
      ignored.push(object.key);
      continue;
    }
    if (id === "" || roleOf(name) === undefined) {
      ignored.push(object.key);
      continue;
    }
    const groupKey = `${folder ? "folder" : "flat"}:${id}`;
    const group = groups.get(groupKey) ?? { candidates: [], folder };
    group.candidates.push({ key: object.key, name });
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
    const byRole = new Map<Role, Candidate[]>();
    for (const candidate of group.candidates) {
      const role = roleOf(candidate.name)!;
      const sameRole = byRole.get(role) ?? [];
      sameRole.push(candidate);
      byRole.set(role, sameRole);
    }
    const sample: SampleInput = { id, cancer: options.cancer, assembly: options.assembly };
    let ok = true;
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
        ok = false;
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
        ok = false;
      }
    }
    (ok ? samples : incomplete).push({ sample, source });
  }
  return { samples, problems, ignored, layout, sizes, incomplete };
}
