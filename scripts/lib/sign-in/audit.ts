/**
 * Audit records: one object per sign-in, cohort opened or refused, under the stack's audit prefix,
 * `<auditPrefix>YYYY/MM/DD/<yyyyMMddTHHmmssSSSZ>-<8 hex>.json` (a day's records list together; two
 * records never share a key). They name the person as the provider does (issuer and subject, and
 * the email it gave), the cohort and the client's address: never a token, a cookie or a key.
 */
import { compactTimestamp } from "../naming";
import { ObjectStore } from "../s3/object-store";

export type AuditEvent = "sign-in" | "open" | "refused";

/**
 * Why an open was refused (the access report groups by it). `sign-in-failed`: the provider's answer
 * at the callback was not accepted (wrong state, a replayed code, an expired or foreign ID token), so
 * nobody was identified: its record has an empty subject, no email and no cohort.
 */
export type RefusalReason = "no-grant" | "no-publication" | "no-sample" | "sign-in-failed";

export interface AuditRecord {
  event: AuditEvent;
  time: string;
  subject: string;
  email: string | null;
  issuer: string;
  clientAddress: string;
  /** The cohort's exact name; absent for a sign-in (and for a refusal before the name is known). */
  cohort?: string;
  /** For an open: the config the person was sent to. */
  configKey?: string;
  reason?: RefusalReason;
}

export function auditRecordKey(auditPrefix: string, time: Date, hex: string): string {
  const day = time.toISOString().slice(0, 10).replace(/-/g, "/");
  return `${auditPrefix}${day}/${compactTimestamp(time)}-${hex}.json`;
}

export async function writeAuditRecord(
  store: ObjectStore,
  auditPrefix: string,
  record: AuditRecord,
  hex: string,
): Promise<string> {
  const key = auditRecordKey(auditPrefix, new Date(record.time), hex);
  await store.put(key, `${JSON.stringify(record)}\n`, "application/json", { createOnly: true });
  return key;
}
