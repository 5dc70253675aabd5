/**
 * Sign-in mode's report: the sign-in function's audit records of a period (only its days listed),
 * grouped by cohort, with each person's opens, times and addresses, and the refusals.
 */
import * as assert from "node:assert/strict";
import { s3LogBucket } from "../../scripts/lib/access/access-log-listing";
import {
  AuditRecord,
  parseAuditRecord,
  readPeriodAudit,
  signInReportJson,
  signInReportOf,
} from "../../scripts/lib/access/sign-in-audit";
import { accessReportCommand } from "../../scripts/lib/cli/commands/access-report-command";
import { run } from "../support/cli-runner";
import { startTestBucket, TEST_BUCKET, TestBucket } from "../support/local-bucket";

const ISSUER = "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123";

function audit(event: AuditRecord["event"], time: string, subject: string, extra: Record<string, string> = {}) {
  return {
    event,
    time,
    subject,
    email: `${subject}@lab.example.org`,
    issuer: ISSUER,
    clientAddress: "198.51.100.7",
    ...extra,
  };
}

function auditKey(time: string, hex: string): string {
  const stamp = time.replace(/[-:]/g, "").replace(".", "");
  return `audit/${time.slice(0, 10).replace(/-/g, "/")}/${stamp}-${hex}.json`;
}

