/**
 * How long the links of a publication live: the request, capped by S3 (7 days), the stack's
 * maxLinkLifetimeSeconds (the bucket policy refuses older signatures) and, for session
 * credentials, the session's remaining life (a link dies with the credentials that signed it).
 */
import { MAX_PRESIGN_SECONDS } from "../../../policy/documents/limits";
import { describeDuration, formatDuration } from "../text-format";
import { ValidationError } from "../errors";
import { ResolvedCredentials } from "../s3/credentials";

/** Assumed life left when session credentials do not say when they expire. */
export const UNKNOWN_SESSION_SECONDS = 3600;

export interface ExpiryRequest {
  /** From --expires; undefined means "as long as allowed". */
  requestedSeconds?: number;
  /** --clamp: shorten a request that is too long instead of refusing it. */
  clamp?: boolean;
  maxLinkLifetimeSeconds: number;
  credentials: Pick<ResolvedCredentials, "kind" | "expiresAt">;
  now: Date;
}

export interface ExpiryDecision {
  seconds: number;
  expiresAt: Date;
  /** What set the limit, for the summary line. */
  limit: "request" | "s3" | "stack" | "session";
  warnings: string[];
}

export function decideExpiry(request: ExpiryRequest): ExpiryDecision {
  const { requestedSeconds, clamp = false, maxLinkLifetimeSeconds, credentials, now } = request;
  const warnings: string[] = [];
  const limits: Array<{ limit: ExpiryDecision["limit"]; seconds: number }> = [
    { limit: "s3", seconds: MAX_PRESIGN_SECONDS },
    { limit: "stack", seconds: maxLinkLifetimeSeconds },
  ];
  if (credentials.kind === "session") {
    if (credentials.expiresAt) {
      const left = Math.floor((credentials.expiresAt.getTime() - now.getTime()) / 1000);
      if (left < 60) {
        throw new ValidationError(
          `the AWS session credentials expire at ${credentials.expiresAt.toISOString()}, less than a minute from now`,
          {
            fix: "refresh the session (e.g. aws sso login) and run the command again",
          },
        );
      }
      limits.push({ limit: "session", seconds: left });
    } else {
      warnings.push(
        `the session credentials do not say when they expire; links die with the session, so they are limited to ${describeDuration(UNKNOWN_SESSION_SECONDS)} — use the stack's presigner user for longer links`,
      );
      limits.push({ limit: "session", seconds: UNKNOWN_SESSION_SECONDS });
    }
  }
  const tightest = limits.reduce((a, b) => (b.seconds < a.seconds ? b : a));

  if (requestedSeconds === undefined) return decision(tightest.seconds, tightest.limit, now, warnings);
  if (requestedSeconds <= tightest.seconds) return decision(requestedSeconds, "request", now, warnings);

  const requested = `--expires ${formatDuration(requestedSeconds)}`;
  const reason =
    tightest.limit === "s3"
      ? `is longer than the 7 days a SigV4 presigned URL can live`
      : tightest.limit === "stack"
        ? `is longer than the stack's maxLinkLifetimeSeconds (${formatDuration(maxLinkLifetimeSeconds)}), past which the bucket policy refuses the link`
        : credentials.expiresAt
          ? `is longer than the signing credentials live: they are temporary and expire at ${credentials.expiresAt.toISOString()} (in ${describeDuration(tightest.seconds)}), and every link dies with them`
          : `is longer than the signing credentials can be trusted to live (temporary credentials with no stated expiry)`;
  if (clamp) {
    warnings.push(`${requested} ${reason}; shortened to ${formatDuration(tightest.seconds)} (--clamp)`);
    return decision(tightest.seconds, tightest.limit, now, warnings);
  }
  const fix =
    tightest.limit === "session"
      ? `ask for at most --expires ${formatDuration(tightest.seconds)}, add --clamp, or sign with IAM-user long-term keys (the stack's presigner user: pass --stack or --outputs) for links up to 7 days`
      : `ask for at most --expires ${formatDuration(tightest.seconds)}, or add --clamp to shorten it`;
  throw new ValidationError(`${requested} ${reason}`, { fix });
}

function decision(seconds: number, limit: ExpiryDecision["limit"], now: Date, warnings: string[]): ExpiryDecision {
  return { seconds, expiresAt: new Date(now.getTime() + seconds * 1000), limit, warnings };
}
