/**
 * The demo's server logs every request to its bucket as S3 does, and `access-report --outputs
 * .demo/outputs.json` reads those logs while the demo serves, after a link was opened.
 */
import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccessLogRecord, parseAccessLog } from "../../scripts/lib/access/access-log-format";
import { accessReportCommand } from "../../scripts/lib/cli/commands/access-report-command";
import { demoCommand, DemoLifecycle } from "../../scripts/lib/dev/commands/demo-command";
import { DEMO_ACCESS_LOG, DEMO_BUCKET, DEMO_COHORT, demoLayout, fileUrls } from "../../scripts/lib/dev/demo-setup";
import { LOCAL_ACCOUNT_ID } from "../../scripts/lib/dev/local-access-log";
import { parseChromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { createS3Client, s3ObjectStore } from "../../scripts/lib/s3/object-store";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { CommandRun, run } from "../support/cli-runner";

describe("the demo's access logs", function () {
  this.timeout(60_000);
  let dataDir: string;
  let demo: CommandRun;
  let report: CommandRun | undefined;
  const records: AccessLogRecord[] = [];
  const logKeys: string[] = [];
  let openedFile = "";
  const dataFiles = () => records.filter((record) => record.key?.startsWith("cohorts/demo/"));

  before(async () => {
    dataDir = join(mkdtempSync(join(tmpdir(), "demo-access-log-")), "data");
    let stdout = "";
    const lifecycle: DemoLifecycle = {
      async untilStopped() {
        // Open the link as a viewer on another address would: its config, then one file.
        const external = parseChromoscopeLink(stdout.trim()).external!;
        const config = (await (await fetch(external)).json()) as Parameters<typeof fileUrls>[0];
        openedFile = fileUrls(config)[0];
        await fetch(openedFile, { headers: { "User-Agent": "demo-access-log test" } });
        const outputsFile = demoLayout(dataDir).outputsFile;
        report = await run(accessReportCommand, ["--outputs", outputsFile, "--json"]);
        const outputs = parseStackOutputs(JSON.parse(readFileSync(outputsFile, "utf8")), outputsFile);
        const client = createS3Client({
          region: outputs.region,
          credentials: {
            accessKeyId: outputs.presignerAccessKeyId!,
            secretAccessKey: outputs.presignerSecretAccessKey!,
          },
          endpoint: outputs.endpoint,
        });
        const logs = s3ObjectStore(client, outputs.logBucketName!);
        for await (const object of logs.list(outputs.accessLogPrefix!)) {
          logKeys.push(object.key);
          records.push(...parseAccessLog((await logs.read(object.key)).toString("utf8")).records);
        }
        client.destroy();
        return "test stop";
      },
    };
    demo = await run((io) => demoCommand(io, lifecycle), ["--data-dir", dataDir, "--port", "0", "--samples", "1"], {
      stdout: (text) => {
        stdout += text;
      },
    });
  });
  after(() => rmSync(join(dataDir, ".."), { recursive: true, force: true }));

  it("names the log bucket and the log prefix in its outputs", () => {
    assert.equal(demo.code, 0, demo.stderr);
    const outputs = JSON.parse(readFileSync(demoLayout(dataDir).outputsFile, "utf8")) as Record<string, unknown>;
    assert.equal(outputs.logBucketName, DEMO_ACCESS_LOG.logBucket);
    assert.equal(outputs.accessLogPrefix, "access-logs/");
  });

  it("writes its records in the partitioned layout, dated by the requests' day", () => {
    assert.ok(logKeys.length > 0);
    for (const key of logKeys) {
      assert.match(
        key,
        new RegExp(
          `^access-logs/${LOCAL_ACCOUNT_ID}/us-east-1/${DEMO_BUCKET}/(\\d{4})/(\\d{2})/(\\d{2})/\\1-\\2-\\3-\\d{2}-\\d{2}-\\d{2}-[0-9A-F]{16}$`,
        ),
      );
    }
  });

  it("records each request in S3's format: the upload signed in the header, the links presigned, with bytes and agent", () => {
    const uploads = records.filter((record) => record.operation === "REST.PUT.OBJECT");
    assert.ok(uploads.length >= 3, "the example cohort's uploads");
    assert.ok(
      uploads.every((record) => record.authenticationType === "AuthHeader" && record.signatureVersion === "SigV4"),
    );
    const opened = dataFiles().filter((record) => record.userAgent === "demo-access-log test");
    assert.equal(opened.length, 1);
    const [read] = opened;
    assert.equal(read.operation, "REST.GET.OBJECT");
    assert.equal(read.httpStatus, 200);
    assert.equal(read.authenticationType, "QueryString");
    assert.equal(read.remoteIp, "127.0.0.1");
    assert.equal(read.bucket, DEMO_BUCKET);
    assert.equal(read.key, new URL(openedFile).pathname.split("/").slice(2).map(decodeURIComponent).join("/"));
    assert.equal(read.bytesSent, read.objectSize);
    assert.ok(read.bytesSent > 0);
    assert.match(read.requestUri!, /^GET \/chromoscope-demo-data\/cohorts\/demo\/.*X-Amz-Credential=.* HTTP\/1\.1$/);
    assert.deepEqual(read.appended, []);
  });

  it("access-report --outputs .demo/outputs.json attributes the demo's own checks and the opened link to its publication", () => {
    assert.equal(report?.code, 0, report?.stderr);
    const json = JSON.parse(report.stdout) as { publications: Array<Record<string, unknown>>; unattributed: number };
    assert.equal(json.publications.length, 1);
    const [publication] = json.publications;
    assert.equal(publication.cohort, DEMO_COHORT);
    // The demo verified the config and its 3 files, then the test opened the config and one file.
    assert.equal(publication.requests, 4 + 2);
    assert.equal(publication.refused, 0);
    assert.deepEqual(publication.flags, []);
    assert.ok(json.unattributed >= 4, "the bucket's set-up and the uploads belong to no publication");
  });
});
