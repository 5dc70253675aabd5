/**
 * The doctor's report as people read it (one line per check, the fix under anything not passing, and a
 * summary) and as JSON for scripts.
 */
import { describeDuration, plural } from "../text-format";
import { CheckResult, CheckStatus, DoctorReport, TEST_LINK_SECONDS, UNSUPPORTED_DETAIL } from "./doctor-model";

const LABELS: Record<CheckStatus, string> = { pass: "PASS", warn: "WARN", fail: "FAIL", unsupported: "N/A" };

export function formatReport(report: DoctorReport, heading: string): string {
  const width = Math.max(...report.checks.map((check) => check.title.length));
  const lines = [heading, ""];
  for (const check of report.checks) {
    lines.push(`${LABELS[check.status].padEnd(4)}  ${check.title.padEnd(width)}  ${check.detail}`);
    const indent = " ".repeat(6 + width + 2);
    if (check.fix && check.status !== "pass") lines.push(`${indent}fix: ${check.fix}`);
    for (const link of check.links ?? [])
      lines.push(`${indent}test link (valid ${describeDuration(TEST_LINK_SECONDS)}): ${link}`);
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
  lines.push(
    fail > 0
      ? "Not ready: fix the failed checks before sharing links."
      : "Nothing failed: the stack is ready to share from.",
  );
  return `${lines.join("\n")}\n`;
}

export function reportJson(report: DoctorReport): Record<string, unknown> {
  const check = ({ id, title, status, detail, fix, links }: CheckResult) => ({
    id,
    title,
    status,
    detail,
    ...(fix ? { fix } : {}),
    ...(links ? { links } : {}),
  });
  return {
    checks: report.checks.map(check),
    summary: report.summary,
    maxLinkSeconds: report.maxLinkSeconds,
    notRun: report.notRun,
  };
}
