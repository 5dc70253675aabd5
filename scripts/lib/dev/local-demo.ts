/**
 * The demo's flow, called by `npm run demo`: the embedded S3 server set up as `pulumi up` sets a
 * private bucket up, a generated example cohort uploaded to it, the real publish-cohort command run
 * against it, every link it printed fetched and checked, then serving until stopped. With sign-in, a
 * local OpenID Connect provider and the sign-in function answer on the same port instead of links.
 */
import { existsSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { corsOriginsForViewerUrl } from "../../../components/address-rules";
import { defaultSettings, StackSettings } from "../../../components/settings";
import { servedViewer } from "../../../components/viewer/served-viewer";
import { CommandFactory, CliIo, runCli } from "../cli/shell";
import { publishCohortCommand } from "../cli/commands/publish-cohort-command";
import { grantCohortCommand } from "../cli/commands/grant-cohort-command";
import { AwsError, CliError, ExitCode, UsageError } from "../errors";
import { createS3Client, s3ObjectStore } from "../s3/object-store";
import { stackOutputsFor } from "../s3/outputs-source";
import {
  createLocalBucket,
  DEMO_ACCESS_LOG,
  DEMO_BUCKET,
  DEMO_COHORT,
  DEMO_PRESIGNER_USER,
  DemoKeys,
  DemoLayout,
  demoLayout,
  displayPath,
  generateDemoKeys,
  prepareDataDir,
  provisionLocalBucket,
  uploadCohort,
  verifyPublishedLinks,
  writeDemoFiles,
} from "./demo-setup";
import { DemoLock, lockDataFolder } from "./demo-lock";
import { ExampleSample, exampleCohort } from "./example-cohort";
import { LocalS3Server, startLocalS3 } from "./local-s3";
import { describeLocalViewer, LocalViewer } from "./local-viewer";
import * as signInDemo from "./sign-in-demo/sign-in-demo";

/** What `npm run demo` was asked for, its options checked. */
export interface LocalDemoRequest {
  /** Absolute. */
  dataDir: string;
  port: number;
  sampleCount: number;
  /** A Chromoscope build served at /app/ on the server's own origin. */
  viewerDist?: string;
  annotationTiles: boolean;
  once: boolean;
  verbose: boolean;
  signIn: boolean;
}

/** When the long-running demo stops; the script's default is SIGINT or SIGTERM. */
export interface DemoLifecycle {
  /** Resolves with what stopped the demo (e.g. "SIGINT"). */
  untilStopped(): Promise<string>;
}

/** Stops on the first SIGINT or SIGTERM; a second one gets Node's default (immediate exit). */
export function processSignals(): DemoLifecycle {
  return {
    untilStopped: () =>
      new Promise((resolveStop) => {
        const stop = (signal: NodeJS.Signals) => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          resolveStop(signal);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      }),
  };
}

/** A started demo: its folder (locked), its server, the keys it accepts and what it has served. */
interface DemoSession {
  layout: DemoLayout;
  lock: DemoLock;
  server: LocalS3Server;
  keys: DemoKeys;
  viewer?: LocalViewer;
  /** Requests served, by S3 operation. */
  requests: Map<string, number>;
  /** The settings `pulumi up` would have applied, with the viewer on this server when it serves one. */
  settings: StackSettings;
  admin: S3Client;
}

/** The example cohort as uploaded, and the link publish-cohort printed for it. */
interface PublishedExample {
  cohort: ExampleSample[];
  prefix: string;
  link: string;
}

const shownFolder = (path: string) => `${displayPath(path)}/`;

/** One argument as a POSIX shell would need it quoted, so printed commands can be pasted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, "  ");
}

/** "12 requests (GetObject 11, OPTIONS 1)": what the viewer (or anyone) asked for while the demo served. */
function describeRequests(requests: ReadonlyMap<string, number>): string {
  const total = [...requests.values()].reduce((sum, count) => sum + count, 0);
  const byOperation = [...requests].map(([operation, count]) => `${operation} ${count}`).join(", ");
  return `${total} request${total === 1 ? "" : "s"}${byOperation ? ` (${byOperation})` : ""}`;
}

/** Undoes the folders a failed start created; rmdir removes only empty ones, so nothing else is lost. */
function removeEmptyFolders(...folders: string[]): void {
  for (const folder of folders) {
    try {
      rmdirSync(folder);
    } catch {
      // not empty, or already gone: leave it
    }
  }
}

/** The server's start failure, as the option to change. */
function startFailure(error: unknown, port: number): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE" || code === "EACCES") {
    return new UsageError(
      `--port ${port}: 127.0.0.1:${port} is ${code === "EADDRINUSE" ? "already in use (is another demo still running?)" : "not open to this user"}`,
      {
        fix: "stop the other process, or pass another --port (--port 0 picks any free port; the link then changes every run)",
        cause: error,
      },
    );
  }
  return new UsageError(`--data-dir: the local S3 server cannot start (${(error as Error).message})`, {
    fix: "pass --data-dir with a folder you can write",
    cause: error,
  });
}

