/**
 * `cohorts`' library: the ledger's publications, newest first, each with its status (live, expired,
 * revoked, dead and why), the key slot that signed it and, when asked, a fresh link to a live one;
 * on a sign-in stack, the groups granted each cohort.
 */
import { StackOutputs } from "../../../components/stack-outputs";
import { Publication } from "../ledger/fold";
import { judgePublication, PublicationFinding, StackKeys, stackKeysOf } from "../ledger/publication-status";
import { ObjectStore } from "../s3/object-store";
import { grantsOf } from "../sign-in/grants";
import { FreshLinkContext, freshConfigLink, loadPublications } from "./publications";
import { KeySlots, keySlotsOf } from "./rotation";

export interface CohortListingRequest {
  /** Only this cohort (exact name). */
  cohort?: string;
  /** Only live publications whose links expire within this many seconds. */
  expiringWithinSeconds?: number;
  /** Presign a fresh link to each live publication. */
  showLinks?: boolean;
}

export interface ListedPublication {
  publication: Publication;
  finding: PublicationFinding;
  link?: { link: string; expiresAt: Date };
}

export interface CohortListing {
  publications: ListedPublication[];
  /** The stack's key slots when it has them (a role-kind stack has none). */
  slots?: KeySlots;
  keys: StackKeys;
  /** Sign-in publications: the groups granted each of their cohorts, by cohort name. */
  groups: ReadonlyMap<string, string[]>;
}

/** The key slots when the stack has them; listing works on any stack. */
function slotsIfAny(outputs: StackOutputs): KeySlots | undefined {
  try {
    return keySlotsOf(outputs);
  } catch {
    return undefined;
  }
}

/** The groups granted each cohort of `publications` (sign-in ones only), by cohort name. */
async function grantedGroups(
  store: ObjectStore,
  outputs: Pick<StackOutputs, "grantsPrefix">,
  publications: readonly Publication[],
  warn: (message: string) => void,
): Promise<Map<string, string[]>> {
  const groups = new Map<string, string[]>();
  if (outputs.grantsPrefix === undefined) return groups;
  const signInCohorts = publications.filter(({ access }) => access === "sign-in").map(({ cohort }) => cohort);
  for (const cohort of new Set(signInCohorts)) {
    const grants = await grantsOf(store, outputs.grantsPrefix, cohort, warn);
    groups.set(
      cohort,
      grants.map(({ group }) => group),
    );
  }
  return groups;
}

export async function listCohorts(
  request: CohortListingRequest,
  context: FreshLinkContext & { store: ObjectStore; warn: (message: string) => void },
): Promise<CohortListing> {
  const { outputs, now } = context;
  const recorded = await loadPublications(context.store, outputs, {
    cohort: request.cohort,
    warn: context.warn,
  });
  const keys = stackKeysOf(outputs);
  const within = request.expiringWithinSeconds;
  const judged = recorded
    .map((publication) => ({ publication, finding: judgePublication(publication, keys, now) }))
    .filter(
      ({ publication, finding }) =>
        within === undefined ||
        (finding.status === "live" && publication.expiresAt.getTime() - now.getTime() <= within * 1000),
    );
  // A fresh config link to a dead publication would load a config whose data links all fail: none is made.
  // A sign-in publication has its stable link and no signed one.
  const publications = judged.map((listed): ListedPublication => {
    const linked = request.showLinks && listed.finding.status === "live" && listed.publication.access !== "sign-in";
    const fresh = linked ? freshConfigLink(listed.publication, context) : undefined;
    return fresh ? { ...listed, link: fresh } : listed;
  });
  const groups = await grantedGroups(
    context.store,
    outputs,
    judged.map(({ publication }) => publication),
    context.warn,
  );
  return { publications, slots: slotsIfAny(outputs), keys, groups };
}
