/**
 * The OpenID Connect side of sign-in, through `openid-client` (v6): discovery of the issuer, the
 * authorization URL (code flow with PKCE S256, state and nonce), and the code exchange, which checks
 * state, PKCE and nonce and verifies the ID token (signature against the issuer's keys, `iss`, `aud`,
 * `exp`, `iat`; its signature against the issuer's JWKS as well, not TLS alone). Nothing here parses
 * or verifies a token by hand.
 */
import * as openid from "openid-client";

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Absent: a public client, authenticated by PKCE alone. */
  clientSecret?: string;
  /** Where the provider sends the browser back: `<viewer origin>/auth/callback`. */
  redirectUri: string;
}

export interface OidcChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The person as the verified ID token names them. */
export interface IdTokenClaims {
  issuer: string;
  subject: string;
  claims: Readonly<Record<string, unknown>>;
}

/** What the handler asks of the provider; tests may wrap it. */
export interface OidcClient {
  /** A fresh state, nonce and PKCE verifier, and the provider's URL that starts the login. */
  start(): Promise<{ checks: OidcChecks; authorizationUrl: string }>;
  /** Finishes a login at `callbackUrl` (the full URL the provider redirected to), at time `now`. */
  finish(callbackUrl: string, checks: OidcChecks, now: Date): Promise<IdTokenClaims>;
}

/** Scopes asked for: the ID token and the person's email (groups come in the ID token, as Cognito sends them). */
const SCOPE = "openid email";

function isLoopbackHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(hostname);
}

export interface OidcClientOptions {
  /** Replaces fetch for every request to the provider (tests). */
  fetch?: openid.CustomFetch;
}

/**
 * An OidcClient for `settings`; the issuer's metadata is discovered once, at the first use, and
 * kept (a Lambda container keeps it for its life). Plain http is allowed only for an issuer on this
 * machine (the demo's provider).
 */
export function oidcClient(settings: OidcSettings, options: OidcClientOptions = {}): OidcClient {
  const insecure = isLoopbackHttp(settings.issuer);
  const authentication = settings.clientSecret ? openid.ClientSecretBasic(settings.clientSecret) : openid.None();
  let discovered: Promise<openid.Configuration> | undefined;
  /** The issuer's signing keys, kept between sign-ins (refetched when a token names a new key). */
  let jwks: ReturnType<typeof openid.getJwksCache>;
  const discover = () =>
    (discovered ??= openid
      .discovery(new URL(settings.issuer), settings.clientId, undefined, authentication, {
        ...(insecure ? { execute: [openid.allowInsecureRequests] } : {}),
        ...(options.fetch ? { [openid.customFetch]: options.fetch } : {}),
      })
      .catch((error: unknown) => {
        discovered = undefined; // try again at the next request
        throw error;
      }));

  /** The discovered configuration with the handler's clock: `now` may differ from the machine's (tests). */
  const configurationAt = async (now: Date) => {
    const base = await discover();
    const skew = Math.round((now.getTime() - Date.now()) / 1000);
    const metadata = { [openid.clockSkew]: skew, [openid.clockTolerance]: 30 };
    const configuration = new openid.Configuration(base.serverMetadata(), settings.clientId, metadata, authentication);
    if (insecure) openid.allowInsecureRequests(configuration);
    if (options.fetch) configuration[openid.customFetch] = options.fetch;
    // Verify the ID token's signature against the issuer's published keys too, not only TLS.
    openid.enableNonRepudiationChecks(configuration);
    if (jwks !== undefined) openid.setJwksCache(configuration, jwks);
    return configuration;
  };

  return {
    async start() {
      const configuration = await discover();
      const checks = {
        state: openid.randomState(),
        nonce: openid.randomNonce(),
        codeVerifier: openid.randomPKCECodeVerifier(),
      };
      const authorizationUrl = openid.buildAuthorizationUrl(configuration, {
        redirect_uri: settings.redirectUri,
        scope: SCOPE,
        response_type: "code",
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await openid.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: "S256",
      });
      return { checks, authorizationUrl: authorizationUrl.href };
    },

    async finish(callbackUrl, checks, now) {
      const configuration = await configurationAt(now);
      const tokens = await openid.authorizationCodeGrant(configuration, new URL(callbackUrl), {
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        pkceCodeVerifier: checks.codeVerifier,
        idTokenExpected: true,
      });
      jwks = openid.getJwksCache(configuration) ?? jwks;
      const claims = tokens.claims();
      if (claims === undefined) throw new Error("the provider returned no ID token");
      return { issuer: claims.iss, subject: claims.sub, claims };
    },
  };
}

/** The person's groups from the ID token's `claim`: a list of strings, or one string; anything else is no group. */
export function groupsFrom(claims: Readonly<Record<string, unknown>>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === "string") return value === "" ? [] : [value];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === "string" && group !== "");
  return [];
}

/** Whether `error` is the provider's or the token's fault (a refused or forged sign-in), not ours. */
export function isSignInRefusal(error: unknown): boolean {
  return (
    error instanceof openid.AuthorizationResponseError ||
    error instanceof openid.ResponseBodyError ||
    error instanceof openid.ClientError ||
    (error instanceof Error && (error as { code?: string }).code?.startsWith("OAUTH_") === true)
  );
}
