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
