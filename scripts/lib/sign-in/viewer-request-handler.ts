/**
 * The sign-in function's core, shared by the Lambda function-URL adapter and the demo's server:
 *
 * - `/auth/login?return=<path>`: starts OpenID Connect (code flow, PKCE, state, nonce), keeping the
 *   pending login in a signed `cpd-flow` cookie for 10 minutes;
 * - `/auth/callback`: finishes it (the flow cookie is cleared, so a replayed callback fails), records
 *   the sign-in and sets the signed `cpd-session` cookie for `sessionHours`;
 * - `/auth/logout`: clears the session and the CloudFront cookies it set;
 * - `/open/<cohort folder>[?sample=<id>]`: the cohort's stable link: signs in when needed, checks the
 *   grant, sets the cohort's CloudFront cookies (its data folder and config folder, until the session
 *   ends), records the open and redirects to the app on the cohort's latest publication. Without a
 *   grant: a 403 page, no cookie, no data.
 *
 * Every decision is recorded in the audit prefix; when a record cannot be written nothing is opened.
 */
import { AuditRecord, RefusalReason, writeAuditRecord } from "./audit";
import { clearedCookiesFor, cohortCookiePaths, signedCookiesFor } from "./cloudfront-cookies";
import { cohortAccess, isCohortFolder } from "./cohort-access";
import { clearCookie, setCookie } from "./cookie-header";
import { groupsFrom, isSignInRefusal, OidcClient } from "./oidc-client";
import * as pages from "./sign-in-pages";
import {
  FLOW_COOKIE,
  FLOW_SECONDS,
  Session,
  SESSION_COOKIE,
  signPendingLogin,
  signSession,
  TokenKeys,
  verifyPendingLogin,
  verifySession,
} from "./session-tokens";
import { SignInConfig } from "./sign-in-config";
import { keyUrlPath } from "../naming";
import { ObjectStore } from "../s3/object-store";

export interface ViewerRequest {
  method: string;
  /** The raw (percent-encoded) path. */
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  cookies: Readonly<Record<string, string>>;
  clientAddress: string;
  host?: string;
}

export interface ViewerResponse {
  status: number;
  headers: Record<string, string>;
  /** `Set-Cookie` values. */
  cookies: string[];
  body: string;
}

export interface SignInDeps {
  config: SignInConfig;
  /** The data bucket: grants and ledger read, audit records written. */
  store: ObjectStore;
  oidc: OidcClient;
  keys: TokenKeys;
  now: () => Date;
  randomHex: () => string;
  /** Operational messages (the function's log): never a token or a cookie. */
  log?: (message: string) => void;
}

/** Opened cookie paths a session remembers for logout (the newest; a cookie holds about 4 KB). */
const MAX_OPENED_PATHS = 24;

function respond(page: pages.PageResponse, cookies: string[] = []): ViewerResponse {
  return { ...page, cookies };
}

function redirect(location: string, cookies: string[] = []): ViewerResponse {
  return { status: 302, headers: { Location: location, "Cache-Control": "no-store" }, cookies, body: "" };
}

/** A path on this origin to return to after signing in; anything else (another site) becomes the app. */
export function safeReturnPath(value: string | null): string {
  if (value === null || value.length > 2000 || !value.startsWith("/") || /^\/[/\\]|[\\\s]/.test(value)) return "/app/";
  return value;
}

export async function handleViewerRequest(request: ViewerRequest, deps: SignInDeps): Promise<ViewerResponse> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return { ...respond(pages.notFoundPage()), status: 405, headers: { ...pages.PAGE_HEADERS, Allow: "GET, HEAD" } };
  }
  try {
    return await route(request, deps);
  } catch (error) {
    deps.log?.(`sign-in: ${request.path} failed: ${error instanceof Error ? error.message : String(error)}`);
    return respond(pages.unavailablePage());
  }
}

