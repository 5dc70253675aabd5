/**
 * Cohort names, sample ids and the object keys derived from them.
 *
 * Cohort names are shown to people and travel in the link's `cohortId` parameter (URL-encoded), so
 * they may hold letters, digits, spaces and `_ - . , ( ) + '` (Unicode letters included), 1-100
 * characters, not starting with a dot or a space. Object keys use a slug of the name, so a name can
 * never steer a write outside the config and ledger prefixes.
 */
import { randomBytes } from "node:crypto";
import { ValidationError } from "./errors";

export const MAX_COHORT_NAME_LENGTH = 100;
export const MAX_SAMPLE_ID_LENGTH = 128;

const COHORT_NAME_PATTERN = /^[\p{L}\p{N}_][\p{L}\p{N}_ .,()+'-]*$/u;
const SAMPLE_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:+-]*$/;

export const COHORT_NAME_RULE =
  "1-100 characters: letters, digits, spaces and _ - . , ( ) + ' (no / \\ & # ? % or control characters), starting with a letter, digit or _";
export const SAMPLE_ID_RULE = "1-128 characters: letters, digits and _ . : + - (no / \\ & # ? % spaces or control characters), starting with a letter, digit or _";

/** Why a cohort name is not allowed, or undefined. */
export function cohortNameProblem(name: string): string | undefined {
  if (name.length === 0) return "is empty";
  if (name.length > MAX_COHORT_NAME_LENGTH) return `is ${name.length} characters long (at most ${MAX_COHORT_NAME_LENGTH})`;
  if (name !== name.trim()) return "starts or ends with a space";
  if (!COHORT_NAME_PATTERN.test(name)) return `contains characters that are not allowed (${printable(name)})`;
  if (cohortSlug(name) === "") return "has no letter or digit";
  return undefined;
}

export function assertCohortName(name: string, option = "--cohort"): string {
  const problem = cohortNameProblem(name);
  if (problem) {
    throw new ValidationError(`cohort name ${printable(name)} ${problem}`, { fix: `pass ${option} with ${COHORT_NAME_RULE}` });
  }
  return name;
}

export function sampleIdProblem(id: string): string | undefined {
  if (id.length === 0) return "is empty";
  if (id.length > MAX_SAMPLE_ID_LENGTH) return `is ${id.length} characters long (at most ${MAX_SAMPLE_ID_LENGTH})`;
  if (!SAMPLE_ID_PATTERN.test(id)) return "contains characters that are not allowed";
  return undefined;
}

/** Key-safe form of a cohort name: lower-case ASCII letters, digits, `.`, `_`, `-`. */
export function cohortSlug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 64);
}

/** `yyyyMMddTHHmmssSSSZ` in UTC: sorts lexically in time order. */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, "").replace(".", "");
}

export function parseCompactTimestamp(stamp: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(stamp);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms] = match;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function randomHex8(): string {
  return randomBytes(4).toString("hex");
}

/** The part shared by a publication's config key and its ledger entry key. */
export function publicationStem(cohort: string, createdAt: Date, hex: string): string {
  return `${cohortSlug(cohort)}/${compactTimestamp(createdAt)}-${hex}`;
}

export function configObjectKey(configPrefix: string, stem: string): string {
  return `${configPrefix}${stem}.json`;
}

export function ledgerObjectKey(ledgerPrefix: string, stem: string): string {
  return `${ledgerPrefix}${stem}.json`;
}

/** Escapes control characters and clips long values so user data is safe to print in one line. */
export function printable(value: string, max = 60): string {
  const clipped = value.length > max ? `${value.slice(0, max)}...` : value;
  return JSON.stringify(clipped);
}
