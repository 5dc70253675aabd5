/**
 * How a publication is reported, shared by publish-cohort and refresh-cohort: the link on stdout
 * (the one thing the user asked for), the summary on stderr, or one JSON document with --json.
 */
import { Command } from "commander";
import { CliIo } from "../cli";
import { describeDuration } from "../duration";
import { PublishResult } from "../publish";

export interface PublicationOutputOptions {
  json?: boolean;
  out?: string;
}

export function addPublicationOutputOptions(command: Command): Command {
  return command
    .option("--out <file>", "also write the config to this file (mode 0600)")
    .option("--json", "print the result as JSON on stdout");
}

const LIMITS: Record<PublishResult["expiry"]["limit"], string> = {
  request: "as requested",
  s3: "S3's 7-day maximum",
  stack: "the stack's maxLinkLifetimeSeconds",
  session: "the signing session's expiry",
};

export function publicationJson(result: PublishResult): Record<string, unknown> {
  return {
    cohort: result.cohort,
    dryRun: result.dryRun,
    link: result.link,
    configKey: result.configKey,
    configUrl: result.configUrl,
    expiresAt: result.expiresAt.toISOString(),
    samples: result.sampleIds.length,
    urls: result.urlCount,
  };
}

/** Prints the result; `signer` describes the signing credentials (never the secret). */
export function reportPublication(result: PublishResult, options: PublicationOutputOptions, io: CliIo, signer: string): void {
  if (options.json) {
    io.stdout(`${JSON.stringify(publicationJson(result), null, 2)}\n`);
    return;
  }
  const samples = result.sampleIds.length;
  const what = `${samples} sample${samples === 1 ? "" : "s"}, ${result.urlCount} file${result.urlCount === 1 ? "" : "s"} presigned`;
  if (result.dryRun) {
    io.stderr(`Dry run: cohort "${result.cohort}" is valid: ${what}; nothing was uploaded.\n`);
    io.stderr(`Would upload: ${result.configKey} (${result.configBytes} bytes)\n`);
    if (options.out) io.stderr(`Config written to ${options.out} (mode 0600).\n`);
    return;
  }
  const life = describeDuration(result.expiry.seconds);
  io.stderr(`Published cohort "${result.cohort}": ${what}.\n`);
  io.stderr(`Config: ${result.configKey}\n`);
  io.stderr(`Links expire ${result.expiresAt.toISOString()} (in ${life}; ${LIMITS[result.expiry.limit]}). Signed with ${signer}.\n`);
  io.stderr("Anyone holding this link can read the cohort's data until then.\n");
  if (options.out) io.stderr(`Config written to ${options.out} (mode 0600).\n`);
  io.stdout(`${result.link}\n`);
}
