/**
 * No leaks: every command, on its success and failure paths, signing with the stack's key and with
 * session credentials from the AWS chain, is run and then everything it could have leaked into is
 * scanned — stdout, stderr, every object in the bucket (and the server's files), every file written
 * in the test's folder — for the secret access keys and the session token. A presigned URL signed
 * with session credentials must carry the token (X-Amz-Security-Token: S3 requires it), so the token
 * may appear there and only there, and presigned URLs only where the user asked for links.
 * Files holding links are mode 0600.
 */
import * as assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { CliIo, CommandFactory } from "../../scripts/lib/cli/shell";
import { accessReportCommand } from "../../scripts/lib/cli/commands/access-report-command";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { demoCommand } from "../../scripts/lib/dev/commands/demo-command";
import { doctorCommand } from "../../scripts/lib/cli/commands/doctor-command";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import { refreshCohortCommand } from "../../scripts/lib/cli/commands/refresh-cohort-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { rotateKeysCommand } from "../../scripts/lib/cli/commands/rotate-keys-command";
import { demoLayout } from "../../scripts/lib/dev/demo-setup";
import { S3ConnectionOptions } from "../../scripts/lib/s3/object-store";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import {
  PRESIGNER_KEY,
  SESSION_KEY,
  SESSION_TOKEN,
  TEST_LOG_BUCKET,
  TestBucket,
  startCohortBucket,
} from "../support/local-bucket";
import { CommandRun, run } from "../support/cli-runner";

