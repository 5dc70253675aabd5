/**
 * revoke-cohort on a sign-in stack: removes the cohort's grants (with --group, one group's) and,
 * without --group, deletes its configs and records the revocation, so its link opens nothing from
 * each person's next sign-in. CloudFront cannot recall a cookie: a session already open keeps the
 * cohort's cookies until it ends (sessionHours at most); rotating the cookie key ends every session.
 */
import { CliError, ExitCode, UsageError, ValidationError } from "../errors";
import { loadPublications, revokePublications } from "../lifecycle/publications";
import { randomHex8 } from "../naming";
import { removeGrants, signInGrantsPrefix, grantsOf } from "../sign-in/grants";
import { plural } from "../text-format";
import { openCallerStack } from "./caller-stack";
import { CliIo, StackOptions } from "./shell";
import { StackOutputs } from "../../../components/stack-outputs";

export interface SignInRevokeOptions extends StackOptions {
  group?: string;
  publication?: string;
  dryRun?: boolean;
  yes?: boolean;
  rotate?: boolean;
}

const SESSION_NOTE =
  "Sessions already open keep the cohort's cookies until they end (at most the stack's sessionHours): CloudFront cannot recall a cookie. " +
  "To end every session at once, rotate the cookie key (cookieKeyGeneration; docs/sign-in.md).\n";

async function confirmed(io: CliIo, options: SignInRevokeOptions, question: string): Promise<void> {
  if (options.yes || !io.confirm) return;
  if (!(await io.confirm(question))) {
    throw new CliError("not confirmed: nothing was revoked", ExitCode.validation, {
      fix: "run it again and answer yes (--dry-run shows what it removes)",
    });
  }
}

/** `outputs`: the stack's, as revoke-cohort read them (not read again: with --stack that runs the Pulumi CLI). */
export async function revokeSignInCohort(
  cohort: string,
  options: SignInRevokeOptions,
  io: CliIo,
  outputs: StackOutputs,
): Promise<number> {
  if (options.rotate) {
    throw new UsageError("--rotate ends presigned links, and a sign-in stack has none: its links hold no key", {
      fix: "leave out --rotate; to end every open session at once, rotate the cookie key (cookieKeyGeneration)",
    });
  }
  if (options.group !== undefined && options.publication !== undefined) {
    throw new UsageError("--group and --publication both narrow the revoke", { fix: "pass only one of them" });
  }
  const purpose = { doing: "removing grants", onAws: "may not delete grants" };
  const stack = await openCallerStack(options, io, purpose, outputs);
  const grantsPrefix = signInGrantsPrefix(stack.outputs, "revoke-cohort");
  const warn = (message: string) => io.stderr(`warning: ${message}\n`);
  const grants = await grantsOf(stack.store, grantsPrefix, cohort, warn);
  const chosenGrants =
    options.publication !== undefined
      ? []
      : grants.filter((grant) => options.group === undefined || grant.group === options.group);
  if (options.group !== undefined && chosenGrants.length === 0) {
    throw new ValidationError(
      `group ${JSON.stringify(options.group)} holds no grant of cohort ${JSON.stringify(cohort)}`,
      {
        fix:
          grants.length > 0
            ? `granted groups: ${grants.map((grant) => JSON.stringify(grant.group)).join(", ")}`
            : "the cohort is granted to no group",
      },
    );
  }
  const all = options.group !== undefined ? [] : await loadPublications(stack.store, stack.outputs, { cohort, warn });
  const publications = all.filter(
    (publication) => options.publication === undefined || publication.configKey === options.publication,
  );
  if (options.group === undefined && chosenGrants.length === 0 && publications.length === 0) {
    throw new ValidationError(
      `cohort ${JSON.stringify(cohort)} has no grant and no publication${options.publication ? ` ${options.publication}` : ""}`,
      {
        fix: "check the name (and the config key) with `npm run cohorts`; names are matched exactly",
      },
    );
  }
  const pending = publications.filter((publication) => publication.revokedAt === undefined);
  const what = `remove ${plural(chosenGrants.length, "grant")}${options.group === undefined ? ` and delete ${plural(pending.length, "config")}` : ""}`;
  if (options.dryRun) {
    io.stderr(`Dry run: would ${what} of "${cohort}":\n`);
    for (const grant of chosenGrants) io.stderr(`  grant of group ${JSON.stringify(grant.group)} (${grant.key})\n`);
    for (const publication of pending) io.stderr(`  ${publication.configKey}\n`);
    io.stderr("Nothing was changed.\n");
    return ExitCode.ok;
  }
  await confirmed(io, options, `Revoke "${cohort}": ${what}?`);
  const removed = await removeGrants(stack.store, grantsPrefix, cohort, { group: options.group, warn });
  for (const grant of options.publication === undefined ? removed : [])
    io.stderr(`Removed the grant of group ${JSON.stringify(grant.group)} to "${cohort}".\n`);
  if (options.group === undefined) {
    const context = {
      store: stack.store,
      configPrefix: stack.outputs.configPrefix,
      ledgerPrefix: stack.outputs.ledgerPrefix,
      now: io.now(),
      randomHex: randomHex8,
    };
    const result = await revokePublications(publications, context);
    for (const { publication, ledgerKey } of result.revoked)
      io.stderr(`Deleted ${publication.configKey} (recorded in ${ledgerKey}).\n`);
  }
  io.stderr(
    options.group === undefined
      ? `Cohort "${cohort}" is withdrawn: its link opens nothing from each person's next sign-in.\n`
      : `People of group ${JSON.stringify(options.group)} open nothing of "${cohort}" from their next sign-in (unless another of their groups is granted it).\n`,
  );
  io.stderr(SESSION_NOTE);
  return ExitCode.ok;
}
