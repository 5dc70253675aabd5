/**
 * A month of log objects in the partitioned layout: the report lists the account folder once (with a
 * delimiter) and then only the days of the period asked for, counted on the server.
 */
import * as assert from "node:assert/strict";
import { AccessLogRecord, formatAccessLogRecord } from "../../scripts/lib/access/access-log-format";
import { daysBetween } from "../../scripts/lib/access/access-log-listing";
import { accessReportCommand } from "../../scripts/lib/cli/commands/access-report-command";
import { logObjectName } from "../../scripts/lib/dev/local-access-log";
import { createS3Client, s3ObjectStore } from "../../scripts/lib/s3/object-store";
import { run } from "../support/cli-runner";
import { PRESIGNER_KEY, startTestBucket, TEST_BUCKET, TEST_LOG_BUCKET, TestBucket } from "../support/local-bucket";

const ACCOUNT = "123456789012";

function record(time: Date, key: string): AccessLogRecord {
  return {
    bucket: TEST_BUCKET,
    time,
    remoteIp: "198.51.100.7",
    operation: "REST.GET.OBJECT",
    key,
    requestUri: `GET /${TEST_BUCKET}/${key} HTTP/1.1`,
    httpStatus: 200,
    bytesSent: 100,
    appended: [],
  };
}

describe("access-report lists only the days asked for", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  const listings: string[] = [];

  before(async () => {
    bucket = await startTestBucket({
      accessLog: "empty",
      onRequest: ({ operation, path, query }) => {
        if (operation === "ListObjectsV2" && path.startsWith(`/${TEST_LOG_BUCKET}`)) {
          const params = new URLSearchParams(query);
          listings.push(`${params.get("prefix")}${params.has("delimiter") ? " (delimiter /)" : ""}`);
        }
      },
    });
    const client = createS3Client({
      region: "us-east-1",
      credentials: { ...PRESIGNER_KEY },
      endpoint: bucket.server.endpoint,
    });
    const logs = s3ObjectStore(client, TEST_LOG_BUCKET);
    const folder = `access-logs/${ACCOUNT}/us-east-1/${TEST_BUCKET}/`;
    // March 2026, two objects a day, one record each at 03:00 and 15:00 UTC.
    for (let day = 1; day <= 31; day++) {
      for (const hour of [3, 15]) {
        const time = new Date(Date.UTC(2026, 2, day, hour));
        await logs.put(
          `${folder}${logObjectName(time)}`,
          `${formatAccessLogRecord(record(time, `cohorts/x/${day}`))}\n`,
          "text/plain",
        );
      }
    }
    // The self-hosted viewer's logs share the prefix, unpartitioned: the report leaves them alone.
    await logs.put("access-logs/viewer/2026-03-18-10-00-00-0123456789ABCDEF", "not the data bucket's\n", "text/plain");
    client.destroy();
  });
  after(async () => bucket.close());

  it("three days back from 06:00 on the 20th: one delimiter listing, then the folders of the 17th to the 20th", async () => {
    listings.length = 0;
    const now = new Date("2026-03-20T06:00:00Z");
    const result = await run(
      accessReportCommand,
      ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, "--since", "3d", "--json"],
      {
        now: () => now,
      },
    );
    assert.equal(result.code, 0, result.stderr);
    const folder = `access-logs/${ACCOUNT}/us-east-1/${TEST_BUCKET}`;
    assert.deepEqual(listings.sort(), [
      "access-logs/ (delimiter /)",
      `${folder}/2026/03/17/`,
      `${folder}/2026/03/18/`,
      `${folder}/2026/03/19/`,
      `${folder}/2026/03/20/`,
    ]);
    // 8 objects read; the records in [17th 06:00, 20th 06:00]: 17th 15:00, 18th and 19th twice, 20th 03:00.
    assert.match(
      result.stderr,
      /: 8 log objects for the days of 2026-03-17T06:00:00Z to 2026-03-20T06:00:00Z, holding 6 requests from 2026-03-17T15:00:00Z to 2026-03-20T03:00:00Z in that period\./,
    );
    assert.equal((JSON.parse(result.stdout) as { unattributed: number }).unattributed, 6);
  });

  it("the UTC days a period touches, across a month's end", () => {
    assert.deepEqual(daysBetween(new Date("2026-03-30T23:59:59Z"), new Date("2026-04-01T00:00:00Z")), [
      "2026/03/30",
      "2026/03/31",
      "2026/04/01",
    ]);
    assert.deepEqual(daysBetween(new Date("2026-03-20T00:00:00Z"), new Date("2026-03-20T23:00:00Z")), ["2026/03/20"]);
  });

  it("no account folder yet: says S3 has delivered no log, and reports nothing", async () => {
    const empty = await startTestBucket({ accessLog: "empty" });
    try {
      const result = await run(
        accessReportCommand,
        ["--outputs", empty.outputsFile, "--endpoint", empty.server.endpoint, "--json"],
        {
          now: () => new Date("2020-01-01T00:00:00Z"),
        },
      );
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { publications: [], unattributed: 0 });
      assert.match(
        result.stderr,
        /No access log has been delivered to s3:\/\/chromoscope-test-logs\/access-logs\/ yet/,
      );
    } finally {
      await empty.close();
    }
  });
});
