/**
 * Every distinct cohort name has a config and ledger folder of its own; the folders earlier releases
 * gave names (shared by names that read alike: "Mixed Case" and "mixed case" both `mixed-case/`,
 * "乳腺癌 2026" and "肺癌 2026" both `2026/`) stay readable by cohorts, refresh-cohort and
 * revoke-cohort, exactly by name. revoke-cohort removes everything the cohort ever stored under its
 * folders, ledgered or not (orphans of a publish that was killed or failed before its ledger entry,
 * share pages included), reports the orphans, and never deletes what belongs to another name.
 */
import * as assert from "node:assert/strict";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { refreshCohortCommand } from "../../scripts/lib/cli/commands/refresh-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { cohortSlug } from "../../scripts/lib/naming";
import { sharePageKey } from "../../scripts/lib/publication/share-page";
import { PRESIGNER_KEY, startCohortBucket, TestBucket, uploadExampleCohort } from "../support/local-bucket";
import { recordPublication } from "../support/ledger-fixtures";
import { run } from "../support/cli-runner";

/** The folder an earlier release gave both "Mixed Case" and "mixed case". */
const SHARED = "configs/mixed-case/";
const orphan = (stamp: string, extension = "json") => `${SHARED}20260101T00000${stamp}Z-0a1b2c3d.${extension}`;
const inADay = () => new Date(Math.floor(Date.now() / 1000) * 1000 + 86400_000);

/** Columns as a terminal shows them: the CJK ideographs these tests use take two. */
const displayWidth = (text: string) => [...text].reduce((width, c) => width + (/[\u3000-\u9fff]/.test(c) ? 2 : 1), 0);

