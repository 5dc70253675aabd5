/**
 * Words and times as the tools print them: durations, instants and counts. One home, so every command
 * says them the same way.
 */
import { UsageError } from "./errors";
import { printable } from "./naming";

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const DURATION_PATTERN = /^([1-9]\d{0,9})([smhd]?)$/;

/**
 * Parses `--expires` values such as `3600s`, `90m`, `36h`, `7d` into whole seconds.
 * Zero, negatives, fractions, exponents and unknown units are refused, and so is a number without
 * a unit: `--expires 36` meant 36 hours to the person who typed it far more often than 36 seconds,
 * and links that die before anyone opens them fail silently. The upper bound is the expiry
 * policy's business (see expiry.ts), so `8d` parses and is refused there with the reason.
 */
export function parseDuration(text: string, option = "--expires"): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) {
    throw new UsageError(`${option} ${printable(text)} is not a duration`, {
      fix: `give a positive whole number with a unit: s, m, h or d (e.g. ${option} 36h or ${option} 7d)`,
    });
  }
  const [, count, unit] = match;
  if (unit === "") {
    throw new UsageError(`${option} ${printable(text)} has no unit`, {
      fix: `say which unit: ${option} ${count}s (seconds), ${count}m (minutes), ${count}h (hours) or ${count}d (days)`,
    });
  }
  return Number(count) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
}

/** `604800` → `7d`, `129600` → `36h`, `5400` → `90m`, else seconds. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ["d", 86400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** Human form for messages: "6 days 23 hours", "59 minutes". */
export function describeDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, Math.floor(seconds));
  for (const [name, size] of [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${name}${count === 1 ? "" : "s"}`);
    rest -= count * size;
    if (parts.length === 2) break;
  }
  return parts.length > 0 ? parts.join(" ") : `${rest} second${rest === 1 ? "" : "s"}`;
}

/** An instant as the tools print it: ISO 8601 in UTC, to the second (`2026-03-13T10:15:00Z`). */
export function instant(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `1 sample`, `2 samples`; `many` for irregular plurals (`1 entry`, `2 entries`). */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : many}`;
}

/**
 * A command line as a POSIX shell would take it (arguments quoted only when they need it).
 * Placeholders such as `<stack>` stay unquoted: the reader replaces them before running it.
 */
export function shellCommand(program: string, args: readonly string[]): string {
  const quote = (arg: string) =>
    /^([A-Za-z0-9_./:=@%+-]+|<[a-z0-9+]+>)$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
  return [program, ...args].map(quote).join(" ");
}

/**
 * The candidate a slip of the keyboard most likely meant, or undefined: the closest by edit distance
 * (case ignored, at most 2 edits, fewer than the word has letters), else the only candidate the word
 * begins (`publish` for `publish-cohort`).
 */
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance <= 2 && distance < typed.length && (!best || distance < best.distance)) best = { candidate, distance };
  }
  if (best) return best.candidate;
  const extended = candidates.filter((candidate) => typed.length >= 3 && candidate.toLowerCase().startsWith(typed));
  return extended.length === 1 ? extended[0] : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
