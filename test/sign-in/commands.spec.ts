/**
 * The commands on a sign-in stack, against the embedded S3 server: publish-cohort writes configs of
 * absolute, unsigned viewer-origin URLs and prints the stable link; grant-cohort writes grants with
 * the caller's credentials; revoke-cohort removes grants (one group's, or all and the configs);
 * cohorts, refresh-cohort and the readers' commands say what they do in this mode.
 */
import * as assert from "node:assert/strict";
import { mockClient } from "aws-sdk-client-mock";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { addReaderCommand } from "../../scripts/lib/cli/commands/add-reader-command";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { grantCohortCommand } from "../../scripts/lib/cli/commands/grant-cohort-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { refreshCohortCommand } from "../../scripts/lib/cli/commands/refresh-cohort-command";
import { removeReaderCommand } from "../../scripts/lib/cli/commands/remove-reader-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { exampleCohort, exampleManifestTsv } from "../../scripts/lib/dev/example-cohort";
import { readLedger } from "../../scripts/lib/ledger/ledger";
import { run } from "../support/cli-runner";
import { SESSION_KEY, startTestBucket, TestBucket, uploadExampleCohort } from "../support/local-bucket";

const VIEWER = "https://viewer.example";
const SIGN_IN_OUTPUTS = {
  access: "sign-in",
  viewerUrl: `${VIEWER}/app/`,
  grantsPrefix: "grants/",
  auditPrefix: "audit/",
  signInIssuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example",
  signInUserPoolId: "us-east-1_Example",
  signInClientId: "client",
};
/** The caller's own credentials from the AWS chain (not the presigner's). */
const asCaller = { credentialProvider: () => Promise.resolve({ ...SESSION_KEY }) };