describe("cohort folders: one per name, and those of earlier releases still read", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  let samples: Awaited<ReturnType<typeof uploadExampleCohort>>;
  const stack = () => ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint];
  const publish = async (cohort: string, extra: string[] = []) => {
    const result = await run(publishCohortCommand, [
      ...stack(),
      "--cohort",
      cohort,
      "--manifest",
      manifest,
      "--json",
      ...extra,
    ]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { configKey: string; ledgerKey: string };
  };
  const config = (name: string) => JSON.stringify({ name, samples: [] });
  /** A publication as an earlier release stored it: in the folder it gave the name. */
  const earlier = (cohort: string, slug: string) =>
    recordPublication(bucket, cohort, PRESIGNER_KEY.accessKeyId, inADay(), {
      slug,
      samples: samples.map(({ sample }) => sample),
    });
  const listed = async (args: string[] = []) => {
    const result = await run(cohortsCommand, [...stack(), "--json", ...args]);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Array<{ cohort: string; status: string; configKey: string }>;
  };

  before(async () => {
    ({ bucket, manifest, cohort: samples } = await startCohortBucket("cohorts/folder/", 2));
  });
  after(() => bucket.close());

  it("names that read alike get folders of their own (a hash of the exact name when characters were dropped)", async () => {
    const names = ["乳腺癌 2026", "肺癌 2026", "乳腺癌", "PCAWG Breast", "pcawg breast", "pcawg-breast"];
    const folders = await Promise.all(names.map(async (name) => (await publish(name)).configKey.split("/")[1]));
    assert.equal(new Set(folders).size, names.length, folders.join(" "));
    assert.match(folders[0], /^2026-[0-9a-f]{12}$/);
    assert.match(folders[2], /^cohort-[0-9a-f]{12}$/);
    assert.match(folders[3], /^pcawg-breast-[0-9a-f]{12}$/);
    assert.equal(folders[5], "pcawg-breast", "a name that is its own slug keeps it");
    for (const name of names)
      assert.deepEqual(
        (await listed(["--cohort", name])).map(({ cohort }) => cohort),
        [name],
      );
  });

  it("the cohorts table aligns names in wide characters", async () => {
    const result = await run(cohortsCommand, stack());
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout.split("\n").filter((line) => /^\S+Z {2}|^CREATED/.test(line));
    const column = (line: string) => displayWidth(line.slice(0, line.search(/AKIA|SIGNED BY/)));
    const columns = new Set(rows.map(column));
    assert.equal(columns.size, 1, `SIGNED BY starts at one column: ${[...columns].join(", ")}\n${rows.join("\n")}`);
    assert.ok(rows.some((row) => row.includes("乳腺癌 2026")));
  });

  it("publications of an earlier release (shared folder 2026/) are listed, refreshed and revoked exactly by name", async () => {
    const breast = await earlier("乳腺癌 2026 旧", "2026");
    const lung = await earlier("肺癌 2026 旧", "2026");
    assert.deepEqual(
      (await listed(["--cohort", "乳腺癌 2026 旧"])).map(({ configKey }) => configKey),
      [breast],
    );

    const refreshed = await run(refreshCohortCommand, [...stack(), "--cohort", "乳腺癌 2026 旧", "--json"]);
    assert.equal(refreshed.code, 0, refreshed.stderr);
    const fresh = (JSON.parse(refreshed.stdout) as { configKey: string }).configKey;
    assert.equal(fresh.split("/")[1], cohortSlug("乳腺癌 2026 旧"), "the refresh publishes into the name's own folder");

    const revoked = await run(revokeCohortCommand, [...stack(), "--cohort", "乳腺癌 2026 旧"]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const keys = await bucket.keys("configs/");
    assert.ok(!keys.includes(breast) && !keys.includes(fresh), "both of its configs are gone");
    assert.ok(keys.includes(lung), "the other name's config in the shared folder stays");
    assert.deepEqual(
      (await listed())
        .filter(({ cohort }) => cohort.endsWith("2026 旧"))
        .map(({ cohort, status }) => `${cohort} ${status}`)
        .sort(),
      ["乳腺癌 2026 旧 revoked", "乳腺癌 2026 旧 revoked", "肺癌 2026 旧 live"].sort(),
    );
  });

  it("revoke deletes the cohort's publications, its orphans and their share pages in every folder; keeps the other name's", async () => {
    const ours = await publish("Mixed Case", ["--upload-share-page"]);
    const oursEarlier = await earlier("Mixed Case", "mixed-case");
    const theirs = await earlier("mixed case", "mixed-case");
    await bucket.upload([
      { key: orphan("0000"), body: config("Mixed Case") },
      { key: orphan("0000", "html"), body: "<!doctype html><title>share page of an interrupted publish</title>" },
      { key: orphan("1000"), body: "{ not a config" },
      { key: orphan("2000"), body: config("mixed case") },
      { key: orphan("2000", "html"), body: "<!doctype html><title>its share page</title>" },
    ]);

    // Not a terminal (no confirm): a plain revoke proceeds without asking, as before.
    const revoked = await run(revokeCohortCommand, [...stack(), "--cohort", "Mixed Case"]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.ok(
      revoked.stderr.includes(
        `Also deleted 3 objects under ${SHARED} that no ledger entry names (left by an interrupted or failed publish):\n` +
          `  ${orphan("0000", "html")}\n  ${orphan("0000")}\n  ${orphan("1000")}\n`,
      ),
      revoked.stderr,
    );
    assert.match(
      revoked.stderr,
      new RegExp(`Left ${orphan("2000")}: no ledger entry names it, but it is a config of cohort "mixed case"`),
    );
    const leftPage = `Left ${orphan("2000", "html")}: no ledger entry names it, but it is the share page of a config of cohort "mixed case"`;
    assert.ok(revoked.stderr.includes(leftPage), revoked.stderr);
    assert.deepEqual((await bucket.keys(SHARED)).sort(), [theirs, orphan("2000"), orphan("2000", "html")].sort());
    const own = `configs/${cohortSlug("Mixed Case")}/`;
    assert.deepEqual(await bucket.keys(own), [], "its own folder is empty, share page included");
    assert.ok(ours.configKey.startsWith(own) && oursEarlier.startsWith(SHARED));

    assert.deepEqual(
      (await listed())
        .filter((publication) => publication.cohort.toLowerCase() === "mixed case")
        .map(({ cohort, status }) => [cohort, status])
        .sort(),
      [
        ["Mixed Case", "revoked"],
        ["Mixed Case", "revoked"],
        ["mixed case", "live"],
      ],
    );
  });

  it("a cohort whose only trace is an orphan (its publish never wrote a ledger entry): deletes it and succeeds", async () => {
    const folder = `configs/${cohortSlug("Never recorded")}/`;
    const key = `${folder}20260101T000000000Z-0a1b2c3d.json`;
    await bucket.upload([{ key, body: config("Never recorded") }]);
    const revoked = await run(revokeCohortCommand, [...stack(), "--cohort", "Never recorded"]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(
      revoked.stderr,
      new RegExp(`Also deleted 1 object under ${folder} that no ledger entry names .*:\n  ${key}\n`),
    );
    assert.match(
      revoked.stderr,
      /Cohort "Never recorded" has no publication in the ledger: no link to it was ever printed, and nothing of it is left\./,
    );
    assert.deepEqual(await bucket.keys(folder), []);
  });

  it("a cohort with nothing at all is still refused, naming the ledger", async () => {
    const revoked = await run(revokeCohortCommand, [...stack(), "--cohort", "Nothing here"]);
    assert.equal(revoked.code, 1);
    assert.match(
      revoked.stderr,
      /error: cohort "Nothing here" has no publication in the ledger \(s3:\/\/chromoscope-test-data\/ledger\/\)/,
    );
  });

  it("an object of a publication revoked earlier that is back (a late share page) goes with the next revoke", async () => {
    const { configKey } = await publish("Late page");
    assert.equal((await run(revokeCohortCommand, [...stack(), "--cohort", "Late page"])).code, 0);
    await bucket.upload([{ key: sharePageKey(configKey), body: "<!doctype html><title>late</title>" }]);
    const again = await run(revokeCohortCommand, [...stack(), "--cohort", "Late page"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(`Also deleted 1 object of "Late page"'s earlier revoked publications: ${sharePageKey(configKey)}`),
    );
    assert.deepEqual(await bucket.keys(`configs/${cohortSlug("Late page")}/`), []);
  });
});
