import * as assert from "node:assert/strict";
import { ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetBucketCorsCommand } from "@aws-sdk/client-s3";
import { toS3CorsRule, viewerCorsRule } from "../../policy/documents/cors-rule";
import { defaultSettings } from "../../components/settings";
import { parseChromoscopeLink } from "../../scripts/lib/publication/chromoscope";
import { demoCommand, DemoLifecycle } from "../../scripts/lib/dev/commands/demo-command";
import { STAND_IN_VIEWER } from "../support/stand-in-viewer";
import { publishCohortCommand } from "../../scripts/lib/cli/commands/publish-cohort-command";
import {
  DEMO_BUCKET,
  DEMO_COHORT,
  demoLayout,
  fileUrls,
  objectKeyOf,
  verifyPublishedLinks,
} from "../../scripts/lib/dev/demo-setup";
import { exampleCohort, ExampleSample } from "../../scripts/lib/dev/example-cohort";
import { startLocalS3 } from "../../scripts/lib/dev/local-s3";
import { createS3Client, s3ObjectStore } from "../../scripts/lib/s3/object-store";
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { StackOutputs } from "../../components/stack-outputs";
import { fetchBytes, TestBucket, startCohortBucket } from "../support/local-bucket";
import { CommandRun, run, spawnCli } from "../support/cli-runner";
import { doctorCommand } from "../../scripts/lib/cli/commands/doctor-command";
import { cohortsCommand } from "../../scripts/lib/cli/commands/cohorts-command";
import { rotateKeysCommand } from "../../scripts/lib/cli/commands/rotate-keys-command";
import { revokeCohortCommand } from "../../scripts/lib/cli/commands/revoke-cohort-command";
import { cohortSlug } from "../../scripts/lib/naming";

const VIEWER_ORIGIN = new URL(defaultSettings().viewerUrl).origin;

/** Links the demo must verify: every file of the example cohort plus the config. */
function expectedLinkCount(samples: number): number {
  return exampleCohort({ prefix: "cohorts/demo/", samples }).flatMap(({ files }) => files).length + 1;
}

function readOutputs(dataDir: string): StackOutputs {
  const file = demoLayout(dataDir).outputsFile;
  return parseStackOutputs(JSON.parse(readFileSync(file, "utf8")), file);
}

/** The demo's link as printed: stdout holds exactly one line. */
function linkOf(stdout: string): string {
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, 1, `stdout holds only the link, got: ${stdout}`);
  return lines[0];
}

async function refusesConnections(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(5_000) });
    return false;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code === "ECONNREFUSED";
  }
}

function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), "demo-spec-"));
}

