/**
 * The viewer's folder sync against the embedded S3 server: the first sync uploads what the viewer
 * serves of the build (servedViewer: the build made self-sufficient, the start-up files) with its
 * Content-Type and Cache-Control, a later one sends only what changed and deletes what is gone, and
 * `pulumi destroy` empties it. The provider also runs as Pulumi runs it: serialized, in a plain Node
 * process without ts-node.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import * as pulumi from "@pulumi/pulumi";
import {
  syncViewerFolder,
  VIEWER_SYNC_MANIFEST_KEY,
  viewerFolderSyncProvider,
} from "../../components/viewer-folder-sync";
import { STARTUP_FILES } from "../../components/viewer/chromoscope-changes";
import { servedViewer, VIEWER_STARTUP_FOLDER } from "../../components/viewer/served-viewer";
import { PROJECT_ROOT } from "../../scripts/lib/files";
import { PRESIGNER_KEY, startTestBucket, TestBucket } from "../support/local-bucket";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";

describe("viewer folder sync (one resource, by content hashes)", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let folder: string;
  const operations: string[] = [];
  const credentials = {
    AWS_ACCESS_KEY_ID: PRESIGNER_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: PRESIGNER_KEY.secretAccessKey,
  };
  const saved: Record<string, string | undefined> = {};

  beforeEach(async () => {
    operations.length = 0;
    bucket = await startTestBucket({ onRequest: (request) => operations.push(request.operation) });
    folder = mkdtempSync(join(tmpdir(), "viewer-build-"));
    cpSync(STAND_IN_VIEWER, folder, { recursive: true });
    for (const [name, value] of Object.entries(credentials)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterEach(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(folder, { recursive: true, force: true });
    await bucket.close();
  });
  const inputs = () => ({
    bucket: bucket.bucket,
    region: bucket.server.region,
    folder,
    digest: "",
    endpoint: bucket.server.endpoint,
  });
  const head = (key: string) => bucket.client.send(new HeadObjectCommand({ Bucket: bucket.bucket, Key: key }));

  it("uploads what the viewer serves under app/ (the changed page and script, the start-up files) with its Content-Type and Cache-Control, then its manifest", async () => {
    assert.equal(await syncViewerFolder(inputs()), 7);
    assert.deepEqual((await bucket.keys("")).sort(), [
      VIEWER_SYNC_MANIFEST_KEY,
      "app/assets/app.js",
      "app/index.html",
      ...STARTUP_FILES.map((name) => `app/startup/${name}`).sort(),
    ]);
    const served = servedViewer(folder);
    for (const file of served.files) {
      assert.deepEqual(await bucket.store.read(file.key), file.read(), `${file.key}: the served bytes`);
    }
    assert.doesNotMatch((await bucket.store.read("app/index.html")).toString(), /googletagmanager|bundle\.run/);
    assert.deepEqual(
      await bucket.store.read("app/startup/UCSC.HG38.Human.CytoBandIdeogram.csv"),
      readFileSync(join(VIEWER_STARTUP_FOLDER, "UCSC.HG38.Human.CytoBandIdeogram.csv")),
    );
    const index = await head("app/index.html");
    assert.equal(index.ContentType, "text/html; charset=utf-8");
    assert.equal(index.CacheControl, "no-cache");
    const script = await head("app/assets/app.js");
    assert.equal(script.ContentType, "text/javascript; charset=utf-8");
    assert.equal(script.CacheControl, "public, max-age=31536000, immutable");
    const bands = await head("app/startup/UCSC.HG19.Human.CytoBandIdeogram.csv");
    assert.equal(bands.ContentType, "text/csv; charset=utf-8");
    assert.equal(bands.CacheControl, "public, max-age=3600");
  });

  it("a later sync sends only the changed and new files, deletes the gone ones; destroy empties the bucket", async () => {
    await syncViewerFolder(inputs());
    writeFileSync(join(folder, "assets", "app.js"), "console.log('v2');");
    writeFileSync(join(folder, "assets", "new.css"), "body{}");
    operations.length = 0;
    await syncViewerFolder(inputs());
    assert.equal(operations.filter((operation) => operation === "PutObject").length, 3, "two files and the manifest");
    assert.equal((await bucket.store.read("app/assets/app.js")).toString(), "console.log('v2');");

    unlinkSync(join(folder, "assets", "new.css"));
    operations.length = 0;
    await syncViewerFolder(inputs());
    assert.deepEqual(
      operations.filter((operation) => operation !== "GetObject"),
      ["DeleteObjects", "PutObject"],
    );
    assert.ok(!(await bucket.keys("app/")).includes("app/assets/new.css"));

    await syncViewerFolder(inputs(), true);
    assert.deepEqual(await bucket.keys(""), []);
  });

  it("diffs on the folder's digest only: a preview of an unchanged build shows no change", async () => {
    const digest = servedViewer(folder).digest;
    const same = await viewerFolderSyncProvider.diff!("id", { ...inputs(), digest }, { ...inputs(), digest });
    assert.equal(same.changes, false);
    const changed = await viewerFolderSyncProvider.diff!(
      "id",
      { ...inputs(), digest },
      { ...inputs(), digest: "other" },
    );
    assert.equal(changed.changes, true);
    const moved = await viewerFolderSyncProvider.diff!(
      "id",
      { ...inputs(), digest },
      { ...inputs(), digest, bucket: "other" },
    );
    assert.deepEqual(moved.replaces, ["bucket"]);
  });

  it("runs serialized, as Pulumi's provider host runs it: plain Node, no ts-node", async () => {
    const serialized = await pulumi.runtime.serializeFunction(() => viewerFolderSyncProvider, {
      isFactoryFunction: true,
    });
    const scratch = mkdtempSync(join(tmpdir(), "serialized-provider-"));
    try {
      writeFileSync(join(scratch, "provider.js"), serialized.text);
      const script = `require("./provider.js").${serialized.exportName}.create(${JSON.stringify(inputs())}).then((result) => console.log(JSON.stringify(result)))`;
      // Asynchronously: the S3 server answering the child runs in this process.
      const child = await promisify(execFile)(process.execPath, ["-e", script], {
        cwd: scratch,
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          NODE_PATH: join(PROJECT_ROOT, "node_modules"),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          ...credentials,
        },
        timeout: 30_000,
      });
      assert.equal(JSON.parse(child.stdout).outs.files, 7);
      assert.ok((await bucket.keys("app/")).includes("app/index.html"));
      assert.ok((await bucket.keys("app/")).includes("app/startup/cohort-list.json"), "the start-up files too");
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
