import * as assert from "node:assert/strict";
import { DeleteBucketCorsCommand, PutBucketCorsCommand } from "@aws-sdk/client-s3";
import { toS3CorsRule, viewerCorsRule } from "../../policy/documents/cors-rule";
import { doctorCommand } from "../../scripts/lib/cli/commands/doctor-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { CHECK_IDS, CHECKS, CheckId, CheckResult } from "../../scripts/lib/doctor/doctor-model";
import { ExampleSample } from "../../scripts/lib/dev/example-cohort";
import { LedgerEntry, writeLedgerEntry } from "../../scripts/lib/ledger/ledger";
import {
  fetchBytes,
  PRESIGNER_KEY,
  SESSION_KEY,
  SESSION_TOKEN,
  TestBucket,
  VIEWER_ORIGIN,
  startCohortBucket,
} from "../support/local-bucket";
import { run } from "../support/cli-runner";

const DAY_MS = 86_400_000;
const SLOT_B_KEY_ID = "AKIATESTPRESIGNER002";

/** Key slots relative to the real clock (the server checks real time, so the doctor runs on it too). */
function freshAccessKeys(now = Date.now()) {
  const iso = (offsetDays: number) => new Date(now + offsetDays * DAY_MS).toISOString();
  return [
    { slot: "a", accessKeyId: PRESIGNER_KEY.accessKeyId, createdAt: iso(-5), rotationDueAt: iso(25) },
    { slot: "b", accessKeyId: SLOT_B_KEY_ID, createdAt: iso(-35), rotationDueAt: iso(-5) },
  ];
}

interface JsonReport {
  checks: CheckResult[];
  summary: Record<string, number>;
  maxLinkSeconds: number | null;
  notRun: Array<{ id: string; title: string; reason: string }>;
}

function byId(report: JsonReport): Record<string, CheckResult> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check]));
}

function statuses(report: JsonReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
}

