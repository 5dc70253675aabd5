/**
 * `npm run demo -- --sign-in`: the sign-in mode on this machine. A real OpenID Connect provider on
 * 127.0.0.1 (two people: one in a group granted the demo cohort, one in a group granted nothing),
 * fresh cookie keys for two slots, and the demo's own port acting as the viewer's CloudFront
 * distribution: the sign-in routes run the same handler as the Lambda function, and the data and
 * config paths answer only with valid CloudFront signed cookies.
 */
import { randomBytes } from "node:crypto";
import { createS3Client, s3ObjectStore } from "../../s3/object-store";
import { S3QueryPresigner } from "../../s3/presign";
import { oidcClient } from "../../sign-in/oidc-client";
import { TokenKeys } from "../../sign-in/session-tokens";
import { SignInConfig } from "../../sign-in/sign-in-config";
import { SignInDeps } from "../../sign-in/viewer-request-handler";
import type { StackOutputs } from "../../../../components/stack-outputs";
import type { StackSettings } from "../../../../components/settings";
import type { LocalS3Credentials, LocalS3Server } from "../local-s3";
import { DemoAccount, startLocalOidcProvider } from "./local-oidc-provider";
import { generateCookieKeyPairs } from "./signed-cookie-check";
import { viewerOriginHandler } from "./viewer-origin";
import { DEMO_COHORT } from "../demo-setup";

export const DEMO_READER_GROUP = "demo-readers";
export const DEMO_OUTSIDER_GROUP = "demo-visitors";
export const DEMO_CLIENT_ID = "chromoscope-demo-viewer";
/** The demo's provider sends groups under `groups`, as most institutional providers do. */
export const DEMO_GROUPS_CLAIM = "groups";
/** Where a sign-in stack keeps grants and audit records (the settings' defaults). */
export const DEMO_GRANTS_PREFIX = "grants/";
export const DEMO_AUDIT_PREFIX = "audit/";
const DEMO_SESSION_HOURS = 12;

/** grant-cohort's arguments that grant the demo cohort to the readers' group. */
export function grantArgs(outputsFile: string): string[] {
  return ["--outputs", outputsFile, "--cohort", DEMO_COHORT, "--group", DEMO_READER_GROUP];
}

export interface SignInDemo {
  /** The two people and their passwords (fresh every run). */
  accounts: DemoAccount[];
  /** The outputs a sign-in stack adds to the demo's. */
  outputs: Pick<StackOutputs, "access" | "grantsPrefix" | "auditPrefix" | "signInIssuer" | "signInClientId">;
  /** What the demo's port served and refused for the viewer, by kind. */
  requests: Map<string, number>;
  close(): Promise<void>;
}

function password(): string {
  return randomBytes(9).toString("base64url");
}

export interface SignInDemoArgs {
  server: LocalS3Server;
  bucket: string;
  settings: StackSettings;
  /** The sign-in function's own access (reads grants and the ledger, writes audit records). */
  functionKey: LocalS3Credentials;
  /** Whether a Chromoscope build is served at /app/ (else the built-in demo page is). */
  viewerBuild: boolean;
  log: (message: string) => void;
}

