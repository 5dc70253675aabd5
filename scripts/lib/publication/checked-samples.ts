/**
 * What a publish reads and checks before anything is signed or written: the cohort's samples (from a
 * manifest, a prefix, or the ledger's record), validated, their files listed and their first bytes
 * read; every problem reported together.
 */
import { discoverSamples } from "../cohort/discover";
import { UsageError, ValidationError } from "../errors";
import { checkContent, CONTENT_CHECK_LIMITS, ContentCheck } from "../cohort/content-check";
import { checkObjectsExist } from "../cohort/existence";
import { readManifest } from "../cohort/manifest";
import { printable } from "../naming";
import { countingStore, step } from "./publish-steps";
import { plural } from "../text-format";
import { problemReport, LocatedSample, Problem, sampleLabel } from "../cohort/samples";
import { validateSamples } from "../cohort/validate";
import type { CohortSource, PublishContext, PublishRequest } from "./publish-request";

interface ResolvedSamples {
  samples: LocatedSample[];
  problems: Problem[];
  /** Samples discovery refused (a missing or ambiguous file), with the files it could place: still checked. */
  incomplete?: LocatedSample[];
  /** Object sizes from the listing discovery already made, so the existence check need not list again. */
  listedSizes?: ReadonlyMap<string, number>;
}

async function resolveSamples(source: CohortSource, context: PublishContext): Promise<ResolvedSamples> {
  switch (source.kind) {
    case "samples":
      return { samples: source.samples, problems: [] };
    case "manifest": {
      const manifest = readManifest(source.path);
      return { samples: manifest.samples, problems: manifest.problems };
    }
    case "prefix": {
      const prefix = source.prefix.endsWith("/") ? source.prefix : `${source.prefix}/`;
      const { dataPrefixes, bucketName } = context.outputs;
      if (!dataPrefixes.some((dataPrefix) => prefix.startsWith(dataPrefix))) {
        throw new UsageError(
          `--prefix ${printable(source.prefix)} is outside the data prefixes (${dataPrefixes.join(", ")})`,
          {
            fix: `pass a prefix under ${dataPrefixes[0]} (the presigner can read only the data prefixes)`,
          },
        );
      }
      const discovery = await discoverSamples(context.store.list(prefix), {
        prefix,
        cancer: source.cancer,
        assembly: source.assembly,
        bucket: bucketName,
      });
      if (discovery.samples.length === 0 && discovery.problems.length === 0) {
        discovery.problems.push({
          source: `s3://${bucketName}/${prefix}`,
          message: "holds no sample files (*.bedpe, *.tsv, *.vcf.gz, *.bam)",
          fix: "check the prefix, or upload the cohort's files under it",
        });
      }
      return {
        samples: discovery.samples,
        problems: discovery.problems,
        incomplete: discovery.incomplete,
        listedSizes: discovery.sizes,
      };
    }
  }
}

function sampledContentNote({ checked, files }: ContentCheck): string {
  const { files: limit, firstSamples } = CONTENT_CHECK_LIMITS;
  return (
    `content checked in ${checked.toLocaleString("en-US")} of ${files.toLocaleString("en-US")} files: every file of the first ${firstSamples} samples ` +
    `and ${limit.toLocaleString("en-US")} chosen at random from the rest (the others exist and are not empty)`
  );
}

/** Every problem of the cohort in one error, grouped by sample (see problemReport). */
function fail(problems: Problem[], cohort: string, sampleSources: readonly string[]): never {
  throw new ValidationError(
    `${plural(problems.length, "problem")} in cohort ${printable(cohort)}; nothing was published`,
    {
      fix: "correct every problem listed above and run the command again",
      details: problemReport(problems, sampleSources),
    },
  );
}

/**
 * The cohort's samples, validated, with every object present; or a ValidationError listing every
 * problem. A function of its own so that what only checking needs (the input as read, listings)
 * can be freed before the config is built.
 */
export async function checkedSamples(
  request: PublishRequest,
  context: PublishContext,
  cohort: string,
): Promise<LocatedSample[]> {
  const { outputs, progress } = context;
  const store = countingStore(context.store, progress);
  const resolved = await step("read-input", () => resolveSamples(request.source, { ...context, store }), progress);
  const validated = await step("validate", () =>
    validateSamples(resolved.samples, { bucket: outputs.bucketName, dataPrefixes: outputs.dataPrefixes }),
  );
  const problems = [...resolved.problems, ...validated.problems];
  // Every sample's files are read, a sample with other problems' too: all its problems in one run.
  const checked = [...validated.checkable, ...(resolved.incomplete ?? [])];
  if (checked.length > 0) {
    const existence = await step(
      "check-existence",
      () => checkObjectsExist(checked, outputs.dataPrefixes, store, resolved.listedSizes),
      progress,
    );
    problems.push(...existence.problems);
    if (request.checkContent !== false) {
      const skip = existence.unreadable;
      const content = await step("check-content", () => checkContent(checked, store, { skip }), progress);
      problems.push(...content.problems);
      if (content.checked < content.files) context.warn?.(sampledContentNote(content));
    }
  }
  if (problems.length > 0) fail(problems, cohort, checked.map(sampleLabel));
  return validated.samples;
}
