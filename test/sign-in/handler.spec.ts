/**
 * The sign-in function's core against a real OpenID Connect provider on this machine (oidc-provider)
 * and the embedded S3 server: who gets which cookies, and what every refusal looks like.
 */
import * as assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { SignJWT } from "jose";
import { writeGrant } from "../../scripts/lib/sign-in/grants";
import { revokeEntryFor, writeLedgerEntry } from "../../scripts/lib/ledger/ledger";
import { publicationStem } from "../../scripts/lib/naming";
import { ObjectStore } from "../../scripts/lib/s3/object-store";
import { SignInConfig } from "../../scripts/lib/sign-in/sign-in-config";
import { SignInDeps } from "../../scripts/lib/sign-in/viewer-request-handler";
import {
  checkSignedCookies,
  CookieKeyPairs,
  generateCookieKeyPairs,
} from "../../scripts/lib/dev/sign-in-demo/signed-cookie-check";
import { LocalOidcProvider, startLocalOidcProvider } from "../../scripts/lib/dev/sign-in-demo/local-oidc-provider";
import {
  depsFor,
  parseSetCookie,
  recordSignInPublication,
  signInConfigFor,
  TEST_CLIENT_ID,
  TEST_VIEWER_ORIGIN,
  TestBrowser,
} from "../support/sign-in-harness";
import { startTestBucket, TestBucket } from "../support/local-bucket";
import { s3LogBucket } from "../../scripts/lib/access/access-log-listing";
import { readPeriodAudit, signInReportOf } from "../../scripts/lib/access/sign-in-audit";

const READER = { email: "reader@lab.test", password: "reader-password-1", groups: ["breast-team"] };
const OUTSIDER = { email: "outsider@lab.test", password: "outsider-password-1", groups: ["visitors"] };
const SAMPLES = [{ id: "PD1" }, { id: "PD2" }];

async function auditRecords(bucket: TestBucket): Promise<Array<Record<string, unknown>>> {
  const records = [];
  for (const key of await bucket.keys("audit/")) records.push(JSON.parse((await bucket.store.read(key)).toString()));
  return records as Array<Record<string, unknown>>;
}

/** What access-report reads of the audit for the last hour (and the next minute), as the handler wrote it. */
function lastHourAudit(bucket: TestBucket, auditPrefix: string) {
  const now = Date.now();
  const period = [new Date(now - 3_600_000), new Date(now + 60_000)] as const;
  return readPeriodAudit(s3LogBucket(bucket.client, bucket.bucket), auditPrefix, ...period);
}

