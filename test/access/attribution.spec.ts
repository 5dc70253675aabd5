/**
 * Attribution and the text table as pure functions: the rules one case each, on records built here.
 */
import * as assert from "node:assert/strict";
import stringWidth from "string-width";
import { AccessLogRecord } from "../../scripts/lib/access/access-log-format";
import { AccessReport } from "../../scripts/lib/access/access-report";
import { attributeRequests, presignedSigner } from "../../scripts/lib/access/attribution";
import { principalOf } from "../../scripts/lib/access/log-reader";
import { accessReportTable } from "../../scripts/lib/cli/output/access-report-output";
import { Publication } from "../../scripts/lib/ledger/fold";

const KEY = "AKIAEXAMPLEPRESIGNER";
const DATA = "cohorts/breast/PD1/PD1.sv.bedpe";

function publication(cohort: string, createdAt: string, extra: Partial<Publication> = {}): Publication {
  const created = new Date(createdAt);
  return {
    cohort,
    configKey: `configs/${cohort.toLowerCase().replace(/\W+/g, "-")}/${created.getTime()}.json`,
    signingAccessKeyId: KEY,
    createdAt: created,
    expiresAt: new Date(created.getTime() + 7 * 86_400_000),
    ledgerKey: "ledger/x.json",
    inputs: {
      samples: [{ id: "PD1", cancer: "Breast", assembly: "hg38", sv: DATA }],
      viewerUrl: "https://chromoscope.bio/app/",
    },
    ...extra,
  };
}

/** A GET of `key` through a link signed by `signer` at `signedAt` (compact form), at `time`. */
function read(key: string, time: string, signedAt?: string, extra: Partial<AccessLogRecord> = {}): AccessLogRecord {
  const query = signedAt
    ? `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${KEY}%2F20261127%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=${signedAt}&X-Amz-Signature=${"a".repeat(64)}`
    : "";
  return {
    bucket: "data",
    time: new Date(time),
    remoteIp: "198.51.100.7",
    operation: "REST.GET.OBJECT",
    key,
    requestUri: `GET /data/${key}${query} HTTP/1.1`,
    httpStatus: 200,
    bytesSent: 1000,
    appended: [],
    ...extra,
  };
}

describe("attribution of logged requests to publications", () => {
  const first = publication("Breast", "2026-11-27T09:00:00.000Z");
  const second = publication("Breast", "2026-11-27T10:00:00.000Z");

  it("reads the signer's key id and signing time from a presigned request line, and nothing from others", () => {
    assert.equal(
      presignedSigner(read(DATA, "2026-11-27T11:00:00Z", "20261127T090000Z").requestUri),
      `${KEY} 20261127T090000Z`,
    );
    assert.equal(
      presignedSigner("GET /data/x?X-Amz-Credential=AKIA1/2026&X-Amz-Date=20261127T090000Z HTTP/1.1"),
      "AKIA1 20261127T090000Z",
    );
    assert.equal(presignedSigner("GET /data/x?versioning HTTP/1.1"), undefined);
    assert.equal(presignedSigner("GET /data/x?Not-X-Amz-Credential=a&X-Amz-Date=b HTTP/1.1"), undefined);
    assert.equal(presignedSigner(undefined), undefined);
  });

  it("tells two publications of one cohort apart by signing time; their config by key; unsigned and unknown links apart", () => {
    const records = [
      read(DATA, "2026-11-27T11:00:00Z", "20261127T090000Z"),
      read(DATA, "2026-11-27T11:00:01Z", "20261127T100000Z"),
      read(DATA, "2026-11-27T11:00:02Z", "20261127T100000Z"),
      read(second.configKey, "2026-11-27T11:00:03Z", "20261128T000000Z"), // a fresh config link (cohorts --show-links)
      read(second.configKey, "2026-11-27T11:00:04Z"), // the lab's own read, signed in the header
      read(DATA, "2026-11-27T11:00:05Z", "20261127T083000Z"), // a link the ledger does not know
    ];
    const { usages, unattributed } = attributeRequests(records, [first, second], { maxClients: 10 });
    assert.deepEqual(
      usages.map((usage) => [usage.publication.configKey, usage.requests]),
      [
        [second.configKey, 3],
        [first.configKey, 1],
      ],
    );
    assert.equal(unattributed, 2);
  });

  it("two publications signed by one key in the same second: the one naming the file", () => {
    const lung = publication("Lung", "2026-11-27T09:00:00.000Z", {
      inputs: {
        samples: [{ id: "L1", cancer: "Lung", assembly: "hg38", sv: "cohorts/lung/L1.sv.bedpe" }],
        viewerUrl: "",
      },
    });
    const { usages } = attributeRequests(
      [read("cohorts/lung/L1.sv.bedpe", "2026-11-27T11:00:00Z", "20261127T090000Z")],
      [first, lung],
      { maxClients: 10 },
    );
    assert.deepEqual(
      usages.map((usage) => usage.publication.cohort),
      ["Lung"],
    );
  });

  it("flags: after the signing session ended counts as after expiry; a refusal in the revocation's second as after it", () => {
    const session = publication("Session", "2026-11-27T09:00:00.000Z", {
      sessionExpiresAt: new Date("2026-11-27T10:00:00.000Z"),
      revokedAt: new Date("2026-11-27T12:00:00.900Z"),
    });
    const early = attributeRequests([read(DATA, "2026-11-27T09:30:00Z", "20261127T090000Z")], [session], {
      maxClients: 1,
    });
    assert.deepEqual(early.usages[0].flags, []);
    const late = attributeRequests(
      [
        read(DATA, "2026-11-27T10:30:00Z", "20261127T090000Z", { httpStatus: 403, remoteIp: "203.0.113.1" }),
        read(DATA, "2026-11-27T12:00:00Z", "20261127T090000Z", { httpStatus: 403, remoteIp: "203.0.113.2" }),
      ],
      [session],
      { maxClients: 1 },
    );
    assert.deepEqual(late.usages[0].flags, ["many-clients", "after-expiry", "after-revoke"]);
    assert.equal(late.usages[0].refused, 2);
  });

  it("names the principal a role session stands for in a bucket policy", () => {
    assert.equal(
      principalOf("arn:aws:sts::123456789012:assumed-role/security-audit/ada@lab.org"),
      "arn:aws:iam::123456789012:role/security-audit",
    );
    assert.equal(principalOf("arn:aws:iam::123456789012:user/ada"), "arn:aws:iam::123456789012:user/ada");
  });
});

describe("the access-report table", () => {
  it("keeps its columns aligned by terminal width with cohort names in wide scripts", () => {
    const usage = (cohort: string, flags: AccessReport["usages"][number]["flags"]) => ({
      publication: publication(cohort, "2026-11-27T09:00:00.000Z"),
      requests: 12,
      bytesSent: 2048,
      distinctClients: 2,
      refused: 0,
      firstSeen: new Date("2026-11-27T09:30:00Z"),
      lastSeen: new Date("2026-11-27T10:30:00Z"),
      flags,
    });
    const report = {
      usages: [usage("乳腺癌 2026", ["many-clients"]), usage("Breast", []), usage("Ca\u0301ncer de mama", [])],
    } as unknown as AccessReport;
    const lines = accessReportTable(report);
    const columnOf = (line: string, text: string) => stringWidth(line.slice(0, line.indexOf(text)));
    const requestsColumn = columnOf(lines[0], "REQUESTS");
    for (const line of lines.slice(1)) assert.equal(columnOf(line, "12 "), requestsColumn, line);
    assert.match(lines[1], /^many-clients {2}乳腺癌 2026 /);
  });
});
