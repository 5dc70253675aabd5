/**
 * A real OpenID Connect provider on 127.0.0.1 for the demo and the tests: `oidc-provider` (a
 * certified implementation) with the authorization-code flow and PKCE required, a public client,
 * in-memory storage, and sign-in pages of its own (an email and password form). Accounts carry
 * their groups, sent in the ID token under `groupsClaim`; consent is implied (the lab's own client).
 */
import { createHash, generateKeyPairSync, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type ProviderClass from "oidc-provider";
import type { Adapter, AdapterPayload, KoaContext } from "oidc-provider";
import { loginPage, providerErrorPage } from "./oidc-login-page";

export interface DemoAccount {
  email: string;
  password: string;
  groups: string[];
}

export interface LocalOidcOptions {
  accounts: readonly DemoAccount[];
  clientId: string;
  redirectUris: readonly string[];
  /** The ID-token claim holding the groups. */
  groupsClaim: string;
  port?: number;
}

export interface LocalOidcProvider {
  /** `http://127.0.0.1:PORT` */
  issuer: string;
  /** Signs out everyone (the provider's own sessions), as a new provider run would. */
  close(): Promise<void>;
}

/**
 * Loaded when a provider starts (an ESM package: Node 20.19+ and 22.12+ load it with require). On
 * Node 20 it warns once that it prefers a newer LTS; the demo's provider runs fine there, so that
 * one line is held back.
 */
function loadProvider(): typeof ProviderClass {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes("Unsupported runtime")) warn(...args);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
    return (require("oidc-provider") as { default: typeof ProviderClass }).default;
  } finally {
    console.warn = warn;
  }
}

/** Storage for the provider's artefacts (sessions, codes, tokens), in memory, with their expiry. */
function memoryAdapterFactory(): (model: string) => Adapter {
  const items = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const get = (key: string) => {
    const item = items.get(key);
    if (item && item.expiresAt < Date.now()) items.delete(key);
    return items.get(key)?.payload;
  };
  return (model) => {
    const key = (id: string) => `${model}:${id}`;
    const all = () => [...items.keys()].filter((name) => name.startsWith(`${model}:`));
    return {
      upsert: (id, payload, expiresIn) => {
        items.set(key(id), { payload, expiresAt: Date.now() + (expiresIn ?? 3600) * 1000 });
        return Promise.resolve();
      },
      find: (id) => Promise.resolve(get(key(id))),
      findByUid: (uid) =>
        Promise.resolve(
          all()
            .map(get)
            .find((payload) => payload?.uid === uid),
        ),
      findByUserCode: () => Promise.resolve(undefined),
      consume: (id) => {
        const payload = get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      },
      destroy: (id) => {
        items.delete(key(id));
        return Promise.resolve();
      },
      revokeByGrantId: (grantId) => {
        for (const name of [...items.keys()]) if (items.get(name)?.payload.grantId === grantId) items.delete(name);
        return Promise.resolve();
      },
    };
  };
}

export function subjectOf(email: string): string {
  return createHash("sha256").update(email.toLowerCase()).digest("hex").slice(0, 24);
}

function providerConfiguration(options: LocalOidcOptions, interactionBase: string): Record<string, unknown> {
  const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const accounts = new Map(options.accounts.map((account) => [subjectOf(account.email), account]));
  return {
    clients: [
      {
        client_id: options.clientId,
        redirect_uris: [...options.redirectUris],
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "none",
      },
    ],
    adapter: memoryAdapterFactory(),
    jwks: { keys: [{ ...signingKey, kid: randomBytes(6).toString("hex"), alg: "RS256", use: "sig" }] },
    cookies: { keys: [randomBytes(32).toString("hex")] },
    pkce: { required: () => true },
    scopes: ["openid", "email"],
    claims: { openid: ["sub", options.groupsClaim], email: ["email", "email_verified"] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: false } },
    interactions: { url: (_: unknown, interaction: { uid: string }) => `${interactionBase}/${interaction.uid}` },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    clientBasedCORS: () => false,
    renderError: (ctx: KoaContext, out: Record<string, unknown>) => {
      ctx.type = "html";
      const text = (value: unknown) => (typeof value === "string" ? value : "");
      ctx.body = providerErrorPage(text(out.error) || "error", text(out.error_description));
    },
    findAccount: (_: unknown, id: string) => {
      const account = accounts.get(id);
      if (account === undefined) return undefined;
      const claims = { sub: id, email: account.email, email_verified: true, [options.groupsClaim]: account.groups };
      return { accountId: id, claims: () => claims };
    },
    // The lab's own client: consent is implied (no consent page), as a hosted provider does for it.
    loadExistingGrant: async (ctx: KoaContext & { oidc: { provider: typeof ProviderClass.prototype } }) => {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      grant.addOIDCScope("openid email");
      grant.addOIDCClaims(["email", "email_verified", options.groupsClaim]);
      await grant.save();
      return grant;
    },
  };
}

async function formBody(request: IncomingMessage): Promise<URLSearchParams> {
  let text = "";
  for await (const chunk of request) {
    text += String(chunk);
    if (text.length > 10_000) break;
  }
  return new URLSearchParams(text);
}

function passwordMatches(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The provider's sign-in page (GET) and its form's answer (POST). */
async function interaction(
  provider: ProviderClass,
  accounts: readonly DemoAccount[],
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(request, response);
  const action = `/interaction/${details.uid}`;
  if (request.method !== "POST") {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    return void response.end(loginPage(action));
  }
  const form = await formBody(request);
  const email = (form.get("email") ?? "").trim().toLowerCase();
  const account = accounts.find((candidate) => candidate.email === email);
  if (account === undefined || !passwordMatches(form.get("password") ?? "", account.password)) {
    response.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    return void response.end(loginPage(action, "Wrong email or password."));
  }
  await provider.interactionFinished(request, response, { login: { accountId: subjectOf(account.email) } });
}

export async function startLocalOidcProvider(options: LocalOidcOptions): Promise<LocalOidcProvider> {
  // The provider needs its issuer URL, which holds the port the server gets: it is set once listening.
  const started: {
    provider?: ProviderClass;
    handle?: (request: IncomingMessage, response: ServerResponse) => void;
  } = {};
  const server = createServer((request, response) => {
    const { provider, handle } = started;
    if (!provider || !handle) return void response.writeHead(503).end();
    if ((request.url ?? "").startsWith("/interaction/")) {
      interaction(provider, options.accounts, request, response).catch(() => {
        if (!response.headersSent) response.writeHead(400, { "Content-Type": "text/html; charset=utf-8" });
        response.end(providerErrorPage("invalid_request", "This sign-in page expired: start again from the link."));
      });
      return;
    }
    handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const Provider = loadProvider();
  started.provider = new Provider(issuer, providerConfiguration(options, "/interaction"));
  started.handle = started.provider.callback();
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
