/**
 * `access-report` in sign-in mode. There the data is read through the viewer's CloudFront
 * distribution, so the data bucket's access logs show CloudFront fetching for everyone, never a
 * person. What names people is the sign-in function's audit: one object per event under the
 * stack's `auditPrefix`, `<auditPrefix>YYYY/MM/DD/<stamp>-<hex>.json`, holding who (the provider's
 * subject and email), what (sign-in, open of a cohort, refusal), when and from which address. This
 * module reads the period's days of it (only those) and groups it by cohort.
 */
import { eachAtOnce } from "../concurrency";
import { printable } from "../naming";
import { daysBetween, LogBucket } from "./access-log-listing";

export type AuditEvent = "sign-in" | "open" | "refused";

/** One audit record as the sign-in function writes it (no token, no cookie). */
export interface AuditRecord {
  event: AuditEvent;
  time: Date;
  subject: string;
  email?: string;
  issuer: string;
  cohort?: string;
  configKey?: string;
  clientAddress?: string;
  reason?: string;
}

/** Control, format and separator characters: never printed as they are. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const EVENTS: readonly AuditEvent[] = ["sign-in", "open", "refused"];

/** A field as it may be printed: a string without control characters, or undefined. */
function text(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  return UNPRINTABLE.test(value) ? printable(value, 200) : value;
}

/** An audit object's body as a record, or undefined when it is not one the function could have written. */
export function parseAuditRecord(body: string): AuditRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const fields = raw as Record<string, unknown>;
  const event = EVENTS.find((name) => name === fields.event);
  const time = typeof fields.time === "string" ? new Date(fields.time) : undefined;
  // A failed sign-in identified nobody: its subject is empty, and only then.
  const failedSignIn = event === "refused" && fields.reason === "sign-in-failed" && fields.subject === "";
  const subject = failedSignIn ? "" : text(fields.subject);
  const issuer = text(fields.issuer);
  if (!event || !time || Number.isNaN(time.getTime()) || subject === undefined || !issuer) return undefined;
  const optional = (name: string) => text(fields[name]);
  const record: AuditRecord = { event, time, subject, issuer };
  for (const name of ["email", "cohort", "configKey", "clientAddress", "reason"] as const) {
    const value = optional(name);
    if (value !== undefined) record[name] = value;
  }
  return record;
}

export interface PeriodAudit {
  records: AuditRecord[];
  /** Audit objects read. */
  objects: number;
  /** Objects that were not audit records. */
  unreadable: number;
}

const READ_CONCURRENCY = 16;

/** Every audit record of `[start, end]`: one listing per day of the period, then each object read. */
export async function readPeriodAudit(
  bucket: LogBucket,
  auditPrefix: string,
  start: Date,
  end: Date,
): Promise<PeriodAudit> {
  const keys: string[] = [];
  await eachAtOnce(daysBetween(start, end), READ_CONCURRENCY, async (day) => {
    for (const object of await bucket.list(`${auditPrefix}${day}/`))
      if (object.key.endsWith(".json")) keys.push(object.key);
  });
  const result: PeriodAudit = { records: [], objects: keys.length, unreadable: 0 };
  await eachAtOnce(keys, READ_CONCURRENCY, async (key) => {
    const record = parseAuditRecord((await bucket.read(key)).toString("utf8"));
    if (!record) result.unreadable++;
    else if (record.time >= start && record.time <= end) result.records.push(record);
  });
  result.records.sort((a, b) => a.time.getTime() - b.time.getTime());
  return result;
}

/** One person, as the provider names them. */
export interface AuditPerson {
  email?: string;
  subject: string;
  issuer: string;
}

export interface CohortEvent {
  person: AuditPerson;
  time: Date;
  clientAddress?: string;
  /** Refusals: why (no-grant, no-publication, ...). */
  reason?: string;
}

export interface CohortAudit {
  cohort: string;
  /** Every open of the cohort, oldest first. */
  opened: CohortEvent[];
  /** Every refused attempt to open it. */
  refused: CohortEvent[];
}

export interface SignInReport {
  cohorts: CohortAudit[];
  /** Sign-ins in the period (of anyone, whatever they opened). */
  signIns: number;
  /** Distinct people who signed in. */
  people: number;
  /** Sign-ins the provider's answer failed (nobody identified). */
  failedSignIns: number;
  /** Other refusals that name no cohort (an /open/ link to a folder with no publication). */
  refusedWithoutCohort: number;
}

function personOf(record: AuditRecord): AuditPerson {
  return { ...(record.email ? { email: record.email } : {}), subject: record.subject, issuer: record.issuer };
}

/** Groups the period's records by cohort (only `cohort`'s when given), cohorts by name. */
export function signInReportOf(records: readonly AuditRecord[], cohort?: string): SignInReport {
  const byCohort = new Map<string, CohortAudit>();
  const signedIn = new Set<string>();
  let signIns = 0;
  let refusedWithoutCohort = 0;
  let failedSignIns = 0;
  for (const record of records) {
    if (record.event === "sign-in") {
      signIns++;
      signedIn.add(`${record.issuer} ${record.subject}`);
      continue;
    }
    if (record.event === "refused" && record.reason === "sign-in-failed") failedSignIns++;
    else if (record.cohort === undefined && record.event === "refused") refusedWithoutCohort++;
    if (record.cohort === undefined || (cohort !== undefined && record.cohort !== cohort)) continue;
    let entry = byCohort.get(record.cohort);
    if (!entry) byCohort.set(record.cohort, (entry = { cohort: record.cohort, opened: [], refused: [] }));
    const event: CohortEvent = {
      person: personOf(record),
      time: record.time,
      ...(record.clientAddress ? { clientAddress: record.clientAddress } : {}),
      ...(record.event === "refused" && record.reason ? { reason: record.reason } : {}),
    };
    (record.event === "open" ? entry.opened : entry.refused).push(event);
  }
  const cohorts = [...byCohort.values()].sort((a, b) => a.cohort.localeCompare(b.cohort));
  return { cohorts, signIns, people: signedIn.size, failedSignIns, refusedWithoutCohort };
}

/** The sign-in report as `--json` prints it. */
export function signInReportJson(report: SignInReport): object {
  const event = (item: CohortEvent) => ({
    email: item.person.email ?? null,
    subject: item.person.subject,
    issuer: item.person.issuer,
    time: item.time.toISOString(),
    clientAddress: item.clientAddress ?? null,
    ...(item.reason ? { reason: item.reason } : {}),
  });
  return {
    access: "sign-in",
    cohorts: report.cohorts.map((cohort) => ({
      cohort: cohort.cohort,
      people: new Set(cohort.opened.map((item) => `${item.person.issuer} ${item.person.subject}`)).size,
      opened: cohort.opened.map(event),
      refused: cohort.refused.map(event),
    })),
    signIns: report.signIns,
    people: report.people,
    failedSignIns: report.failedSignIns,
    refusedWithoutCohort: report.refusedWithoutCohort,
  };
}

/** The sign-in report of a period and what it read. */
export interface SignInAccessReport extends SignInReport {
  request: { cohort?: string; start: Date; end: Date };
  audit: Omit<PeriodAudit, "records"> & { where: string };
}
