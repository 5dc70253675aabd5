/** `--expires`: durations as the option takes them, and the expiry a publish decides from S3, the stack and the credentials. */
import * as assert from "node:assert/strict";
import { parseDuration, formatDuration } from "../../scripts/lib/text-format";
import { decideExpiry } from "../../scripts/lib/publication/expiry";
import { thrown } from "../support/thrown";

describe("durations (--expires)", () => {
  for (const [text, seconds] of [
    ["3600s", 3600],
    ["90m", 5400],
    ["36h", 129600],
    ["7d", 604800],
    ["8d", 691200],
    ["604801s", 604801],
  ] as const) {
    it(`parses ${text} as ${seconds} s`, () => assert.equal(parseDuration(text), seconds));
  }
  for (const text of ["0", "-1", "1e9", "abc", "1.5h", "", "7 days", "0d", "12345678901"]) {
    it(`refuses ${JSON.stringify(text)} as a usage error naming the option`, () => {
      const error = thrown(() => parseDuration(text));
      assert.equal(error.exitCode, 2);
      assert.match(error.message, /^--expires ".*" is not a duration$/);
      assert.match(error.fix!, /e\.g\. --expires 36h/);
    });
  }
  for (const text of ["36", "3600", " 7 "]) {
    it(`refuses ${JSON.stringify(text)}: a number without a unit, repeating it and naming the units`, () => {
      const error = thrown(() => parseDuration(text));
      assert.equal(error.exitCode, 2);
      const value = text.trim();
      assert.equal(error.message, `--expires ${JSON.stringify(text)} has no unit`);
      assert.equal(
        error.fix,
        `say which unit: --expires ${value}s (seconds), ${value}m (minutes), ${value}h (hours) or ${value}d (days)`,
      );
    });
  }
  it("formats whole units", () => {
    assert.deepEqual([604800, 129600, 5400, 61].map(formatDuration), ["7d", "36h", "90m", "61s"]);
  });
});

describe("expiry policy", () => {
  const now = new Date("2026-11-27T12:00:00Z");
  const longTerm = { kind: "stack-presigner" as const };
  it("defaults to the tightest of S3, the stack and the session", () => {
    assert.equal(decideExpiry({ maxLinkLifetimeSeconds: 604800, credentials: longTerm, now }).seconds, 604800);
    assert.equal(decideExpiry({ maxLinkLifetimeSeconds: 86400, credentials: longTerm, now }).limit, "stack");
    const session = decideExpiry({
      maxLinkLifetimeSeconds: 604800,
      credentials: { kind: "session", expiresAt: new Date("2026-11-27T15:00:00Z") },
      now,
    });
    assert.equal(session.seconds, 3 * 3600);
    assert.equal(session.limit, "session");
  });
  it("refuses a request beyond the session and says when the credentials expire", () => {
    const error = thrown(() =>
      decideExpiry({
        requestedSeconds: 4 * 3600,
        maxLinkLifetimeSeconds: 604800,
        credentials: { kind: "session", expiresAt: new Date("2026-11-27T15:00:00Z") },
        now,
      }),
    );
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /expire at 2026-11-27T15:00:00\.000Z \(in 3 hours\)/);
    assert.match(error.fix!, /--expires 3h, add --clamp, or sign with IAM-user long-term keys/);
  });
  it("clamps on request, with a warning", () => {
    const decision = decideExpiry({
      requestedSeconds: 691200,
      clamp: true,
      maxLinkLifetimeSeconds: 604800,
      credentials: longTerm,
      now,
    });
    assert.equal(decision.seconds, 604800);
    assert.match(decision.warnings[0], /shortened to 7d/);
  });
  it("limits session credentials without an expiry to an hour, with a warning", () => {
    const decision = decideExpiry({ maxLinkLifetimeSeconds: 604800, credentials: { kind: "session" }, now });
    assert.equal(decision.seconds, 3600);
    assert.match(decision.warnings[0], /do not say when they expire/);
  });
  it("refuses credentials that are about to expire", () => {
    assert.match(
      thrown(() =>
        decideExpiry({
          maxLinkLifetimeSeconds: 604800,
          credentials: { kind: "session", expiresAt: new Date(now.getTime() + 30_000) },
          now,
        }),
      ).message,
      /less than a minute/,
    );
  });
});
