/**
 * How `access-report` prints: on stdout the table (flagged publications first) or, with --json, the
 * JSON document and nothing else; on stderr which logs were read, what period they cover and how
 * late S3 delivers them. Nothing printed holds a link, a signature or a credential.
 */
import { AccessReport, accessReportJson } from "../../access/access-report";
import { UsageFlag } from "../../access/attribution";
import { SignInAccessReport, signInReportJson } from "../../access/sign-in-audit";
import { instant, plural } from "../../text-format";
import { CliIo } from "../shell";
import { cohortLabel } from "./lifecycle-report";
import { formatBytes } from "./progress-bar";
import { renderTable } from "./text-table";

const COLUMNS = ["FLAGS", "COHORT", "REQUESTS", "REFUSED", "SENT", "CLIENTS", "FIRST SEEN", "LAST SEEN", "CONFIG"];

const FLAG_MEANINGS: Record<UsageFlag, (report: AccessReport) => string> = {
  "many-clients": (report) => `more than ${report.request.maxClients} distinct client addresses used its links`,
  "after-expiry": () => "someone tried its links after they expired (or their signing session ended)",
  "after-revoke": () => "someone tried its config or links after it was revoked",
};

export function accessReportTable(report: AccessReport): string[] {
  return renderTable([
    COLUMNS,
    ...report.usages.map((usage) => [
      usage.flags.join(",") || "-",
      cohortLabel(usage.publication.cohort),
      String(usage.requests),
      String(usage.refused),
      formatBytes(usage.bytesSent),
      String(usage.distinctClients),
      instant(usage.firstSeen),
      instant(usage.lastSeen),
      usage.publication.configKey,
    ]),
  ]);
}

/** Which logs were read and what they cover; the delivery delay; what the unattributed count holds. */
export function coverageLines(report: AccessReport): string[] {
  const { logs, request } = report;
  const asked = `${instant(request.start)} to ${instant(request.end)}`;
  if (!logs.delivered) {
    return [
      `No access log has been delivered to ${logs.where} yet: S3 delivers the first logs some hours after logging is turned on (best effort).`,
    ];
  }
  const span =
    logs.first && logs.last
      ? `${plural(logs.records, "request")} from ${instant(logs.first)} to ${instant(logs.last)}`
      : "no request";
  const lines = [
    `Access logs ${logs.where}: ${plural(logs.objects, "log object")} for the days of ${asked}, holding ${span} in that period.`,
    `S3 delivers access logs late (usually within a few hours, best effort): requests of the last hours may be missing${logs.last ? `; the latest logged one is from ${instant(logs.last)}` : ""}.`,
    `${plural(report.unattributed, "request")} belonged to no publication (the lab's own uploads and listings, the console, links the ledger does not know).`,
  ];
  if (logs.unreadableLines > 0)
    lines.push(`${plural(logs.unreadableLines, "line")} of the logs were not records; skipped.`);
  return lines;
}

export function printAccessReport(report: AccessReport, json: boolean, io: CliIo): void {
  if (json) io.stdout(`${JSON.stringify(accessReportJson(report), null, 2)}\n`);
  else if (report.usages.length > 0) io.stdout(`${accessReportTable(report).join("\n")}\n`);
  const cohort = report.request.cohort === undefined ? "" : ` of cohort ${JSON.stringify(report.request.cohort)}`;
  const lines = [...coverageLines(report)];
  if (report.usages.length === 0) lines.push(`No publication${cohort} was used in this period's logs.`);
  const flags = new Set(report.usages.flatMap((usage) => usage.flags));
  for (const flag of flags) lines.push(`${flag}: ${FLAG_MEANINGS[flag](report)}.`);
  io.stderr(lines.map((line) => `${line}\n`).join(""));
}

/** Sign-in mode: one row per open or refusal, cohort by cohort, oldest first. */
export function signInReportTable(report: SignInAccessReport): string[] {
  const rows = report.cohorts.flatMap((cohort) =>
    [
      ...cohort.opened.map((event) => ({ event, what: "opened" })),
      ...cohort.refused.map((event) => ({ event, what: `refused (${event.reason ?? "no reason given"})` })),
    ]
      .sort((a, b) => a.event.time.getTime() - b.event.time.getTime())
      .map(({ event, what }) => [
        cohortLabel(cohort.cohort),
        event.person.email ?? event.person.subject,
        what,
        instant(event.time),
        event.clientAddress ?? "-",
      ]),
  );
  return renderTable([["COHORT", "PERSON", "EVENT", "TIME", "CLIENT ADDRESS"], ...rows]);
}

/** What the sign-in report can and cannot show, and which records it read. */
const SIGN_IN_LIMITS = [
  "Sign-in mode: the data is read through the viewer's CloudFront distribution, so the bucket's access logs show CloudFront, not people; this report lists who signed in and opened each cohort, from the sign-in audit records.",
  "It cannot show which files a person then read, or how much: those requests go to CloudFront, and answers from its cache never reach S3. CloudFront's own standard logs, if enabled on the distribution, hold each request with its client address.",
  "A person's cookies keep opening the cohort until their session ends (sessionHours), even after their grant is removed.",
];

export function printSignInReport(report: SignInAccessReport, json: boolean, io: CliIo): void {
  if (json) io.stdout(`${JSON.stringify(signInReportJson(report), null, 2)}\n`);
  else if (report.cohorts.length > 0) io.stdout(`${signInReportTable(report).join("\n")}\n`);
  const { audit, request } = report;
  const lines = [
    `Audit records ${audit.where}: ${plural(audit.objects, "record")} for the days of ${instant(request.start)} to ${instant(request.end)}; ${plural(report.signIns, "sign-in")} by ${plural(report.people, "person", "people")} in that period.`,
    ...SIGN_IN_LIMITS,
  ];
  if (report.failedSignIns > 0) {
    lines.push(
      `${plural(report.failedSignIns, "sign-in")} failed: the provider's answer was not accepted (wrong state, a replayed code, an expired or foreign token); the function's log says which.`,
    );
  }
  if (report.refusedWithoutCohort > 0) {
    lines.push(
      `${plural(report.refusedWithoutCohort, "refused attempt")} named no published cohort (an /open/ link to a folder with no publication).`,
    );
  }
  if (audit.unreadable > 0)
    lines.push(`${plural(audit.unreadable, "object")} under the audit prefix were not audit records; skipped.`);
  if (report.cohorts.length === 0) {
    const cohort = request.cohort === undefined ? "No cohort" : `Cohort ${JSON.stringify(request.cohort)}`;
    lines.push(`${cohort} was opened or refused in this period.`);
  }
  io.stderr(lines.map((line) => `${line}\n`).join(""));
}
