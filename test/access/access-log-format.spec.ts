import * as assert from "node:assert/strict";
import {
  AccessLogRecord,
  formatAccessLogRecord,
  parseAccessLog,
  parseAccessLogLine,
  parseLogTime,
  splitLogFields,
} from "../../scripts/lib/access/access-log-format";
import { AWS_EXAMPLE_RECORDS_2019, AWS_EXAMPLE_RECORDS_CURRENT } from "../fixtures/access-log-records";

const OWNER = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be";

/** The first `count` fields of a record, as S3 wrote records before it appended the rest. */
function firstFields(line: string, count: number): string {
  return splitLogFields(line)
    .slice(0, count)
    .map((field, index) => (index === 2 ? `[${field}]` : [8, 15, 16].includes(index) ? `"${field}"` : field))
    .join(" ");
}

/** A record's fields that hold a value. */
function present(record: AccessLogRecord): Partial<AccessLogRecord> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

describe("S3 server access log records (access-log-format)", () => {
  describe("AWS's documented example records", () => {
    it("reads the 2019 examples field by field, the time in UTC and absent values as undefined", () => {
      const records = AWS_EXAMPLE_RECORDS_2019.map((line) => parseAccessLogLine(line));
      assert.deepEqual(present(records[0]!), {
        bucketOwner: OWNER,
        bucket: "awsexamplebucket1",
        time: new Date("2019-02-06T00:00:38.000Z"),
        remoteIp: "192.0.2.3",
        requester: OWNER,
        requestId: "3E57427F3EXAMPLE",
        operation: "REST.GET.VERSIONING",
        requestUri: "GET /awsexamplebucket1?versioning HTTP/1.1",
        httpStatus: 200,
        bytesSent: 113,
        totalTimeMs: 7,
        userAgent: "S3Console/0.4",
        hostId: "s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=",
        signatureVersion: "SigV2",
        cipherSuite: "ECDHE-RSA-AES128-GCM-SHA256",
        authenticationType: "AuthHeader",
        hostHeader: "awsexamplebucket1.s3.us-west-1.amazonaws.com",
        tlsVersion: "TLSV1.1",
        appended: [],
      });
      assert.deepEqual(
        records.map((record) => [record!.operation, record!.httpStatus, record!.errorCode, record!.bytesSent]),
        [
          ["REST.GET.VERSIONING", 200, undefined, 113],
          ["REST.GET.LOGGING_STATUS", 200, undefined, 242],
          ["REST.GET.BUCKETPOLICY", 404, "NoSuchBucketPolicy", 297],
          ["REST.GET.VERSIONING", 200, undefined, 113],
          ["REST.PUT.OBJECT", 200, undefined, 0],
        ],
      );
      const put = records[4]!;
      assert.equal(put.key, "s3-dg.pdf");
      assert.equal(put.objectSize, 4406583);
      assert.equal(put.totalTimeMs, 41754);
      assert.equal(put.turnAroundTimeMs, 28);
      assert.equal(put.signatureVersion, "SigV4");
      assert.equal(put.time.toISOString(), "2019-02-06T00:01:57.000Z");
      assert.equal(put.referrer, undefined, '"-" is absent');
    });

    it("reads the current examples with the access point ARN, ACL required and source region", () => {
      const [first, second] = AWS_EXAMPLE_RECORDS_CURRENT.map((line) => parseAccessLogLine(line)!);
      assert.equal(first.accessPointArn, "arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP");
      assert.equal(first.aclRequired, "Yes");
      assert.equal(first.sourceRegion, "us-east-1");
      assert.equal(first.tlsVersion, "TLSV1.2");
      assert.equal(second.accessPointArn, undefined);
      assert.equal(second.aclRequired, undefined);
      assert.equal(second.sourceRegion, "us-east-1");
      assert.deepEqual(first.appended, []);
    });

    it("writes them back byte for byte (the current form), and the 2019 form with '-' for the fields added since", () => {
      for (const line of AWS_EXAMPLE_RECORDS_CURRENT)
        assert.equal(formatAccessLogRecord(parseAccessLogLine(line)!), line);
      for (const line of AWS_EXAMPLE_RECORDS_2019)
        assert.equal(formatAccessLogRecord(parseAccessLogLine(line)!), `${line} - - -`);
    });
  });

  describe("leniency: one bucket holds records of every age", () => {
    it("reads a record that ends at the version id (before S3 appended the host id) and one with fields not yet known", () => {
      const oldest = parseAccessLogLine(firstFields(AWS_EXAMPLE_RECORDS_2019[4], 18))!;
      assert.equal(oldest.key, "s3-dg.pdf");
      assert.equal(oldest.userAgent, "S3Console/0.4");
      assert.equal(oldest.hostId, undefined);
      const future = parseAccessLogLine(`${AWS_EXAMPLE_RECORDS_CURRENT[0]} NewField "a quoted one" -`)!;
      assert.equal(future.sourceRegion, "us-east-1");
      assert.deepEqual(future.appended, ["NewField", "a quoted one", "-"]);
    });

    it("parses a log object mixing every form, counting lines that are not records apart", () => {
      const text = [
        ...AWS_EXAMPLE_RECORDS_2019,
        "",
        firstFields(AWS_EXAMPLE_RECORDS_2019[0], 18),
        "not a record at all",
        ...AWS_EXAMPLE_RECORDS_CURRENT.map((line) => `${line}\r`),
        `${AWS_EXAMPLE_RECORDS_CURRENT[1]} extra`,
      ].join("\n");
      const parsed = parseAccessLog(`${text}\n`);
      assert.equal(parsed.records.length, 9);
      assert.equal(parsed.unreadable, 1);
      assert.deepEqual(parsed.records.at(-1)!.appended, ["extra"]);
      assert.equal(parsed.records[7].sourceRegion, "us-east-1", "a CRLF line ends cleanly");
    });

    it("refuses a line without a time, a status or the fields through the byte count", () => {
      const fields = splitLogFields(AWS_EXAMPLE_RECORDS_2019[0]);
      assert.equal(parseAccessLogLine(firstFields(AWS_EXAMPLE_RECORDS_2019[0], 11)), undefined);
      assert.equal(parseAccessLogLine(AWS_EXAMPLE_RECORDS_2019[0].replace(fields[2], "yesterday")), undefined);
      assert.equal(parseAccessLogLine(AWS_EXAMPLE_RECORDS_2019[0].replace('" 200 -', '" OK -')), undefined);
    });

    it("keeps a presigned request's query, a quote inside the user agent, and decodes the key", () => {
      const line =
        `${OWNER} lab-data [27/Nov/2026:21:36:04 +0000] 198.51.100.7 - 5C1D3E2F4A5B6C7D REST.GET.OBJECT ` +
        `cohorts/demo/PD%20one/sv.bedpe "GET /lab-data/cohorts/demo/PD%20one/sv.bedpe?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261127T213532Z HTTP/1.1" ` +
        `206 - 1024 52311 12 3 "https://chromoscope.bio/" "Mozilla/5.0 (X11; "beta")" - hostid SigV4 - QueryString 127.0.0.1:4569 -`;
      const record = parseAccessLogLine(line)!;
      assert.equal(record.key, "cohorts/demo/PD one/sv.bedpe");
      assert.match(record.requestUri!, /X-Amz-Date=20261127T213532Z HTTP\/1\.1$/);
      assert.equal(record.userAgent, 'Mozilla/5.0 (X11; "beta")', "a quote not followed by a space stays inside");
      assert.equal(record.referrer, "https://chromoscope.bio/");
      assert.equal(record.requester, undefined);
      assert.equal(record.authenticationType, "QueryString");
      assert.equal(record.httpStatus, 206);
      assert.equal(record.objectSize, 52311);
    });
  });

  it("reads times in any offset as UTC instants", () => {
    assert.equal(parseLogTime("06/Feb/2019:01:00:38 +0100")?.toISOString(), "2019-02-06T00:00:38.000Z");
    assert.equal(parseLogTime("05/Feb/2019:19:00:38 -0500")?.toISOString(), "2019-02-06T00:00:38.000Z");
    assert.equal(parseLogTime("06/Fev/2019:00:00:38 +0000"), undefined);
  });
});