describe("doctor against the embedded S3 server", function () {
  this.timeout(30_000);
  let bucket: TestBucket;
  let cohort: ExampleSample[];
  let manifest: string;

  before(async () => {
    ({ bucket, cohort, manifest } = await startCohortBucket("cohorts/demo-breast/", 3, {
      outputs: { accessKeys: freshAccessKeys() },
    }));
  });
  after(async () => bucket.close());

  const doctor = (args: string[] = [], io = {}, outputsFile = bucket.outputsFile) =>
    run(doctorCommand, ["--outputs", outputsFile, "--endpoint", bucket.server.endpoint, ...args], io);
  const doctorJson = async (args: string[] = [], io = {}, outputsFile?: string) => {
    const result = await doctor(["--json", ...args], io, outputsFile);
    return { ...result, report: JSON.parse(result.stdout) as JsonReport };
  };
  /** A second outputs file: the bucket's outputs with some changed (`null` removes one). */
  const outputsWith = (name: string, changes: Record<string, unknown>) => {
    const outputs: Record<string, unknown> = { ...bucket.outputs };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete outputs[key];
      else outputs[key] = value;
    }
    return bucket.scratch(name, JSON.stringify(outputs));
  };

  describe("a bucket set up as `pulumi up` leaves it", () => {
    let result: Awaited<ReturnType<typeof doctorJson>>;
    before(async () => {
      result = await doctorJson();
    });

    it("passes the bucket, data-prefix, CORS and private-and-presigned checks and exits 0", () => {
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const found = statuses(result.report);
      for (const id of [
        "credentials",
        "bucket",
        "data-prefixes",
        "cors",
        "private-and-presigned",
        "key-age",
        "rotation-impact",
        "settings-impact",
      ]) {
        assert.equal(found[id], "pass", `${id}: ${byId(result.report)[id]?.detail}`);
      }
      assert.equal(result.report.summary.fail, 0);
    });

    it("lists every check once, in order, and the summary counts them", () => {
      assert.deepEqual(
        result.report.checks.map((check) => check.id),
        CHECK_IDS.filter((id) => id !== "viewer-files"),
        "every check but the self-hosted viewer's files (this stack has none)",
      );
      assert.deepEqual(result.report.notRun, []);
      const counted = result.report.checks.reduce<Record<string, number>>(
        (counts, check) => ({ ...counts, [check.status]: (counts[check.status] ?? 0) + 1 }),
        {
          pass: 0,
          warn: 0,
          fail: 0,
          unsupported: 0,
        },
      );
      assert.deepEqual(result.report.summary, counted);
    });

    it("counts the objects and samples under each data prefix, as `aws s3 ls` would list them", () => {
      const files = cohort.reduce((total, sample) => total + sample.files.length, 0);
      assert.equal(byId(result.report)["data-prefixes"].detail, `cohorts/: ${files} objects, ${cohort.length} samples`);
    });

    it("reports what the embedded server does not implement as not supported, never as a pass", () => {
      const checks = byId(result.report);
      assert.match(checks["public-access-block"].detail, /^not supported by this endpoint \(501 NotImplemented\)/);
      assert.match(checks["encryption"].detail, /^not supported by this endpoint \(501 NotImplemented\)/);
      assert.match(checks["bucket-policy"].detail, /^not supported by this endpoint \(405 MethodNotAllowed\)/);
      // The server does not know ?ownershipControls and answers with a listing.
      assert.match(checks["object-ownership"].detail, /^not supported by this endpoint/);
      // STS is not asked through a local endpoint.
      assert.match(checks["identity"].detail, /^not supported by this endpoint/);
      for (const id of ["public-access-block", "encryption", "bucket-policy", "object-ownership", "identity"]) {
        assert.equal(checks[id].status, "unsupported", id);
      }
    });

    it("proves privacy and sharing on a real object: unsigned GET refused, presigned GET served", () => {
      assert.match(
        byId(result.report)["private-and-presigned"].detail,
        /^cohorts\/demo-breast\/[^:]+: unsigned GET refused \(403\), presigned GET served it \(20[06]\)$/,
      );
    });

    it("says links can live 7 days with the stack's presigner key", () => {
      assert.equal(result.report.maxLinkSeconds, 604_800);
      assert.match(
        byId(result.report).credentials.detail,
        /^the stack's presigner key AKIATESTPRESIGNER001 \(long-term IAM user key\): links signed now can live 7 days/,
      );
    });

    it("prints neither a presigned URL nor the secret key", () => {
      assert.ok(!result.stdout.includes("X-Amz-Signature"), "no presigned URL without --show-links");
      assert.ok(!result.stdout.includes("X-Amz-Credential"));
      assert.ok(result.report.checks.every((check) => check.links === undefined));
      assert.ok(!(result.stdout + result.stderr).includes(PRESIGNER_KEY.secretAccessKey));
    });
  });

  it("prints one line per check, the fix under anything not passing, and a summary", async () => {
    const result = await doctor(
      [],
      {},
      outputsWith("outputs-empty-prefix.json", { dataPrefixes: ["cohorts/", "incoming/"] }),
    );
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const lines = result.stdout.split("\n");
    for (const title of Object.values(CHECKS).filter((title) => title !== CHECKS["viewer-files"])) {
      assert.equal(
        lines.filter((line) => new RegExp(`^(PASS|WARN|FAIL|N/A) +${title.replace(/[()]/g, "\\$&")}  `).test(line))
          .length,
        1,
        title,
      );
    }
    const warning = lines.findIndex((line) => line.startsWith("WARN  Privacy and presigned GET"));
    assert.ok(warning >= 0, result.stdout);
    assert.match(lines[warning], /incoming\/ is empty: nothing to test/);
    assert.match(lines[warning + 1], /^ +fix: upload a cohort under incoming\/ and run the doctor again$/);
    assert.match(result.stdout, /\n13 checks: 7 passed, 1 warning, 0 failed, 5 not supported by this endpoint\.\n/);
    assert.match(result.stdout, /\nLinks signed now can live 7 days \(S3's 7-day maximum for SigV4 links\)\.\n/);
    assert.ok(!result.stdout.includes("X-Amz-Signature"));
  });

  it("--show-links adds the one-minute test link, and it works", async () => {
    const result = await doctorJson(["--show-links"]);
    const links = byId(result.report)["private-and-presigned"].links;
    assert.equal(links?.length, 1, "the check carries the link");
    const link = links[0];
    assert.equal(new URL(link).searchParams.get("X-Amz-Expires"), "60");
    assert.equal((await fetchBytes(link)).status, 200);
    assert.ok(!result.stdout.includes(PRESIGNER_KEY.secretAccessKey));
    const text = await doctor(["--show-links"]);
    assert.equal(text.stdout.match(/X-Amz-Signature=/g)?.length, 1, "exactly one link, the test link");
    assert.match(
      text.stdout,
      /\n +test link \(valid 1 minute\): http:\/\/127\.0\.0\.1:\d+\/chromoscope-test-data\/cohorts\/demo-breast\/\S+\?X-Amz-Algorithm=AWS4-HMAC-SHA256&\S+\n/,
    );
  });

  describe("CORS drift after a console edit", () => {
    const declared = { CORSRules: [toS3CorsRule(viewerCorsRule([VIEWER_ORIGIN]))] };
    afterEach(async () => {
      await bucket.client.send(new PutBucketCorsCommand({ Bucket: bucket.bucket, CORSConfiguration: declared }));
    });

    it("fails when the CORS rule was deleted, with the fix, and exits non-zero", async () => {
      await bucket.client.send(new DeleteBucketCorsCommand({ Bucket: bucket.bucket }));
      const result = await doctorJson();
      assert.equal(result.code, 1);
      const cors = byId(result.report).cors;
      assert.equal(cors.status, "fail");
      assert.match(cors.detail, /no CORS rule/);
      assert.match(cors.fix ?? "", /pulumi up --refresh/);
      // The browser-facing proof notices too: S3 sends no Access-Control-Allow-Origin.
      assert.match(
        byId(result.report)["private-and-presigned"].detail,
        /without Access-Control-Allow-Origin for https:\/\/chromoscope\.bio/,
      );
    });

    it("fails when the rule was widened to PUT, naming what differs", async () => {
      const widened = { ...declared.CORSRules[0], AllowedMethods: ["GET", "PUT"] };
      await bucket.client.send(
        new PutBucketCorsCommand({ Bucket: bucket.bucket, CORSConfiguration: { CORSRules: [widened] } }),
      );
      const result = await doctor();
      assert.equal(result.code, 1);
      assert.match(
        result.stdout,
        /^FAIL {2}CORS rule +differs from the declared rule: AllowedMethods has PUT \(not declared\)$/m,
      );
      assert.match(result.stdout, /^ +fix: run `pulumi up --refresh` to restore the stack's settings/m);
      assert.match(result.stdout, /\n13 checks: 7 passed, 0 warnings, 1 failed, 5 not supported by this endpoint\.\n/);
      assert.match(result.stdout, /Not ready: fix the failed checks before sharing links\.\n$/);
    });

    it("fails when another origin was added", async () => {
      const widened = { ...declared.CORSRules[0], AllowedOrigins: [VIEWER_ORIGIN, "https://elsewhere.example.org"] };
      await bucket.client.send(
        new PutBucketCorsCommand({ Bucket: bucket.bucket, CORSConfiguration: { CORSRules: [widened] } }),
      );
      const { code, report } = await doctorJson();
      assert.equal(code, 1);
      assert.equal(
        byId(report).cors.detail,
        "differs from the declared rule: AllowedOrigins has https://elsewhere.example.org (not declared)",
      );
    });

    it("compares with the stack's allowedOrigins output, not a default", async () => {
      const outputsFile = outputsWith("outputs-lab-viewer.json", {
        allowedOrigins: ["https://viewer.lab.example.org"],
      });
      const { code, report } = await doctorJson([], {}, outputsFile);
      assert.equal(code, 1);
      assert.equal(
        byId(report).cors.detail,
        "differs from the declared rule: AllowedOrigins has https://chromoscope.bio (not declared); AllowedOrigins lacks https://viewer.lab.example.org",
      );
    });
  });

  it("fails, naming the bucket, when the bucket does not exist; the bucket checks are not run", async () => {
    const { code, report } = await doctorJson(["--bucket", "no-such-bucket-here"]);
    assert.equal(code, 1);
    assert.deepEqual(byId(report).bucket, {
      id: "bucket",
      title: "Bucket and region",
      status: "fail",
      detail: "bucket no-such-bucket-here does not exist",
      fix: "check --stack/--outputs/--bucket: the stack may have been destroyed, or the outputs belong to another account",
    });
    assert.deepEqual(
      report.notRun.map((skipped) => skipped.id),
      [
        "data-prefixes",
        "public-access-block",
        "object-ownership",
        "encryption",
        "bucket-policy",
        "cors",
        "private-and-presigned",
        "rotation-impact",
        "settings-impact",
      ],
    );
  });

  it("fails when the bucket is in another region than the outputs say (empty location = us-east-1)", async () => {
    const { code, report } = await doctorJson(["--region", "eu-west-2"]);
    assert.equal(code, 1);
    assert.equal(
      byId(report).bucket.detail,
      "bucket chromoscope-test-data is in us-east-1, but the stack outputs say eu-west-2: links would be signed for the wrong region",
    );
    assert.equal(
      byId(report).bucket.fix,
      "pass --region us-east-1, or export the outputs of the stack that owns this bucket",
    );
  });

  describe("credentials", () => {
    const withoutStackKey = () =>
      outputsWith("outputs-no-key.json", { presignerAccessKeyId: null, presignerSecretAccessKey: null });

    it("fails with a fix when no credentials resolve; only the key-age check still runs", async () => {
      const { code, report, stderr } = await doctorJson(
        [],
        { credentialProvider: async () => Promise.reject(new Error("Could not load credentials from any providers")) },
        withoutStackKey(),
      );
      assert.equal(code, 1, stderr);
      assert.deepEqual(
        report.checks.map((check) => [check.id, check.status]),
        [
          ["credentials", "fail"],
          ["key-age", "pass"],
        ],
      );
      const credentials = byId(report).credentials;
      assert.match(credentials.detail, /^no AWS credentials found: Could not load credentials from any providers$/);
      assert.match(credentials.fix ?? "", /pass --stack or --outputs/);
      assert.equal(report.maxLinkSeconds, null);
      assert.equal(
        report.notRun.length,
        CHECK_IDS.length - 3,
        "all but credentials, key age and the viewer files (no viewer)",
      );
      assert.ok(report.notRun.every((skipped) => skipped.reason === "needs credentials"));
    });

    it("uses session credentials from the AWS chain and limits links to the session's remaining life", async () => {
      const now = new Date();
      const expiration = new Date(now.getTime() + 2 * 3600_000);
      const { code, report } = await doctorJson(
        [],
        {
          now: () => now,
          credentialProvider: async () => ({ ...SESSION_KEY, sessionToken: SESSION_TOKEN, expiration }),
        },
        withoutStackKey(),
      );
      assert.equal(code, 0);
      assert.equal(report.maxLinkSeconds, 7200);
      const credentials = byId(report).credentials;
      assert.equal(credentials.status, "pass");
      assert.equal(
        credentials.detail,
        `session credentials ${SESSION_KEY.accessKeyId} (expiring ${expiration.toISOString()}): links signed now can live 2 hours (the signing session's expiry)`,
      );
      assert.equal(byId(report)["private-and-presigned"].status, "pass", "a link signed with the session works");
      assert.ok(!JSON.stringify(report).includes(SESSION_TOKEN));
    });

    it("uses long-term keys from the AWS chain, capped by the stack's maxLinkLifetimeSeconds", async () => {
      const outputsFile = outputsWith("outputs-3-days.json", {
        presignerAccessKeyId: null,
        presignerSecretAccessKey: null,
        maxLinkLifetimeSeconds: 3 * 86400,
      });
      const { code, report } = await doctorJson(
        [],
        { credentialProvider: async () => ({ ...PRESIGNER_KEY }) },
        outputsFile,
      );
      assert.equal(code, 0);
      assert.equal(report.maxLinkSeconds, 259_200);
      assert.equal(
        byId(report).credentials.detail,
        `long-term IAM user key ${PRESIGNER_KEY.accessKeyId} from the AWS credential chain: links signed now can live 3 days (the stack's maxLinkLifetimeSeconds)`,
      );
    });
  });

  describe("rotation impact, from the ledger", () => {
    const entry = (
      cohort: string,
      signingAccessKeyId: string,
      createdAt: Date,
      expiresAt: Date,
      event: LedgerEntry["event"] = "publish",
    ): LedgerEntry => ({
      event,
      cohort,
      configKey: `configs/${cohort.toLowerCase()}/x.json`,
      signingAccessKeyId,
      createdAt: createdAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
      inputs: {
        samples:
          event === "publish"
            ? [{ id: "PD1", cancer: "Breast", assembly: "hg38", sv: "cohorts/a/sv.bedpe", cnv: "cohorts/a/cnv.tsv" }]
            : [],
        viewerUrl: "https://chromoscope.bio/app/",
      },
    });
    let liveUntil: Date;
    before(async () => {
      const now = Date.now();
      const at = (days: number) => new Date(now + days * DAY_MS);
      liveUntil = at(3);
      await writeLedgerEntry(
        bucket.store,
        "ledger/",
        "live-b/20260101T000000000Z-00000001",
        entry("Live-B", SLOT_B_KEY_ID, at(-4), liveUntil),
      );
      await writeLedgerEntry(
        bucket.store,
        "ledger/",
        "expired-b/20260101T000000000Z-00000002",
        entry("Expired-B", SLOT_B_KEY_ID, at(-9), at(-2)),
      );
      await writeLedgerEntry(
        bucket.store,
        "ledger/",
        "revoked-b/20260101T000000000Z-00000003",
        entry("Revoked-B", SLOT_B_KEY_ID, at(-3), at(4)),
      );
      await writeLedgerEntry(
        bucket.store,
        "ledger/",
        "revoked-b/20260101T000000000Z-00000004",
        entry("Revoked-B", SLOT_B_KEY_ID, at(-1), at(4), "revoke"),
      );
      await writeLedgerEntry(
        bucket.store,
        "ledger/",
        "live-a/20260101T000000000Z-00000005",
        entry("Live-A", PRESIGNER_KEY.accessKeyId, at(-1), at(6)),
      );
    });
    after(async () => {
      for (const key of await bucket.keys("ledger/")) await bucket.store.remove(key);
    });

    it("warns that rotating now would break the live, unrevoked cohorts signed by the other slot, and until when", async () => {
      const { code, report } = await doctorJson();
      assert.equal(code, 0, "a warning does not fail");
      const impact = byId(report)["rotation-impact"];
      assert.equal(impact.status, "warn");
      const until = liveUntil.toISOString().replace(/\.\d{3}Z$/, "Z");
      assert.equal(
        impact.detail,
        `rotation now would break 1 live cohort until ${until}: "Live-B" (signed by slot b's key ${SLOT_B_KEY_ID})`,
      );
      assert.equal(
        impact.fix,
        `rotate after ${until}, or refresh those cohorts (\`npm run refresh-cohort\`) and share the new links first`,
      );
    });
  });

  describe("settings against live links, from the ledger", () => {
    let configKey: string;
    before(async () => {
      const args = [
        "--outputs",
        bucket.outputsFile,
        "--endpoint",
        bucket.server.endpoint,
        "--cohort",
        "Settings Check",
        "--manifest",
        manifest,
        "--json",
      ];
      const published = await run(publishCohortCommand, args);
      assert.equal(published.code, 0, published.stderr);
      configKey = JSON.parse(published.stdout).configKey;
    });
    after(async () => {
      for (const key of [...(await bucket.keys("ledger/")), ...(await bucket.keys("configs/"))])
        await bucket.store.remove(key);
    });

    it("passes while the stack's settings fit the live publication", async () => {
      const { report } = await doctorJson();
      assert.deepEqual(byId(report)["settings-impact"], {
        id: "settings-impact",
        title: "Settings vs live links",
        status: "pass",
        detail:
          "1 live publication fits the settings (configPrefix, dataPrefixes, allowedOrigins, maxLinkLifetimeSeconds)",
      });
    });

    it("fails (exit 1) naming the publication when its data prefix was renamed", async () => {
      const { code, report } = await doctorJson(
        [],
        {},
        outputsWith("outputs-renamed-prefix.json", { dataPrefixes: ["renamed/"] }),
      );
      assert.equal(code, 1);
      const check = byId(report)["settings-impact"];
      assert.equal(check.status, "fail");
      const named = `^the stack's settings break 1 live publication already: "Settings Check" \\(${configKey}\\): \\d+ of its data files`;
      assert.match(check.detail, new RegExp(named));
      assert.match(check.detail, /are outside dataPrefixes renamed\/, so the presigner may not read them$/);
    });

    it("warns that a lowered maxLinkLifetimeSeconds will kill the publication before it expires", async () => {
      const { code, report } = await doctorJson(
        [],
        {},
        outputsWith("outputs-one-hour.json", { maxLinkLifetimeSeconds: 3600 }),
      );
      assert.equal(code, 0);
      const check = byId(report)["settings-impact"];
      assert.equal(check.status, "warn");
      assert.match(
        check.detail,
        /"Settings Check" \(\S+\): fails after \S+Z: maxLinkLifetimeSeconds \(3600\) caps its signature age before it expires/,
      );
    });
  });

  it("refuses a malformed --endpoint as a usage error (exit 2)", async () => {
    const result = await run(doctorCommand, ["--outputs", bucket.outputsFile, "--endpoint", "ftp://example.org"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^error: --endpoint "ftp:\/\/example\.org" is not an http\(s\) URL\nfix: /);
    assert.equal(result.stdout, "");
  });

  it("refuses to run without stack outputs (exit 2), naming the options", async () => {
    const result = await run(doctorCommand, []);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /fix: pass --stack NAME \(Pulumi CLI\), --outputs FILE, or --bucket NAME --region REGION/,
    );
  });
});

describe("doctor against a bucket that serves anonymous requests (a public bucket)", function () {
  this.timeout(30_000);
  let bucket: TestBucket;
  before(async () => {
    ({ bucket } = await startCohortBucket("cohorts/public/", 1, {
      allowAnonymous: true,
      outputs: { accessKeys: freshAccessKeys() },
    }));
  });
  after(async () => bucket.close());

  it("fails the privacy check with its fix, and exits non-zero", async () => {
    const result = await run(doctorCommand, [
      "--outputs",
      bucket.outputsFile,
      "--endpoint",
      bucket.server.endpoint,
      "--json",
    ]);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as JsonReport;
    const check = byId(report)["private-and-presigned"];
    assert.equal(check.status, "fail");
    assert.match(
      check.detail,
      /^cohorts\/public\/[^:]+: unsigned GET served it \(20[06]\): the object is public, presigned GET served it \(20[06]\)$/,
    );
    assert.match(check.fix ?? "", /Block Public Access/);
    assert.equal(report.summary.fail, 1);
    const failing: CheckId[] = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
    assert.deepEqual(failing, ["private-and-presigned"]);
  });
});
