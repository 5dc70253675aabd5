/**
 * What the stack hands the sign-in function, and the paths it answers on the viewer's origin. The
 * configuration lives in one Secrets Manager secret (its ARN is the function's only environment
 * variable): the Cognito client's callback needs the distribution's domain and the distribution needs
 * the function's URL, so configuration in the environment would make a cycle; and the cookie-signing
 * keys and the client secret must never sit in an environment.
 *
 * Pure (no Pulumi runtime): the program builds the secret's value with it, the sign-in function and
 * the demo read the same shape.
 */

/** The function's only environment variable: the ARN of the secret holding its configuration. */
export const SIGN_IN_SECRET_ENV = "SIGN_IN_SECRET_ARN";

/** Paths on the viewer's origin that CloudFront sends to the sign-in function. */
export const SIGN_IN_PATHS = {
  login: "/auth/login",
  callback: "/auth/callback",
  logout: "/auth/logout",
  /** Where a provider's own sign-out sends the person back (registered with the stack's Cognito client). */
  afterLogout: "/app/",
  /** `/open/<cohort-slug>`: a cohort's stable link. */
  open: "/open/",
} as const;

/** The CloudFront path patterns of the function's two path families. */
export const SIGN_IN_PATH_PATTERNS: readonly string[] = ["/auth/*", "/open/*"];

/** Where the provider sends the person back after signing in, for a viewer origin `https://<host>`. */
export function signInCallbackUrl(viewerOrigin: string): string {
  return `${viewerOrigin}${SIGN_IN_PATHS.callback}`;
}

/**
 * The secret's JSON value, as the program writes it and the sign-in function and the demo read it
 * (`scripts/lib/sign-in/sign-in-config.ts` parses it).
 */
export interface SignInFunctionConfiguration {
  /** The CloudFront public key id of the key that signs new cookies (the active slot). */
  activeKeyPairId: string;
  /**
   * Every slot's private key (PKCS#8 or PKCS#1 PEM) by its CloudFront public key id: sessions signed
   * by either verify.
   */
  keys: Readonly<Record<string, string>>;
  /** The OpenID Connect issuer trusted (https; http only on this machine, for the demo). */
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE alone). */
  clientSecret?: string;
  /** The ID-token claim that lists the person's groups. */
  groupsClaim: string;
  sessionHours: number;
  /** `https://<host>` (no trailing slash): the viewer's origin, serving /auth/, /open/, the app and the data. */
  viewerOrigin: string;
  bucket: string;
  region: string;
  configPrefix: string;
  dataPrefixes: readonly string[];
  ledgerPrefix: string;
  grantsPrefix: string;
  auditPrefix: string;
}

export interface CookieKeySlot {
  publicKeyId: string;
  privateKeyPem: string;
}

export interface SignInFunctionConfigurationArgs extends Omit<
  SignInFunctionConfiguration,
  "activeKeyPairId" | "keys" | "clientSecret"
> {
  /** Both slots, the active one named. */
  slots: readonly CookieKeySlot[];
  activeKeyPairId: string;
  /** "" for a public client. */
  clientSecret: string;
}

/** The secret's JSON value; throws naming what is wrong when the slots do not hold the active key. */
export function signInFunctionConfiguration(args: SignInFunctionConfigurationArgs): SignInFunctionConfiguration {
  const { slots, clientSecret, ...rest } = args;
  const keys = Object.fromEntries(slots.map((slot) => [slot.publicKeyId, slot.privateKeyPem]));
  if (!(args.activeKeyPairId in keys)) {
    throw new Error(`the active cookie key ${args.activeKeyPairId} is not one of the slots' keys`);
  }
  return { ...rest, keys, ...(clientSecret !== "" ? { clientSecret } : {}) };
}