/** Starts the provider and puts the viewer's origin (sign-in routes, cookie-checked data) on the demo's port. */
export async function startSignInDemo(args: SignInDemoArgs): Promise<SignInDemo> {
  const { server, bucket, settings } = args;
  const origin = server.endpoint;
  const accounts: DemoAccount[] = [
    { email: "reader@demo.lab", password: password(), groups: [DEMO_READER_GROUP] },
    { email: "outsider@demo.lab", password: password(), groups: [DEMO_OUTSIDER_GROUP] },
  ];
  const provider = await startLocalOidcProvider({
    accounts,
    clientId: DEMO_CLIENT_ID,
    redirectUris: [`${origin}/auth/callback`],
    groupsClaim: DEMO_GROUPS_CLAIM,
  });
  const keys = generateCookieKeyPairs();
  const config: SignInConfig = {
    activeKeyPairId: keys.activeKeyPairId,
    keys: keys.keys,
    issuer: provider.issuer,
    clientId: DEMO_CLIENT_ID,
    groupsClaim: DEMO_GROUPS_CLAIM,
    sessionHours: DEMO_SESSION_HOURS,
    viewerOrigin: origin,
    bucket,
    region: server.region,
    configPrefix: settings.configPrefix,
    dataPrefixes: settings.dataPrefixes,
    ledgerPrefix: settings.ledgerPrefix,
    grantsPrefix: DEMO_GRANTS_PREFIX,
    auditPrefix: DEMO_AUDIT_PREFIX,
  };
  const client = createS3Client({ region: server.region, credentials: { ...args.functionKey }, endpoint: origin });
  const deps: SignInDeps = {
    config,
    store: s3ObjectStore(client, bucket),
    oidc: oidcClient({ issuer: provider.issuer, clientId: DEMO_CLIENT_ID, redirectUri: `${origin}/auth/callback` }),
    keys: new TokenKeys(config.keys, config.activeKeyPairId, origin),
    now: () => new Date(),
    randomHex: () => randomBytes(4).toString("hex"),
    log: args.log,
  };
  const requests = new Map<string, number>();
  const objectUrl = (key: string) =>
    new S3QueryPresigner({
      bucket,
      region: server.region,
      endpoint: origin,
      credentials: { ...args.functionKey },
      expiresInSeconds: 60,
      signingDate: new Date(),
    }).presignGet(key);
  server.setFrontDoor(
    viewerOriginHandler({
      origin,
      deps,
      publicKeys: keys.publicKeys,
      protectedPrefixes: [...settings.dataPrefixes, settings.configPrefix],
      objectUrl,
      builtInApp: !args.viewerBuild,
      onRequest: (kind) => requests.set(kind, (requests.get(kind) ?? 0) + 1),
    }),
  );
  return {
    accounts,
    outputs: {
      access: "sign-in",
      grantsPrefix: DEMO_GRANTS_PREFIX,
      auditPrefix: DEMO_AUDIT_PREFIX,
      signInIssuer: provider.issuer,
      signInClientId: DEMO_CLIENT_ID,
    },
    requests,
    async close() {
      client.destroy();
      await provider.close();
    },
  };
}

/** Says who can sign in (stderr: `  <email> / <password>` per person) and returns the link for stdout. */
export function announceSignIn(
  signIn: SignInDemo,
  cohort: string,
  link: string,
  io: { stderr: (text: string) => void },
): string {
  io.stderr(`\nSign in at the link below (a provider on this machine, ${signIn.outputs.signInIssuer}):\n`);
  io.stderr(
    `  (group ${DEMO_READER_GROUP} is granted ${JSON.stringify(cohort)}; ${DEMO_OUTSIDER_GROUP} is granted nothing)\n`,
  );
  for (const account of signIn.accounts) io.stderr(`  ${account.email} / ${account.password}\n`);
  return link;
}

/** Serves the sign-in demo until stopped (or stops at once with --once). */
export async function serveSignIn(
  signIn: SignInDemo,
  where: { once?: boolean; endpoint: string; dataFolder: string },
  io: { stderr: (text: string) => void },
  lifecycle: { untilStopped(): Promise<string> },
): Promise<void> {
  const { endpoint, dataFolder } = where;
  if (where.once) {
    io.stderr(`\n--once: stopping now (the data stays in ${dataFolder}).\n`);
    return;
  }
  io.stderr(
    `\nServing on ${endpoint} until Ctrl-C: the viewer (/app/), sign-in (/auth/, /open/), and the data only with signed cookies.\n`,
  );
  const reason = await lifecycle.untilStopped();
  const served = [...signIn.requests].map(([kind, count]) => `${kind} ${count}`).join(", ") || "nothing";
  io.stderr(`\nStopping (${reason}): served ${served}; the data stays in ${dataFolder}.\n`);
}