describe("commands on a sign-in stack", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  const stack = () => ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint];

  before(async () => {
    bucket = await startTestBucket({ outputs: SIGN_IN_OUTPUTS });
    manifest = bucket.scratch("alpha.tsv", exampleManifestTsv(await uploadExampleCohort(bucket, "cohorts/alpha/", 2)));
  });
  after(() => bucket?.close());

  it("publish-cohort writes absolute, unsigned viewer-origin URLs, records access and dataFolder, prints the stable link", async () => {
    const published = await run(publishCohortCommand, [
      ...stack(),
      "--cohort",
      "alpha",
      "--manifest",
      manifest,
      "--sample-links",
    ]);
    assert.equal(published.code, 0, published.stderr);
    const [link, ...samples] = published.stdout.trim().split("\n");
    assert.equal(link, `${VIEWER}/open/alpha`);
    assert.match(samples[0], new RegExp(`^\\S+\\t${VIEWER}/open/alpha\\?sample=\\S+$`));
    assert.match(published.stderr, /for sign-in: 2 samples, \d+ files on https:\/\/viewer\.example/);
    const [entry] = await readLedger(bucket.store, "ledger/", { cohortSlug: "alpha" });
    assert.equal(entry.access, "sign-in");
    assert.equal(entry.dataFolder, "cohorts/alpha/");
    assert.equal(entry.expiresAt, undefined);
    const config = (await bucket.store.read(entry.configKey)).toString();
    assert.doesNotMatch(config, /X-Amz-|Expires|Signature/);
    for (const url of config.match(/"https?:[^"]+"/g) ?? [])
      assert.ok(url.startsWith(`"${VIEWER}/cohorts/alpha/`), url);
  });

  it("publish-cohort refuses files without one folder of their own, naming them, and a folder another cohort opens", async () => {
    // Two samples (the example's first two) whose files sit in two folders.
    const [first, second] = exampleCohort({ prefix: "cohorts/split/", samples: 2 });
    const moved = (sample: typeof first, folder: string) => ({
      sample: JSON.parse(JSON.stringify(sample.sample).replaceAll("cohorts/split/", folder)) as typeof first.sample,
      files: sample.files.map((file) => ({ ...file, key: file.key.replace("cohorts/split/", folder) })),
    });
    const loose = [moved(first, "cohorts/split-a/"), moved(second, "cohorts/split-b/")];
    await bucket.upload(loose.flatMap((sample) => sample.files));
    const split = await run(publishCohortCommand, [
      ...stack(),
      "--cohort",
      "Split",
      "--manifest",
      bucket.scratch("split.tsv", exampleManifestTsv(loose)),
    ]);
    assert.equal(split.code, 1);
    assert.match(split.stderr, /must share one folder of their own/);
    assert.match(split.stderr, /in cohorts\/split-a\/: 3 files \("cohorts\/split-a\//);
    assert.match(split.stderr, /in cohorts\/split-b\/: 3 files/);
    const inner = exampleCohort({ prefix: "cohorts/alpha/extra/", samples: 1, seed: 4 });
    await bucket.upload(inner.flatMap((sample) => sample.files));
    const nested = await run(publishCohortCommand, [
      ...stack(),
      "--cohort",
      "Nested",
      "--manifest",
      bucket.scratch("nested.tsv", exampleManifestTsv(inner)),
    ]);
    assert.equal(nested.code, 1);
    assert.match(nested.stderr, /overlaps another cohort's/);
    assert.match(nested.stderr, /"alpha" opens cohorts\/alpha\//);
    const expires = await run(publishCohortCommand, [
      ...stack(),
      "--cohort",
      "alpha",
      "--manifest",
      manifest,
      "--expires",
      "1d",
    ]);
    assert.equal(expires.code, 2);
    assert.match(expires.stderr, /--expires does not apply to a sign-in stack/);
    assert.deepEqual(await bucket.keys("configs/nested/"), []);
  });

  it("grant-cohort writes the grant with the caller's credentials and prints the link", async () => {
    const granted = await run(
      grantCohortCommand,
      [...stack(), "--cohort", "alpha", "--group", "breast-team"],
      asCaller,
    );
    assert.equal(granted.code, 0, granted.stderr);
    assert.equal(granted.stdout, `${VIEWER}/open/alpha\n`);
    const key = `grants/alpha/${Buffer.from("breast-team").toString("base64url")}.json`;
    const grant = JSON.parse((await bucket.store.read(key)).toString());
    assert.deepEqual(
      { ...grant, grantedAt: "-" },
      { cohort: "alpha", group: "breast-team", grantedAt: "-", grantedBy: SESSION_KEY.accessKeyId },
    );
    assert.doesNotMatch(granted.stderr, /presigner key/, "the caller's own credentials, not the presigner's");
    await run(grantCohortCommand, [...stack(), "--cohort", "alpha", "--group", "lung-team"], asCaller);
    const bad = await run(grantCohortCommand, [...stack(), "--cohort", "alpha", "--group", "tab\there"], asCaller);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--group "tab\\there" holds control or invisible characters/);
  });

  it("cohorts lists the stable link and the granted groups; nothing expires; refresh has nothing to re-sign", async () => {
    const listed = await run(cohortsCommand, stack());
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /never \(sign-in\)\s+live\s+alpha\s+\(sign-in\)/);
    assert.match(listed.stdout, /https:\/\/viewer\.example\/open\/alpha \(granted to "breast-team", "lung-team"\)/);
    const json = JSON.parse((await run(cohortsCommand, [...stack(), "--json"])).stdout);
    assert.equal(json[0].expiresAt, null);
    assert.deepEqual(json[0].grantedTo, ["breast-team", "lung-team"]);
    const refreshed = await run(refreshCohortCommand, [...stack(), "--cohort", "alpha"]);
    assert.equal(refreshed.code, 0, refreshed.stderr);
    assert.match(refreshed.stderr, /Nothing to refresh/);
    assert.equal(refreshed.stdout, `${VIEWER}/open/alpha\n`);
  });

  it("revoke-cohort --group removes one grant; without it, every grant and config", async () => {
    const one = await run(revokeCohortCommand, [...stack(), "--cohort", "alpha", "--group", "lung-team"], asCaller);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /at most the stack's sessionHours/);
    assert.deepEqual(await bucket.keys("grants/alpha/"), [
      `grants/alpha/${Buffer.from("breast-team").toString("base64url")}.json`,
    ]);
    const unknown = await run(revokeCohortCommand, [...stack(), "--cohort", "alpha", "--group", "nobody"], asCaller);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /granted groups: "breast-team"/);
    const rotate = await run(revokeCohortCommand, [...stack(), "--cohort", "alpha", "--rotate", "--print"], asCaller);
    assert.equal(rotate.code, 2);
    const all = await run(revokeCohortCommand, [...stack(), "--cohort", "alpha", "--yes"], asCaller);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(await bucket.keys("grants/alpha/"), []);
    assert.deepEqual((await bucket.keys("configs/alpha/")).length, 0);
    assert.match((await run(cohortsCommand, stack())).stdout, /never \(sign-in\)\s+revoked\s+alpha/);
  });

  it("add-reader invites into a group (created when new); remove-reader takes out of one group, or out of the pool", async () => {
    const cognito = mockClient(CognitoIdentityProviderClient);
    try {
      cognito.on(CreateGroupCommand).resolves({});
      cognito.on(AdminCreateUserCommand).resolves({});
      cognito.on(AdminAddUserToGroupCommand).resolves({});
      cognito.on(AdminRemoveUserFromGroupCommand).resolves({});
      cognito.on(AdminDeleteUserCommand).resolves({});
      const added = await run(
        addReaderCommand,
        [...stack(), "--email", "Ana@Lab.Example.org", "--group", "breast-team"],
        asCaller,
      );
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stderr, /Invited Ana@Lab\.Example\.org .* added to group "breast-team"/);
      const invite = cognito.commandCalls(AdminCreateUserCommand)[0].args[0].input;
      assert.equal(invite.UserPoolId, "us-east-1_Example");
      assert.equal(invite.Username, "ana@lab.example.org");
      assert.deepEqual(cognito.commandCalls(AdminAddUserToGroupCommand)[0].args[0].input.GroupName, "breast-team");
      const out = await run(
        removeReaderCommand,
        [...stack(), "--email", "ana@lab.example.org", "--group", "breast-team"],
        asCaller,
      );
      assert.equal(out.code, 0, out.stderr);
      assert.equal(cognito.commandCalls(AdminRemoveUserFromGroupCommand).length, 1);
      assert.equal(cognito.commandCalls(AdminDeleteUserCommand).length, 0);
      await run(removeReaderCommand, [...stack(), "--email", "ana@lab.example.org"], asCaller);
      assert.equal(cognito.commandCalls(AdminDeleteUserCommand).length, 1);
    } finally {
      cognito.restore();
    }
  });

  it("the readers' commands refuse, with the fix, a stack that signs people in through the lab's own provider", async () => {
    const own = await startTestBucket({
      outputs: { ...SIGN_IN_OUTPUTS, signInUserPoolId: null, signInIssuer: "https://login.lab.example.org" },
    });
    try {
      const refused = await run(
        addReaderCommand,
        ["--outputs", own.outputsFile, "--email", "a@b.org", "--group", "g"],
        asCaller,
      );
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /through the lab's own provider \(https:\/\/login\.lab\.example\.org\)/);
      assert.match(refused.stderr, /fix: add the person, and their group, in that provider/);
    } finally {
      await own.close();
    }
  });

  it("grant-cohort refuses a links stack, naming the setting", async () => {
    const links = await startTestBucket();
    try {
      const refused = await run(
        grantCohortCommand,
        ["--outputs", links.outputsFile, "--endpoint", links.server.endpoint, "--cohort", "A", "--group", "g"],
        asCaller,
      );
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /needs a sign-in stack/);
      assert.match(refused.stderr, /access to "sign-in"/);
    } finally {
      await links.close();
    }
  });
});
