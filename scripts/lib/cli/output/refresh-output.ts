/**
 * What `refresh-cohort` says besides the publication itself (publication-output.ts prints that):
 * which viewer the links open, what is refreshed, which earlier publications still work and how to
 * end them, and a sign-in stack's answer that there is nothing to refresh.
 */
import { Publication, latestExpiry } from "../../ledger/fold";
import { RefreshPlan, ViewerNote } from "../../lifecycle/refresh-cohort";
import { printable } from "../../naming";
import { formatDuration, instant, plural } from "../../text-format";
import type { CliIo, StackOptions } from "../shell";
import { npmCommand } from "./lifecycle-report";

function reportViewerNote(note: ViewerNote, io: Pick<CliIo, "stderr">): void {
  if (note.kind === "publication-choice") {
    io.stderr(
      `Links open ${note.viewerUrl}, the viewer the publication chose with --viewer-url (the stack's is ${note.stackViewer}); --viewer-url changes it.\n`,
    );
    return;
  }
  const old = note.recordedIsViewer ? note.recorded : printable(note.recorded);
  io.stderr(
    `Links open the stack's viewer ${note.stackViewer}, not ${old} as the publication did (the stack's viewerUrl changed since)` +
      `${note.recordedIsViewer ? `; --viewer-url ${note.recorded} keeps the old one` : ""}.\n`,
  );
}

/** Before publishing: the viewer, when it is worth a word, then what is refreshed from where. */
export function reportRefreshPlan(plan: RefreshPlan, io: Pick<CliIo, "stderr">): void {
  if (plan.viewerNote) reportViewerNote(plan.viewerNote, io);
  const { latest, recordedSeconds } = plan;
  io.stderr(
    `Refreshing cohort "${plan.cohort}" from its publication of ${instant(latest.createdAt)} (${latest.ledgerKey}): ${plural(latest.inputs.samples.length, "sample")}` +
      `${recordedSeconds !== undefined ? `, recorded --expires ${formatDuration(recordedSeconds)}` : ""}.\n`,
  );
}

/** The earlier publications that still work, and how to end each while keeping the new one. */
export function reportEarlierLive(
  cohort: string,
  earlierLive: readonly Publication[],
  options: StackOptions,
  io: Pick<CliIo, "stderr">,
): void {
  const lastEnd = latestExpiry(earlierLive);
  if (!lastEnd) return;
  // --publication ends an earlier publication and keeps the one just made; --cohort alone would end both.
  const one = earlierLive.length === 1;
  io.stderr(
    `${plural(earlierLive.length, "earlier publication")} of this cohort keep${one ? "s" : ""} working until ${instant(lastEnd)}; ` +
      `to end ${one ? "it" : "them"} now and keep this new one, revoke ${one ? "it" : "each"} with --publication:\n`,
  );
  for (const publication of earlierLive) {
    const args = ["--cohort", cohort, "--publication", publication.configKey];
    io.stderr(`  ${npmCommand("revoke-cohort", options, args)}\n`);
  }
}

/** A sign-in stack's link holds no key and never expires: there is nothing to re-sign. */
export function reportNothingToRefresh(cohort: string, link: string, io: Pick<CliIo, "stdout" | "stderr">): void {
  io.stderr(
    `Nothing to refresh: on a sign-in stack the link of ${JSON.stringify(cohort)} holds no key and never expires, and its config names no signed URL. ` +
      "Publish again (publish-cohort) after its files change; grant-cohort and revoke-cohort decide who opens it.\n",
  );
  io.stdout(`${link}\n`);
}