describe("access-report in sign-in mode: the audit records", function () {
  this.timeout(30_000);
  let bucket: TestBucket;
  const listed: string[] = [];

  before(async () => {
    bucket = await startTestBucket({
      outputs: { access: "sign-in", auditPrefix: "audit/" },
      onRequest: ({ operation, query }) => {
        if (operation === "ListObjectsV2") listed.push(new URLSearchParams(query).get("prefix") ?? "");
      },
    });
    const events = [
      audit("sign-in", "2026-03-01T09:00:00.000Z", "ada"), // before the period
      audit("sign-in", "2026-03-18T09:00:00.000Z", "ada"),
      audit("open", "2026-03-18T09:00:05.000Z", "ada", {
        cohort: "Breast 2026",
        configKey: "configs/breast-2026/x.json",
      }),
      audit("open", "2026-03-19T10:00:00.000Z", "ada", { cohort: "Breast 2026", clientAddress: "203.0.113.9" }),
      audit("sign-in", "2026-03-19T11:00:00.000Z", "bob"),
      audit("refused", "2026-03-19T11:00:02.000Z", "bob", { cohort: "Breast 2026", reason: "no-grant" }),
      audit("open", "2026-03-19T12:00:00.000Z", "bob", { cohort: "Lung 2026" }),
      audit("refused", "2026-03-19T13:00:00.000Z", "", { reason: "sign-in-failed" }),
      audit("refused", "2026-03-19T14:00:00.000Z", "eve", { reason: "no-publication" }),
    ];
    for (const [index, event] of events.entries())
      await bucket.store.put(auditKey(event.time, `0000000${index}`), JSON.stringify(event), "application/json");
    await bucket.store.put("audit/2026/03/19/garbage.json", "{not json", "application/json");
  });
  after(async () => bucket.close());

  it("lists only the period's days and groups opens and refusals by cohort, with times and addresses", async () => {
    listed.length = 0;
    const period = await readPeriodAudit(
      s3LogBucket(bucket.client, TEST_BUCKET),
      "audit/",
      new Date("2026-03-17T12:00:00Z"),
      new Date("2026-03-20T12:00:00Z"),
    );
    assert.deepEqual(listed.sort(), [
      "audit/2026/03/17/",
      "audit/2026/03/18/",
      "audit/2026/03/19/",
      "audit/2026/03/20/",
    ]);
    assert.equal(period.objects, 9);
    assert.equal(period.unreadable, 1);
    const json = signInReportJson(signInReportOf(period.records)) as {
      cohorts: Array<{ cohort: string; people: number; opened: unknown[]; refused: unknown[] }>;
      signIns: number;
      people: number;
      failedSignIns: number;
      refusedWithoutCohort: number;
    };
    assert.equal(json.signIns, 2);
    assert.equal(json.people, 2);
    assert.equal(json.failedSignIns, 1, "a failed sign-in, counted apart");
    assert.equal(json.refusedWithoutCohort, 1, "an open naming no published cohort");
    assert.deepEqual(
      json.cohorts.map((cohort) => [cohort.cohort, cohort.people, cohort.opened.length, cohort.refused.length]),
      [
        ["Breast 2026", 1, 2, 1],
        ["Lung 2026", 1, 1, 0],
      ],
    );
    assert.deepEqual(json.cohorts[0].opened[1], {
      email: "ada@lab.example.org",
      subject: "ada",
      issuer: ISSUER,
      time: "2026-03-19T10:00:00.000Z",
      clientAddress: "203.0.113.9",
    });
    assert.deepEqual(json.cohorts[0].refused[0], {
      email: "bob@lab.example.org",
      subject: "bob",
      issuer: ISSUER,
      time: "2026-03-19T11:00:02.000Z",
      clientAddress: "198.51.100.7",
      reason: "no-grant",
    });
    const lungOnly = signInReportOf(period.records, "Lung 2026");
    assert.deepEqual(
      lungOnly.cohorts.map((cohort) => cohort.cohort),
      ["Lung 2026"],
    );
  });

  it("the command, on a sign-in stack: per cohort who opened it, when and from where, and what it cannot show", async () => {
    const now = () => new Date("2026-03-20T12:00:00Z");
    const stack = ["--outputs", bucket.outputsFile, "--endpoint", bucket.server.endpoint, "--since", "3d"];
    const text = await run(accessReportCommand, stack, { now });
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(text.stdout.trimEnd().split("\n"), [
      "COHORT       PERSON               EVENT               TIME                  CLIENT ADDRESS",
      "Breast 2026  ada@lab.example.org  opened              2026-03-18T09:00:05Z  198.51.100.7",
      "Breast 2026  ada@lab.example.org  opened              2026-03-19T10:00:00Z  203.0.113.9",
      "Breast 2026  bob@lab.example.org  refused (no-grant)  2026-03-19T11:00:02Z  198.51.100.7",
      "Lung 2026    bob@lab.example.org  opened              2026-03-19T12:00:00Z  198.51.100.7",
    ]);
    assert.match(
      text.stderr,
      /^Audit records s3:\/\/chromoscope-test-data\/audit\/: 9 records for the days of 2026-03-17T12:00:00Z to 2026-03-20T12:00:00Z; 2 sign-ins by 2 people in that period\.$/m,
    );
    assert.match(text.stderr, /^1 sign-in failed: the provider's answer was not accepted /m);
    assert.match(text.stderr, /^1 refused attempt named no published cohort /m);
    assert.match(text.stderr, /show CloudFront, not people/);
    assert.match(text.stderr, /answers from its cache never reach S3/);
    const json = await run(accessReportCommand, [...stack, "--json", "--cohort", "Lung 2026"], { now });
    assert.equal(json.code, 0, json.stderr);
    const document = JSON.parse(json.stdout) as { access: string; cohorts: Array<{ cohort: string }> };
    assert.equal(document.access, "sign-in");
    assert.deepEqual(
      document.cohorts.map((cohort) => cohort.cohort),
      ["Lung 2026"],
    );
  });

  it("reads only records the function could have written; control characters never reach the terminal", () => {
    assert.equal(parseAuditRecord('{"event":"open","time":"yesterday","subject":"a","issuer":"i"}'), undefined);
    assert.equal(
      parseAuditRecord('{"event":"delete","time":"2026-03-18T09:00:00Z","subject":"a","issuer":"i"}'),
      undefined,
    );
    assert.equal(parseAuditRecord("[]"), undefined);
    const hostile = parseAuditRecord(
      JSON.stringify(audit("open", "2026-03-18T09:00:00Z", "eve", { cohort: "Breast\u001b[2J 2026" })),
    );
    assert.ok(hostile);
    assert.doesNotMatch(hostile.cohort!, /\u001b/);
  });
});