const FAST: Partial<S3ConnectionOptions> = {
  maxAttempts: 2,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 1_000,
  callTimeoutMs: 5_000,
};
/** The token as it appears raw, and percent-encoded in a URL (its `=` become `%3D`). */
const TOKEN_STEM = SESSION_TOKEN.replace(/=+$/, "");
const PRESIGNED_URL = /https?:\/\/[^\s"'<>\\]*X-Amz-Signature=[0-9a-f]{64}[^\s"'<>\\]*/;
const EVERY_PRESIGNED_URL = new RegExp(PRESIGNED_URL.source, "g");
/** A secret that looks real but that the server does not know: signing fails with SignatureDoesNotMatch. */
const WRONG_SECRET = "wRoNgSeCrEtKeYnotKnownToTheServer0123456";

/** Where a scanned text came from, and whether it may carry presigned URLs (links the user asked for). */
interface Scanned {
  where: string;
  text: string;
  linksAllowed: boolean;
}

describe("no secret, token or unrequested link leaks from any command", function () {
  this.timeout(60_000);
  let bucket: TestBucket;
  let proxy: FaultProxy;
  let manifest: string;
  let noKeyOutputs: string;
  let wrongKeyOutputs: string;
  /** Files the test wrote itself that hold a secret by design (stack outputs). */
  const ownSecretFiles = new Set<string>();
  /** Files the commands wrote that may hold links (--out, --share-page). */
  const linkFiles = new Set<string>();
  const scanned: Scanned[] = [];
  let runs = 0;

  before(async () => {
    // The server logs every request as S3 does: access-report reads those logs, which hold whole request lines.
    ({ bucket, manifest } = await startCohortBucket("cohorts/leaks/", 2, { accessLog: "server" }));
    noKeyOutputs = bucket.scratch(
      "nokey-outputs.json",
      JSON.stringify({ ...bucket.outputs, presignerAccessKeyId: undefined, presignerSecretAccessKey: undefined }),
    );
    wrongKeyOutputs = bucket.scratch(
      "wrongkey-outputs.json",
      JSON.stringify({ ...bucket.outputs, presignerSecretAccessKey: WRONG_SECRET }),
    );
    for (const file of [bucket.outputsFile, wrongKeyOutputs]) ownSecretFiles.add(file);
    proxy = await startFaultProxy({ target: bucket.server.endpoint });
  });
  after(async () => {
    await proxy.close();
    await bucket.close();
  });

  const modes = [
    {
      mode: "the stack's presigner key",
      outputs: () => bucket.outputsFile,
      wrongOutputs: () => wrongKeyOutputs,
      io: (): Partial<CliIo> => ({}),
      wrongIo: (): Partial<CliIo> => ({}),
    },
    {
      mode: "session credentials from the AWS chain",
      outputs: () => noKeyOutputs,
      wrongOutputs: () => noKeyOutputs,
      io: (): Partial<CliIo> => ({
        credentialProvider: async () => ({
          ...SESSION_KEY,
          sessionToken: SESSION_TOKEN,
          expiration: new Date(Date.now() + 2 * 3600_000),
        }),
      }),
      wrongIo: (): Partial<CliIo> => ({
        credentialProvider: async () => ({
          accessKeyId: SESSION_KEY.accessKeyId,
          secretAccessKey: WRONG_SECRET,
          sessionToken: SESSION_TOKEN,
          expiration: new Date(Date.now() + 2 * 3600_000),
        }),
      }),
    },
  ] as const;

  /** Runs a command and records its output for the scan; `links`: the user asked for links on stdout. */
  async function runAndRecord(
    label: string,
    factory: CommandFactory,
    args: string[],
    io: Partial<CliIo>,
    links: boolean,
  ): Promise<CommandRun> {
    const result = await run(factory, args, { s3: FAST, ...io });
    runs++;
    scanned.push({ where: `${label}: stdout`, text: result.stdout, linksAllowed: links });
    scanned.push({ where: `${label}: stderr`, text: result.stderr, linksAllowed: false });
    return result;
  }

  for (const { mode, outputs, wrongOutputs, io, wrongIo } of modes) {
    describe(`signing with ${mode}`, () => {
      const tag = mode.startsWith("the stack") ? "Key" : "Session";
      const cohort = `Leak check ${tag}`;
      const stack = () => ["--outputs", outputs(), "--endpoint", bucket.server.endpoint];
      const viaProxy = () => ["--outputs", outputs(), "--endpoint", proxy.endpoint];

      it("publish-cohort: text with --out, --share-page and --sample-links; --json; --upload-share-page; --dry-run", async () => {
        const out = join(bucket.directory, `${tag}-config.json`);
        const page = join(bucket.directory, `${tag}-share.html`);
        writeFileSync(out, "an older, world-readable file");
        chmodSync(out, 0o644);
        const text = await runAndRecord(
          "publish text",
          publishCohortCommand,
          [
            ...stack(),
            "--cohort",
            cohort,
            "--manifest",
            manifest,
            "--out",
            out,
            "--share-page",
            page,
            "--sample-links",
            "--expires",
            "1h",
          ],
          io(),
          true,
        );
        assert.equal(text.code, 0, text.stderr);
        for (const file of [out, page]) {
          linkFiles.add(file);
          assert.equal(statSync(file).mode & 0o777, 0o600, `${file} is private, even replacing a 0644 file`);
        }
        assert.doesNotMatch(text.stderr, PRESIGNED_URL, "the summary on stderr carries no link");

        const json = await runAndRecord(
          "publish --json",
          publishCohortCommand,
          [...stack(), "--cohort", cohort, "--manifest", manifest, "--json", "--upload-share-page", "--expires", "1h"],
          io(),
          true,
        );
        assert.equal(json.code, 0, json.stderr);
        const document = JSON.parse(json.stdout) as Record<string, unknown>;
        const withLinks = Object.entries(document)
          .filter(([, value]) => PRESIGNED_URL.test(JSON.stringify(value)))
          .map(([key]) => key);
        assert.deepEqual(
          withLinks.sort(),
          ["configUrl", "link", "sharePage"],
          "links only in link, configUrl and the share page asked for",
        );

        const dryOut = join(bucket.directory, `${tag}-dry.json`);
        const dry = await runAndRecord(
          "publish --dry-run",
          publishCohortCommand,
          [...stack(), "--cohort", cohort, "--manifest", manifest, "--dry-run", "--out", dryOut, "--json"],
          io(),
          false,
        );
        assert.equal(dry.code, 0, dry.stderr);
        linkFiles.add(dryOut);
        assert.equal(statSync(dryOut).mode & 0o777, 0o600);
        assert.doesNotMatch(dry.stdout, PRESIGNED_URL, "a dry run prints no link");
      });

      it("publish-cohort failures: invalid input, a persistent S3 fault, and credentials S3 refuses (with --verbose)", async () => {
        const invalid = await runAndRecord(
          "publish invalid",
          publishCohortCommand,
          [...stack(), "--cohort", "a/b", "--manifest", manifest, "--verbose"],
          io(),
          false,
        );
        assert.equal(invalid.code, 1);
        proxy.setRules([{ fault: "slowDown", operations: ["PutObject"] }]);
        const fault = await runAndRecord(
          "publish under faults",
          publishCohortCommand,
          [...viaProxy(), "--cohort", cohort, "--manifest", manifest, "--verbose", "--json"],
          io(),
          false,
        );
        proxy.setRules([]);
        assert.equal(fault.code, 3, fault.stderr);
        assert.match(fault.stderr, /^cause: /m, "--verbose shows the cause");
        const refused = await runAndRecord(
          "publish with a wrong secret",
          publishCohortCommand,
          [
            "--outputs",
            wrongOutputs(),
            "--endpoint",
            bucket.server.endpoint,
            "--cohort",
            cohort,
            "--manifest",
            manifest,
            "--verbose",
          ],
          wrongIo(),
          false,
        );
        assert.equal(refused.code, 3, refused.stderr);
        assert.match(refused.stderr, /SignatureDoesNotMatch|AccessDenied|Forbidden/);
      });

      it("cohorts: text, --json, --show-links, and failures", async () => {
        const plain = await runAndRecord("cohorts", cohortsCommand, [...stack()], io(), false);
        assert.equal(plain.code, 0, plain.stderr);
        const json = await runAndRecord("cohorts --json", cohortsCommand, [...stack(), "--json"], io(), false);
        assert.equal(json.code, 0, json.stderr);
        assert.doesNotMatch(
          json.stdout + plain.stdout,
          /X-Amz-Signature|X-Amz-Credential/,
          "no link without --show-links",
        );
        const links = await runAndRecord(
          "cohorts --show-links",
          cohortsCommand,
          [...stack(), "--json", "--show-links", "--cohort", cohort],
          io(),
          true,
        );
        assert.equal(links.code, 0, links.stderr);
        assert.ok(
          (JSON.parse(links.stdout) as Array<{ link?: string }>).every((publication) =>
            publication.link?.includes("X-Amz-Signature"),
          ),
        );
        proxy.setRules([{ fault: "reset" }]);
        const fault = await runAndRecord(
          "cohorts under faults",
          cohortsCommand,
          [...viaProxy(), "--json", "--show-links", "--verbose"],
          io(),
          false,
        );
        proxy.setRules([]);
        assert.equal(fault.code, 3);
      });

      it("refresh-cohort: success with --json and --out, an unknown cohort, and S3 faults", async () => {
        const out = join(bucket.directory, `${tag}-refreshed.json`);
        const json = await runAndRecord(
          "refresh --json",
          refreshCohortCommand,
          [...stack(), "--cohort", cohort, "--json", "--out", out],
          io(),
          true,
        );
        assert.equal(json.code, 0, json.stderr);
        linkFiles.add(out);
        assert.equal(statSync(out).mode & 0o777, 0o600);
        const withLinks = Object.entries(JSON.parse(json.stdout) as Record<string, unknown>)
          .filter(([, value]) => /X-Amz-Signature/.test(JSON.stringify(value)))
          .map(([key]) => key);
        assert.deepEqual(withLinks.sort(), ["configUrl", "link"]);
        const unknown = await runAndRecord(
          "refresh unknown",
          refreshCohortCommand,
          [...stack(), "--cohort", "Nobody Published This"],
          io(),
          false,
        );
        assert.equal(unknown.code, 1);
        proxy.setRules([{ fault: "error500", operations: ["PutObject"] }]);
        const fault = await runAndRecord(
          "refresh under faults",
          refreshCohortCommand,
          [...viaProxy(), "--cohort", cohort, "--json", "--verbose"],
          io(),
          false,
        );
        proxy.setRules([]);
        assert.equal(fault.code, 3);
      });

      it("doctor: text, --json, --show-links, and a failing endpoint", async () => {
        for (const args of [[], ["--json"]]) {
          const result = await runAndRecord(
            `doctor ${args.join(" ")}`,
            doctorCommand,
            [...stack(), ...args],
            io(),
            false,
          );
          assert.notEqual(result.code, 3, result.stderr);
          assert.doesNotMatch(result.stdout, /X-Amz-Signature/, "no link without --show-links");
        }
        const links = await runAndRecord(
          "doctor --show-links",
          doctorCommand,
          [...stack(), "--json", "--show-links"],
          io(),
          true,
        );
        assert.notEqual(links.code, 3, links.stderr);
        proxy.setRules([{ fault: "stall" }]);
        const fault = await runAndRecord(
          "doctor under faults",
          doctorCommand,
          [...viaProxy(), "--json", "--verbose"],
          io(),
          false,
        );
        proxy.setRules([]);
        assert.equal(fault.code, 1);
      });

      it("access-report: text, --json, --cohort, and credentials S3 refuses (with --verbose)", async () => {
        // The logs are read with the caller's own credentials: none in the chain reads a local server with the stack's key.
        const reader: Partial<CliIo> =
          tag === "Key"
            ? {
                credentialProvider: async () => {
                  throw new Error("no credentials in the chain");
                },
              }
            : io();
        for (const args of [[], ["--json"], ["--cohort", cohort, "--max-clients", "0"]]) {
          const result = await runAndRecord(
            `access-report ${args.join(" ")}`,
            accessReportCommand,
            [...stack(), ...args],
            reader,
            false,
          );
          assert.equal(result.code, 0, result.stderr);
        }
        const refused = await runAndRecord(
          "access-report refused",
          accessReportCommand,
          ["--outputs", wrongOutputs(), "--endpoint", bucket.server.endpoint, "--json", "--verbose"],
          wrongIo(),
          false,
        );
        assert.equal(refused.code, 3, refused.stderr);
      });

      it("rotate-keys --print and revoke-cohort: success and failure", async () => {
        const print = await runAndRecord(
          "rotate-keys --print",
          rotateKeysCommand,
          [...stack(), "--print", "--generation", "0", "--force"],
          io(),
          false,
        );
        assert.equal(print.code, 0, print.stderr);
        const badGeneration = await runAndRecord(
          "rotate-keys bad generation",
          rotateKeysCommand,
          [...stack(), "--print", "--generation", "x"],
          io(),
          false,
        );
        assert.equal(badGeneration.code, 2);
        proxy.setRules([{ fault: "error500", operations: ["PutObject"], keyPrefix: "ledger/" }]);
        const fault = await runAndRecord(
          "revoke under faults",
          revokeCohortCommand,
          [...viaProxy(), "--cohort", cohort, "--verbose"],
          io(),
          false,
        );
        proxy.setRules([]);
        assert.equal(fault.code, 3);
        const revoked = await runAndRecord(
          "revoke",
          revokeCohortCommand,
          [...stack(), "--cohort", cohort],
          io(),
          false,
        );
        assert.equal(revoked.code, 0, revoked.stderr);
      });
    });
  }

  it("the demo prints no secret and writes its key and config only to mode-0600 files", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "no-leaks-demo-")), "data");
    try {
      const result = await run(demoCommand, ["--data-dir", dataDir, "--port", "0", "--once", "--samples", "1"]);
      assert.equal(result.code, 0, result.stderr);
      const layout = demoLayout(dataDir);
      const secret = (JSON.parse(readFileSync(layout.outputsFile, "utf8")) as { presignerSecretAccessKey: string })
        .presignerSecretAccessKey;
      assert.ok(secret.length >= 30);
      for (const file of [layout.outputsFile, layout.configFile])
        assert.equal(statSync(file).mode & 0o777, 0o600, file);
      assert.ok(
        !result.stdout.includes(secret) && !result.stderr.includes(secret),
        "the demo never prints its presigner secret",
      );
      assert.doesNotMatch(result.stderr, PRESIGNED_URL, "the link goes to stdout only");
      for (const file of filesUnder(dataDir)) {
        if (file === layout.outputsFile) continue;
        assert.ok(!readFileSync(file).includes(secret), `${relative(dataDir, file)} holds no secret`);
      }
    } finally {
      rmSync(join(dataDir, ".."), { recursive: true, force: true });
    }
  });

  describe("after every run above", () => {
    const secrets = () => [PRESIGNER_KEY.secretAccessKey, SESSION_KEY.secretAccessKey, WRONG_SECRET];

    function assertClean(item: Scanned): void {
      for (const secret of secrets()) assert.ok(!item.text.includes(secret), `${item.where} holds a secret access key`);
      if (!item.linksAllowed) {
        assert.doesNotMatch(
          item.text,
          /X-Amz-Signature|X-Amz-Credential/,
          `${item.where} holds a presigned URL nobody asked for`,
        );
        assert.ok(!item.text.includes(TOKEN_STEM), `${item.where} holds the session token`);
      } else {
        // The token only as a presigned URL's X-Amz-Security-Token, which S3 requires for session-signed links.
        // Share pages write `&` as `&amp;` in markup and `\u0026` in their JSON block: read the URLs back first.
        const text = item.text.replace(/&amp;/g, "&").replace(/\\u0026/g, "&");
        assert.ok(
          !text.replace(EVERY_PRESIGNED_URL, "").includes(TOKEN_STEM),
          `${item.where} holds the session token outside a presigned URL`,
        );
      }
    }

    it(`stdout and stderr of every run carry no secret, and the token and links only where links were asked for`, () => {
      assert.ok(runs >= 30, `${runs} runs scanned`);
      assert.ok(
        scanned.some(
          (item) =>
            item.linksAllowed && item.text.includes(`X-Amz-Security-Token=${encodeURIComponent(SESSION_TOKEN)}`),
        ),
        "session-signed links do carry the token",
      );
      for (const item of scanned) assertClean(item);
    });

    it("no object in the bucket holds a secret; ledger entries hold no token and no presigned URL", async () => {
      let count = 0;
      for await (const object of bucket.store.list("")) {
        const body = (await bucket.store.read(object.key)).toString("utf8");
        assertClean({
          where: `s3://${bucket.bucket}/${object.key}`,
          text: body,
          linksAllowed: object.key.startsWith("configs/"),
        });
        if (object.key.startsWith("ledger/"))
          assert.doesNotMatch(body, /X-Amz-/, `${object.key} holds no presigned URL`);
        count++;
      }
      assert.ok(count > 10);
    });

    it("no file written in the test's folder (the server's files included) holds a secret or a stray token; link files are 0600", () => {
      const files = filesUnder(bucket.directory);
      assert.ok(files.length > 10);
      for (const file of files) {
        if (ownSecretFiles.has(file)) continue;
        assert.doesNotMatch(relative(bucket.directory, file), /\.tmp$/, "no temporary file left behind");
        const linksAllowed = linkFiles.has(file) || /\/configs\//.test(file);
        // Access logs record each request line, a presigned URL's query (token included) with it, as S3's do.
        const accessLog = file.includes(`/${TEST_LOG_BUCKET}/`);
        const text = readFileSync(file).toString("utf8");
        assertClean({
          where: relative(bucket.directory, file),
          text: accessLog ? text.replace(/"[A-Z]+ \/[^"]*"/g, '"request line"') : text,
          linksAllowed,
        });
        if (linkFiles.has(file)) assert.equal(statSync(file).mode & 0o777, 0o600, file);
      }
    });
  });
});

function filesUnder(directory: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(path));
    else found.push(path);
  }
  return found;
}