/** Locks the data folder, then starts the server; a failed start leaves no lock and no new empty folder. */
async function openSession(request: LocalDemoRequest, io: CliIo): Promise<DemoSession> {
  const layout = demoLayout(request.dataDir);
  const viewer =
    request.viewerDist === undefined
      ? undefined
      : { served: servedViewer(request.viewerDist), annotationTiles: request.annotationTiles };
  const keys = generateDemoKeys();
  const requests = new Map<string, number>();
  const newDataDir = !existsSync(layout.dataDir);
  prepareDataDir(layout);
  // Before anything is written: a demo serving this folder keeps it (its outputs name its keys).
  const lock = lockDataFolder(layout.dataDir, shownFolder(layout.dataDir), io.now());
  if (lock.recovered) {
    io.stderr(
      `(Removed the lock of a demo that no longer runs: pid ${lock.recovered.pid}, started ${lock.recovered.startedAt}.)\n`,
    );
  }
  let server: LocalS3Server;
  try {
    server = await startLocalS3({
      directory: layout.s3Directory,
      port: request.port,
      credentials: [keys.admin, keys.presigner, keys.presignerOtherSlot],
      onRequest: ({ operation }) => requests.set(operation, (requests.get(operation) ?? 0) + 1),
      viewer,
      accessLog: DEMO_ACCESS_LOG,
    });
  } catch (error) {
    lock.release();
    if (newDataDir) removeEmptyFolders(layout.s3Directory, layout.dataDir);
    throw startFailure(error, request.port);
  }
  lock.serving(server.endpoint);
  // With a viewer of its own (--viewer-dist, --sign-in) the links open this server's origin, and its CORS
  // allows it (and nothing else, as for a self-hosted stack).
  const defaults = defaultSettings();
  const ownViewer = request.viewerDist !== undefined || request.signIn;
  const settings = ownViewer ? { ...defaults, viewerUrl: `${server.endpoint}/app/` } : defaults;
  const admin = createS3Client({ region: server.region, credentials: { ...keys.admin }, endpoint: server.endpoint });
  return { layout, lock, server, keys, viewer, requests, settings, admin };
}

/** Creates the log bucket and the private data bucket as the stack would, and says so. */
async function provisionBuckets(session: DemoSession, request: LocalDemoRequest, io: CliIo): Promise<void> {
  const { layout, server, settings, admin } = session;
  io.stderr(
    `Local S3 server on ${server.endpoint} (objects in ${shownFolder(layout.s3Directory)}; delete ${shownFolder(layout.dataDir)} to start over)\n`,
  );
  if (session.viewer) io.stderr(describeLocalViewer(session.viewer, displayPath(request.viewerDist!)));
  await createLocalBucket(admin, DEMO_ACCESS_LOG.logBucket); // first: it logs the data bucket's creation
  const created = await provisionLocalBucket(admin, DEMO_BUCKET, settings);
  io.stderr(
    `Bucket ${DEMO_BUCKET} ${created ? "created" : "reused"}: private (unsigned requests refused), GET-only CORS for ${corsOriginsForViewerUrl(settings.viewerUrl, settings.allowedOrigins).join(", ")}; access logs in ${DEMO_ACCESS_LOG.logBucket}\n`,
  );
}

