/**
 * What the doctor reports: check ids in report order, statuses, findings, the report, and the limits
 * the checks share. Pure.
 */

export type CheckStatus = "pass" | "warn" | "fail" | "unsupported";
export const CHECK_STATUSES: readonly CheckStatus[] = ["pass", "warn", "fail", "unsupported"];

/** Every check, in the order the report lists them. */
export const CHECKS = {
  credentials: "Credentials",
  identity: "Signing identity",
  bucket: "Bucket and region",
  "data-prefixes": "Data prefixes",
  "public-access-block": "Block Public Access",
  "object-ownership": "Object ownership",
  encryption: "Default encryption",
  "bucket-policy": "Bucket policy",
  cors: "CORS rule",
  "private-and-presigned": "Privacy and presigned GET",
  "viewer-files": "Viewer files",
  "key-age": "Access key age",
  "rotation-impact": "Rotation impact",
  "settings-impact": "Settings vs live links",
} as const;
export type CheckId = keyof typeof CHECKS;
export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about anything that did not pass, one line. */
  fix?: string;
  /** The short-lived test links, only with --show-links. */
  links?: string[];
}

/** What a check found (a pass or not), before it is labelled with its id and title. */
export type Finding = Omit<CheckResult, "id" | "title">;

export interface DoctorReport {
  checks: CheckResult[];
  /** Checks skipped because a check they depend on failed. */
  notRun: Array<{ id: CheckId; title: string; reason: string }>;
  summary: Record<CheckStatus, number>;
  /** The longest a link signed now can live, in seconds; null when the credentials do not resolve. */
  maxLinkSeconds: number | null;
  /** What sets that limit, for the summary line. */
  maxLinkLimit?: string;
}

/** Rotation is flagged this long before it is due. */
export const ROTATION_WARNING_DAYS = 7;
/** Life of the doctor's own test link: long enough for one GET, short enough to be harmless. */
export const TEST_LINK_SECONDS = 60;
/** Objects counted per data prefix before the doctor stops listing (about ten list requests). */
export const LISTING_LIMIT = 10_000;

export const DAY_MS = 86_400_000;
export const UNSUPPORTED_DETAIL = "not supported by this endpoint";

export function unsupported(what: string): Finding {
  return { status: "unsupported", detail: `${UNSUPPORTED_DETAIL} (${what})` };
}
export function rank(status: CheckStatus): number {
  return { pass: 0, unsupported: 1, warn: 2, fail: 3 }[status];
}
export const RESTORE =
  "run `pulumi up --refresh` to restore the stack's settings (a console edit has drifted from the program)";
