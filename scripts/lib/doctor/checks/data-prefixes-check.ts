/** Check: the data prefixes can be listed (what `aws s3 ls` proves), with object and sample counts. */
import { Finding, rank } from "../doctor-model";
import { bucketResource, failedRead, IncompleteSample, PrefixListing, Probe } from "../probe";

/** Samples named in the report at most; the rest are counted. */
const NAMED_INCOMPLETE = 3;

/** `2 incomplete: cohorts/b/PD3/ (no CNV file), cohorts/b/PD9/ (no SV file)`: which, and why. */
function describeIncomplete(samples: readonly IncompleteSample[]): string {
  const named = samples.slice(0, NAMED_INCOMPLETE).map(({ sample, problem }) => `${sample} (${problem})`);
  const more = samples.length - named.length;
  return `${samples.length} incomplete: ${named.join(", ")}${more > 0 ? `, and ${more} more` : ""}`;
}

function describeListing(listing: PrefixListing): string {
  const plural = (count: number, word: string) =>
    `${count}${listing.truncated ? "+" : ""} ${word}${count === 1 ? "" : "s"}`;
  if (listing.objects === 0) return `${listing.prefix} is empty`;
  const incomplete = listing.incompleteSamples.length > 0 ? ` (+${describeIncomplete(listing.incompleteSamples)})` : "";
  return `${listing.prefix}: ${plural(listing.objects, "object")}, ${plural(listing.samples, "sample")}${incomplete}`;
}

/** The data prefixes can be listed (what `aws s3 ls` proves), with counts. */
export async function dataPrefixesFinding(probe: Probe): Promise<Finding> {
  const listings = await Promise.all(probe.outputs.dataPrefixes.map((prefix) => probe.listing(prefix)));
  const parts: string[] = [];
  let worst: Finding | undefined;
  for (const listing of listings) {
    if (listing.error !== undefined) {
      const finding = await failedRead(
        probe,
        listing.error,
        "s3:ListBucket",
        `${bucketResource(probe)} (prefix ${listing.prefix})`,
      );
      parts.push(`${listing.prefix}: ${finding.detail}`);
      if (worst === undefined || rank(finding.status) > rank(worst.status)) worst = finding;
    } else {
      parts.push(describeListing(listing));
    }
  }
  const detail = parts.join("; ");
  return worst ? { ...worst, detail } : { status: "pass", detail };
}
