/**
 * The sign-in handler driven as a browser would, without one: a cookie jar per origin, the handler
 * called in-process for the viewer's origin, and the local OpenID Connect provider over HTTP
 * (redirects followed by hand, its password form posted).
 */
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeLedgerEntry } from "../../scripts/lib/ledger/ledger";
import { configObjectKey, publicationStem } from "../../scripts/lib/naming";
import { ObjectStore } from "../../scripts/lib/s3/object-store";
import { oidcClient, OidcClientOptions } from "../../scripts/lib/sign-in/oidc-client";
import { TokenKeys } from "../../scripts/lib/sign-in/session-tokens";
import { SignInConfig } from "../../scripts/lib/sign-in/sign-in-config";
import { handleViewerRequest, SignInDeps, ViewerResponse } from "../../scripts/lib/sign-in/viewer-request-handler";
import { CookieKeyPairs } from "../../scripts/lib/dev/sign-in-demo/signed-cookie-check";

export const TEST_VIEWER_ORIGIN = "https://viewer.example";
export const TEST_CLIENT_ID = "chromoscope-viewer";

export function signInConfigFor(
  keys: CookieKeyPairs,
  issuer: string,
  bucket: { bucket: string; region: string },
  overrides: Partial<SignInConfig> = {},
): SignInConfig {
  return {
    activeKeyPairId: keys.activeKeyPairId,
    keys: keys.keys,
    issuer,
    clientId: TEST_CLIENT_ID,
    groupsClaim: "groups",
    sessionHours: 12,
    viewerOrigin: TEST_VIEWER_ORIGIN,
    bucket: bucket.bucket,
    region: bucket.region,
    configPrefix: "configs/",
    dataPrefixes: ["cohorts/"],
    ledgerPrefix: "ledger/",
    grantsPrefix: "grants/",
    auditPrefix: "audit/",
    ...overrides,
  };
}

export function depsFor(
  config: SignInConfig,
  store: ObjectStore,
  options: { now?: () => Date; fetch?: OidcClientOptions["fetch"] } = {},
): SignInDeps {
  return {
    config,
    store,
    oidc: oidcClient(
      {
        issuer: config.issuer,
        clientId: config.clientId,
        clientSecret: config.clientSecret,
        redirectUri: `${config.viewerOrigin}/auth/callback`,
      },
      { fetch: options.fetch },
    ),
    keys: new TokenKeys(config.keys, config.activeKeyPairId, config.viewerOrigin),
    now: options.now ?? (() => new Date()),
    randomHex: () => randomBytes(4).toString("hex"),
  };
}

/** The name and value of a `Set-Cookie` value, and its Path and whether it removes the cookie. */
export function parseSetCookie(value: string): { name: string; value: string; path: string; removes: boolean } {
  const [pair, ...attributes] = value.split(";").map((part) => part.trim());
  const equals = pair.indexOf("=");
  const path = attributes.find((attribute) => attribute.startsWith("Path="))?.slice(5) ?? "/";
  const removes = attributes.some((attribute) => attribute === "Max-Age=0");
  return { name: pair.slice(0, equals), value: pair.slice(equals + 1), path, removes };
}

/** A browser's cookies for the viewer's origin: name and path identify a cookie, as in a browser. */
export class ViewerJar {
  readonly cookies = new Map<string, { name: string; value: string; path: string }>();

  apply(setCookies: readonly string[]): void {
    for (const header of setCookies) {
      const cookie = parseSetCookie(header);
      const id = `${cookie.name} ${cookie.path}`;
      if (cookie.removes) this.cookies.delete(id);
      else this.cookies.set(id, cookie);
    }
  }

  /** The cookies a request to `path` carries: the longest path first, the first of a name wins. */
  for(path: string): Record<string, string> {
    const matching = [...this.cookies.values()]
      .filter(
        (cookie) =>
          path === cookie.path || path.startsWith(cookie.path.endsWith("/") ? cookie.path : `${cookie.path}/`),
      )
      .sort((a, b) => b.path.length - a.path.length);
    const sent: Record<string, string> = {};
    for (const cookie of matching) if (!(cookie.name in sent)) sent[cookie.name] = cookie.value;
    return sent;
  }
}

