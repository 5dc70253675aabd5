import * as assert from "node:assert/strict";
import { readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseChromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { CliIo } from "../../scripts/lib/cli/shell";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { refreshCohortCommand } from "../../scripts/lib/cli/commands/refresh-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { rotateKeysCommand } from "../../scripts/lib/cli/commands/rotate-keys-command";
import { fromStackKey } from "../../scripts/lib/s3/credentials";
import { AwsError } from "../../scripts/lib/errors";
import { readLedger, writeLedgerEntry } from "../../scripts/lib/ledger/ledger";
import { loadPublications, revokePublications } from "../../scripts/lib/lifecycle/publications";
import { cohortSlug, publicationStem, randomHex8 } from "../../scripts/lib/naming";
import { ObjectStore } from "../../scripts/lib/s3/object-store";
import { publishCohort } from "../../scripts/lib/publication/publish";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { recordPublication } from "../support/ledger-fixtures";
import { foldLedger } from "../../scripts/lib/ledger/fold";
import {
  CONFIG_GET,
  GENERATION_KEY,
  ROTATION,
  SLOT_B_KEY,
  STACK_OUTPUT,
  StandIn,
  standIn,
  VERSION,
} from "../support/pulumi-stand-in";
import { KEY_OUTPUT_NAMES } from "../fixtures/stack-outputs";
import { fetchBytes, PRESIGNER_KEY, SESSION_KEY, TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";

const PROJECT_ROOT = realpathSync(join(__dirname, "..", ".."));
/** The test stack's config and ledger prefixes (the defaults). */
const PREFIXES = { configPrefix: "configs/", ledgerPrefix: "ledger/" };

const seconds = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);
const sleepUntil = async (date: Date) => {
  const wait = date.getTime() - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
};
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const setUpBucket = () => startCohortBucket("cohorts/lifecycle/", 2);

function assertNoPresignedUrl(text: string): void {
  assert.doesNotMatch(text, /X-Amz-Signature|X-Amz-Credential/, "no presigned URL printed");
  assert.ok(
    !text.includes(PRESIGNER_KEY.secretAccessKey) && !text.includes(SESSION_KEY.secretAccessKey),
    "no secret printed",
  );
}

describe("link lifecycle against the embedded S3 server", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  before(async () => ({ bucket, manifest } = await setUpBucket()));
  after(async () => bucket.close());

  const stackArgs = () => ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint];
  async function publish(cohort: string, extra: string[] = [], io: Partial<CliIo> = {}) {
    const result = await run(
      publishCohortCommand,
      [...stackArgs(), "--cohort", cohort, "--manifest", manifest, "--json", ...extra],
      io,
    );
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { link: string; configUrl: string; configKey: string; expiresAt: string };
  }
  const cohorts = (args: string[] = [], io: Partial<CliIo> = {}) => run(cohortsCommand, [...stackArgs(), ...args], io);
  const refresh = (args: string[]) => run(refreshCohortCommand, [...stackArgs(), ...args]);
  const revoke = (args: string[], io: Partial<CliIo> = {}) => run(revokeCohortCommand, [...stackArgs(), ...args], io);

  describe("publish two cohorts, list, refresh, revoke", () => {
    let alpha: Awaited<ReturnType<typeof publish>>;
    let beta: Awaited<ReturnType<typeof publish>>;
    before(async () => {
      alpha = await publish("Alpha Breast", [], { now: () => new Date(Date.now() - 60_000) });
      beta = await publish("Beta Liver", ["--expires", "2d"]);
    });

    it("lists both, newest first, with config key, signing key, created, expires and status, and no link", async () => {
      const result = await cohorts();
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split("\n");
      assert.match(lines[0], /^CREATED\s+EXPIRES\s+STATUS\s+COHORT\s+SIGNED BY\s+CONFIG$/);
      assert.equal(lines.length, 3);
      assert.match(
        lines[1],
        new RegExp(
          `^\\S+Z\\s+${escape(beta.expiresAt.replace(".000Z", "Z"))}\\s+live\\s+Beta Liver\\s+AKIATESTPRESIGNER001 \\(slot a, active\\)\\s+${escape(beta.configKey)}$`,
        ),
      );
      assert.match(
        lines[2],
        new RegExp(`live\\s+Alpha Breast\\s+AKIATESTPRESIGNER001 \\(slot a, active\\)\\s+${escape(alpha.configKey)}$`),
      );
      assert.match(
        result.stderr,
        /2 publications of 2 cohorts in s3:\/\/chromoscope-test-data\/ledger\/: 2 live, 0 expired, 0 revoked, 0 dead\./,
      );
      assertNoPresignedUrl(result.stdout + result.stderr);
    });

    it("--expiring-within lists only live publications expiring in that time, without links", async () => {
      const soon = await cohorts(["--expiring-within", "3d"]);
      assert.equal(soon.code, 0, soon.stderr);
      const lines = soon.stdout.trim().split("\n");
      assert.equal(lines.length, 2, soon.stdout);
      assert.match(lines[1], /live\s+Beta Liver\s/);
      assertNoPresignedUrl(soon.stdout + soon.stderr);
      const both = JSON.parse((await cohorts(["--expiring-within", "8d", "--json"])).stdout) as Array<{
        cohort: string;
      }>;
      assert.deepEqual(
        both.map((entry) => entry.cohort),
        ["Beta Liver", "Alpha Breast"],
      );
      const none = await cohorts(["--expiring-within", "1h"]);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, "");
      assert.match(none.stderr, /No live publication in s3:\/\/chromoscope-test-data\/ledger\/ expires within 1h\./);
      const bad = await cohorts(["--expiring-within", "soon"]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--expiring-within "soon" is not a duration/);
    });

    it("lists as JSON with --json, filtered by --cohort", async () => {
      const result = await cohorts(["--json", "--cohort", "Beta Liver"]);
      assert.equal(result.code, 0, result.stderr);
      const list = JSON.parse(result.stdout);
      assert.equal(list.length, 1);
      assert.deepEqual(Object.keys(list[0]).sort(), [
        "cohort",
        "configKey",
        "createdAt",
        "expiresAt",
        "ledgerKey",
        "samples",
        "signingAccessKeyId",
        "signingKeySlot",
        "status",
      ]);
      assert.equal(list[0].cohort, "Beta Liver");
      assert.equal(list[0].status, "live");
      assert.equal(list[0].configKey, beta.configKey);
      assert.equal(list[0].expiresAt, beta.expiresAt);
      assert.equal(Date.parse(list[0].expiresAt) - Date.parse(list[0].createdAt), 2 * 86400_000);
      assert.equal(list[0].signingAccessKeyId, PRESIGNER_KEY.accessKeyId);
      assert.equal(list[0].signingKeySlot, "a");
      assert.equal(list[0].samples, 2);
      assertNoPresignedUrl(result.stdout);
    });

    it("prints a fresh config link per live publication with --show-links, expiring no later than the publication", async () => {
      const result = await cohorts(["--json", "--show-links"]);
      assert.equal(result.code, 0, result.stderr);
      const list = JSON.parse(result.stdout) as Array<{
        cohort: string;
        link: string;
        linkExpiresAt: string;
        expiresAt: string;
        configKey: string;
      }>;
      assert.equal(list.length, 2);
      for (const item of list) {
        const parsed = parseChromoscopeLink(item.link);
        assert.equal(parsed.cohortId, item.cohort);
        assert.ok(parsed.external!.includes(item.configKey));
        assert.ok(Date.parse(item.linkExpiresAt) <= Date.parse(item.expiresAt), "no later than the publication");
        const original = item.cohort === "Alpha Breast" ? alpha : beta;
        const fetched = await fetchBytes(parsed.external!);
        assert.equal(fetched.status, 200);
        assert.deepEqual(fetched.body, (await fetchBytes(original.configUrl)).body);
      }
      const table = await cohorts(["--show-links", "--cohort", "Beta Liver"]);
      assert.match(
        table.stdout,
        /\n {2}link \(expires \S+\): https:\/\/chromoscope\.bio\/app\/\?showSamples=false&cohortId=Beta%20Liver&external=http/,
      );
    });

    describe("refresh-cohort", () => {
      it("publishes again from the recorded inputs: old and new links both work until the old expires", async () => {
        const viewer = "https://viewer.lab.example.org/app/";
        const first = await publish("Gamma Ovary", ["--expires", "4s", "--viewer-url", viewer]);

        const repeated = await refresh(["--cohort", "Gamma Ovary", "--json"]);
        assert.equal(repeated.code, 0, repeated.stderr);
        const second = JSON.parse(repeated.stdout);
        assert.equal(
          new URL(second.configUrl).searchParams.get("X-Amz-Expires"),
          "4",
          "repeats the recorded --expires",
        );
        assert.ok(
          second.link.startsWith(`${viewer}?showSamples=false&cohortId=Gamma%20Ovary&external=`),
          "keeps the viewer the publication chose with --viewer-url",
        );
        assert.match(
          repeated.stderr,
          /^Links open https:\/\/viewer\.lab\.example\.org\/app\/, the viewer the publication chose with --viewer-url \(the stack's is https:\/\/chromoscope\.bio\/app\/\); --viewer-url changes it\.$/m,
        );
        assert.notEqual(second.configKey, first.configKey, "a new config object");

        const longer = await refresh(["--cohort", "Gamma Ovary", "--expires", "1h"]);
        assert.equal(longer.code, 0, longer.stderr);
        assert.equal(longer.stdout.trim().split("\n").length, 1, "only the link on stdout");
        const third = parseChromoscopeLink(longer.stdout.trim());
        assert.equal(new URL(third.external!).searchParams.get("X-Amz-Expires"), "3600");
        assert.match(
          longer.stderr,
          /Refreshing cohort "Gamma Ovary" from its publication of \S+ \(ledger\/gamma-ovary-[0-9a-f]{12}\/\S+\.json\): 2 samples\./,
        );
        assert.match(
          longer.stderr,
          /^2 earlier publications of this cohort keep working until \S+; to end them now and keep this new one, revoke each with --publication:$/m,
        );
        for (const earlier of [first, second])
          assert.ok(
            longer.stderr.includes(
              `\n  npm run revoke-cohort -- --outputs ${bucket.outputsFile} --endpoint ${bucket.server.endpoint} --cohort 'Gamma Ovary' --publication ${earlier.configKey}\n`,
            ),
            longer.stderr,
          );

        for (const url of [first.configUrl, second.configUrl, third.external!])
          assert.equal((await fetchBytes(url)).status, 200, url);
        const config = JSON.parse((await fetchBytes(third.external!)).body.toString());
        assert.deepEqual(
          config.samples.map((sample: { id: string }) => sample.id),
          JSON.parse((await fetchBytes(first.configUrl)).body.toString()).samples.map(
            (sample: { id: string }) => sample.id,
          ),
        );
        for (const sample of config.samples)
          assert.equal((await fetchBytes(sample.sv)).status, 200, "fresh data links");

        await sleepUntil(new Date(Date.parse(second.expiresAt) + 1100));
        assert.equal((await fetchBytes(first.configUrl)).status, 403, "the first link has expired");
        assert.equal((await fetchBytes(second.configUrl)).status, 403, "the second too");
        assert.equal((await fetchBytes(third.external!)).status, 200, "the newest still works");
        const ledger = await loadPublications(bucket.store, PREFIXES, { cohort: "Gamma Ovary" });
        assert.equal(ledger.length, 3);
        assert.equal(new Set(ledger.map((publication) => publication.configKey)).size, 3);
      });

      it("follows the stack's current viewer (it moved to its own), says so; --viewer-url still overrides", async () => {
        const recorded = await publish("Delta Skin");
        assert.ok(recorded.link.startsWith("https://chromoscope.bio/app/?"));
        const selfHosted = "https://d111111abcdef8.cloudfront.net/app/";
        const outputs = JSON.parse(readFileSync(bucket.outputsFile, "utf8")) as Record<string, unknown>;
        const moved = bucket.scratch("moved-outputs.json", JSON.stringify({ ...outputs, viewerUrl: selfHosted }));
        const args = ["--outputs", moved, "--endpoint", bucket.server.endpoint, "--cohort", "Delta Skin", "--json"];

        const refreshed = await run(refreshCohortCommand, args);
        assert.equal(refreshed.code, 0, refreshed.stderr);
        const link = (JSON.parse(refreshed.stdout) as { link: string }).link;
        assert.ok(link.startsWith(`${selfHosted}?showSamples=false&cohortId=Delta%20Skin&external=`), link);
        assert.match(
          refreshed.stderr,
          /^Links open the stack's viewer https:\/\/d111111abcdef8\.cloudfront\.net\/app\/, not https:\/\/chromoscope\.bio\/app\/ as the publication did \(the stack's viewerUrl changed since\); --viewer-url https:\/\/chromoscope\.bio\/app\/ keeps the old one\.$/m,
        );

        const lab = "https://viewer.lab.example.org/app/";
        const overridden = await run(refreshCohortCommand, [...args, "--viewer-url", lab]);
        assert.equal(overridden.code, 0, overridden.stderr);
        assert.ok((JSON.parse(overridden.stdout) as { link: string }).link.startsWith(`${lab}?`));
        assert.doesNotMatch(overridden.stderr, /^Links open/m);
      });

      it("refuses a cohort the ledger does not know (exit 1)", async () => {
        const result = await refresh(["--cohort", "Nobody"]);
        assert.equal(result.code, 1);
        assert.match(
          result.stderr,
          /error: cohort "Nobody" has no publication in the ledger \(s3:\/\/chromoscope-test-data\/ledger\/\)/,
        );
        assert.match(result.stderr, /fix: check the name with `npm run cohorts`/);
      });
    });

    describe("revoke-cohort", () => {
      let dataUrl: string;
      let result: Awaited<ReturnType<typeof revoke>>;
      before(async () => {
        // Someone downloaded Alpha's config and kept a data link from it.
        dataUrl = JSON.parse((await fetchBytes(alpha.configUrl)).body.toString()).samples[0].sv;
        result = await revoke(["--cohort", "Alpha Breast"]);
      });

      it("deletes the cohort's config: its link fails, the other cohort's still works", async () => {
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, "");
        assert.match(
          result.stderr,
          new RegExp(
            `Revoked cohort "Alpha Breast": deleted 1 config, so every link to them now fails:\\n {2}${escape(alpha.configKey)} \\(recorded in ledger/${cohortSlug("Alpha Breast")}/`,
          ),
        );
        assert.ok([403, 404].includes((await fetchBytes(alpha.configUrl)).status));
        assert.equal((await fetchBytes(beta.configUrl)).status, 200);
        assert.deepEqual(await bucket.keys(`configs/${cohortSlug("Alpha Breast")}/`), []);
      });

      it("says plainly that copied-out data links stay valid until they expire unless the key is rotated (and they do)", async () => {
        assert.match(
          result.stderr,
          /Data links already copied out of a downloaded config stay valid until they expire \(the last at \S+\) unless the signing key is rotated: npm run revoke-cohort -- --outputs \S+ --endpoint \S+ --cohort 'Alpha Breast' --rotate --print/,
        );
        assert.equal((await fetchBytes(dataUrl)).status, 200);
        assertNoPresignedUrl(result.stderr);
      });

      it("records the revocation in the ledger, and the listing shows it", async () => {
        const entries = await readLedger(bucket.store, "ledger/", { cohortSlug: cohortSlug("Alpha Breast") });
        assert.deepEqual(
          entries.map((entry) => entry.event),
          ["publish", "revoke"],
        );
        const [published, revoked] = entries;
        assert.equal(revoked.configKey, alpha.configKey);
        assert.equal(revoked.signingAccessKeyId, published.signingAccessKeyId);
        assert.equal(revoked.expiresAt, published.expiresAt);
        assert.deepEqual(revoked.inputs.samples, []);
        assert.ok(Date.parse(revoked.createdAt) >= Date.parse(published.createdAt));
        const text = (await bucket.store.read(revoked.ledgerKey)).toString();
        assert.ok(!text.includes(PRESIGNER_KEY.secretAccessKey) && !text.includes("X-Amz-Signature"));

        const listed = JSON.parse((await cohorts(["--json", "--show-links"])).stdout) as Array<{
          cohort: string;
          status: string;
          revokedAt?: string;
          link?: string;
        }>;
        const alphaRow = listed.find((item) => item.cohort === "Alpha Breast")!;
        assert.equal(alphaRow.status, "revoked");
        assert.equal(alphaRow.revokedAt, revoked.createdAt);
        assert.equal(alphaRow.link, undefined, "no link to a revoked publication");
        assert.equal(listed.find((item) => item.cohort === "Beta Liver")!.status, "live");
      });

      it("is idempotent: a second revoke deletes and records nothing more", async () => {
        const again = await revoke(["--cohort", "Alpha Breast"]);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stderr, /1 publication of "Alpha Breast" had been revoked already/);
        assert.equal((await bucket.keys(`ledger/${cohortSlug("Alpha Breast")}/`)).length, 2);
      });

      it("keeps refresh from sharing a revoked cohort again unless --allow-revoked", async () => {
        const refused = await refresh(["--cohort", "Alpha Breast"]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /cohort "Alpha Breast" was revoked at \S+: refreshing would share it again/);
        assert.match(refused.stderr, /fix: if you mean to share it again, add --allow-revoked/);
        assert.deepEqual(await bucket.keys(`configs/${cohortSlug("Alpha Breast")}/`), []);
        const allowed = await refresh(["--cohort", "Alpha Breast", "--allow-revoked", "--json"]);
        assert.equal(allowed.code, 0, allowed.stderr);
        assert.equal((await fetchBytes(JSON.parse(allowed.stdout).configUrl)).status, 200);
      });

      it("refuses --rotate without a stack, or without a terminal and without --yes, before deleting anything (exit 2)", async () => {
        const before = await bucket.keys("configs/");
        const refused = await revoke(["--cohort", "Beta Liver", "--rotate"]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /pass --stack NAME/);
        const noTerminal = await run(revokeCohortCommand, [
          "--stack",
          "dev",
          "--endpoint",
          bucket.server.endpoint,
          "--cohort",
          "Beta Liver",
          "--rotate",
        ]);
        assert.equal(noTerminal.code, 2);
        assert.match(
          noTerminal.stderr,
          /error: --rotate breaks live links and asks first, but there is no terminal to ask on/,
        );
        assert.match(noTerminal.stderr, /fix: add --yes/);
        assert.deepEqual(await bucket.keys("configs/"), before);
      });

      it("refuses an unknown cohort (exit 1) and options that go with --rotate (exit 2)", async () => {
        const unknown = await revoke(["--cohort", "Nobody"]);
        assert.equal(unknown.code, 1);
        assert.match(unknown.stderr, /cohort "Nobody" has no publication in the ledger/);
        const stray = await revoke(["--cohort", "Beta Liver", "--print"]);
        assert.equal(stray.code, 2);
        assert.match(stray.stderr, /--print goes with --rotate/);
        assert.equal((await fetchBytes(beta.configUrl)).status, 200);
      });
    });
  });
});

