/**
 * access-report against the embedded server, which writes an access-log record per request as S3
 * does: publications attributed (two of one cohort told apart), each flag, --cohort, the text table,
 * a refused log read naming the fix, and nothing secret printed.
 */
import * as assert from "node:assert/strict";
import { request } from "node:http";
import { accessReportCommand } from "../../scripts/lib/cli/commands/access-report-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { fileUrls } from "../../scripts/lib/dev/demo-setup";
import { run } from "../support/cli-runner";
import { PRESIGNER_KEY, SESSION_KEY, startCohortBucket, TEST_LOG_BUCKET, TestBucket } from "../support/local-bucket";

interface ReportJson {
  publications: Array<{
    cohort: string;
    configKey: string;
    requests: number;
    bytesSent: number;
    distinctClients: number;
    refused: number;
    firstSeen: string;
    lastSeen: string;
    flags: string[];
  }>;
  unattributed: number;
}

interface Published {
  configKey: string;
  configUrl: string;
  files: string[];
}

/** GETs `url` from a chosen loopback address (127.0.0.2 is another client than 127.0.0.1); returns status and bytes. */
function getFrom(url: string, localAddress = "127.0.0.1"): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { localAddress }, (response) => {
      let bytes = 0;
      response.on("data", (chunk: Buffer) => (bytes += chunk.length));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, bytes }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

const HOUR = 3600_000;

