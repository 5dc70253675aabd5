/** What `cohorts` prints: the listing as JSON, or as a table with each dead publication's reason. */
import { CohortListing } from "../../lifecycle/cohort-listing";
import { signingSlot } from "../../lifecycle/rotation";
import { instant, plural } from "../../text-format";
import type { CliIo } from "../shell";
import { cohortLabel, cohortNames, slotLabel } from "./lifecycle-report";
import { renderTable } from "./text-table";
import { expiryCell, isSignInPublication, signInFields, signInLine } from "./sign-in-listing";
import { StackOutputs } from "../../../../components/stack-outputs";

const COLUMNS = ["CREATED", "EXPIRES", "STATUS", "COHORT", "SIGNED BY", "CONFIG"] as const;

export function printCohortsJson(
  listing: CohortListing,
  outputs: Pick<StackOutputs, "viewerUrl">,
  io: Pick<CliIo, "stdout">,
): void {
  const list = listing.publications.map(({ publication, finding, link }) => {
    const slot = signingSlot(publication, listing.slots);
    const { status, reason } = finding;
    return {
      cohort: publication.cohort,
      status,
      ...(status === "dead" ? { deadReason: reason } : {}),
      createdAt: publication.createdAt.toISOString(),
      expiresAt: isSignInPublication(publication) ? null : publication.expiresAt.toISOString(),
      ...signInFields(publication, outputs, listing.groups),
      ...(publication.revokedAt ? { revokedAt: publication.revokedAt.toISOString() } : {}),
      configKey: publication.configKey,
      signingAccessKeyId: publication.signingAccessKeyId,
      signingKeySlot: slot ? slot.slot : null,
      samples: publication.inputs.samples.length,
      ledgerKey: publication.ledgerKey,
      ...(link ? { link: link.link, linkExpiresAt: link.expiresAt.toISOString() } : {}),
    };
  });
  io.stdout(`${JSON.stringify(list, null, 2)}\n`);
}

/** The table on stdout (a dead publication's reason and a fresh link under its row), the counts on stderr. */
export function printCohortsTable(
  listing: CohortListing,
  outputs: Pick<StackOutputs, "viewerUrl">,
  where: string,
  io: Pick<CliIo, "stdout" | "stderr">,
): void {
  const listed = listing.publications;
  const rows = [
    [...COLUMNS],
    ...listed.map(({ publication, finding }) => {
      const slot = slotLabel(publication, listing.slots);
      return [
        instant(publication.createdAt),
        expiryCell(publication),
        finding.status,
        cohortLabel(publication.cohort),
        isSignInPublication(publication) ? "(sign-in)" : `${publication.signingAccessKeyId}${slot ? ` (${slot})` : ""}`,
        publication.configKey,
      ];
    }),
  ];
  const lines = renderTable(rows);
  io.stdout(`${lines[0]}\n`);
  listed.forEach(({ publication, finding, link }, index) => {
    io.stdout(`${lines[index + 1]}\n`);
    if (finding.status === "dead") io.stdout(`  dead: ${finding.reason}\n`);
    if (finding.status === "live" && isSignInPublication(publication))
      io.stdout(signInLine(publication, outputs, listing.groups));
    if (link) io.stdout(`  link (expires ${instant(link.expiresAt)}): ${link.link}\n`);
  });
  const counted = (status: string) => listed.filter(({ finding }) => finding.status === status).length;
  const counts = (["live", "expired", "revoked", "dead"] as const).map((status) => `${counted(status)} ${status}`);
  const cohorts = cohortNames(listed.map(({ publication }) => publication)).length;
  io.stderr(
    `${plural(listed.length, "publication")} of ${plural(cohorts, "cohort")} in ${where}: ${counts.join(", ")}.\n`,
  );
  if (!listing.keys.known) {
    io.stderr(
      "The stack outputs list no access keys (accessKeys): a key rotated out cannot be told, so live means live by the clock; pass --stack or --outputs.\n",
    );
  }
  if (listed.some(({ link }) => link !== undefined)) {
    io.stderr("The links above are bearer tokens: anyone holding one can read the cohort until it expires.\n");
  }
}