describe("the ledger under racing publishers and interrupted revokes", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  before(async () => ({ bucket, manifest } = await setUpBucket()));
  after(async () => bucket.close());

  const stackArgs = () => ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint];
  async function publish(cohort: string) {
    const result = await run(publishCohortCommand, [
      ...stackArgs(),
      "--cohort",
      cohort,
      "--manifest",
      manifest,
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { configUrl: string; configKey: string };
  }
  const cohorts = (args: string[]) => run(cohortsCommand, [...stackArgs(), ...args]);
  const revoke = (args: string[]) => run(revokeCohortCommand, [...stackArgs(), ...args]);

  it("records both of two publishers racing on the same cohort", async () => {
    const outputs = parseStackOutputs(bucket.outputs, "test outputs");
    const sameInstant = new Date();
    const context = () => ({
      outputs,
      credentials: fromStackKey(PRESIGNER_KEY),
      store: bucket.store,
      endpoint: bucket.server.endpoint,
      now: () => sameInstant,
      randomHex: randomHex8,
    });
    const request = { cohort: "Race", source: { kind: "manifest" as const, path: manifest } };
    const [one, two] = await Promise.all([publishCohort(request, context()), publishCohort(request, context())]);
    assert.notEqual(one.configKey, two.configKey);
    assert.equal(one.createdAt.getTime(), two.createdAt.getTime(), "the same stamp: only the random part differs");
    const publications = await loadPublications(bucket.store, PREFIXES, { cohort: "Race" });
    assert.deepEqual(
      publications.map((publication) => publication.configKey).sort(),
      [one.configKey, two.configKey].sort(),
    );
    const listed = JSON.parse((await cohorts(["--json", "--cohort", "Race"])).stdout);
    assert.equal(listed.length, 2);
    for (const result of [one, two]) assert.equal((await fetchBytes(result.configUrl!)).status, 200);
  });

  it("records a revocation only once its config is gone, so running again finishes an interrupted revoke", async () => {
    const first = await publish("Partial");
    const second = await publish("Partial");
    const failing: ObjectStore = {
      bucket: bucket.store.bucket,
      list: (prefix) => bucket.store.list(prefix),
      put: (key, body, type) => bucket.store.put(key, body, type),
      read: (key, range) => bucket.store.read(key, range),
      remove: async (key) => {
        if (key === first.configKey)
          throw new AwsError(`deleting s3://${bucket.bucket}/${key} failed: ECONNRESET`, { fix: "check the network" });
        return bucket.store.remove(key);
      },
    };
    const publications = await loadPublications(bucket.store, PREFIXES, { cohort: "Partial" });
    await assert.rejects(
      revokePublications(publications, {
        store: failing,
        configPrefix: "configs/",
        ledgerPrefix: "ledger/",
        now: new Date(),
        randomHex: randomHex8,
      }),
      (error: unknown) =>
        error instanceof AwsError &&
        /revoking stopped after 1 of 2 publications: deleting .* failed: ECONNRESET/.test(error.message) &&
        /run the same command again/.test(error.fix ?? ""),
    );
    const after = await loadPublications(bucket.store, PREFIXES, { cohort: "Partial" });
    assert.deepEqual(
      after.filter((p) => p.revokedAt).map((p) => p.configKey),
      [second.configKey],
    );
    assert.deepEqual(await bucket.keys(`configs/${cohortSlug("Partial")}/`), [first.configKey]);

    const finish = await revoke(["--cohort", "Partial"]);
    assert.equal(finish.code, 0, finish.stderr);
    assert.match(finish.stderr, /deleted 1 config/);
    assert.match(finish.stderr, /1 publication of "Partial" had been revoked already/);
    assert.deepEqual(await bucket.keys(`configs/${cohortSlug("Partial")}/`), []);
  });

  it("deletes an uploaded share page with its config", async () => {
    const result = await run(publishCohortCommand, [
      ...stackArgs(),
      "--cohort",
      "Paged",
      "--manifest",
      manifest,
      "--json",
      "--upload-share-page",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const published = JSON.parse(result.stdout);
    assert.equal((await fetchBytes(published.sharePage.url)).status, 200);
    assert.deepEqual(
      (await bucket.keys(`configs/${cohortSlug("Paged")}/`)).sort(),
      [published.configKey, published.sharePage.key].sort(),
    );
    const revoked = await revoke(["--cohort", "Paged"]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.deepEqual(await bucket.keys(`configs/${cohortSlug("Paged")}/`), []);
    assert.ok([403, 404].includes((await fetchBytes(published.sharePage.url)).status));
  });

  it("refreshes with the same output options as publish-cohort (--sample-links)", async () => {
    await publish("Linked");
    const result = await run(refreshCohortCommand, [...stackArgs(), "--cohort", "Linked", "--sample-links"]);
    assert.equal(result.code, 0, result.stderr);
    const [cohortLink, ...sampleLines] = result.stdout.trim().split("\n");
    assert.equal(sampleLines.length, 2);
    sampleLines.forEach((line, index) => assert.equal(line.split("\t")[1], `${cohortLink}&demoIndex=${index}`));
  });

  it("never deletes outside the cohort's config folder, whatever a ledger entry names (reported, nothing deleted)", async () => {
    const dataKey = "cohorts/lifecycle/not-a-config.json";
    await bucket.upload([{ key: dataKey, body: "{}" }]);
    const stem = publicationStem("Forged", new Date(), randomHex8());
    await writeLedgerEntry(bucket.store, "ledger/", stem, {
      event: "publish",
      cohort: "Forged",
      configKey: dataKey,
      signingAccessKeyId: PRESIGNER_KEY.accessKeyId,
      createdAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      inputs: { samples: [], viewerUrl: "https://chromoscope.bio/app/" },
    });
    const result = await revoke(["--cohort", "Forged"]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^warning: ledger entry ledger\/forged-[0-9a-f]{12}\/\S+ names config cohorts\/lifecycle\/not-a-config\.json, which is not in cohort "Forged"'s config folder \(configs\/forged-[0-9a-f]{12}\/\): ignored$/m,
    );
    assert.match(result.stderr, /^error: cohort "Forged" has no publication in the ledger/m);
    assert.deepEqual(await bucket.keys(dataKey), [dataKey]);
    // The library refuses such a publication outright, should a caller pass one it did not load.
    const [forged] = foldLedger(await readLedger(bucket.store, "ledger/", { cohortSlug: cohortSlug("Forged") }));
    await assert.rejects(
      revokePublications([forged], { store: bucket.store, ...PREFIXES, now: new Date(), randomHex: randomHex8 }),
      /the ledger names configs outside their cohorts' folders: nothing was deleted/,
    );
    assert.deepEqual(await bucket.keys(dataKey), [dataKey]);
  });
});

describe("rotate-keys with a `pulumi` stand-in", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  let pulumi: StandIn;
  beforeEach(async () => ({ bucket, manifest } = await setUpBucket()));
  afterEach(async () => {
    pulumi?.close();
    pulumi = undefined!;
    await bucket.close();
  });

  const viaStack = (stand: StandIn, args: string[], io: Partial<CliIo> = {}) =>
    run(rotateKeysCommand, ["--stack", "dev", "--endpoint", bucket.server.endpoint, ...args], {
      env: stand.env,
      ...io,
    });
  const publishViaStack = async (stand: StandIn, cohort: string) => {
    const result = await run(
      publishCohortCommand,
      ["--stack", "dev", "--endpoint", bucket.server.endpoint, "--cohort", cohort, "--manifest", manifest, "--json"],
      { env: stand.env },
    );
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { configUrl: string; expiresAt: string; configKey: string };
  };

  it("refuses while a live link was signed by the inactive key, saying when rotation becomes safe (and changes nothing)", async () => {
    pulumi = standIn(bucket);
    const expiresAt = seconds(new Date(Date.now() + 3600_000));
    const configKey = await recordPublication(bucket, "Old Key Cohort", SLOT_B_KEY.accessKeyId, expiresAt);
    const result = await viaStack(pulumi, []);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /Active: slot a \(AKIATESTPRESIGNER001, created 2026-11-20T10:00:00Z\), signs new links\./,
    );
    assert.match(
      result.stderr,
      /Rotation replaces the inactive slot b \(AKIATESTPRESIGNER002, created 2026-10-01T10:00:00Z, due for rotation since 2026-10-31T10:00:00Z\)/,
    );
    assert.match(
      result.stderr,
      /error: rotating now would break 1 live publication of 1 cohort, signed by the inactive key AKIATESTPRESIGNER002/,
    );
    assert.match(
      result.stderr,
      new RegExp(
        `- "Old Key Cohort": ${escape(configKey)}, signed by AKIATESTPRESIGNER002 \\(slot b, inactive\\), expires ${escape(expiresAt.toISOString().replace(".000Z", "Z"))}`,
      ),
    );
    assert.match(
      result.stderr,
      new RegExp(`fix: rotation is safe once ${escape(expiresAt.toISOString().replace(".000Z", "Z"))} has passed`),
    );
    assert.deepEqual(pulumi.calls(), [STACK_OUTPUT]);
    assertNoPresignedUrl(result.stderr);

    const atExpiry = await viaStack(pulumi, [], { now: () => expiresAt });
    assert.equal(atExpiry.code, 1, "still live at its expiry instant");
    const justAfter = await viaStack(pulumi, [], { now: () => new Date(expiresAt.getTime() + 1) });
    assert.equal(justAfter.code, 0, justAfter.stderr);
    assert.deepEqual(pulumi.calls().slice(2), [STACK_OUTPUT, VERSION, CONFIG_GET, ...ROTATION(1)]);
  });

  describe("a rotation run", () => {
    let before: Awaited<ReturnType<typeof publishViaStack>>;
    let rotated: Awaited<ReturnType<typeof viaStack>>;
    beforeEach(async () => {
      pulumi = standIn(bucket);
      await recordPublication(bucket, "Long Gone", SLOT_B_KEY.accessKeyId, seconds(new Date(Date.now() - 60_000)));
      before = await publishViaStack(pulumi, "Before Rotation");
      rotated = await viaStack(pulumi, []);
    });

    it("runs exactly `config get`, `config set n+1`, `up --yes` on the stack, from the project directory, with the command's environment", () => {
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.deepEqual(pulumi.calls(), [STACK_OUTPUT, STACK_OUTPUT, VERSION, CONFIG_GET, ...ROTATION(1)]);
      assert.deepEqual(new Set(pulumi.cwds()), new Set([PROJECT_ROOT]));
      assert.match(rotated.stderr, /No live link was signed by AKIATESTPRESIGNER002: rotating breaks nothing\./);
      assert.match(
        rotated.stderr,
        new RegExp(
          "Running: pulumi config set chromoscope-private-data:keyGeneration 1 --stack dev\\n" +
            "Running: pulumi preview --json --stack dev\\nPreview: replaces slot b's access key and changes nothing else\\.\\n" +
            "Running: pulumi up --yes --stack dev\\nUpdating \\(dev\\):[^]*\\n" +
            `Verified: slot b's key was replaced \\(AKIATESTPRESIGNER002 → ${SESSION_KEY.accessKeyId}\\); ` +
            "slot a's key AKIATESTPRESIGNER001 is unchanged\\.\\n",
        ),
      );
      assertNoPresignedUrl(rotated.stdout + rotated.stderr);
    });

    it("replaces only the inactive slot, and new publications sign with the new active key while old links keep working", async () => {
      const state = pulumi.state();
      assert.equal(state.config[GENERATION_KEY], "1");
      assert.equal(state.keys.a.accessKeyId, PRESIGNER_KEY.accessKeyId, "slot a kept");
      assert.equal(state.keys.b.accessKeyId, SESSION_KEY.accessKeyId, "slot b replaced");
      assert.match(
        rotated.stderr,
        new RegExp(
          `Rotated \\(keyGeneration 0 → 1\\): slot b \\(${SESSION_KEY.accessKeyId}, created \\S+\\) is active and signs new links; AKIATESTPRESIGNER001 keeps its live links working until they expire\\. ` +
            `The next rotation is safe after ${escape(before.expiresAt.replace(".000Z", "Z"))}\\.`,
        ),
      );
      const after = await publishViaStack(pulumi, "After Rotation");
      const [entry] = await loadPublications(bucket.store, PREFIXES, { cohort: "After Rotation" });
      assert.equal(entry.signingAccessKeyId, SESSION_KEY.accessKeyId);
      assert.equal(
        new URL(after.configUrl).searchParams.get("X-Amz-Credential")!.split("/")[0],
        SESSION_KEY.accessKeyId,
      );
      assert.equal((await fetchBytes(after.configUrl)).status, 200);
      assert.equal((await fetchBytes(before.configUrl)).status, 200, "the previous key still signs valid links");
    });

    it("then refuses the next rotation while links of the previous key live, unless --force", async () => {
      const refused = await viaStack(pulumi, []);
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /would break 1 live publication of 1 cohort, signed by the inactive key AKIATESTPRESIGNER001/,
      );
      assert.match(refused.stderr, /"Before Rotation": configs\/before-rotation-[0-9a-f]{12}\//);
      const callsBefore = pulumi.calls().length;
      assert.deepEqual(pulumi.calls().slice(-1), [STACK_OUTPUT], "nothing but the outputs read");

      const forced = await viaStack(pulumi, ["--force"]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual(pulumi.calls().slice(callsBefore), [STACK_OUTPUT, VERSION, CONFIG_GET, ...ROTATION(2)]);
      assert.match(forced.stderr, /--force: rotating breaks 1 live publication of 1 cohort:\n {2}"Before Rotation": /);
      assert.match(
        forced.stderr,
        /Re-share "Before Rotation": npm run refresh-cohort -- --stack dev --endpoint http:\/\/127\.0\.0\.1:\d+ --cohort 'Before Rotation'/,
      );
      assert.notEqual(pulumi.state().keys.a.accessKeyId, PRESIGNER_KEY.accessKeyId, "slot a replaced this time");
      assert.equal(pulumi.state().keys.b.accessKeyId, SESSION_KEY.accessKeyId);
    });
  });

  it("--print shows the commands instead of running them", async () => {
    pulumi = standIn(bucket, { generation: 4 });
    const result = await viaStack(pulumi, ["--print"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        "pulumi version  # must be 3.208.0 or newer: older engines ignore replacementTrigger and replace no key",
        "pulumi config set chromoscope-private-data:keyGeneration 5 --stack dev",
        "pulumi preview --diff --stack dev  # must replace slot b's access key (...-key-b) and change nothing else; " +
          "otherwise stop and run: pulumi config set chromoscope-private-data:keyGeneration 4 --stack dev",
        "pulumi up --yes --stack dev",
        "pulumi stack output accessKeys --stack dev  # slot b's accessKeyId must differ from AKIATESTPRESIGNER002; slot a's must still be AKIATESTPRESIGNER001",
        "",
      ].join("\n"),
    );
    assert.deepEqual(pulumi.calls(), [STACK_OUTPUT, CONFIG_GET]);
    assert.equal(pulumi.state().config[GENERATION_KEY], "4");
  });

  it("--if-due does nothing before the active key's rotation is due, and rotates once it is", async () => {
    const args = [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
      "--print",
      "--generation",
      "6",
    ];
    // The test stack's active key (slot a) was created 2026-11-20T10:00Z and is due 2026-12-20T10:00Z.
    const early = await run(rotateKeysCommand, [...args, "--if-due"], { now: () => new Date("2026-12-20T09:59:59Z") });
    assert.equal(early.code, 0, early.stderr);
    assert.equal(early.stdout, "");
    assert.match(early.stderr, /Not due: the active .* is due for rotation at 2026-12-20T10:00:00Z; nothing changed\./);
    const due = await run(rotateKeysCommand, [...args, "--if-due"], { now: () => new Date("2026-12-20T10:00:00Z") });
    assert.equal(due.code, 0, due.stderr);
    assert.match(due.stdout, /^pulumi version {2}# must be 3.208.0 or newer/);
  });

  it("decides and prints from --outputs alone, without the Pulumi CLI", async () => {
    const exact = await run(rotateKeysCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
      "--print",
      "--generation",
      "6",
    ]);
    assert.equal(exact.code, 0, exact.stderr);
    const commands = (text: string) => text.split("\n").map((line) => line.replace(/ {2}#.*$/, ""));
    assert.deepEqual(commands(exact.stdout), [
      "pulumi version",
      "pulumi config set chromoscope-private-data:keyGeneration 7 --stack <stack>",
      "pulumi preview --diff --stack <stack>",
      "pulumi up --yes --stack <stack>",
      "pulumi stack output accessKeys --stack <stack>",
      "",
    ]);
    assert.match(
      exact.stdout,
      /otherwise stop and run: pulumi config set chromoscope-private-data:keyGeneration 6 --stack <stack>\n/,
    );

    const placeholders = await run(rotateKeysCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
      "--print",
    ]);
    assert.equal(placeholders.code, 0, placeholders.stderr);
    assert.equal(
      commands(placeholders.stdout)[1],
      "pulumi config set chromoscope-private-data:keyGeneration <n+1> --stack <stack>",
    );
    assert.match(
      placeholders.stdout,
      /otherwise stop and run: pulumi config set chromoscope-private-data:keyGeneration <n> --stack <stack>\n/,
    );
    assert.match(
      placeholders.stderr,
      /n is the stack's current keyGeneration \(`pulumi config get chromoscope-private-data:keyGeneration --stack <stack>`; absent means 0; slot a active means n is even\)/,
    );

    const running = await run(rotateKeysCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
    ]);
    assert.equal(running.code, 2);
    assert.match(running.stderr, /error: rotate-keys runs the Pulumi CLI, which works on a stack: pass --stack NAME/);
  });

  it("refuses a generation that disagrees with the outputs (stale outputs or a pending change)", async () => {
    const stale = await run(rotateKeysCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
      "--print",
      "--generation",
      "3",
    ]);
    assert.equal(stale.code, 1);
    assert.match(
      stale.stderr,
      /keyGeneration 3 \(--generation\) makes slot b active, but the stack outputs say slot a signs/,
    );
    pulumi = standIn(bucket, { generation: 0 });
    writeFileSync(
      join(pulumi.env.PULUMI_STAND_IN_STATE!, "state.json"),
      JSON.stringify({ ...pulumi.state(), config: { [GENERATION_KEY]: "5" } }),
    );
    const pending = await viaStack(pulumi, []);
    assert.equal(pending.code, 1);
    assert.match(
      pending.stderr,
      /keyGeneration 5 \(`pulumi config get chromoscope-private-data:keyGeneration --stack dev`\) makes slot b active/,
    );
    assert.deepEqual(pulumi.calls(), [STACK_OUTPUT, VERSION, CONFIG_GET]);
  });

  it("refuses a role-kind stack with a clear usage error", async () => {
    const roleOutputs = {
      ...bucket.outputs,
      presignerKind: "role",
      presignerRoleArn: "arn:aws:iam::123456789012:role/presigner",
    };
    for (const name of KEY_OUTPUT_NAMES) delete (roleOutputs as Record<string, unknown>)[name];
    const file = bucket.scratch("role-outputs.json", JSON.stringify(roleOutputs));
    const result = await run(rotateKeysCommand, ["--outputs", file, "--endpoint", bucket.server.endpoint, "--print"], {
      credentialProvider: async () => ({ ...SESSION_KEY }),
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /error: the stack's presigner is an IAM role: it has no access keys to rotate/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it("reports a failed `pulumi up` (exit 3) with the state it left, and will not rotate twice", async () => {
    pulumi = standIn(bucket, { failUp: true });
    const failed = await viaStack(pulumi, []);
    assert.equal(failed.code, 3);
    assert.match(
      failed.stderr,
      /error: `pulumi up --yes --stack dev` failed \(exit 255\): error: update failed: AccessDenied/,
    );
    assert.match(
      failed.stderr,
      /fix: keyGeneration is already 1: fix the cause and run `pulumi up --yes --stack dev` \(not this command again, which would rotate once more\); to call it off instead, run `pulumi config set chromoscope-private-data:keyGeneration 0 --stack dev`/,
    );
    const again = await viaStack(pulumi, []);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /the outputs are stale or the generation is wrong/);
    assert.equal(pulumi.calls().filter((args) => args[1] === "set").length, 1);
  });

  it("says when the Pulumi CLI is not on PATH (exit 2)", async () => {
    const result = await run(rotateKeysCommand, ["--stack", "dev", "--endpoint", bucket.server.endpoint], {
      env: { PATH: join(bucket.directory, "empty") },
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /needs the Pulumi CLI/);
  });
});

describe("revoke-cohort --rotate with a `pulumi` stand-in", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  let pulumi: StandIn;
  beforeEach(async () => {
    ({ bucket, manifest } = await setUpBucket());
    pulumi = standIn(bucket);
  });
  afterEach(async () => {
    pulumi.close();
    await bucket.close();
  });

  const inAnHour = () => seconds(new Date(Date.now() + 3600_000));
  const revokeViaStack = (args: string[], io: Partial<CliIo> = {}) =>
    run(revokeCohortCommand, ["--stack", "dev", "--endpoint", bucket.server.endpoint, "--rotate", ...args], {
      env: pulumi.env,
      ...io,
    });
  const publishViaStack = async (cohort: string) => {
    const result = await run(
      publishCohortCommand,
      ["--stack", "dev", "--endpoint", bucket.server.endpoint, "--cohort", cohort, "--manifest", manifest, "--json"],
      { env: pulumi.env },
    );
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { configUrl: string; configKey: string };
  };

  it("signed by the inactive key: one rotation, listing the other cohorts it breaks, after asking", async () => {
    const mistake = await recordPublication(bucket, "Mistake", SLOT_B_KEY.accessKeyId, inAnHour());
    await recordPublication(bucket, "Same Key", SLOT_B_KEY.accessKeyId, inAnHour());
    await publishViaStack("Safe");
    const start = pulumi.calls().length;
    const questions: string[] = [];
    const result = await revokeViaStack(["--cohort", "Mistake"], {
      confirm: async (question) => (questions.push(question), true),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /The live links of "Mistake" were signed by the inactive slot b \(AKIATESTPRESIGNER002, .*\): one rotation \(replacing that key\) ends them/,
    );
    assert.match(
      result.stderr,
      /The rotation also breaks 1 live publication of 1 other cohort:\n {2}"Same Key": configs\/same-key-[0-9a-f]{12}\//,
    );
    assert.doesNotMatch(result.stderr, /"Safe":/);
    assert.deepEqual(questions, [
      'Revoke "Mistake" and rotate the inactive key, breaking the 1 publication listed above?',
    ]);
    assert.ok(result.stderr.indexOf("also breaks") < result.stderr.indexOf("Revoked cohort"), "lists before acting");
    assert.deepEqual(pulumi.calls().slice(start), [STACK_OUTPUT, VERSION, CONFIG_GET, ...ROTATION(1)]);
    assert.deepEqual(await bucket.keys(mistake), []);
    assert.match(
      result.stderr,
      /Rotated \(keyGeneration 0 → 1\): every link of "Mistake" now fails; new links are signed by slot b \(ASIATESTSESSION00001/,
    );
    assert.match(
      result.stderr,
      /Re-share "Same Key": npm run refresh-cohort -- --stack dev --endpoint \S+ --cohort 'Same Key'/,
    );
    assert.equal(
      pulumi.state().keys.a.accessKeyId,
      PRESIGNER_KEY.accessKeyId,
      "the active key, which signed Safe, is kept",
    );
  });

  it("signed by the active key: two rotations, which break every live link of both keys (--yes: no question)", async () => {
    await publishViaStack("Mistake");
    await recordPublication(bucket, "Other B", SLOT_B_KEY.accessKeyId, inAnHour());
    await publishViaStack("Other A");
    const start = pulumi.calls().length;
    const result = await revokeViaStack(["--cohort", "Mistake", "--yes"], {
      confirm: async () => assert.fail("--yes must not ask"),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /Live links of "Mistake" were signed by the active slot a \(AKIATESTPRESIGNER001, .*\): ending them takes two rotations, which replace both keys/,
    );
    assert.match(
      result.stderr,
      /The rotation also breaks 2 live publications of 2 other cohorts:\n {2}"Other [AB]": .*\n {2}"Other [AB]": /,
    );
    assert.match(
      result.stderr,
      /"Other A": configs\/other-a-[0-9a-f]{12}\/\S+, signed by AKIATESTPRESIGNER001 \(slot a, active\)/,
    );
    assert.match(
      result.stderr,
      /"Other B": configs\/other-b-[0-9a-f]{12}\/\S+, signed by AKIATESTPRESIGNER002 \(slot b, inactive\)/,
    );
    const twoSteps = [STACK_OUTPUT, VERSION, CONFIG_GET, ...ROTATION(1), ...ROTATION(2)];
    assert.deepEqual(pulumi.calls().slice(start), twoSteps, "two verified +1 steps, not one +2 jump");
    const keys = pulumi.state().keys;
    assert.notEqual(keys.a.accessKeyId, PRESIGNER_KEY.accessKeyId);
    assert.notEqual(keys.b.accessKeyId, SLOT_B_KEY.accessKeyId);
    assert.match(result.stderr, /Rotated \(keyGeneration 0 → 2\)/);
  });

  it("declined: nothing is revoked or rotated (exit 1)", async () => {
    const mistake = await publishViaStack("Mistake");
    const result = await revokeViaStack(["--cohort", "Mistake"], { confirm: async () => false });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: not confirmed: nothing was revoked or rotated/);
    assert.equal((await fetchBytes(mistake.configUrl)).status, 200);
    assert.equal((await readLedger(bucket.store, "ledger/")).filter((entry) => entry.event === "revoke").length, 0);
    assert.deepEqual(pulumi.calls(), [STACK_OUTPUT, STACK_OUTPUT, VERSION, CONFIG_GET]);
  });

  it("needs no rotation when the cohort's links have all expired", async () => {
    await recordPublication(bucket, "Mistake", SLOT_B_KEY.accessKeyId, seconds(new Date(Date.now() - 60_000)));
    const result = await revokeViaStack(["--cohort", "Mistake"], {
      confirm: async () => assert.fail("nothing to confirm"),
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Every link of "Mistake" has expired already: no rotation is needed\./);
    assert.deepEqual(pulumi.calls(), [STACK_OUTPUT]);
  });

  it("with --print, revokes now and prints the rotation's commands", async () => {
    const mistake = await recordPublication(bucket, "Mistake", SLOT_B_KEY.accessKeyId, inAnHour());
    const result = await run(revokeCohortCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
      "--cohort",
      "Mistake",
      "--rotate",
      "--print",
      "--generation",
      "0",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^pulumi version {2}# .*\npulumi config set chromoscope-private-data:keyGeneration 1 --stack <stack>\npulumi preview --diff /,
    );
    assert.deepEqual(await bucket.keys(mistake), []);
    assert.match(result.stderr, /Run the commands above to end its data links/);
  });

  it("checks the generation before deleting anything", async () => {
    const mistake = await recordPublication(bucket, "Mistake", SLOT_B_KEY.accessKeyId, inAnHour());
    const result = await revokeViaStack(["--cohort", "Mistake", "--yes", "--generation", "1"]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /keyGeneration 1 \(--generation\) makes slot b active/);
    assert.deepEqual(await bucket.keys(mistake), [mistake]);
  });
});
