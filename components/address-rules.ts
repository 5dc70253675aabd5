/**
 * The one rule for each address the stack and the tools agree on: the Chromoscope app URL that links
 * open, and the S3 key prefixes that data, configs and the ledger live under. Settings, the stack
 * outputs schema, the command-line options and the link builder all ask these functions, so a value
 * one of them accepts is never refused by another.
 */

/** What a viewer URL must look like, as error messages say it. */
export const VIEWER_URL_RULE =
  "an https URL such as https://chromoscope.bio/app/ (http only for localhost), without query or fragment";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Why `value` cannot be the app URL ("is not a URL", "carries a query"...) a link opens, or undefined when it can. Chromoscope's link
 * appends its own query, so the URL carries none; plain http is for a viewer on this machine only,
 * as anything else would send the presigned config URL over the network in clear.
 */
export function viewerUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not a URL";
  }
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    return "uses plain http for a host other than this machine";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "is not an https URL";
  if (url.username !== "" || url.password !== "") return "carries a user name or password";
  if (url.search !== "" || value.includes("?")) return "carries a query";
  if (url.hash !== "" || value.includes("#")) return "carries a fragment";
  return undefined;
}

/** What a key prefix must look like, as error messages say it. */
export const KEY_PREFIX_RULE =
  'a key prefix such as "cohorts/": letters, digits and !_.\'()- separated by single "/", ending with "/", ' +
  'no leading "/", no "." or ".." segment, no "*" or "?"';

/** Characters safe in S3 keys and free of IAM wildcards, in segments joined by single slashes. */
const KEY_PREFIX_PATTERN = /^(?!\/)(?!.*\/\/)[A-Za-z0-9!_.'()\-/]+\/$/;

/** Why `value` cannot be a key prefix of the stack, or undefined when it can. */
export function keyPrefixProblem(value: string): string | undefined {
  const dotSegment = value.split("/").some((segment) => segment === "." || segment === "..");
  return KEY_PREFIX_PATTERN.test(value) && !dotSegment ? undefined : KEY_PREFIX_RULE;
}

/**
 * Every pair of `[setting, prefix]` entries where one prefix contains the other: data, configs, the
 * ledger, grants and audit records each need a prefix of their own, or a lifecycle rule, a revoke or
 * an IAM grant meant for one would reach the other.
 */
export function prefixOverlapProblems(owned: ReadonlyArray<readonly [string, string]>): string[] {
  const problems: string[] = [];
  owned.forEach(([keyA, a], i) => {
    for (const [keyB, b] of owned.slice(i + 1)) {
      if (a.startsWith(b) || b.startsWith(a)) {
        problems.push(
          `${keyA} "${a}" and ${keyB} "${b}" overlap: data, config, ledger, grants and audit prefixes must be disjoint (e.g. cohorts/, configs/, ledger/, grants/, audit/)`,
        );
      }
    }
  });
  return problems;
}

// What the SDK's endpoint rules address virtual-hosted style (isVirtualHostableS3Bucket): one
// lowercase DNS label of 3..63 characters. Dotted names would break the *.s3 TLS wildcard
// certificate, so the SDK (and we) use path style for them.
const VIRTUAL_HOSTABLE_BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
// DNS suffixes by partition, in the SDK's matching order (partitions.json); the rest is "aws".
const PARTITION_DNS_SUFFIXES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/, "amazonaws.com"],
  [/^cn-\w+-\d+$/, "amazonaws.com.cn"],
  [/^eusc-(de)-\w+-\d+$/, "amazonaws.eu"],
  [/^us-iso-\w+-\d+$/, "c2s.ic.gov"],
  [/^us-isob-\w+-\d+$/, "sc2s.sgov.gov"],
  [/^eu-isoe-\w+-\d+$/, "cloud.adc-e.uk"],
  [/^us-isof-\w+-\d+$/, "csp.hci.ic.gov"],
  [/^us-gov-\w+-\d+$/, "amazonaws.com"],
];

/**
 * How the presigner addresses a bucket on AWS, as the SDK's endpoint rules do: in the host
 * (`<bucket>.s3.<region>.<partition suffix>`) when the name is one DNS label, else in the path.
 * The self-hosted viewer's Content-Security-Policy allows exactly this origin.
 */
export function awsBucketAddress(bucket: string, region: string): { host: string; virtualHosted: boolean } {
  const dnsSuffix = PARTITION_DNS_SUFFIXES.find(([pattern]) => pattern.test(region))?.[1] ?? "amazonaws.com";
  const virtualHosted = VIRTUAL_HOSTABLE_BUCKET.test(bucket);
  return { host: virtualHosted ? `${bucket}.s3.${region}.${dnsSuffix}` : `s3.${region}.${dnsSuffix}`, virtualHosted };
}

/** The origin (scheme://host[:port]) a viewer URL runs on: the one the data bucket's CORS rule must allow. */
export function viewerOrigin(viewerUrl: string): string {
  return new URL(viewerUrl).origin;
}

/**
 * Every origin the data bucket's CORS rule allows: the viewer's own first (the public viewer's, the
 * self-hosted one's, or the demo's), then the lab's extra `allowedOrigins`, each once. So the default
 * follows the viewer: chromoscope.bio with the public viewer, nothing else with a self-hosted one.
 */
export function corsOrigins(ownViewerOrigin: string, extraOrigins: readonly string[]): string[] {
  // "*" admits every origin, the viewer's included: listing others beside it would say less than it does.
  if (extraOrigins.includes("*")) return ["*"];
  return [...new Set([ownViewerOrigin, ...extraOrigins])];
}

/** corsOrigins for a viewer at `viewerUrl` (the public one, or the demo's): what a stand-in stack allows. */
export function corsOriginsForViewerUrl(viewerUrl: string, extraOrigins: readonly string[]): string[] {
  return corsOrigins(viewerOrigin(viewerUrl), extraOrigins);
}