/** One person's browser: the viewer's handler in-process, the provider over HTTP. */
export class TestBrowser {
  readonly viewer = new ViewerJar();
  private readonly providerCookies = new Map<string, string>();

  constructor(
    private readonly deps: () => SignInDeps,
    readonly clientAddress = "203.0.113.7",
  ) {}

  /** A GET to the viewer's origin; its Set-Cookie values are kept. */
  async get(target: string): Promise<ViewerResponse> {
    const url = new URL(target, TEST_VIEWER_ORIGIN);
    const response = await handleViewerRequest(
      {
        method: "GET",
        path: url.pathname,
        query: url.search.slice(1),
        cookies: this.viewer.for(url.pathname),
        clientAddress: this.clientAddress,
      },
      this.deps(),
    );
    this.viewer.apply(response.cookies);
    return response;
  }

  private async providerFetch(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.providerCookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(url, { ...init, redirect: "manual", headers: { ...init.headers, cookie } });
    for (const header of response.headers.getSetCookie()) {
      const { name, value, removes } = parseSetCookie(header);
      if (removes || value === "") this.providerCookies.delete(name);
      else this.providerCookies.set(name, value);
    }
    return response;
  }

  /**
   * Follows the provider from `authorizationUrl` (the form posted with `email` and `password`) until
   * it redirects back to the viewer's origin; returns that address (the callback with its code).
   */
  async throughProvider(authorizationUrl: string, email: string, password: string): Promise<string> {
    let url = authorizationUrl;
    let posted = false;
    for (let hop = 0; hop < 12; hop++) {
      if (url.startsWith(TEST_VIEWER_ORIGIN)) return url;
      const response = await this.providerFetch(url);
      const location = response.headers.get("location");
      if (location !== null) {
        url = new URL(location, url).href;
        continue;
      }
      const page = await response.text();
      assert.ok(!posted, `the provider answered the password with a page: ${page.slice(0, 300)}`);
      const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
      assert.ok(action, `no sign-in form at ${url}: ${page.slice(0, 300)}`);
      const form = new URLSearchParams({ email, password });
      const answer = await this.providerFetch(new URL(action.replace(/&#47;/g, "/"), url).href, {
        method: "POST",
        body: form,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      posted = true;
      url = new URL(answer.headers.get("location") ?? url, url).href;
    }
    throw new Error("the provider never sent the browser back to the viewer");
  }

  /** Opens `target` on the viewer, signing in at the provider when sent there; the last viewer response. */
  async visit(target: string, email: string, password: string): Promise<ViewerResponse> {
    let response = await this.get(target);
    for (let hop = 0; hop < 6 && response.status === 302; hop++) {
      const location = response.headers.Location;
      if (location.startsWith("/app/")) return response;
      const next = location.startsWith("/") ? location : await this.throughProvider(location, email, password);
      response = await this.get(next);
    }
    return response;
  }
}

/** Records a sign-in publication of `cohort` (config and ledger entry) as publish-cohort would. */
export async function recordSignInPublication(
  store: ObjectStore,
  cohort: string,
  dataFolder: string,
  samples: ReadonlyArray<{ id: string }>,
  createdAt = new Date(),
): Promise<string> {
  const stem = publicationStem(cohort, createdAt, randomBytes(4).toString("hex"));
  const configKey = configObjectKey("configs/", stem);
  await store.put(configKey, JSON.stringify({ name: cohort, samples }), "application/json");
  await writeLedgerEntry(store, "ledger/", stem, {
    event: "publish",
    access: "sign-in",
    dataFolder,
    cohort,
    configKey,
    signingAccessKeyId: "",
    createdAt: createdAt.toISOString(),
    inputs: {
      samples: samples.map(({ id }) => ({ id, cancer: "Breast", assembly: "hg38", sv: `${dataFolder}${id}.bedpe` })),
      viewerUrl: `${TEST_VIEWER_ORIGIN}/app/`,
    },
  });
  return configKey;
}
