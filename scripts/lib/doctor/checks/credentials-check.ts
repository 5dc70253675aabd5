/** Check: the signing credentials resolve, what kind they are, and the longest link they can sign now. */
import { CliError, describeCause } from "../../errors";
import { decideExpiry } from "../../publication/expiry";
import { ResolvedCredentials } from "../../s3/credentials";
import { describeDuration } from "../../text-format";
import { Finding } from "../doctor-model";
import { DoctorContext, IdentityAnswer } from "../probe";

export type SignerKind = ResolvedCredentials["kind"] | "instance-role" | "container-role";
/**
 * The kind of the signing credentials, refined beyond credentials.ts: an EC2 instance profile's
 * session is named after the instance (`i-...`); a container's credentials come from the
 * container credentials endpoint when no keys are in the environment.
 */
export function signerKind(
  credentials: Pick<ResolvedCredentials, "kind">,
  callerArn: string | undefined,
  env: NodeJS.ProcessEnv,
): SignerKind {
  if (credentials.kind !== "session") return credentials.kind;
  if (callerArn !== undefined && /:assumed-role\/[^/]+\/i-[0-9a-f]{8,17}$/.test(callerArn)) return "instance-role";
  const containerEndpoint = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (containerEndpoint && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) return "container-role";
  return "session";
}

/** Who signs, in words: the kind, the access key id (never the secret) and, for sessions, the expiry. */
function describeSigner(kind: SignerKind, credentials: ResolvedCredentials): string {
  const id = credentials.credentials.accessKeyId;
  const expiry = credentials.expiresAt ? `expiring ${credentials.expiresAt.toISOString()}` : "expiry unknown";
  switch (kind) {
    case "stack-presigner":
      return `the stack's presigner key ${id} (long-term IAM user key)`;
    case "long-term":
      return `long-term IAM user key ${id} from the AWS credential chain`;
    case "session":
      return `session credentials ${id} (${expiry})`;
    case "instance-role":
      return `EC2 instance role credentials ${id} (${expiry})`;
    case "container-role":
      return `container role credentials ${id} (${expiry})`;
  }
}

export interface LinkLimit {
  seconds: number | null;
  reason?: string;
}

const LIMIT_REASONS = {
  s3: "S3's 7-day maximum for SigV4 links",
  stack: "the stack's maxLinkLifetimeSeconds",
  session: "the signing session's expiry",
  policy: "the bucket policy's signature-age cap",
} as const;

/** The credentials resolve, what kind they are, and the longest link they can sign now. */
export function credentialsFinding(
  credentials: ResolvedCredentials,
  identity: IdentityAnswer | undefined,
  context: Pick<DoctorContext, "outputs" | "env" | "now">,
  policyCapSeconds?: number,
): { finding: Finding; limit: LinkLimit } {
  const callerArn = identity?.kind === "answer" ? identity.arn : undefined;
  const who = describeSigner(signerKind(credentials, callerArn, context.env), credentials);
  let decision;
  try {
    decision = decideExpiry({
      maxLinkLifetimeSeconds: context.outputs.maxLinkLifetimeSeconds,
      credentials,
      now: context.now,
    });
  } catch (error) {
    const cause = error instanceof CliError ? error : undefined;
    return {
      finding: { status: "fail", detail: `${who}: ${cause?.message ?? describeCause(error)}`, fix: cause?.fix },
      limit: { seconds: 0 },
    };
  }
  let seconds = decision.seconds;
  let reason: string = LIMIT_REASONS[decision.limit === "request" ? "s3" : decision.limit];
  if (policyCapSeconds !== undefined && policyCapSeconds < seconds) {
    seconds = policyCapSeconds;
    reason = LIMIT_REASONS.policy;
  }
  const detail = `${who}: links signed now can live ${describeDuration(seconds)} (${reason})`;
  const limit = { seconds, reason };
  if (decision.warnings.length > 0) {
    return {
      finding: {
        status: "warn",
        detail,
        fix: "sign with the stack's presigner user (pass --stack or --outputs) for links up to 7 days",
      },
      limit,
    };
  }
  return { finding: { status: "pass", detail }, limit };
}