describe("access-report: who read what, from the server's own access logs", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let manifest: string;
  const stack = () => ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint];

  async function publish(cohort: string, at: Date, expires = "1h"): Promise<Published> {
    const result = await run(
      publishCohortCommand,
      [...stack(), "--manifest", manifest, "--cohort", cohort, "--json", "--expires", expires],
      { now: () => at },
    );
    assert.equal(result.code, 0, result.stderr);
    const published = JSON.parse(result.stdout) as { configKey: string; configUrl: string };
    const config = JSON.parse((await bucket.store.read(published.configKey)).toString("utf8"));
    return { ...published, files: fileUrls(config as Parameters<typeof fileUrls>[0]) };
  }

  async function report(args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
    return run(accessReportCommand, [...stack(), ...args]);
  }

  before(async () => {
    ({ bucket, manifest } = await startCohortBucket("cohorts/logs/", 2, { accessLog: "server" }));
  });
  after(async () => bucket.close());

  describe("two publications of one cohort, and one of another", () => {
    let first: Published;
    let second: Published;
    let other: Published;
    before(async () => {
      const now = Date.now();
      // Seconds apart, as publications are: one key signing in the same second is told apart by the files only.
      first = await publish("Breast 2026", new Date(now - 2 * HOUR), "3h");
      second = await publish("Breast 2026", new Date(now - HOUR), "3h");
      other = await publish("Lung 2026", new Date(now - HOUR + 10_000), "3h");
      // The same file through each publication's own link: only the signer and signing time tell them apart.
      assert.equal(new URL(first.files[0]).pathname, new URL(second.files[0]).pathname);
      for (const url of [first.configUrl, first.files[0], first.files[1]])
        assert.equal((await getFrom(url)).status, 200);
      for (const url of [second.configUrl, second.files[0]]) assert.equal((await getFrom(url)).status, 200);
      await getFrom(other.files[0]);
    });

    it("--json: each publication's requests, bytes, clients and times, and the rest counted apart", async () => {
      const result = await report(["--json"]);
      assert.equal(result.code, 0, result.stderr);
      const json = JSON.parse(result.stdout) as ReportJson;
      assert.deepEqual(Object.keys(json), ["publications", "unattributed"]);
      const byConfig = new Map(json.publications.map((publication) => [publication.configKey, publication]));
      const firstUsage = byConfig.get(first.configKey)!;
      const secondUsage = byConfig.get(second.configKey)!;
      assert.deepEqual(
        [firstUsage.requests, secondUsage.requests, byConfig.get(other.configKey)!.requests],
        [3, 2, 1],
        "the config by its key, each data file by its link's signer and signing time",
      );
      assert.deepEqual(Object.keys(firstUsage), [
        "cohort",
        "configKey",
        "requests",
        "bytesSent",
        "distinctClients",
        "refused",
        "firstSeen",
        "lastSeen",
        "flags",
      ]);
      assert.equal(firstUsage.cohort, "Breast 2026");
      assert.equal(firstUsage.distinctClients, 1);
      assert.equal(firstUsage.refused, 0);
      assert.deepEqual(firstUsage.flags, []);
      const configBytes = (await bucket.store.read(first.configKey)).length;
      const fileBytes = await Promise.all(first.files.slice(0, 2).map(async (url) => (await getFrom(url)).bytes));
      assert.equal(firstUsage.bytesSent, configBytes + fileBytes[0] + fileBytes[1]);
      assert.ok(Date.parse(firstUsage.firstSeen) <= Date.parse(firstUsage.lastSeen));
      assert.ok(json.unattributed > 0, "the uploads and the tool's own listings belong to no publication");
    });

    it("--cohort keeps only that cohort's publications; the unattributed count stays the bucket's", async () => {
      const all = JSON.parse((await report(["--json"])).stdout) as ReportJson;
      const lung = JSON.parse((await report(["--json", "--cohort", "Lung 2026"])).stdout) as ReportJson;
      assert.deepEqual(
        lung.publications.map((publication) => publication.configKey),
        [other.configKey],
      );
      assert.ok(lung.unattributed >= all.unattributed, "another cohort's requests never become unattributed");
      const unknown = await report(["--cohort", "Nobody Published This"]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /has no publication in the ledger/);
    });

    it("says on stderr which logs it read, the period they cover and that S3 delivers them late", async () => {
      const result = await report(["--since", "1d"]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(
          `Access logs s3://${TEST_LOG_BUCKET}/access-logs/: \\d+ log objects? for the days of \\S+ to \\S+, holding \\d+ requests from \\S+ to \\S+ in that period\\.`,
        ),
      );
      assert.match(result.stderr, /S3 delivers access logs late \(usually within a few hours, best effort\)/);
      assert.match(result.stderr, /\d+ requests? belonged to no publication/);
    });
  });

  describe("flags", () => {
    let crowded: Published;
    let expired: Published;
    let revoked: Published;
    before(async () => {
      const now = Date.now();
      crowded = await publish("Crowded", new Date(now - HOUR + 20_000), "3h");
      for (const address of ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) await getFrom(crowded.files[0], address);
      // Signed two hours ago for one hour: S3 (and this server) refuse it now.
      expired = await publish("Expired", new Date(now - 2 * HOUR), "1h");
      assert.equal((await getFrom(expired.files[0])).status, 403);
      revoked = await publish("Revoked", new Date(now - HOUR + 30_000), "3h");
      const revoke = await run(revokeCohortCommand, [...stack(), "--cohort", "Revoked", "--yes"]);
      assert.equal(revoke.code, 0, revoke.stderr);
      assert.notEqual((await getFrom(revoked.configUrl)).status, 200);
      assert.equal((await getFrom(revoked.files[0])).status, 200, "its data links live on until they expire");
    });

    it("many-clients past --max-clients, after-expiry and after-revoke, with the refusals counted", async () => {
      const json = JSON.parse((await report(["--json", "--max-clients", "2"])).stdout) as ReportJson;
      const byConfig = new Map(json.publications.map((publication) => [publication.configKey, publication]));
      assert.deepEqual(byConfig.get(crowded.configKey)!.flags, ["many-clients"]);
      assert.equal(byConfig.get(crowded.configKey)!.distinctClients, 3);
      assert.deepEqual(byConfig.get(expired.configKey)!.flags, ["after-expiry"]);
      assert.equal(byConfig.get(expired.configKey)!.refused, 1);
      const revokedUsage = byConfig.get(revoked.configKey)!;
      assert.deepEqual(revokedUsage.flags, ["after-revoke"]);
      assert.equal(revokedUsage.refused, 1, "the config's GET after the revoke");
      const firstUnflagged = json.publications.findIndex((publication) => publication.flags.length === 0);
      assert.ok(
        json.publications.slice(firstUnflagged).every((publication) => publication.flags.length === 0),
        "flagged publications come first",
      );
      const loose = JSON.parse((await report(["--json", "--max-clients", "3"])).stdout) as ReportJson;
      assert.deepEqual(loose.publications.find((usage) => usage.configKey === crowded.configKey)!.flags, []);
    });

    it("the text table: a header, flagged rows first, columns aligned, each flag explained on stderr", async () => {
      const result = await report(["--max-clients", "2"]);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trimEnd().split("\n");
      assert.match(lines[0], /^FLAGS +COHORT +REQUESTS +REFUSED +SENT +CLIENTS +FIRST SEEN +LAST SEEN +CONFIG$/);
      const configColumn = lines[0].indexOf("CONFIG");
      for (const line of lines.slice(1)) assert.match(line.slice(configColumn), /^configs\//);
      assert.match(lines[1], /^(many-clients|after-expiry|after-revoke)/);
      assert.match(result.stderr, /^many-clients: more than 2 distinct client addresses used its links\.$/m);
      assert.match(result.stderr, /^after-revoke: /m);
      assert.match(result.stderr, /^after-expiry: /m);
    });
  });

  it("refused by the log bucket: says who cannot read the logs and to add them to logReaderArns", async () => {
    const stranger = { accessKeyId: "AKIASTRANGER00000001", secretAccessKey: SESSION_KEY.secretAccessKey };
    const result = await run(accessReportCommand, [...stack(), "--json"], { credentialProvider: async () => stranger });
    assert.equal(result.code, 3);
    assert.equal(result.stdout, "");
    assert.match(
      result.stderr,
      /^error: you cannot read the access logs in s3:\/\/chromoscope-test-logs\/access-logs\/: only the account root and the stack's logReaderArns may read them/m,
    );
    assert.match(result.stderr, /^fix: add your role or user ARN \(aws sts get-caller-identity\) to logReaderArns/m);
  });

  it("prints no link, signature, credential or key, in either form", async () => {
    for (const args of [[], ["--json"], ["--cohort", "Breast 2026"]]) {
      const result = await report(args);
      const printed = result.stdout + result.stderr;
      assert.doesNotMatch(printed, /X-Amz-|https?:\/\/[^\s]*\?/, "no presigned URL nor any part of one");
      for (const secret of [PRESIGNER_KEY.accessKeyId, PRESIGNER_KEY.secretAccessKey, SESSION_KEY.secretAccessKey])
        assert.ok(!printed.includes(secret));
    }
  });
});
