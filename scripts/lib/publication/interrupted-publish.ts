/** An interrupted publish: how far it got decides what it left in the bucket and what the user is told. */
import { InterruptedError, InterruptSignal } from "../errors";
import { shellCommand } from "../text-format";

/** How far an interrupted publish got, which decides what is left in the bucket and what the user is told. */
export type InterruptedStage = "before-upload" | "config-removed" | "config-left" | "recorded";

/** The error an interrupted publish ends with: what it did about it, and what the user can do. */
export function interruptedPublish(
  signal: InterruptSignal,
  stage: InterruptedStage,
  facts: { cohort: string; bucket: string; configKey?: string; ledgerKey?: string },
  suggest: (script: string, args: readonly string[]) => string = (script, args) =>
    shellCommand("npm", ["run", script, "--", ...args]),
): InterruptedError {
  const by = `interrupted by ${signal}`;
  const config = `s3://${facts.bucket}/${facts.configKey}`;
  const again = { fix: "run the command again to publish the cohort" };
  const revoke = `\`${suggest("revoke-cohort", ["--cohort", facts.cohort])}\``;
  switch (stage) {
    case "before-upload":
      return new InterruptedError(signal, `${by} before anything was uploaded: nothing was published`, again);
    case "config-removed":
      return new InterruptedError(
        signal,
        `${by} before the publication was recorded: its config (${config}) was removed, so nothing was published`,
        again,
      );
    case "config-left":
      return new InterruptedError(
        signal,
        `${by} before the publication was recorded, and its config (${config}) could not be removed: no ledger entry names it and its link was never printed`,
        { fix: `remove it with ${revoke} (revoke deletes everything under the cohort's folder)` },
      );
    case "recorded":
      return new InterruptedError(
        signal,
        `${by} after the publication was recorded (${facts.ledgerKey}): cohort ${JSON.stringify(facts.cohort)} is published, but its link was not printed`,
        {
          fix: `print a link with \`${suggest("cohorts", ["--cohort", facts.cohort, "--show-links"])}\`, or withdraw it with ${revoke}`,
        },
      );
  }
}