async function route(request: ViewerRequest, deps: SignInDeps): Promise<ViewerResponse> {
  const query = new URLSearchParams(request.query);
  if (request.path === "/auth/login") return login(safeReturnPath(query.get("return")), deps);
  if (request.path === "/auth/callback") return callback(request, deps);
  if (request.path === "/auth/logout") return logout(request, deps);
  const open = /^\/open\/([^/]+)\/?$/.exec(request.path);
  if (open) {
    let folder: string;
    try {
      folder = decodeURIComponent(open[1]);
    } catch {
      return respond(pages.notFoundPage());
    }
    if (isCohortFolder(folder)) return openCohort(request, folder, query.get("sample"), deps);
  }
  return respond(pages.notFoundPage());
}

async function login(returnPath: string, deps: SignInDeps): Promise<ViewerResponse> {
  const { checks, authorizationUrl } = await deps.oidc.start();
  const flow = await signPendingLogin(deps.keys, { ...checks, returnPath }, deps.now());
  return redirect(authorizationUrl, [setCookie(FLOW_COOKIE, flow, { path: "/auth/", maxAge: FLOW_SECONDS })]);
}

/** Why a sign-in failed, in words for the person (the provider's error code, never a token). */
function refusalReason(error: unknown): string {
  const code = (error as { error?: unknown }).error;
  const detail = typeof code === "string" ? ` (${code})` : "";
  return `The sign-in provider's answer was not accepted${detail}: ${error instanceof Error ? error.message : "unknown error"}.`;
}

async function callback(request: ViewerRequest, deps: SignInDeps): Promise<ViewerResponse> {
  const now = deps.now();
  const clearFlow = clearCookie(FLOW_COOKIE, "/auth/");
  const flowToken = request.cookies[FLOW_COOKIE];
  const pending = flowToken === undefined ? undefined : await verifyPendingLogin(deps.keys, flowToken, now);
  if (pending === undefined) {
    const reason =
      "This sign-in is not pending in this browser: it expired (after 10 minutes), was already completed, or was started elsewhere.";
    return respond(pages.signInFailedPage(reason, "/app/"), [clearFlow]);
  }
  let identity;
  try {
    identity = await deps.oidc.finish(`${deps.config.viewerOrigin}/auth/callback?${request.query}`, pending, now);
  } catch (error) {
    if (!isSignInRefusal(error)) throw error;
    deps.log?.(`sign-in: refused at the callback: ${refusalReason(error)}`);
    // Nobody was identified: the record names the provider only (no subject, no email, no token).
    const unknown = { subject: "", issuer: deps.config.issuer, email: null };
    await audit(deps, request, unknown, { event: "refused", reason: "sign-in-failed" });
    return respond(pages.signInFailedPage(refusalReason(error), pending.returnPath), [clearFlow]);
  }
  const email = typeof identity.claims.email === "string" ? identity.claims.email : null;
  const session: Session = {
    subject: identity.subject,
    issuer: identity.issuer,
    email,
    groups: groupsFrom(identity.claims, deps.config.groupsClaim),
    expiresAt: new Date(now.getTime() + deps.config.sessionHours * 3600_000),
    opened: [],
  };
  await audit(deps, request, session, { event: "sign-in" });
  const token = await signSession(deps.keys, session, now);
  return redirect(pending.returnPath, [clearFlow, setCookie(SESSION_COOKIE, token, { expires: session.expiresAt })]);
}

async function currentSession(request: ViewerRequest, deps: SignInDeps): Promise<Session | undefined> {
  const token = request.cookies[SESSION_COOKIE];
  return token === undefined ? undefined : verifySession(deps.keys, token, deps.now());
}

async function logout(request: ViewerRequest, deps: SignInDeps): Promise<ViewerResponse> {
  const session = await currentSession(request, deps);
  const cookies = [clearCookie(SESSION_COOKIE), ...(session?.opened ?? []).flatMap(clearedCookiesFor)];
  return respond(pages.signedOutPage(), cookies);
}