/** Writes the stack outputs and the example cohort's files and manifest, and uploads the cohort. */
async function uploadExample(
  session: DemoSession,
  request: LocalDemoRequest,
  io: CliIo,
  signIn: signInDemo.SignInDemo | undefined,
): Promise<{ cohort: ExampleSample[]; prefix: string }> {
  const { layout, server, keys, settings } = session;
  const prefix = `${settings.dataPrefixes[0]}demo/`;
  const cohort = exampleCohort({ prefix, samples: request.sampleCount });
  const outputs = stackOutputsFor(settings, {
    bucket: DEMO_BUCKET,
    region: server.region,
    presigner: {
      userName: DEMO_PRESIGNER_USER,
      ...keys.presigner,
      createdAt: io.now(),
      otherSlot: { accessKeyId: keys.presignerOtherSlot.accessKeyId, createdAt: io.now() },
    },
    endpoint: server.endpoint,
    logBucket: DEMO_ACCESS_LOG.logBucket,
  });
  writeDemoFiles(layout, cohort, { ...outputs, ...signIn?.outputs });
  const uploaded = await uploadCohort(s3ObjectStore(session.admin, DEMO_BUCKET), cohort);
  const samples = `${cohort.length} hg38 sample${cohort.length === 1 ? "" : "s"}`;
  io.stderr(
    `Example cohort: ${samples}, ${uploaded} files in ${shownFolder(layout.exampleDirectory)}, uploaded under ${prefix}; manifest ${displayPath(layout.manifestFile)}\n`,
  );
  io.stderr(
    `Stack outputs for this server: ${displayPath(layout.outputsFile)} (mode 0600: holds this run's presigner key)\n\n`,
  );
  return { cohort, prefix };
}

/**
 * Runs a command exactly as `npm run <command> -- ARGS` would (its summary shown indented) and
 * returns what it printed on stdout: the link.
 */
async function runThroughCli(
  command: { name: string; factory: CommandFactory },
  args: string[],
  io: CliIo,
  dataFolder: string,
): Promise<string> {
  io.stderr(`$ npm run ${command.name} -- ${args.map(shellWord).join(" ")}\n`);
  let printed = "";
  const code = await runCli(command.factory, args, {
    ...io,
    stdout: (text) => {
      printed += text;
    },
    stderr: (text) => io.stderr(indent(text)),
  });
  if (code !== 0) {
    throw new CliError(
      `${command.name} on the example cohort failed (it exited ${code}; its error is above)`,
      code as CliError["exitCode"],
      {
        fix: `delete ${dataFolder} and run the demo again; if it fails again, run it with --verbose and report the output`,
      },
    );
  }
  return printed.trim();
}

/** Publishes the example cohort with the real publish-cohort command; paths as shown, so the printed command is the one run. */
async function publishExample(
  session: DemoSession,
  request: LocalDemoRequest,
  io: CliIo,
  signIn: signInDemo.SignInDemo | undefined,
): Promise<PublishedExample> {
  await provisionBuckets(session, request, io);
  const { cohort, prefix } = await uploadExample(session, request, io, signIn);
  const { layout } = session;
  const publishArgs = [
    ...["--outputs", displayPath(layout.outputsFile), "--endpoint", session.server.endpoint],
    ...["--manifest", displayPath(layout.manifestFile), "--cohort", DEMO_COHORT],
    ...["--out", displayPath(layout.configFile), ...(request.verbose ? ["--verbose"] : [])],
  ];
  const publish = { name: "publish-cohort", factory: publishCohortCommand };
  const link = await runThroughCli(publish, publishArgs, io, shownFolder(layout.dataDir));
  return { cohort, prefix, link };
}

/** Fetches the config and every file it names through the link, as the viewer would. */
async function verifyExample(session: DemoSession, published: PublishedExample, io: CliIo): Promise<void> {
  const { layout, settings } = session;
  const check = await verifyPublishedLinks({
    link: published.link,
    bucket: DEMO_BUCKET,
    viewerOrigin: new URL(settings.viewerUrl).origin,
    expectedConfig: readFileSync(layout.configFile),
    expectedFiles: new Map(
      published.cohort.flatMap(({ files }) => files.map((file) => [file.key, Buffer.from(file.body)] as const)),
    ),
  });
  if (check.failures.length > 0) {
    throw new AwsError(`${check.verified}/${check.total} links verified: ${check.failures.length} failed`, {
      details: check.failures,
      fix: `delete ${shownFolder(layout.dataDir)} and run the demo again; if a link still fails, report the lines above`,
    });
  }
  io.stderr(
    `\n${check.verified}/${check.total} links verified: the config and every file it names answer 200 with the published bytes, readable from ${new URL(settings.viewerUrl).origin} (CORS).\n\n`,
  );
}

