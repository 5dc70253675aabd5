/**
 * Doctor check: do the stack's settings, as deployed now, still let every live publication's links
 * work? A setting changes the bucket and the presigner at once, and every request is judged by them:
 *
 * - `maxLinkLifetimeSeconds` caps `s3:signatureAge` in the bucket policy, so lowering it kills every
 *   link signed longer ago than the new cap at once, and later ones before they expire;
 * - `dataPrefixes` and `configPrefix` bound what the presigner may read, so a link to a data file or
 *   config outside them (a prefix removed or renamed) is refused;
 * - `allowedOrigins` is the CORS rule: a viewer whose origin it no longer names cannot read anything.
 *
 * A sign-in publication holds no signature and reads nothing through the presigner or CORS: the
 * viewer's distribution serves its config and data paths, one cache behaviour per prefix, so only
 * the prefixes bound it.
 *
 * Pure: the doctor reads the ledger and passes the publications in; `now` is an argument.
 */
import { Finding } from "../doctor-model";
import { Probe } from "../probe";
import { describeDuration, instant } from "../../text-format";
import { Publication } from "../../ledger/fold";
import { judgePublication, stackKeysOf } from "../../ledger/publication-status";
import { FILE_FIELDS } from "../../cohort/samples";
import { StackOutputs } from "../../../../components/stack-outputs";

/** What the settings do to one live publication. */
export interface SettingsBreak {
  publication: Publication;
  /** Broken already (true), or failing at `failsAfter`, before it expires. */
  now: boolean;
  /** Strictly after this instant its links fail (signature age past the cap). */
  failsAfter?: Date;
  /** Which setting, and why, in a few words. */
  why: string;
}

/** The data files a publication's samples point to (inline values such as a drivers array are not keys). */
function dataKeys(publication: Publication): string[] {
  return publication.inputs.samples.flatMap((sample) =>
    FILE_FIELDS.map((field) => (sample as unknown as Record<string, unknown>)[field]).filter(
      (value): value is string => typeof value === "string",
    ),
  );
}

function viewerOrigin(viewerUrl: unknown): string | undefined {
  try {
    return typeof viewerUrl === "string" ? new URL(viewerUrl).origin.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Every way the current settings break the links of `live` publications (one entry per setting and publication). */
export function settingsBreaks(outputs: StackOutputs, live: readonly Publication[], now: Date): SettingsBreak[] {
  const cap = outputs.maxLinkLifetimeSeconds;
  const capMs = cap * 1000;
  const origins = outputs.allowedOrigins?.map((origin) => origin.toLowerCase());
  const breaks: SettingsBreak[] = [];
  for (const publication of live) {
    const found = (why: string, failsAfter?: Date) =>
      breaks.push({ publication, now: failsAfter === undefined, ...(failsAfter ? { failsAfter } : {}), why });
    const signIn = publication.access === "sign-in";
    const reader = signIn ? "the viewer's distribution does not serve" : "the presigner may not read";
    if (!publication.configKey.startsWith(outputs.configPrefix)) {
      found(`its config is outside configPrefix ${outputs.configPrefix}, so ${reader} it`);
    }
    const outside = dataKeys(publication).filter(
      (key) => !outputs.dataPrefixes.some((prefix) => key.startsWith(prefix)),
    );
    if (outside.length > 0) {
      const prefixes = outputs.dataPrefixes.join(", ");
      found(
        `${outside.length} of its data files (e.g. ${outside[0]}) are outside dataPrefixes ${prefixes}, so ${reader} them`,
      );
    }
    if (signIn) continue;
    const origin = viewerOrigin(publication.inputs.viewerUrl);
    if (origins && !origins.includes("*") && origin !== undefined && !origins.includes(origin)) {
      found(`its viewer's origin ${origin} is not in allowedOrigins, so the browser may not read the files (CORS)`);
    }
    // The policy refuses a signature older than the cap (NumericGreaterThan): exactly the cap is still accepted.
    const signedMs = publication.createdAt.getTime();
    const ageMs = now.getTime() - signedMs;
    if (ageMs > capMs) {
      found(
        `it was signed ${describeDuration(ageMs / 1000)} ago, more than maxLinkLifetimeSeconds (${cap}) lets the bucket policy accept`,
      );
    } else if (publication.expiresAt.getTime() - signedMs > capMs) {
      found(
        `maxLinkLifetimeSeconds (${cap}) caps its signature age before it expires at ${instant(publication.expiresAt)}`,
        new Date(signedMs + capMs),
      );
    }
  }
  return breaks;
}

function describe(found: SettingsBreak): string {
  const when = found.now ? "" : `fails after ${instant(found.failsAfter!)}: `;
  return `"${found.publication.cohort}" (${found.publication.configKey}): ${when}${found.why}`;
}

/** At most `limit` lines, then how many more. */
function listed(breaks: readonly SettingsBreak[], limit = 3): string {
  const shown = breaks.slice(0, limit).map(describe);
  return breaks.length > limit ? `${shown.join("; ")}; and ${breaks.length - limit} more` : shown.join("; ");
}

function publicationsCount(breaks: readonly SettingsBreak[]): string {
  const count = new Set(breaks.map((found) => found.publication)).size;
  return `${count} live publication${count === 1 ? "" : "s"}`;
}

/**
 * The finding: fail naming the publications the settings have broken, warn naming those they will
 * break before they expire, else pass. `note` is appended to the detail (e.g. skipped ledger entries).
 */
export function judgeSettings(
  outputs: StackOutputs,
  publications: readonly Publication[],
  now: Date,
  note = "",
): Finding {
  const keys = stackKeysOf(outputs);
  const live = publications.filter((publication) => judgePublication(publication, keys, now).status === "live");
  if (live.length === 0)
    return { status: "pass", detail: `no live publication in the ledger to check the settings against${note}` };
  const breaks = settingsBreaks(outputs, live, now);
  const broken = breaks.filter((found) => found.now);
  if (broken.length > 0) {
    return {
      status: "fail",
      detail: `the stack's settings break ${publicationsCount(broken)} already: ${listed(broken)}${note}`,
      fix:
        "restore the setting (`pulumi config set chromoscope-private-data:<key> <value>`, then `pulumi up`), or publish those cohorts again under " +
        "the new settings (`npm run refresh-cohort`; data moved to a new prefix: `npm run publish-cohort`) and share the new links",
    };
  }
  if (breaks.length > 0) {
    const first = breaks.reduce(
      (soonest, found) => (found.failsAfter! < soonest ? found.failsAfter! : soonest),
      breaks[0].failsAfter!,
    );
    return {
      status: "warn",
      detail: `the stack's settings will break ${publicationsCount(breaks)} before they expire: ${listed(breaks)}${note}`,
      fix: `refresh those cohorts (\`npm run refresh-cohort\`) and share the new links before ${instant(first)}, or raise maxLinkLifetimeSeconds again`,
    };
  }
  const fit = live.length === 1 ? "1 live publication fits" : `${live.length} live publications fit`;
  return {
    status: "pass",
    detail: `${fit} the settings (configPrefix, dataPrefixes, allowedOrigins, maxLinkLifetimeSeconds)${note}`,
  };
}

/** The check: the ledger's live publications judged against the stack's settings as deployed now. */
export async function settingsImpactFinding(probe: Probe): Promise<Finding> {
  const ledger = await probe.publications();
  return "failure" in ledger
    ? ledger.failure
    : judgeSettings(probe.outputs, ledger.publications, probe.context.now, ledger.note);
}