describe("npm run demo", function () {
  this.timeout(60_000);

  describe("in-process, serving until its lifecycle stops it", () => {
    const samples = 3;
    let dataDir: string;
    let code: number;
    let stdout = "";
    let stderr = "";
    /** What the test saw through the printed link while the demo was serving. */
    const whileServing: {
      link?: string;
      configStatus?: number;
      configAllowOrigin?: string | null;
      config?: { name: string; samples: Array<Record<string, unknown>> };
      files: Array<{ key: string; status: number; sameBytes: boolean }>;
      unsignedStatus?: number;
      cors?: unknown;
    } = { files: [] };

    before(async () => {
      dataDir = join(scratchDir(), "data");
      const lifecycle: DemoLifecycle = {
        async untilStopped() {
          const link = linkOf(stdout);
          whileServing.link = link;
          const external = parseChromoscopeLink(link).external!;
          const config = await fetchBytes(external, { headers: { Origin: VIEWER_ORIGIN } });
          whileServing.configStatus = config.status;
          whileServing.configAllowOrigin = config.headers.get("access-control-allow-origin");
          whileServing.config = JSON.parse(config.body.toString("utf8"));
          for (const url of fileUrls(whileServing.config!)) {
            const key = objectKeyOf(url, DEMO_BUCKET);
            const fetched = await fetchBytes(url);
            const local = readFileSync(join(demoLayout(dataDir).exampleDirectory, ...key.split("/")));
            whileServing.files.push({ key, status: fetched.status, sameBytes: fetched.body.equals(local) });
          }
          whileServing.unsignedStatus = (await fetchBytes(external.split("?")[0])).status;
          const outputs = readOutputs(dataDir);
          const client = createS3Client({
            region: outputs.region,
            credentials: {
              accessKeyId: outputs.presignerAccessKeyId!,
              secretAccessKey: outputs.presignerSecretAccessKey!,
            },
            endpoint: new URL(external).origin,
          });
          try {
            whileServing.cors = (await client.send(new GetBucketCorsCommand({ Bucket: DEMO_BUCKET }))).CORSRules;
          } finally {
            client.destroy();
          }
          return "test stop";
        },
      };
      const result = await run(
        (io) => demoCommand(io, lifecycle),
        ["--data-dir", dataDir, "--port", "0", "--samples", String(samples)],
        {
          stdout: (text) => {
            stdout += text;
          },
          stderr: (text) => {
            stderr += text;
          },
        },
      );
      code = result.code;
    });
    after(() => rmSync(join(dataDir, ".."), { recursive: true, force: true }));

    it("exits 0 after it is stopped", () => {
      assert.equal(code, 0, stderr);
      assert.match(stderr, /\nStopping \(test stop\): /);
    });

    it("prints the check line N/N with N = the cohort's files + 1 config", () => {
      const n = expectedLinkCount(samples);
      assert.equal(n, 10);
      assert.match(stderr, new RegExp(`^${n}/${n} links verified`, "m"));
    });

    it("prints only the Chromoscope link on stdout, and it parses to the viewer, the cohort and a config on 127.0.0.1", () => {
      const link = parseChromoscopeLink(linkOf(stdout));
      assert.equal(link.viewerUrl, defaultSettings().viewerUrl);
      assert.equal(link.cohortId, DEMO_COHORT);
      assert.match(
        link.external!,
        new RegExp(
          `^http://127\\.0\\.0\\.1:\\d+/${DEMO_BUCKET}/configs/demo-cohort-hg38-[0-9a-f]{12}/\\d{8}T\\d{9}Z-[0-9a-f]{8}\\.json\\?X-Amz-Algorithm=`,
        ),
      );
    });

    it("while serving, the link's config fetches with the viewer's Origin allowed", () => {
      assert.equal(whileServing.configStatus, 200);
      assert.equal(whileServing.configAllowOrigin, VIEWER_ORIGIN);
      assert.equal(whileServing.config?.name, DEMO_COHORT);
      assert.deepEqual(
        whileServing.config?.samples.map((sample) => sample.id),
        exampleCohort({ prefix: "cohorts/demo/", samples }).map(({ sample }) => sample.id),
      );
    });

    it("while serving, every file URL in the config serves the bytes of the example file written to the data dir", () => {
      assert.equal(whileServing.files.length, expectedLinkCount(samples) - 1);
      for (const file of whileServing.files) assert.deepEqual(file, { key: file.key, status: 200, sameBytes: true });
    });

    it("keeps the bucket private: an unsigned GET of the config is refused", () => {
      assert.equal(whileServing.unsignedStatus, 403);
    });

    it("gives the bucket the component's CORS rule: the public viewer's origin, nothing else by default", () => {
      assert.deepEqual(whileServing.cors, [toS3CorsRule(viewerCorsRule(["https://chromoscope.bio"]))]);
    });

    it("reports what it served while running, request by request", () => {
      // the config, each file, and the unsigned GET; the test's GetBucketCors is a bucket call
      const gets = 1 + whileServing.files.length + 1;
      assert.match(
        stderr,
        new RegExp(`Stopping \\(test stop\\): served ${gets + 1} requests \\(GetObject ${gets}, GetBucketCors 1\\)`),
      );
    });

    it("closes the server when it stops", async () => {
      assert.ok(await refusesConnections(new URL(whileServing.link!.split("external=")[1]).origin));
    });

    it("writes stack outputs the tools accept, with the settings' prefixes and origins, mode 0600", () => {
      const { outputsFile } = demoLayout(dataDir);
      assert.equal(statSync(outputsFile).mode & 0o777, 0o600);
      const outputs = readOutputs(dataDir);
      const settings = defaultSettings();
      assert.equal(outputs.bucketName, DEMO_BUCKET);
      assert.deepEqual(outputs.dataPrefixes, settings.dataPrefixes);
      assert.equal(outputs.configPrefix, settings.configPrefix);
      assert.equal(outputs.ledgerPrefix, settings.ledgerPrefix);
      assert.deepEqual(outputs.allowedOrigins, ["https://chromoscope.bio"], "every origin the CORS rule allows");
      assert.equal(outputs.viewerUrl, settings.viewerUrl);
    });

    it("writes the published config with mode 0600", () => {
      assert.equal(statSync(demoLayout(dataDir).configFile).mode & 0o777, 0o600);
    });

    it("prints no secret key", () => {
      const secret = readOutputs(dataDir).presignerSecretAccessKey!;
      assert.ok(secret.length >= 30);
      assert.ok(!stdout.includes(secret) && !stderr.includes(secret));
    });

    it("says the link opens only on this machine while the demo serves, and how to run the same flow against AWS", () => {
      assert.match(
        stderr,
        /points at 127\.0\.0\.1:\d+: it opens only on this machine, and only while the demo is serving/,
      );
      assert.match(stderr, /local network/);
      assert.match(stderr, /pulumi up/);
      assert.match(
        stderr,
        /npm run publish-cohort -- --stack dev --manifest \S+manifest\.tsv --cohort 'Demo cohort \(hg38\)'/,
      );
    });
  });

  describe("the other commands with the demo's --outputs alone, while it serves", () => {
    let dataDir: string;
    let code: number;
    let endpoint = "";
    const results: Record<string, CommandRun> = {};

    before(async () => {
      dataDir = join(scratchDir(), "data");
      const alone = () => ["--outputs", demoLayout(dataDir).outputsFile];
      let stdout = "";
      const lifecycle: DemoLifecycle = {
        async untilStopped() {
          endpoint = new URL(parseChromoscopeLink(linkOf(stdout)).external!).origin;
          results.doctor = await run(doctorCommand, alone());
          results.cohorts = await run(cohortsCommand, alone());
          results["rotate-keys --print"] = await run(rotateKeysCommand, [...alone(), "--print"]);
          results["revoke-cohort --rotate --print"] = await run(revokeCohortCommand, [
            ...alone(),
            "--cohort",
            DEMO_COHORT,
            "--rotate",
            "--print",
          ]);
          return "test stop";
        },
      };
      const io = { stdout: (text: string) => void (stdout += text) };
      code = (await run((cliIo) => demoCommand(cliIo, lifecycle), ["--data-dir", dataDir, "--port", "0"], io)).code;
    });
    after(() => rmSync(join(dataDir, ".."), { recursive: true, force: true }));

    it("writes outputs with both key slots and its endpoint", () => {
      assert.equal(code, 0);
      const outputs = readOutputs(dataDir);
      assert.equal(outputs.presignerKind, "user");
      assert.equal(outputs.activeKeySlot, "a");
      assert.deepEqual(
        outputs.accessKeys?.map((key) => `${key.slot}:${key.status}`),
        ["a:Active", "b:Inactive"],
      );
      assert.equal(outputs.endpoint, endpoint);
    });

    it("doctor passes with no warning; cohorts lists the demo cohort live", () => {
      assert.equal(results.doctor.code, 0, results.doctor.stderr);
      assert.match(results.doctor.stdout, /0 warnings, 0 failed/);
      assert.doesNotMatch(results.doctor.stdout, /^(WARN|FAIL)/m);
      assert.equal(results.cohorts.code, 0, results.cohorts.stderr);
      assert.match(results.cohorts.stdout, /live\s+Demo cohort \(hg38\)/);
    });

    it("rotate-keys --print and revoke-cohort --rotate --print give their commands", () => {
      for (const name of ["rotate-keys --print", "revoke-cohort --rotate --print"]) {
        assert.equal(results[name].code, 0, `${name}: ${results[name].stderr}`);
        assert.match(results[name].stdout, /pulumi up --yes --stack <stack>/);
      }
    });
  });

  describe("--viewer-dist: the viewer served by the demo's own server", () => {
    let dataDir: string;
    let result: CommandRun;
    let viewerPage: Response | undefined;
    let cohortList: Response | undefined;
    before(async () => {
      dataDir = scratchDir();
      const lifecycle: DemoLifecycle = {
        async untilStopped() {
          viewerPage = await fetch(new URL(linkOf(stdout)).origin + "/app/");
          cohortList = await fetch(new URL(linkOf(stdout)).origin + "/app/startup/cohort-list.json");
          return "test stop";
        },
      };
      let stdout = "";
      const io = { stdout: (text: string) => void (stdout += text) };
      result = await run(
        (cliIo) => demoCommand(cliIo, lifecycle),
        ["--data-dir", dataDir, "--port", "0", "--viewer-dist", STAND_IN_VIEWER],
        io,
      );
      result.stdout = stdout;
    });
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it("prints one link, to the viewer on the same port as the S3 endpoint, and verifies every link", () => {
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.trim().split("\n");
      assert.equal(lines.length, 1);
      const link = parseChromoscopeLink(lines[0]);
      const viewer = new URL(lines[0]);
      assert.equal(viewer.pathname, "/app/");
      assert.equal(viewer.hostname, "127.0.0.1");
      assert.equal(new URL(link.external!).origin, viewer.origin, "viewer and data share one origin");
      assert.match(result.stderr, /links verified/);
      assert.match(result.stderr, /no third party sees the link, and the browser asks for no local-network access/);
      assert.doesNotMatch(result.stderr, /access devices on your local network/);
    });

    it("opens the bucket's CORS to its own viewer only: chromoscope.bio is not admitted", () => {
      const viewer = new URL(result.stdout.trim()).origin;
      assert.match(result.stderr, new RegExp(`GET-only CORS for ${viewer.replace(/[.]/g, "\\.")};`));
      assert.deepEqual(readOutputs(dataDir).allowedOrigins, [viewer]);
    });

    it("serves the build at /app/ with the viewer's Content-Security-Policy", () => {
      assert.equal(viewerPage?.status, 200);
      assert.match(
        viewerPage?.headers.get("content-security-policy") ?? "",
        /script-src 'self' 'unsafe-eval' 'sha256-/,
      );
      assert.equal(viewerPage?.headers.get("referrer-policy"), "no-referrer");
    });

    it("serves the build as the stack's sync does: the page without third-party tags, the start-up files, and says so", async () => {
      assert.doesNotMatch(await viewerPage!.text(), /googletagmanager|fonts\.googleapis|unpkg|bundle\.run/);
      assert.equal(cohortList?.status, 200);
      assert.match((await cohortList.json()).name, /^MSK SPECTRUM \(not loaded/);
      assert.match(
        result.stderr,
        /Viewer: .*stand-in-viewer as the stack's sync serves it \(the folder itself is only read\):/,
      );
      assert.match(result.stderr, /pointed the public cohort list .* at \/app\/startup\/cohort-list\.json/);
      assert.match(result.stderr, /served 5 start-up files from this origin/);
      assert.doesNotMatch(result.stderr, /Warning:/);
      assert.match(
        viewerPage?.headers.get("content-security-policy") ?? "",
        /connect-src 'self' \S+ https:\/\/server\.gosling-lang\.org;/,
      );
    });

    it("--no-annotation-tiles keeps the tile server out (and is refused without --viewer-dist)", async () => {
      const closed = await run(demoCommand, [
        ...["--once", "--data-dir", dataDir, "--port", "0"],
        ...["--viewer-dist", STAND_IN_VIEWER, "--no-annotation-tiles"],
      ]);
      assert.equal(closed.code, 0, closed.stderr);
      assert.match(closed.stderr, /Its pages reach no tile server \(--no-annotation-tiles\)/);
      const refused = await run(demoCommand, ["--once", "--data-dir", dataDir, "--port", "0", "--no-annotation-tiles"]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--no-annotation-tiles applies to the viewer --viewer-dist serves/);
    });

    it("refuses a folder without index.html (exit 2)", async () => {
      const refused = await run(demoCommand, [
        "--once",
        "--data-dir",
        dataDir,
        "--port",
        "0",
        "--viewer-dist",
        dataDir,
      ]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /--viewer-dist: .* holds no index\.html/);
    });
  });

  describe("--once, run twice on the same data dir", () => {
    let dataDir: string;
    const runs: Array<Awaited<ReturnType<typeof run>>> = [];
    before(async () => {
      dataDir = scratchDir();
      for (let i = 0; i < 2; i++)
        runs.push(await run(demoCommand, ["--once", "--data-dir", dataDir, "--port", "0", "--samples", "2"]));
    });
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it("succeeds both times with N/N for a 2-sample cohort", () => {
      const n = expectedLinkCount(2);
      for (const result of runs) {
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, new RegExp(`^${n}/${n} links verified`, "m"));
        linkOf(result.stdout);
      }
    });

    it("creates the bucket the first time and reuses it the second", () => {
      assert.match(runs[0].stderr, new RegExp(`Bucket ${DEMO_BUCKET} created`));
      assert.match(runs[1].stderr, new RegExp(`Bucket ${DEMO_BUCKET} reused`));
    });

    it("keeps both publications in the data dir, each with its ledger entry", async () => {
      const outputs = readOutputs(dataDir);
      const presigner = {
        accessKeyId: outputs.presignerAccessKeyId!,
        secretAccessKey: outputs.presignerSecretAccessKey!,
      };
      const server = await startLocalS3({ directory: demoLayout(dataDir).s3Directory, credentials: [presigner] });
      const client = createS3Client({
        region: server.region,
        credentials: { ...presigner },
        endpoint: server.endpoint,
      });
      try {
        const store = s3ObjectStore(client, DEMO_BUCKET);
        const keys = async (prefix: string) => {
          const found: string[] = [];
          for await (const object of store.list(prefix)) found.push(object.key);
          return found;
        };
        const configs = await keys(`configs/${cohortSlug(DEMO_COHORT)}/`);
        const ledger = await keys(`ledger/${cohortSlug(DEMO_COHORT)}/`);
        assert.equal(configs.length, 2);
        assert.deepEqual(
          ledger.map((key) => key.replace(/^ledger\//, "")),
          configs.map((key) => key.replace(/^configs\//, "")),
        );
        const links = runs.map((result) => parseChromoscopeLink(linkOf(result.stdout)).external!);
        assert.deepEqual(configs.sort(), links.map((url) => objectKeyOf(url, DEMO_BUCKET)).sort());
      } finally {
        client.destroy();
        await server.close();
      }
    });

    it("says that --once stops the server", () => {
      assert.match(runs[1].stderr, /--once: stopping the server now/);
    });
  });

  describe("errors", () => {
    let busy: Server;
    let busyPort: number;
    let parent: string;
    before(async () => {
      parent = scratchDir();
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
      busyPort = (busy.address() as AddressInfo).port;
    });
    after(async () => {
      await new Promise((resolve) => busy.close(resolve));
      rmSync(parent, { recursive: true, force: true });
    });

    it("a busy port exits 2 with one line naming the port and the fix, and leaves no data dir behind", async () => {
      const dataDir = join(parent, "never-created");
      const result = await run(demoCommand, ["--once", "--data-dir", dataDir, "--port", String(busyPort)]);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
      assert.match(
        result.stderr,
        new RegExp(`^error: --port ${busyPort}: 127\\.0\\.0\\.1:${busyPort} is already in use`),
      );
      assert.match(result.stderr, /^fix: .*--port 0/m);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      assert.equal(existsSync(dataDir), false);
    });

    for (const [option, value] of [
      ["--port", "http"],
      ["--port", "65536"],
      ["--samples", "0"],
      ["--samples", "2.5"],
    ] as const) {
      it(`${option} ${value} exits 2 naming the option`, async () => {
        const result = await run(demoCommand, ["--once", "--data-dir", join(parent, "unused"), option, value]);
        assert.equal(result.code, 2);
        assert.match(result.stderr, new RegExp(`^error: ${option} must be a whole number`));
        assert.equal(existsSync(join(parent, "unused")), false);
      });
    }
  });

  describe("verifyPublishedLinks (the check behind N/N)", () => {
    let bucket: TestBucket;
    let cohort: ExampleSample[];
    let link: string;
    let configBytes: Buffer;
    let files: Map<string, Buffer>;
    before(async () => {
      let manifest: string;
      ({ bucket, cohort, manifest } = await startCohortBucket("cohorts/check/", 2));
      const configFile = join(bucket.directory, "config.json");
      const args = [
        "--outputs",
        bucket.outputsFile,
        "--endpoint",
        bucket.server.endpoint,
        "--cohort",
        "Check",
        "--out",
        configFile,
      ];
      const published = await run(publishCohortCommand, [...args, "--manifest", manifest]);
      assert.equal(published.code, 0, published.stderr);
      link = linkOf(published.stdout);
      configBytes = readFileSync(configFile);
      files = new Map(
        cohort.flatMap(({ files: sampleFiles }) =>
          sampleFiles.map((file) => [file.key, Buffer.from(file.body)] as const),
        ),
      );
    });
    after(async () => bucket.close());

    const verify = (overrides: Partial<Parameters<typeof verifyPublishedLinks>[0]> = {}) =>
      verifyPublishedLinks({
        link,
        bucket: bucket.bucket,
        viewerOrigin: VIEWER_ORIGIN,
        expectedConfig: configBytes,
        expectedFiles: files,
        ...overrides,
      });

    it("verifies the config and every file of an intact publication", async () => {
      assert.deepEqual(await verify(), { total: 7, verified: 7, failures: [] });
    });

    it("fails a file whose served bytes differ from the uploaded ones, naming its key and no URL", async () => {
      const [key, body] = [...files][1];
      const check = await verify({
        expectedFiles: new Map([...files, [key, Buffer.concat([body, Buffer.from("x")])]]),
      });
      assert.equal(check.verified, 6);
      assert.deepEqual(check.failures, [
        `${key}: served ${body.length} bytes that differ from the ${body.length + 1} bytes published`,
      ]);
    });

    it("fails every link when the viewer's origin is not in the CORS rule", async () => {
      const check = await verify({ viewerOrigin: "https://viewer.elsewhere.example" });
      assert.equal(check.verified, 0);
      assert.equal(check.total, 1, "the config is unreadable, so its files are never reached");
      assert.match(
        check.failures[0],
        new RegExp(
          `^config configs/${cohortSlug("Check")}/.*\\.json: the CORS rule does not let https://viewer\\.elsewhere\\.example read it$`,
        ),
      );
    });

    it("fails a link whose signature was tampered with (HTTP 403), printing no URL", async () => {
      const tampered = link.replace(
        /X-Amz-Signature=([0-9a-f])/,
        (_, first: string) => `X-Amz-Signature=${first === "0" ? "1" : "0"}`,
      );
      assert.notEqual(tampered, link);
      const check = await verify({ link: tampered });
      assert.deepEqual({ total: check.total, verified: check.verified }, { total: 1, verified: 0 });
      assert.match(check.failures[0], /: HTTP 403$/);
      assert.doesNotMatch(check.failures.join("\n"), /X-Amz-|http:/);
    });
  });

  describe("as a child process (the npm entry, `chromoscope-private-data demo`)", () => {
    const children: ChildProcessWithoutNullStreams[] = [];
    let parent: string;
    before(() => {
      parent = scratchDir();
    });
    after(() => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      rmSync(parent, { recursive: true, force: true });
    });

    function startDemo(args: string[]) {
      const started = spawnCli("demo", args);
      children.push(started.child);
      return started;
    }

    it("--once prints N/N and the link, and exits 0", async () => {
      const dataDir = join(parent, "once");
      const { output, exited } = startDemo(["--once", "--data-dir", dataDir, "--port", "0"]);
      const [code, signal] = await exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, output.stderr);
      const n = expectedLinkCount(3);
      assert.match(output.stderr, new RegExp(`^${n}/${n} links verified`, "m"));
      assert.equal(parseChromoscopeLink(linkOf(output.stdout)).cohortId, DEMO_COHORT);
      assert.ok(!(output.stdout + output.stderr).includes(readOutputs(dataDir).presignerSecretAccessKey!));
    });

    it("a second demo on the folder of one that serves refuses (exit 2) and leaves it working; a killed one's lock is recovered", async () => {
      const dataDir = join(parent, "shared");
      const first = startDemo(["--data-dir", dataDir, "--port", "0"]);
      await new Promise<void>((resolve, reject) => {
        const poll = () =>
          first.output.stderr.includes("until Ctrl-C")
            ? resolve()
            : first.child.exitCode !== null
              ? reject(new Error(first.output.stderr))
              : setTimeout(poll, 50);
        poll();
      });
      const outputsFile = demoLayout(dataDir).outputsFile;
      const outputs = readFileSync(outputsFile, "utf8");
      const external = parseChromoscopeLink(linkOf(first.output.stdout)).external!;

      const second = await run(demoCommand, ["--once", "--data-dir", dataDir, "--port", "0"]);
      assert.equal(second.code, 2, second.stderr);
      assert.match(
        second.stderr,
        new RegExp(
          `^error: --data-dir .*shared/ belongs to a demo that is running \\(pid ${first.child.pid}, serving http://127\\.0\\.0\\.1:\\d+, since \\S+\\): a second demo there would replace its keys and outputs and break it$`,
          "m",
        ),
      );
      assert.match(
        second.stderr,
        new RegExp(`^fix: use the running demo .*kill ${first.child.pid}\\), or pass another --data-dir`, "m"),
      );
      assert.equal(readFileSync(outputsFile, "utf8"), outputs, "the running demo's outputs are untouched");
      assert.equal((await fetchBytes(external)).status, 200, "and its links still work");

      first.child.kill("SIGKILL");
      await first.exited;
      assert.ok(existsSync(join(dataDir, "demo.lock")), "a killed demo leaves its lock");
      const third = await run(demoCommand, ["--once", "--data-dir", dataDir, "--port", "0"]);
      assert.equal(third.code, 0, third.stderr);
      assert.match(
        third.stderr,
        new RegExp(
          `^\\(Removed the lock of a demo that no longer runs: pid ${first.child.pid}, started \\S+\\.\\)$`,
          "m",
        ),
      );
      assert.ok(!existsSync(join(dataDir, "demo.lock")), "a demo that stops removes its lock");
    });

    it("serving until SIGINT: the link works meanwhile, then the server closes and the process exits 0", async () => {
      const { child, output, exited } = startDemo(["--data-dir", join(parent, "serving"), "--port", "0"]);
      await new Promise<void>((resolve, reject) => {
        const poll = () =>
          output.stderr.includes("until Ctrl-C")
            ? resolve()
            : child.exitCode !== null
              ? reject(new Error(output.stderr))
              : setTimeout(poll, 50);
        poll();
      });
      const external = parseChromoscopeLink(linkOf(output.stdout)).external!;
      assert.equal((await fetchBytes(external)).status, 200);

      child.kill("SIGINT");
      const [code, signal] = await exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, output.stderr);
      assert.match(output.stderr, /Stopping \(SIGINT\): served 1 request \(GetObject 1\)/);
      assert.ok(await refusesConnections(new URL(external).origin));
    });
  });
});
