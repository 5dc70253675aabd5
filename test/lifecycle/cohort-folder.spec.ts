/**
 * revoke-cohort removes everything the cohort ever stored under its config folder, ledgered or not
 * (orphans of a publish that was killed or failed before its ledger entry, share pages included),
 * reports the orphans, and never deletes what belongs to another cohort name sharing the folder
 * (names such as "Mixed Case" and "mixed case" share the slug mixed-case).
 */
import * as assert from "node:assert/strict";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { sharePageKey } from "../../scripts/lib/publication/share-page";
import { TestBucket, startCohortBucket } from "../support/local-bucket";
import { run } from "../support/cli-runner";

const FOLDER = "configs/mixed-case/";
const orphan = (stamp: string, extension = "json") => `${FOLDER}20260101T00000${stamp}Z-0a1b2c3d.${extension}`;

describe("revoke-cohort removes everything under the cohort's folder, and nothing of another cohort", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
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
    return JSON.parse(result.stdout) as { configKey: string };
  };
  const config = (name: string) => JSON.stringify({ name, samples: [] });

  before(async () => {
    ({ bucket, manifest } = await startCohortBucket("cohorts/folder/", 2));
  });
  after(() => bucket.close());

  it("deletes the cohort's publications, its orphans and their share pages; keeps the other name's publication and orphan", async () => {
    const ours = await publish("Mixed Case", ["--upload-share-page"]);
    const theirs = await publish("mixed case", ["--upload-share-page"]);
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
        `Also deleted 3 objects under ${FOLDER} that no ledger entry names (left by an interrupted or failed publish):\n` +
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
    assert.deepEqual(
      (await bucket.keys(FOLDER)).sort(),
      [theirs.configKey, sharePageKey(theirs.configKey), orphan("2000"), orphan("2000", "html")].sort(),
    );
    assert.ok(!(await bucket.keys(FOLDER)).includes(ours.configKey));

    const listed = JSON.parse((await run(cohortsCommand, [...stack(), "--json"])).stdout) as Array<{
      cohort: string;
      status: string;
    }>;
    assert.deepEqual(
      listed
        .filter((publication) => publication.cohort.toLowerCase() === "mixed case")
        .map(({ cohort, status }) => [cohort, status])
        .sort(),
      [
        ["Mixed Case", "revoked"],
        ["mixed case", "live"],
      ],
    );
  });

  it("a cohort whose only trace is an orphan (its publish never wrote a ledger entry): deletes it and succeeds", async () => {
    const key = "configs/never-recorded/20260101T000000000Z-0a1b2c3d.json";
    await bucket.upload([{ key, body: config("Never recorded") }]);
    const revoked = await run(revokeCohortCommand, [...stack(), "--cohort", "Never recorded"]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(
      revoked.stderr,
      new RegExp(`Also deleted 1 object under configs/never-recorded/ that no ledger entry names .*:\n  ${key}\n`),
    );
    assert.match(
      revoked.stderr,
      /Cohort "Never recorded" has no publication in the ledger: no link to it was ever printed, and nothing of it is left\./,
    );
    assert.deepEqual(await bucket.keys("configs/never-recorded/"), []);
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
    assert.deepEqual(await bucket.keys("configs/late-page/"), []);
  });
});
