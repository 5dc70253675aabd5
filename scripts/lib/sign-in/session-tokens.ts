/**
 * The two tokens the sign-in function keeps in cookies, both JWTs signed RS256 with the cookie key
 * (jose): `cpd-flow`, the pending login (state, nonce, PKCE verifier, where to return), and
 * `cpd-session`, the signed-in person. The header's `kid` is the CloudFront key pair id of the key
 * that signed, and a token verifies with either slot's key: a key rotation keeps sessions of the
 * slot that stays. The `typ` header keeps one kind from passing for the other.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { errors as joseErrors, jwtVerify, SignJWT } from "jose";

export const FLOW_COOKIE = "cpd-flow";
export const SESSION_COOKIE = "cpd-session";
/** A login has this long from /auth/login to /auth/callback. */
export const FLOW_SECONDS = 600;

const FLOW_TYPE = "cpd-flow+jwt";
const SESSION_TYPE = "cpd-session+jwt";

export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The path on the viewer's origin to land on afterwards. */
  returnPath: string;
}

export interface Session {
  /** The provider's subject and issuer: who signed in, as the audit records name them. */
  subject: string;
  issuer: string;
  email: string | null;
  groups: string[];
  expiresAt: Date;
  /** Cookie paths opened in this session (logout clears them). */
  opened: string[];
}

/** The cookie keys, parsed once: the active one signs, any verifies. */
export class TokenKeys {
  private readonly publicKeys = new Map<string, KeyObject>();
  private readonly signingKey: KeyObject;

  constructor(
    keys: Readonly<Record<string, string>>,
    readonly activeKeyPairId: string,
    /** The tokens' audience: the viewer's origin, so a token of another stack never passes. */
    private readonly audience: string,
  ) {
    for (const [id, pem] of Object.entries(keys)) this.publicKeys.set(id, createPublicKey(createPrivateKey(pem)));
    const active = keys[activeKeyPairId];
    if (active === undefined) throw new Error("the active cookie key is not among the keys");
    this.signingKey = createPrivateKey(active);
  }

  async sign(type: string, claims: Record<string, unknown>, issuedAt: Date, expiresAt: Date): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: type, kid: this.activeKeyPairId })
      .setAudience(this.audience)
      .setIssuedAt(Math.floor(issuedAt.getTime() / 1000))
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.signingKey);
  }

  /** The token's claims, or undefined when it is not one of ours, of this type, unexpired at `now`. */
  async verify(token: string, type: string, now: Date): Promise<Record<string, unknown> | undefined> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid === undefined ? undefined : this.publicKeys.get(header.kid);
          if (key === undefined) throw new joseErrors.JWKSNoMatchingKey();
          return key;
        },
        { algorithms: ["RS256"], typ: type, audience: this.audience, currentDate: now, clockTolerance: 0 },
      );
      return payload;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return undefined;
      throw error;
    }
  }
}

const isString = (value: unknown): value is string => typeof value === "string";

export function signPendingLogin(keys: TokenKeys, login: PendingLogin, now: Date): Promise<string> {
  return keys.sign(FLOW_TYPE, { ...login }, now, new Date(now.getTime() + FLOW_SECONDS * 1000));
}

export async function verifyPendingLogin(keys: TokenKeys, token: string, now: Date): Promise<PendingLogin | undefined> {
  const claims = await keys.verify(token, FLOW_TYPE, now);
  if (claims === undefined) return undefined;
  const { state, nonce, codeVerifier, returnPath } = claims;
  if (![state, nonce, codeVerifier, returnPath].every(isString)) return undefined;
  return { state, nonce, codeVerifier, returnPath } as PendingLogin;
}

export function signSession(keys: TokenKeys, session: Session, now: Date): Promise<string> {
  const claims = { sub: session.subject, iss: session.issuer, email: session.email, groups: session.groups };
  return keys.sign(SESSION_TYPE, { ...claims, opened: session.opened }, now, session.expiresAt);
}

export async function verifySession(keys: TokenKeys, token: string, now: Date): Promise<Session | undefined> {
  const claims = await keys.verify(token, SESSION_TYPE, now);
  if (claims === undefined) return undefined;
  const { sub, iss, email, groups, opened, exp } = claims;
  if (!isString(sub) || !isString(iss) || typeof exp !== "number") return undefined;
  if (!Array.isArray(groups) || !groups.every(isString)) return undefined;
  if (!Array.isArray(opened) || !opened.every(isString)) return undefined;
  return {
    subject: sub,
    issuer: iss,
    email: isString(email) ? email : null,
    groups,
    opened,
    expiresAt: new Date(exp * 1000),
  };
}