/** Writes an audit record for the person; a failure propagates, so nothing is opened unrecorded. */
async function audit(
  deps: SignInDeps,
  request: ViewerRequest,
  session: Pick<Session, "subject" | "issuer" | "email">,
  event: Pick<AuditRecord, "event" | "cohort" | "configKey" | "reason">,
): Promise<void> {
  const record: AuditRecord = {
    event: event.event,
    time: deps.now().toISOString(),
    subject: session.subject,
    email: session.email,
    issuer: session.issuer,
    clientAddress: request.clientAddress,
    ...(event.cohort === undefined ? {} : { cohort: event.cohort }),
    ...(event.configKey === undefined ? {} : { configKey: event.configKey }),
    ...(event.reason === undefined ? {} : { reason: event.reason }),
  };
  await writeAuditRecord(deps.store, deps.config.auditPrefix, record, deps.randomHex());
}

async function refuse(
  deps: SignInDeps,
  request: ViewerRequest,
  session: Session,
  refusal: { reason: RefusalReason; cohort?: string; page: pages.PageResponse },
): Promise<ViewerResponse> {
  await audit(deps, request, session, { event: "refused", reason: refusal.reason, cohort: refusal.cohort });
  return respond(refusal.page);
}

/** The app's address for a publication: the config last (the app reads everything after `external=`). */
export function appLocation(viewerOrigin: string, cohort: string, configKey: string, demoIndex?: number): string {
  const sample = demoIndex === undefined ? "" : `&demoIndex=${demoIndex}`;
  return `/app/?showSamples=false&cohortId=${encodeURIComponent(cohort)}${sample}&external=${viewerOrigin}${keyUrlPath(configKey)}`;
}

async function openCohort(
  request: ViewerRequest,
  folder: string,
  sample: string | null,
  deps: SignInDeps,
): Promise<ViewerResponse> {
  const session = await currentSession(request, deps);
  if (session === undefined) {
    const here = `${request.path}${request.query === "" ? "" : `?${request.query}`}`;
    return redirect(`/auth/login?return=${encodeURIComponent(here)}`);
  }
  const who = session.email ?? session.subject;
  const access = await cohortAccess(deps.store, deps.config, folder, session.groups, deps.log);
  if (access.kind === "no-grant") {
    return refuse(deps, request, session, {
      reason: "no-grant",
      cohort: access.cohort,
      page: pages.refusalPage(who, folder),
    });
  }
  if (access.kind === "no-publication") {
    const page = pages.nothingPublishedPage(folder);
    return refuse(deps, request, session, { reason: "no-publication", cohort: access.cohort, page });
  }
  const { publication } = access;
  const demoIndex = sample === null ? undefined : publication.inputs.samples.findIndex((entry) => entry?.id === sample);
  if (demoIndex === -1) {
    const page = pages.noSuchSamplePage(sample!, publication.cohort);
    return refuse(deps, request, session, { reason: "no-sample", cohort: publication.cohort, page });
  }
  const configFolder = publication.configKey.slice(0, publication.configKey.lastIndexOf("/") + 1);
  const paths = cohortCookiePaths({ dataFolder: publication.dataFolder, configFolder });
  const key = { keyPairId: deps.keys.activeKeyPairId, privateKeyPem: deps.config.keys[deps.keys.activeKeyPairId] };
  const cookies = paths.flatMap((path) => signedCookiesFor(deps.config.viewerOrigin, path, session.expiresAt, key));
  const opened = [...paths, ...session.opened.filter((path) => !paths.includes(path))].slice(0, MAX_OPENED_PATHS);
  const token = await signSession(deps.keys, { ...session, opened }, deps.now());
  await audit(deps, request, session, { event: "open", cohort: publication.cohort, configKey: publication.configKey });
  const location = appLocation(deps.config.viewerOrigin, publication.cohort, publication.configKey, demoIndex);
  return redirect(location, [...cookies, setCookie(SESSION_COOKIE, token, { expires: session.expiresAt })]);
}
