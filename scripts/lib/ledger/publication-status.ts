/**
 * Whether a publication's links still work, as a pure function of the ledger entry, the stack
 * outputs and `now`. A presigned link stops working when it expires, when the access key that
 * signed it is deactivated or deleted (a rotation replaced it; a demo run made fresh keys), or when
 * the session credentials that signed it expire. The clock alone says "live" too often.
 *
 * Publish entries record who signed (`signer`, and a session's expiry). Older entries do not: an
 * `ASIA…` key id is a session (its expiry was capped by the session when it was signed), and any
 * other key is taken to be the stack's, as the tools sign with the stack's key whenever the outputs
 * hold one; so an old entry whose key the stack no longer lists is dead, never falsely live.
 */
import type { ResolvedCredentials } from "../s3/credentials";
import type { LinkSigner } from "./ledger";
import type { Publication } from "./fold";
import type { StackOutputs } from "../../../components/stack-outputs";
import { instant } from "../text-format";

export type PublicationStatus = "live" | "expired" | "revoked" | "dead";

/**
 * Live through the expiry instant, expired strictly after it: S3 (and the embedded server, which
 * compares `serverTime > expiresTime`) refuses a presigned URL only once the time is *past*
 * X-Amz-Date + X-Amz-Expires.
 */
export function isLive(expiresAt: Date, now: Date): boolean {
  return now.getTime() <= expiresAt.getTime();
}

/** The stack's access keys, as far as the outputs tell them. */
export interface StackKeys {
  /** False when the outputs list no keys (`--bucket/--region`, or a listing without `accessKeys`): keys cannot be judged. */
  known: boolean;
  /** Keys that sign: listed Active, or listed without a status. */
  signing: ReadonlySet<string>;
  /** Keys listed `Inactive`: whatever they signed fails. */
  inactive: ReadonlySet<string>;
}

export const UNKNOWN_KEYS: StackKeys = { known: false, signing: new Set(), inactive: new Set() };

/** A role-kind stack has no access keys; a user-kind stack lists them in `accessKeys` (one slot or two). */
export function stackKeysOf(
  outputs: Pick<StackOutputs, "presignerKind" | "accessKeys" | "presignerAccessKeyId">,
): StackKeys {
  if (outputs.presignerKind === "role") return { known: true, signing: new Set(), inactive: new Set() };
  const listed = outputs.accessKeys ?? [];
  if (listed.length === 0) return UNKNOWN_KEYS;
  const signing = new Set(listed.filter((key) => key.status !== "Inactive").map((key) => key.accessKeyId));
  if (outputs.presignerAccessKeyId !== undefined) signing.add(outputs.presignerAccessKeyId);
  return {
    known: true,
    signing,
    inactive: new Set(listed.filter((key) => key.status === "Inactive").map((key) => key.accessKeyId)),
  };
}

/** Temporary credentials' key ids start with ASIA (long-term keys: AKIA). */
const SESSION_KEY_ID = /^ASIA/;

/** Who signed, for entries written before the ledger recorded it (see the module comment). */
function signerOf(publication: Pick<Publication, "signer" | "signingAccessKeyId">): LinkSigner {
  return publication.signer ?? (SESSION_KEY_ID.test(publication.signingAccessKeyId) ? "session" : "stack-key");
}

export interface PublicationFinding {
  status: PublicationStatus;
  /** Why its links fail although it has not expired (status dead, or a revoked one's copied-out data links). */
  reason?: string;
  /** Whether links signed for it (config or data, copied out before a revoke) still work. */
  linksWork: boolean;
}

/** Why the links of an unexpired publication fail, if they do. Revocation aside. */
function deadReason(publication: Publication, keys: StackKeys, now: Date): string | undefined {
  const key = publication.signingAccessKeyId;
  if (keys.signing.has(key)) return undefined;
  if (keys.inactive.has(key)) return `its signing key ${key} is inactive`;
  const signer = signerOf(publication);
  if (signer === "session") {
    const end = publication.sessionExpiresAt;
    return end !== undefined && !isLive(end, now)
      ? `the session credentials that signed it expired at ${instant(end)}`
      : undefined;
  }
  if (signer === "stack-key" && keys.known) {
    const recorded =
      publication.signer === undefined ? " (an entry that does not record its signer: taken to be a stack key)" : "";
    return `its signing key ${key} is no longer one of the stack's access keys: rotated out, or from an earlier deployment${recorded}`;
  }
  // A long-term key that was never the stack's (or keys the outputs do not list): nothing here can tell.
  return undefined;
}

/** Revoked first (its config is gone whatever else holds), then expired, dead or live. */
export function judgePublication(publication: Publication, keys: StackKeys, now: Date): PublicationFinding {
  // Sign-in: the link holds no key; the publication opens (for those granted) until it is revoked.
  if (publication.access === "sign-in")
    return publication.revokedAt === undefined
      ? { status: "live", linksWork: true }
      : { status: "revoked", linksWork: false };
  if (!isLive(publication.expiresAt, now))
    return { status: publication.revokedAt === undefined ? "expired" : "revoked", linksWork: false };
  const reason = deadReason(publication, keys, now);
  if (publication.revokedAt !== undefined)
    return { status: "revoked", linksWork: reason === undefined, ...(reason ? { reason } : {}) };
  return reason === undefined ? { status: "live", linksWork: true } : { status: "dead", reason, linksWork: false };
}

/** Whether any link of the publication (config or copied-out data link) still works. */
export function linksWork(publication: Publication, keys: StackKeys, now: Date): boolean {
  return judgePublication(publication, keys, now).linksWork;
}

/** How a publication's links were signed: what publish records in the ledger. */
export function linkSignerFor(
  credentials: Pick<ResolvedCredentials, "kind" | "expiresAt" | "credentials">,
  outputs: Pick<StackOutputs, "presignerKind" | "accessKeys" | "presignerAccessKeyId">,
): { signer: LinkSigner; sessionExpiresAt?: string } {
  if (credentials.kind === "session") {
    return {
      signer: "session",
      ...(credentials.expiresAt ? { sessionExpiresAt: credentials.expiresAt.toISOString() } : {}),
    };
  }
  const stackKey =
    credentials.kind === "stack-presigner" || stackKeysOf(outputs).signing.has(credentials.credentials.accessKeyId);
  return { signer: stackKey ? "stack-key" : "other-key" };
}