/** The link on stdout; where it works, and the same three steps against AWS, on stderr. */
function announceLink(session: DemoSession, published: PublishedExample, io: CliIo): void {
  const { endpoint } = session.server;
  const { viewerUrl } = session.settings;
  const { layout } = session;
  const exampleFolder = shownFolder(join(layout.exampleDirectory, ...published.prefix.split("/")));
  io.stderr("Open the cohort in Chromoscope:\n");
  io.stdout(`${published.link}\n`);
  io.stderr(
    `\nThe link points at ${new URL(endpoint).host}: it opens only on this machine, and only while the demo is serving.\n` +
      (new URL(viewerUrl).origin === new URL(endpoint).origin
        ? "The viewer is served by the same server: no third party sees the link, and the browser asks for no local-network access.\n"
        : `Your browser may ask to let ${new URL(viewerUrl).host} access devices on your local network: allow it, or the viewer cannot load the data.\n`) +
      '\nThe same flow against AWS (README "Deploy to AWS"):\n' +
      "  pulumi up --stack dev\n" +
      `  npm run upload-cohort -- --stack dev --from ${shellWord(exampleFolder)} --prefix ${shellWord(published.prefix)}\n` +
      `  npm run publish-cohort -- --stack dev --manifest ${shellWord(displayPath(layout.manifestFile))} --cohort ${shellWord(DEMO_COHORT)}\n`,
  );
}

/** Serves until stopped (or stops at once with --once), then says what it served. */
async function serveLinks(
  session: DemoSession,
  request: LocalDemoRequest,
  io: CliIo,
  lifecycle: DemoLifecycle,
): Promise<number> {
  const dataFolder = shownFolder(session.layout.dataDir);
  if (request.once) {
    io.stderr(`\n--once: stopping the server now (the data stays in ${dataFolder}).\n`);
    return ExitCode.ok;
  }
  session.requests.clear();
  io.stderr(
    `\nServing on ${session.server.endpoint} until Ctrl-C. Meanwhile the publish-cohort command above works from another terminal too.\n`,
  );
  const reason = await lifecycle.untilStopped();
  io.stderr(`\nStopping (${reason}): served ${describeRequests(session.requests)}; the data stays in ${dataFolder}.\n`);
  return ExitCode.ok;
}

/** Grants the cohort to the readers' group (as the lab would, with its own key), says who can sign in, serves. */
async function grantAndServe(
  session: DemoSession,
  request: LocalDemoRequest,
  signIn: signInDemo.SignInDemo,
  link: string,
  io: CliIo,
  lifecycle: DemoLifecycle,
): Promise<number> {
  const { layout, keys } = session;
  // The lab's own credentials write grants; the demo's are this run's administrator key.
  const asLab = { ...io, credentialProvider: () => Promise.resolve({ ...keys.admin }) };
  const grant = { name: "grant-cohort", factory: grantCohortCommand };
  const dataFolder = shownFolder(layout.dataDir);
  io.stderr("\n");
  await runThroughCli(grant, signInDemo.grantArgs(displayPath(layout.outputsFile)), asLab, dataFolder);
  io.stdout(`${signInDemo.announceSignIn(signIn, DEMO_COHORT, link, io)}\n`);
  const serving = { once: request.once, endpoint: session.server.endpoint, dataFolder };
  await signInDemo.serveSignIn(signIn, serving, io, lifecycle);
  return ExitCode.ok;
}

/** Starts the sign-in side: a local OpenID Connect provider, and the sign-in function on the server's port. */
function startSignIn(session: DemoSession, request: LocalDemoRequest, io: CliIo): Promise<signInDemo.SignInDemo> {
  const log = (message: string) => (request.verbose ? io.stderr(`${message}\n`) : undefined);
  const { server, settings, keys } = session;
  const args = { server, bucket: DEMO_BUCKET, settings, functionKey: keys.admin, log };
  return signInDemo.startSignInDemo({ ...args, viewerBuild: request.viewerDist !== undefined });
}

/** The whole demo; its exit code. */
export async function runLocalDemo(request: LocalDemoRequest, io: CliIo, lifecycle: DemoLifecycle): Promise<number> {
  const session = await openSession(request, io);
  let signIn: signInDemo.SignInDemo | undefined;
  try {
    if (request.signIn) signIn = await startSignIn(session, request, io);
    const published = await publishExample(session, request, io, signIn);
    if (signIn) return await grantAndServe(session, request, signIn, published.link, io, lifecycle);
    await verifyExample(session, published, io);
    announceLink(session, published, io);
    return await serveLinks(session, request, io, lifecycle);
  } finally {
    session.admin.destroy();
    await signIn?.close();
    await session.server.close();
    session.lock.release();
  }
}
