/**
 * How the lifecycle commands speak of a sign-in stack's publications: their link is the stable
 * `/open/` address (it holds no key, so listing it is safe), nothing expires, nothing was signed, and
 * who may open a cohort is its grants.
 */
import { Publication } from "../../ledger/fold";
import { signInLink, viewerOriginOf } from "../../publication/sign-in-publication";
import { StackOutputs } from "../../../../components/stack-outputs";
import { instant } from "../../text-format";

export function isSignInPublication(publication: Publication): boolean {
  return publication.access === "sign-in";
}

/** The EXPIRES cell of `cohorts`: "never" for a sign-in publication. */
export function expiryCell(publication: Publication): string {
  return isSignInPublication(publication) ? "never (sign-in)" : instant(publication.expiresAt);
}

/** What `cohorts --json` adds for a sign-in publication. */
export function signInFields(
  publication: Publication,
  outputs: Pick<StackOutputs, "viewerUrl">,
  groups: ReadonlyMap<string, string[]>,
): Record<string, unknown> {
  if (!isSignInPublication(publication)) return {};
  return {
    access: "sign-in",
    dataFolder: publication.dataFolder,
    link: signInLink(viewerOriginOf(outputs), publication.cohort),
    grantedTo: groups.get(publication.cohort) ?? [],
  };
}

/** The line `cohorts` prints under a live sign-in publication. */
export function signInLine(
  publication: Publication,
  outputs: Pick<StackOutputs, "viewerUrl">,
  groups: ReadonlyMap<string, string[]>,
): string {
  const granted = groups.get(publication.cohort) ?? [];
  const who =
    granted.length > 0
      ? `granted to ${granted.map((group) => JSON.stringify(group)).join(", ")}`
      : "granted to no group yet (grant-cohort)";
  return `  ${signInLink(viewerOriginOf(outputs), publication.cohort)} (${who})\n`;
}
