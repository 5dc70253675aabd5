/**
 * Cohort names, sample ids and the object keys derived from them.
 *
 * Cohort names are shown to people and travel in the link's `cohortId` parameter (URL-encoded), so
 * they may hold letters of any script (with their combining marks), digits, spaces and
 * `_ - . , ( ) + '`, 1-100 characters, starting with a letter, digit or `_`. Object keys use an
 * ASCII slug of the name (cohortSlug), so a name can never steer a write outside the config and
 * ledger prefixes, and distinct names never share a folder.
 */
import { createHash, randomBytes } from "node:crypto";
import { ValidationError } from "./errors";

export const MAX_COHORT_NAME_LENGTH = 100;
export const MAX_SAMPLE_ID_LENGTH = 128;

const COHORT_NAME_START = /^[\p{L}\p{N}_]$/u;
const COHORT_NAME_CHARACTER = /^[\p{L}\p{M}\p{N}_ .,()+'-]$/u;
const SAMPLE_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:+-]*$/;

export const COHORT_NAME_RULE =
  "1-100 characters: letters, digits, spaces and _ - . , ( ) + ' (no / \\ & # ? % or control characters), starting with a letter, digit or _";
export const SAMPLE_ID_RULE =
  "1-128 characters: letters, digits and _ . : + - (no / \\ & # ? % spaces or control characters), starting with a letter, digit or _";

/** Why a cohort name is not allowed, or undefined. */
export function cohortNameProblem(name: string): string | undefined {
  const characters = [...name];
  if (characters.length === 0) return "is empty";
  if (characters.length > MAX_COHORT_NAME_LENGTH)
    return `is ${characters.length} characters long (at most ${MAX_COHORT_NAME_LENGTH})`;
  const refused = [...new Set(characters.filter((character) => !COHORT_NAME_CHARACTER.test(character)))];
  if (refused.length > 0) {
    const shown = refused
      .slice(0, 5)
      .map((character) => printable(character))
      .join(", ");
    return `contains ${shown}${refused.length > 5 ? ", ..." : ""}, which ${refused.length === 1 ? "is" : "are"} not allowed`;
  }
  if (name !== name.trim()) return "starts or ends with a space";
  if (!COHORT_NAME_START.test(characters[0]))
    return `starts with ${printable(characters[0])} (start it with a letter, digit or _)`;
  return undefined;
}

export function assertCohortName(name: string, option = "--cohort"): string {
  const problem = cohortNameProblem(name);
  if (problem) {
    throw new ValidationError(`cohort name ${printable(name)} ${problem}`, {
      fix: `pass ${option} with ${COHORT_NAME_RULE}`,
    });
  }
  return name;
}

export function sampleIdProblem(id: string): string | undefined {
  if (id.length === 0) return "is empty";
  if (id.length > MAX_SAMPLE_ID_LENGTH) return `is ${id.length} characters long (at most ${MAX_SAMPLE_ID_LENGTH})`;
  if (!SAMPLE_ID_PATTERN.test(id)) return "contains characters that are not allowed";
  return undefined;
}

/** Longest cohort slug; a slug that carries a hash keeps at most SLUG_LENGTH - 13 readable characters. */
const SLUG_LENGTH = 64;
/** The hash a slug ends with when the name lost characters on the way: `-` and 12 hex digits (48 bits). */
const HASH_SUFFIX = /-[0-9a-f]{12}$/;

/** Lower-case ASCII letters, digits, `.`, `_`, `-`: the readable part of a cohort's folder name. */
function readableSlug(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
}

function nameHash(name: string, length = 12): string {
  return createHash("sha256").update(name, "utf8").digest("hex").slice(0, length);
}

/**
 * The folder name of a cohort's configs and ledger entries: key-safe (lower-case ASCII letters,
 * digits, `.`, `_`, `-`, at most 64 characters) and one of its own for every distinct name. A name
 * that is its own slug (`pcawg-breast`) is used as it is; any other name, one that lost characters
 * on the way (case, spaces, accents, other scripts: `PCAWG Breast`, `乳腺癌 2026`), gets a short
 * hash of the exact name appended (`pcawg-breast-3f9a1c07e2d4`, `2026-…`; `cohort-…` when nothing
 * readable is left), so names that read alike never share a folder.
 */
export function cohortSlug(name: string): string {
  const readable = readableSlug(name);
  if (readable === name && readable.length <= SLUG_LENGTH && !HASH_SUFFIX.test(readable)) return readable;
  const base = readable.slice(0, SLUG_LENGTH - 13).replace(/[-.]+$/, "");
  return `${base === "" ? "cohort" : base}-${nameHash(name)}`;
}

/**
 * The folder name earlier releases gave a cohort (the readable slug alone, or `cohort-<hash>` when
 * nothing readable was left), which different names could share. Read, never written: publications
 * made then are found there, and their own ledger entries say which name each belongs to.
 */
export function legacyCohortSlug(name: string): string {
  const slug = readableSlug(name).slice(0, SLUG_LENGTH);
  return slug !== "" ? slug : `cohort-${nameHash(name.normalize("NFC"))}`;
}

/** A readable file name for a cohort's files outside the bucket (the share page's config download). */
export function cohortFileStem(name: string): string {
  return readableSlug(name).slice(0, SLUG_LENGTH) || "cohort";
}

/** Every folder name a cohort's objects may sit under: its own, then the one earlier releases used. */
export function cohortSlugs(name: string): string[] {
  return [...new Set([cohortSlug(name), legacyCohortSlug(name)])];
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

/**
 * An object key as a path on the viewer's origin (sign-in mode serves the bucket's data and config
 * prefixes there): each segment percent-encoded, as configs name it and CloudFront serves it.
 */
export function keyUrlPath(key: string): string {
  return `/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/** Characters JSON leaves as they are but a terminal would act on: DEL and C1 controls, format (bidi, zero-width), separators, private and unassigned. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/gu;

/**
 * Quotes user data so it is safe to print in one line: control, format and separator characters
 * escaped (a name cannot break a line or reorder the text around it), long values clipped.
 */
export function printable(value: string, max = 60): string {
  const text = typeof value === "string" ? value : String(value);
  const clipped = text.length > max ? `${text.slice(0, max)}...` : text;
  return JSON.stringify(clipped).replace(INVISIBLE, (character) => {
    const code = character.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
