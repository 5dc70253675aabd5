import { Command } from "commander";
import { addStackOptions, CliIo, readStackOutputs, setExitCode, StackOptions, validateEndpoint } from "../shell";
import { fromCredentialChain, fromStackKey } from "../../s3/credentials";
import { awsDoctorClients, CheckResult, CheckStatus, DoctorClients, DoctorReport, runDoctor, TEST_LINK_SECONDS, UNSUPPORTED_DETAIL } from "../../doctor/doctor-runner";
import { describeDuration } from "../../text-format";
import { ExitCode } from "../../errors";
import { stackKey } from "../../s3/outputs-source";

interface DoctorOptions extends StackOptions {
  json?: boolean;
  showLinks?: boolean;
}

const LABELS: Record<CheckStatus, string> = { pass: "PASS", warn: "WARN", fail: "FAIL", unsupported: "N/A" };

function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

export function formatReport(report: DoctorReport, heading: string): string {
  const width = Math.max(...report.checks.map((check) => check.title.length));
  const lines = [heading, ""];
  for (const check of report.checks) {
    lines.push(`${LABELS[check.status].padEnd(4)}  ${check.title.padEnd(width)}  ${check.detail}`);
    const indent = " ".repeat(6 + width + 2);
    if (check.fix && check.status !== "pass") lines.push(`${indent}fix: ${check.fix}`);
    for (const link of check.links ?? []) lines.push(`${indent}test link (valid ${describeDuration(TEST_LINK_SECONDS)}): ${link}`);
  }
  const reasons = [...new Set(report.notRun.map((skipped) => skipped.reason))];
  for (const reason of reasons) {
    const titles = report.notRun.filter((skipped) => skipped.reason === reason).map((skipped) => skipped.title);
    lines.push(`not run (${reason}): ${titles.join(", ")}`);
  }
  const { pass, warn, fail, unsupported } = report.summary;
  lines.push(
    "",
    `${plural(report.checks.length, "check")}: ${pass} passed, ${plural(warn, "warning")}, ${fail} failed, ${unsupported} ${UNSUPPORTED_DETAIL}.`,
  );
  if (report.maxLinkSeconds !== null) {
    lines.push(`Links signed now can live ${describeDuration(report.maxLinkSeconds)} (${report.maxLinkLimit}).`);
  }
  lines.push(fail > 0 ? "Not ready: fix the failed checks before sharing links." : "Nothing failed: the stack is ready to share from.");
  return `${lines.join("\n")}\n`;
}

export function reportJson(report: DoctorReport): Record<string, unknown> {
  const check = ({ id, title, status, detail, fix, links }: CheckResult) => ({ id, title, status, detail, ...(fix ? { fix } : {}), ...(links ? { links } : {}) });
  return { checks: report.checks.map(check), summary: report.summary, maxLinkSeconds: report.maxLinkSeconds, notRun: report.notRun };
}

/** The doctor command; `clients` reach AWS (tests pass stubbed SDK clients). */
export function createDoctorCommand(clients: DoctorClients = awsDoctorClients): (io: CliIo) => Command {
  return (io) => {
    const command = addStackOptions(
      new Command("doctor")
        .description("Check a deployed stack and your credentials before sharing links: bucket, privacy, CORS, bucket policy, keys, and how long links can live.")
        .option("--json", "print the report as JSON on stdout")
        .option("--show-links", "include the doctor's one-minute test link (a bearer token for one object)"),
    );
    command.addHelpText(
      "after",
      "\nExit codes: 0 nothing failed (warnings and checks the endpoint does not support do not fail), 1 a check failed\n" +
        "(or the stack outputs are invalid), 2 usage error, 3 unexpected AWS or network error.\n" +
        "The report goes to stdout. No presigned URL is printed unless --show-links is given.\n",
    );
    command.action(async (options: DoctorOptions) => {
      const endpoint = validateEndpoint(options.endpoint);
      const outputs = await readStackOutputs(options, io);
      const key = stackKey(outputs);
      const report = await runDoctor({
        outputs,
        endpoint,
        resolveCredentials: async () => (key ? fromStackKey(key) : fromCredentialChain(io.credentialProvider)),
        clients,
        connection: io.s3,
        env: io.env,
        now: io.now(),
        showLinks: options.showLinks,
      });
      if (options.json) {
        io.stdout(`${JSON.stringify(reportJson(report), null, 2)}\n`);
      } else {
        const where = endpoint ? `${outputs.region}, endpoint ${endpoint}` : outputs.region;
        io.stdout(formatReport(report, `Doctor: bucket ${outputs.bucketName} (${where}), ${outputs.presignerKind}-kind presigner`));
      }
      setExitCode(command, report.summary.fail > 0 ? ExitCode.validation : ExitCode.ok);
    });
    return command;
  };
}

export const doctorCommand = createDoctorCommand();