describe("sign-in handler against a local OpenID Connect provider", function () {
  this.timeout(30_000);
  let bucket: TestBucket;
  let provider: LocalOidcProvider;
  let keys: CookieKeyPairs;
  let config: SignInConfig;
  let deps: SignInDeps;
  let alphaConfigKey: string;

  before(async () => {
    bucket = await startTestBucket();
    provider = await startLocalOidcProvider({
      accounts: [READER, OUTSIDER],
      clientId: TEST_CLIENT_ID,
      redirectUris: [`${TEST_VIEWER_ORIGIN}/auth/callback`],
      groupsClaim: "groups",
    });
    keys = generateCookieKeyPairs();
    config = signInConfigFor(keys, provider.issuer, { bucket: bucket.bucket, region: bucket.server.region });
    deps = depsFor(config, bucket.store);
    alphaConfigKey = await recordSignInPublication(bucket.store, "alpha", "cohorts/alpha/", SAMPLES);
    await recordSignInPublication(bucket.store, "bravo", "cohorts/bravo/", SAMPLES);
    const grant = { grantedAt: new Date().toISOString(), grantedBy: "test" };
    await writeGrant(bucket.store, "grants/", { cohort: "alpha", group: "breast-team", ...grant });
    await writeGrant(bucket.store, "grants/", { cohort: "bravo", group: "lung-team", ...grant });
  });
  after(async () => {
    await provider?.close();
    await bucket?.close();
  });

  const browser = (withDeps: () => SignInDeps = () => deps) => new TestBrowser(withDeps);

  it("a granted reader signs in through the provider and is sent to the cohort with its cookies", async () => {
    const reader = browser();
    const opened = await reader.visit("/open/alpha", READER.email, READER.password);
    assert.equal(opened.status, 302);
    assert.equal(
      opened.headers.Location,
      `/app/?showSamples=false&cohortId=alpha&external=${TEST_VIEWER_ORIGIN}/${alphaConfigKey}`,
    );
    const now = new Date();
    const dataUrl = `${TEST_VIEWER_ORIGIN}/cohorts/alpha/PD1/PD1.bedpe`;
    const verdict = checkSignedCookies(
      dataUrl,
      reader.viewer.for("/cohorts/alpha/PD1/PD1.bedpe"),
      keys.publicKeys,
      now,
    );
    assert.deepEqual(verdict, { allowed: true });
    const configUrl = `${TEST_VIEWER_ORIGIN}/${alphaConfigKey}`;
    assert.deepEqual(checkSignedCookies(configUrl, reader.viewer.for(`/${alphaConfigKey}`), keys.publicKeys, now), {
      allowed: true,
    });
    const cookies = opened.cookies.map(parseSetCookie);
    assert.deepEqual([...new Set(cookies.map((cookie) => cookie.path))].sort(), [
      "/",
      "/cohorts/alpha/",
      "/configs/alpha/",
    ]);
    for (const header of opened.cookies) assert.match(header, /; HttpOnly; Secure; SameSite=Lax$/);
  });

  it("records the sign-in and the open (subject, email, issuer, cohort, address), never a token", async () => {
    const records = await auditRecords(bucket);
    const signIn = records.find((record) => record.event === "sign-in" && record.email === READER.email);
    const open = records.find((record) => record.event === "open" && record.email === READER.email);
    assert.ok(signIn && open, JSON.stringify(records));
    assert.equal(signIn.issuer, provider.issuer);
    assert.equal(signIn.clientAddress, "203.0.113.7");
    assert.equal(signIn.cohort, undefined);
    assert.equal(open.cohort, "alpha");
    assert.equal(open.configKey, alphaConfigKey);
    assert.equal(open.subject, signIn.subject);
    for (const key of await bucket.keys("audit/"))
      assert.match(key, /^audit\/\d{4}\/\d{2}\/\d{2}\/\d{8}T\d{9}Z-[0-9a-f]{8}\.json$/);
    assert.doesNotMatch(JSON.stringify(records), /eyJ|CloudFront|BEGIN/, "no JWT, cookie or key in audit records");
  });

  it("opening without a session starts the sign-in and comes back to the same link", async () => {
    const response = await browser().get("/open/alpha?sample=PD2");
    assert.equal(response.status, 302);
    assert.equal(response.headers.Location, "/auth/login?return=%2Fopen%2Falpha%3Fsample%3DPD2");
    const login = await browser().get(response.headers.Location);
    assert.equal(login.status, 302);
    assert.ok(login.headers.Location.startsWith(`${provider.issuer}/`), login.headers.Location);
    const url = new URL(login.headers.Location);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    for (const parameter of ["state", "nonce", "code_challenge"]) assert.ok(url.searchParams.get(parameter));
    assert.deepEqual(
      login.cookies.map(parseSetCookie).map(({ name, path }) => [name, path]),
      [["cpd-flow", "/auth/"]],
    );
  });

  it("a per-sample link opens that sample; an unknown sample is refused", async () => {
    const reader = browser();
    const opened = await reader.visit("/open/alpha?sample=PD2", READER.email, READER.password);
    assert.match(
      opened.headers.Location,
      /&cohortId=alpha&demoIndex=1&external=https:\/\/viewer\.example\/configs\/alpha\//,
    );
    const unknown = await reader.get("/open/alpha?sample=PD9");
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.cookies, []);
  });

  it("a group without the grant gets the refusal page: 403, no cookie, a refused record", async () => {
    const outsider = browser();
    const refused = await outsider.visit("/open/alpha", OUTSIDER.email, OUTSIDER.password);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /No access to this cohort/);
    assert.match(refused.body, /outsider@lab\.test/);
    assert.deepEqual(refused.cookies, []);
    const carried = Object.keys(outsider.viewer.for("/cohorts/alpha/PD1/PD1.bedpe"));
    assert.deepEqual(carried, ["cpd-session"], "signed in, but no CloudFront cookie at all");
    const records = await auditRecords(bucket);
    const refusal = records.find((record) => record.event === "refused" && record.email === OUTSIDER.email);
    assert.equal(refusal?.reason, "no-grant");
    assert.equal(refusal?.cohort, "alpha");
  });

  it("access-report reads every record the handler wrote: who signed in, opened and was refused", async () => {
    const audit = await lastHourAudit(bucket, config.auditPrefix);
    assert.equal(audit.unreadable, 0, "every object the handler wrote is a record the report reads");
    assert.equal(audit.records.length, audit.objects);
    const report = signInReportOf(audit.records);
    assert.equal(report.people, 2, "the reader and the outsider signed in");
    const alpha = report.cohorts.find((cohort) => cohort.cohort === "alpha");
    assert.ok(alpha, JSON.stringify(report.cohorts));
    const reader = { email: READER.email, issuer: provider.issuer };
    assert.ok(
      alpha.opened.some(
        ({ person, clientAddress }) =>
          person.email === reader.email && person.issuer === reader.issuer && clientAddress === "203.0.113.7",
      ),
      JSON.stringify(alpha),
    );
    assert.ok(alpha.refused.some(({ person, reason }) => person.email === OUTSIDER.email && reason === "no-grant"));
  });

  it("a path outside the grant: another cohort is refused, and one cohort's cookies never cover another's paths", async () => {
    const reader = browser();
    await reader.visit("/open/alpha", READER.email, READER.password);
    const other = await reader.get("/open/bravo");
    assert.equal(other.status, 403);
    const now = new Date();
    const bravoData = "/cohorts/bravo/PD1/PD1.bedpe";
    const carried = { ...reader.viewer.for("/cohorts/alpha/PD1/PD1.bedpe") };
    // Even sent on Bravo's path by hand, Alpha's cookies do not open it.
    const verdict = checkSignedCookies(`${TEST_VIEWER_ORIGIN}${bravoData}`, carried, keys.publicKeys, now);
    assert.equal(verdict.allowed, false);
    assert.deepEqual(reader.viewer.for(bravoData), reader.viewer.for("/"), "only the session cookie reaches Bravo");
    const prefixTrick = checkSignedCookies(
      `${TEST_VIEWER_ORIGIN}/cohorts/alphabet/x.bedpe`,
      carried,
      keys.publicKeys,
      now,
    );
    assert.equal(prefixTrick.allowed, false, "cohorts/alpha/ does not open cohorts/alphabet/");
  });

  it("a callback with the wrong state is refused and sets no session", async () => {
    const person = browser();
    const login = await person.get("/auth/login?return=/open/alpha");
    const callback = new URL(await person.throughProvider(login.headers.Location, READER.email, READER.password));
    callback.searchParams.set("state", "not-the-state");
    const answer = await person.get(`${callback.pathname}${callback.search}`);
    assert.equal(answer.status, 400);
    assert.match(answer.body, /not accepted/);
    assert.deepEqual(person.viewer.for("/"), {});
  });

  it("a failed sign-in leaves a sign-in-failed record naming nobody, and access-report counts it", async () => {
    const failed = async () =>
      (await auditRecords(bucket)).filter((record) => record.reason === "sign-in-failed").length;
    const before = await failed();
    const person = browser();
    const login = await person.get("/auth/login?return=/open/alpha");
    const callback = new URL(await person.throughProvider(login.headers.Location, READER.email, READER.password));
    callback.searchParams.set("state", "not-the-state");
    assert.equal((await person.get(`${callback.pathname}${callback.search}`)).status, 400);
    const records = (await auditRecords(bucket)).filter((record) => record.reason === "sign-in-failed");
    assert.equal(records.length, before + 1);
    const record = records[records.length - 1];
    assert.deepEqual(
      { event: record.event, subject: record.subject, email: record.email, issuer: record.issuer },
      { event: "refused", subject: "", email: null, issuer: provider.issuer },
    );
    assert.equal(record.cohort, undefined);
    assert.doesNotMatch(JSON.stringify(record), /eyJ|code=|state/, "no token, code or state recorded");
    const audit = await lastHourAudit(bucket, config.auditPrefix);
    assert.equal(signInReportOf(audit.records).failedSignIns, before + 1);
  });

  it("a replayed code is refused: the flow cookie is gone, and the provider refuses the code again", async () => {
    const person = browser();
    const login = await person.get("/auth/login?return=/open/alpha");
    const flowCookie = person.viewer.for("/auth/callback");
    const callback = new URL(await person.throughProvider(login.headers.Location, READER.email, READER.password));
    const path = `${callback.pathname}${callback.search}`;
    assert.equal((await person.get(path)).status, 302);
    const replayed = await person.get(path);
    assert.equal(replayed.status, 400);
    assert.match(replayed.body, /not pending in this browser/);
    const attacker = browser();
    attacker.viewer.apply([`cpd-flow=${flowCookie["cpd-flow"]}; Path=/auth/`]);
    const withCookie = await attacker.get(path);
    assert.equal(withCookie.status, 400, "the provider refuses a code it already exchanged");
    assert.match(withCookie.body, /invalid_grant/);
    assert.deepEqual(attacker.viewer.for("/"), {});
  });

  it("an expired ID token is refused (the handler's clock past its exp)", async () => {
    let offset = 0;
    const late = browser(() => ({ ...deps, now: () => new Date(Date.now() + offset) }));
    const login = await late.get("/auth/login?return=/app/");
    const callback = new URL(await late.throughProvider(login.headers.Location, READER.email, READER.password));
    offset = 2 * 3600_000; // the provider's ID tokens live 10 minutes; the flow cookie is re-signed below
    late.viewer.cookies.clear();
    const flow = await deps.keys.sign(
      "cpd-flow+jwt",
      { ...(await pendingFrom(login.cookies[0], deps)) },
      new Date(Date.now() + offset),
      new Date(Date.now() + offset + 600_000),
    );
    late.viewer.apply([`cpd-flow=${flow}; Path=/auth/`]);
    const answer = await late.get(`${callback.pathname}${callback.search}`);
    assert.equal(answer.status, 400);
    assert.match(answer.body, /timestamp claim value failed validation/);
  });

  it("a foreign ID token (another issuer, or a key the issuer never published) is refused", async () => {
    const foreignKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    for (const issuer of ["http://127.0.0.1:9/another-provider", provider.issuer]) {
      const forging: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input instanceof Request ? input.url : input).endsWith("/token")) return response;
        const body = (await response.json()) as Record<string, unknown>;
        const genuine = JSON.parse(Buffer.from(String(body.id_token).split(".")[1], "base64url").toString());
        body.id_token = await new SignJWT({ ...genuine, iss: issuer })
          .setProtectedHeader({ alg: "RS256", kid: "forged" })
          .sign(foreignKey);
        return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
      };
      const forgedDeps = depsFor(config, bucket.store, { fetch: forging as never });
      const person = browser(() => forgedDeps);
      const answer = await person.visit("/open/alpha", READER.email, READER.password);
      assert.equal(answer.status, 400, `${issuer}: ${answer.body}`);
      assert.deepEqual(person.viewer.for("/"), {});
    }
  });

  it("a session cookie that is expired, or signed by a key outside the slots, does not open anything", async () => {
    const reader = browser();
    await reader.visit("/open/alpha", READER.email, READER.password);
    const session = reader.viewer.for("/")["cpd-session"];
    const later = new TestBrowser(() => ({ ...deps, now: () => new Date(Date.now() + 13 * 3600_000) }));
    later.viewer.apply([`cpd-session=${session}; Path=/`]);
    assert.match((await later.get("/open/alpha")).headers.Location, /^\/auth\/login\?/);
    const otherKeys = generateCookieKeyPairs();
    const foreign = depsFor(signInConfigFor(otherKeys, provider.issuer, config), bucket.store);
    const forger = new TestBrowser(() => foreign);
    await forger.visit("/open/alpha", READER.email, READER.password);
    const forged = forger.viewer.for("/")["cpd-session"];
    const victim = browser();
    victim.viewer.apply([`cpd-session=${forged}; Path=/`]);
    assert.match((await victim.get("/open/alpha")).headers.Location, /^\/auth\/login\?/);
  });

  it("a session signed by the other key slot still verifies (a cookie-key rotation keeps sessions)", async () => {
    const rotated = { ...config, activeKeyPairId: Object.keys(keys.keys).find((id) => id !== keys.activeKeyPairId)! };
    const reader = browser(() => depsFor(rotated, bucket.store));
    await reader.visit("/open/alpha", READER.email, READER.password);
    const later = browser();
    later.viewer.apply([`cpd-session=${reader.viewer.for("/")["cpd-session"]}; Path=/`]);
    assert.equal((await later.get("/open/alpha")).status, 302);
    assert.match(later.viewer.for("/cohorts/alpha/x")["CloudFront-Key-Pair-Id"], new RegExp(keys.activeKeyPairId));
  });

  it("after a revoke, or without the grant, the next open sets no cookie", async () => {
    const reader = browser();
    await reader.visit("/open/alpha", READER.email, READER.password);
    const [publication] = (await bucket.keys("ledger/alpha/")).slice(-1);
    const entry = JSON.parse((await bucket.store.read(publication)).toString());
    const now = new Date(Date.now() + 1000);
    await writeLedgerEntry(
      bucket.store,
      "ledger/",
      publicationStem("alpha", now, "0000abcd"),
      revokeEntryFor(entry, now),
    );
    const answer = await reader.get("/open/alpha");
    assert.equal(answer.status, 404);
    assert.match(answer.body, /Nothing published/);
    assert.deepEqual(answer.cookies, []);
    await recordSignInPublication(bucket.store, "alpha", "cohorts/alpha/", SAMPLES, new Date(Date.now() + 2000));
    assert.equal((await reader.get("/open/alpha")).status, 302, "a new publication opens again");
  });

  it("logout removes the session and the CloudFront cookies it set", async () => {
    const reader = browser();
    await reader.visit("/open/alpha", READER.email, READER.password);
    const answer = await reader.get("/auth/logout");
    assert.equal(answer.status, 200);
    assert.deepEqual(reader.viewer.for("/cohorts/alpha/x"), {});
    assert.deepEqual(reader.viewer.for("/"), {});
  });

  it("no record, no access: when the audit record cannot be written nothing is opened", async () => {
    const failingStore: ObjectStore = {
      ...bucket.store,
      bucket: bucket.store.bucket,
      list: (prefix, options) => bucket.store.list(prefix, options),
      read: (key, range, options) => bucket.store.read(key, range, options),
      put: async (key, ...rest) => {
        if (key.startsWith("audit/")) throw new Error("S3 is down");
        return bucket.store.put(key, ...rest);
      },
    };
    const reader = browser(() => ({ ...deps, store: failingStore }));
    const answer = await reader.visit("/open/alpha", READER.email, READER.password);
    assert.equal(answer.status, 503);
    assert.deepEqual(reader.viewer.for("/cohorts/alpha/x"), {});
  });

  it("returns only to paths on the viewer's origin; answers nothing else", async () => {
    for (const target of ["https://evil.example/", "//evil.example/", "/\\evil.example"]) {
      const person = browser();
      await person.get(`/auth/login?return=${encodeURIComponent(target)}`);
      const pending = await pendingFrom(`cpd-flow=${person.viewer.for("/auth/callback")["cpd-flow"]}`, deps);
      assert.equal(pending.returnPath, "/app/", target);
    }
    assert.equal((await browser().get("/open/..")).status, 404);
    assert.equal((await browser().get("/elsewhere")).status, 404);
  });
});

async function pendingFrom(setCookie: string, deps: SignInDeps): Promise<Record<string, unknown>> {
  const { value } = parseSetCookie(setCookie);
  const claims = await deps.keys.verify(value, "cpd-flow+jwt", new Date());
  assert.ok(claims);
  const { state, nonce, codeVerifier, returnPath } = claims;
  return { state, nonce, codeVerifier, returnPath };
}
