import { Command } from "commander";
import { addHelpNotes, addStackOptions, CliCommand, CliIo, openStack, StackOptions } from "../shell";
import { ExitCode } from "../../errors";
import { freshConfigLink, loadPublications } from "../../lifecycle/publications";
import { assertCohortName } from "../../naming";
import { judgePublication, PublicationFinding, stackKeysOf } from "../../ledger/publication-status";
import { KeySlots, keySlotsOf, signingSlot } from "../../lifecycle/rotation";
import { Publication } from "../../ledger/fold";
import { StackOutputs } from "../../../../components/stack-outputs";
import { cohortLabel, cohortNames, slotLabel } from "../output/lifecycle-report";
import { renderTable } from "../output/text-table";
import { instant, parseDuration, plural } from "../../text-format";
import { expiryCell, grantedGroups, isSignInPublication, signInFields, signInLine } from "../output/sign-in-listing";

interface CohortsOptions extends StackOptions {
  cohort?: string;
  json?: boolean;
  showLinks?: boolean;
  expiringWithin?: string;
}

/** The key slots when the stack has them; listing works on any stack. */
function slotsIfAny(outputs: StackOutputs): KeySlots | undefined {
  try {
    return keySlotsOf(outputs);
  } catch {
    return undefined;
  }
}

const COLUMNS = ["CREATED", "EXPIRES", "STATUS", "COHORT", "SIGNED BY", "CONFIG"] as const;

export function cohortsCommand(io: CliIo): CliCommand {
  const command = addStackOptions(
    new Command("cohorts")
      .description(
        "List published cohorts from the ledger, newest first: config key, signing key, created, expires, live/expired/revoked/dead.",
      )
      .option("--cohort <name>", "only this cohort (exact name)")
      .option("--json", "print the list as JSON on stdout")
      .option(
        "--expiring-within <duration>",
        "only live publications whose links expire within this time, e.g. 48h (to refresh them in time)",
      )
      .option(
        "--show-links",
        "add a freshly presigned link to each live publication (expiring no later than the publication; none for dead ones)",
      ),
  );
  addHelpNotes(
    command,
    [
      "Dead: not expired, but its links fail (the key that signed it was rotated out, or the session that signed it has ended).",
      "No presigned URL is printed unless --show-links is given: links are bearer tokens.",
    ],
    { 0: "listed", 1: "invalid input", 3: "AWS or network error" },
  );
  const run = async (options: CohortsOptions): Promise<number> => {
    if (options.cohort !== undefined) assertCohortName(options.cohort);
    const within =
      options.expiringWithin === undefined ? undefined : parseDuration(options.expiringWithin, "--expiring-within");
    const stack = await openStack(options, io);
    const warn = (message: string) => io.stderr(`warning: ${message}\n`);
    const recorded = await loadPublications(stack.store, stack.outputs, {
      cohort: options.cohort,
      warn,
    });
    const now = io.now();
    const slots = slotsIfAny(stack.outputs);
    const keys = stackKeysOf(stack.outputs);
    const judged = new Map<Publication, PublicationFinding>(
      recorded.map((publication) => [publication, judgePublication(publication, keys, now)]),
    );
    const statusOf = (publication: Publication) => judged.get(publication)!.status;
    const expiresWithin = (publication: Publication, seconds: number) =>
      statusOf(publication) === "live" && publication.expiresAt.getTime() - now.getTime() <= seconds * 1000;
    const publications =
      within === undefined ? recorded : recorded.filter((publication) => expiresWithin(publication, within));
    // A fresh config link to a dead publication would load a config whose data links all fail: none is made.
    const shown = options.showLinks
      ? publications.filter((publication) => statusOf(publication) === "live" && !isSignInPublication(publication))
      : [];
    const groups = await grantedGroups(stack.store, stack.outputs, publications, warn);
    const links = new Map(
      shown.map((publication) => [publication, freshConfigLink(publication, { ...stack, now })] as const),
    );

    if (options.json) {
      const list = publications.map((publication) => {
        const slot = signingSlot(publication, slots);
        const link = links.get(publication);
        const { status, reason } = judged.get(publication)!;
        return {
          cohort: publication.cohort,
          status,
          ...(status === "dead" ? { deadReason: reason } : {}),
          createdAt: publication.createdAt.toISOString(),
          expiresAt: isSignInPublication(publication) ? null : publication.expiresAt.toISOString(),
          ...signInFields(publication, stack.outputs, groups),
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
      return ExitCode.ok;
    }

    const where = `s3://${stack.store.bucket}/${stack.outputs.ledgerPrefix}`;
    if (publications.length === 0 && within !== undefined) {
      io.stderr(`No live publication in ${where} expires within ${options.expiringWithin}.\n`);
      return ExitCode.ok;
    }
    if (publications.length === 0) {
      io.stderr(
        options.cohort === undefined
          ? `No publications recorded in ${where} yet.\n`
          : `No publication of cohort ${JSON.stringify(options.cohort)} in ${where}.\n`,
      );
      return ExitCode.ok;
    }
    const rows = [
      [...COLUMNS],
      ...publications.map((publication) => {
        const slot = slotLabel(publication, slots);
        return [
          instant(publication.createdAt),
          expiryCell(publication),
          statusOf(publication),
          cohortLabel(publication.cohort),
          isSignInPublication(publication)
            ? "(sign-in)"
            : `${publication.signingAccessKeyId}${slot ? ` (${slot})` : ""}`,
          publication.configKey,
        ];
      }),
    ];
    const lines = renderTable(rows);
    io.stdout(`${lines[0]}\n`);
    publications.forEach((publication, index) => {
      io.stdout(`${lines[index + 1]}\n`);
      const { status, reason } = judged.get(publication)!;
      if (status === "dead") io.stdout(`  dead: ${reason}\n`);
      if (status === "live" && isSignInPublication(publication))
        io.stdout(signInLine(publication, stack.outputs, groups));
      const link = links.get(publication);
      if (link) io.stdout(`  link (expires ${instant(link.expiresAt)}): ${link.link}\n`);
    });
    const counted = (status: string) => publications.filter((publication) => statusOf(publication) === status).length;
    const counts = (["live", "expired", "revoked", "dead"] as const).map((status) => `${counted(status)} ${status}`);
    io.stderr(
      `${plural(publications.length, "publication")} of ${plural(cohortNames(publications).length, "cohort")} in ${where}: ${counts.join(", ")}.\n`,
    );
    if (!keys.known) {
      io.stderr(
        "The stack outputs list no access keys (accessKeys): a key rotated out cannot be told, so live means live by the clock; pass --stack or --outputs.\n",
      );
    }
    if (options.showLinks && links.size > 0 && [...links.values()].some(Boolean)) {
      io.stderr("The links above are bearer tokens: anyone holding one can read the cohort until it expires.\n");
    }
    return ExitCode.ok;
  };
  return { command, run };
}
