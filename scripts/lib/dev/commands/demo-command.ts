/**
 * `npm run demo`: the whole flow on this machine, with no AWS account and no network. It starts the
 * embedded S3 server, sets a private bucket up as `pulumi up` would, uploads a generated example
 * cohort, runs the real publish-cohort command against it, fetches every link it printed and keeps
 * serving until Ctrl-C (or stops at once with --once).
 */
import { existsSync, readFileSync, rmdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { corsOriginsForViewerUrl } from "../../../../components/address-rules";
import { defaultSettings } from "../../../../components/settings";
import { viewerFolderProblem } from "../../../../components/viewer-site";
import { servedViewer } from "../../../../components/viewer/served-viewer";
import { addHelpNotes, CliCommand, CliIo, integerOption, runCli } from "../../cli/shell";
import {
  DEFAULT_DEMO_DATA_DIR,
  DEFAULT_DEMO_PORT,
  DEMO_ACCESS_LOG,
  DEMO_BUCKET,
  DEMO_COHORT,
  DEMO_PRESIGNER_USER,
  demoLayout,
  displayPath,
  generateDemoKeys,
  prepareDataDir,
  createLocalBucket,
  provisionLocalBucket,
  uploadCohort,
  verifyPublishedLinks,
  writeDemoFiles,
} from "../demo-setup";
import { AwsError, CliError, ExitCode, UsageError } from "../../errors";
import { exampleCohort } from "../example-cohort";
import { lockDataFolder } from "../demo-lock";
import { LocalS3Server, startLocalS3 } from "../local-s3";
import { describeLocalViewer, LocalViewer } from "../local-viewer";
import { createS3Client, s3ObjectStore } from "../../s3/object-store";
import { stackOutputsFor } from "../../s3/outputs-source";
import { publishCohortCommand } from "../../cli/commands/publish-cohort-command";

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

interface DemoOptions {
  dataDir: string;
  port: string;
  once?: boolean;
  samples: string;
  verbose?: boolean;
  viewerDist?: string;
  annotationTiles: boolean;
}

const MAX_SAMPLES = 1000;

async function startServer(
  directory: string,
  port: number,
  keys: ReturnType<typeof generateDemoKeys>,
  onOperation: (operation: string) => void,
  viewer: LocalViewer | undefined,
): Promise<LocalS3Server> {
  try {
    return await startLocalS3({
      directory,
      port,
      credentials: [keys.admin, keys.presigner, keys.presignerOtherSlot],
      onRequest: ({ operation }) => onOperation(operation),
      viewer,
      accessLog: DEMO_ACCESS_LOG,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      throw new UsageError(
        `--port ${port}: 127.0.0.1:${port} is ${code === "EADDRINUSE" ? "already in use (is another demo still running?)" : "not open to this user"}`,
        {
          fix: "stop the other process, or pass another --port (--port 0 picks any free port; the link then changes every run)",
          cause: error,
        },
      );
    }
    throw new UsageError(`--data-dir: the local S3 server cannot start (${(error as Error).message})`, {
      fix: "pass --data-dir with a folder you can write",
      cause: error,
    });
  }
}

/** One argument as a POSIX shell would need it quoted, so printed commands can be pasted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
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

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, "  ");
}

/**
 * Runs publish-cohort exactly as `npm run publish-cohort -- ARGS` would (its summary shown indented)
 * and returns the link it printed.
 */
async function publishThroughCli(args: string[], io: CliIo, dataFolder: string): Promise<string> {
  io.stderr(`$ npm run publish-cohort -- ${args.map(shellWord).join(" ")}\n`);
  let printed = "";
  const code = await runCli(publishCohortCommand, args, {
    ...io,
    stdout: (text) => {
      printed += text;
    },
    stderr: (text) => io.stderr(indent(text)),
  });
  if (code !== 0) {
    throw new CliError(
      `publishing the example cohort failed (publish-cohort exited ${code}; its error is above)`,
      code as CliError["exitCode"],
      {
        fix: `delete ${dataFolder} and run the demo again; if it fails again, run it with --verbose and report the output`,
      },
    );
  }
  return printed.trim();
}

/** Where the link works, and the same three steps against AWS. */
function nextSteps(args: {
  endpoint: string;
  viewerUrl: string;
  exampleFolder: string;
  examplePrefix: string;
  manifest: string;
}): string {
  return (
    `\nThe link points at ${new URL(args.endpoint).host}: it opens only on this machine, and only while the demo is serving.\n` +
    (new URL(args.viewerUrl).origin === new URL(args.endpoint).origin
      ? "The viewer is served by the same server: no third party sees the link, and the browser asks for no local-network access.\n"
      : `Your browser may ask to let ${new URL(args.viewerUrl).host} access devices on your local network: allow it, or the viewer cannot load the data.\n`) +
    '\nThe same flow against AWS (README "Deploy to AWS"):\n' +
    "  pulumi up --stack dev\n" +
    `  npm run upload-cohort -- --stack dev --from ${shellWord(args.exampleFolder)} --prefix ${shellWord(args.examplePrefix)}\n` +
    `  npm run publish-cohort -- --stack dev --manifest ${shellWord(args.manifest)} --cohort ${shellWord(DEMO_COHORT)}\n`
  );
}

function defineCommand(): Command {
  const command = new Command("demo")
    .description(
      "Run the whole flow locally: embedded S3 server, private bucket, example cohort, publish-cohort, verified links.",
    )
    .addOption(
      new Option(
        "--data-dir <dir>",
        "folder for the server's objects, the stack outputs and the example cohort (kept between runs)",
      ).default(DEFAULT_DEMO_DATA_DIR, ".demo/ in the project folder"),
    )
    .option("--port <port>", "port on 127.0.0.1 (0: any free port)", String(DEFAULT_DEMO_PORT))
    .option("--samples <count>", "samples in the example cohort", "3")
    .option("--once", "stop after printing the link instead of serving until Ctrl-C")
    .option(
      "--viewer-dist <folder>",
      "serve this Chromoscope build (npx vite build's dist/) at /app/ on the same port as the stack's self-hosted viewer serves it (start-up files from its own origin, its headers), and link to it",
    )
    .option(
      "--no-annotation-tiles",
      "with --viewer-dist: keep Gosling's tile server out of the viewer's connect-src, as viewerAnnotationTiles false does (gene and sequence tracks stay empty)",
    );
  addHelpNotes(command, ["Needs no AWS account and no network. The link goes to stdout, everything else to stderr."], {
    0: "done (also after Ctrl-C)",
    1: "invalid input",
    2: "usage error (e.g. port in use)",
    3: "a link failed its check",
  });
  return command;
}

// eslint-disable-next-line max-lines-per-function -- too long still: to be split
async function runDemo(options: DemoOptions, io: CliIo, lifecycle: DemoLifecycle): Promise<number> {
  const port = integerOption(
    "--port",
    options.port,
    0,
    65535,
    `pass a free port, or --port 0 for any free port (default ${DEFAULT_DEMO_PORT})`,
  );
  const sampleCount = integerOption("--samples", options.samples, 1, MAX_SAMPLES, "pass e.g. --samples 3");
  const layout = demoLayout(resolve(options.dataDir));
  const shown = displayPath;
  const shownFolder = (path: string) => `${displayPath(path)}/`;
  const viewerProblem = options.viewerDist === undefined ? undefined : viewerFolderProblem(options.viewerDist);
  if (viewerProblem !== undefined) {
    throw new UsageError(`--viewer-dist: ${viewerProblem}`, {
      fix: "build Chromoscope (README, Self-hosted viewer) and pass its dist/ folder",
    });
  }
  if (!options.annotationTiles && options.viewerDist === undefined) {
    throw new UsageError("--no-annotation-tiles applies to the viewer --viewer-dist serves", {
      fix: "add --viewer-dist <Chromoscope dist folder>, or leave --no-annotation-tiles out",
    });
  }
  const viewer =
    options.viewerDist === undefined
      ? undefined
      : { served: servedViewer(options.viewerDist), annotationTiles: options.annotationTiles };
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
    server = await startServer(
      layout.s3Directory,
      port,
      keys,
      (operation) => requests.set(operation, (requests.get(operation) ?? 0) + 1),
      viewer,
    );
  } catch (error) {
    lock.release();
    if (newDataDir) removeEmptyFolders(layout.s3Directory, layout.dataDir);
    throw error;
  }
  lock.serving(server.endpoint);
  // With --viewer-dist the viewer is this server's own origin: the links open it, and its CORS allows
  // it (and nothing else, as for a self-hosted stack).
  const defaults = defaultSettings();
  const settings = options.viewerDist ? { ...defaults, viewerUrl: `${server.endpoint}/app/` } : defaults;
  const admin = createS3Client({ region: server.region, credentials: { ...keys.admin }, endpoint: server.endpoint });
  try {
    io.stderr(
      `Local S3 server on ${server.endpoint} (objects in ${shownFolder(layout.s3Directory)}; delete ${shownFolder(layout.dataDir)} to start over)\n`,
    );

    if (viewer) io.stderr(describeLocalViewer(viewer, shown(options.viewerDist!)));
    await createLocalBucket(admin, DEMO_ACCESS_LOG.logBucket); // first: it logs the data bucket's creation
    const created = await provisionLocalBucket(admin, DEMO_BUCKET, settings);
    io.stderr(
      `Bucket ${DEMO_BUCKET} ${created ? "created" : "reused"}: private (unsigned requests refused), GET-only CORS for ${corsOriginsForViewerUrl(settings.viewerUrl, settings.allowedOrigins).join(", ")}; access logs in ${DEMO_ACCESS_LOG.logBucket}\n`,
    );

    const prefix = `${settings.dataPrefixes[0]}demo/`;
    const cohort = exampleCohort({ prefix, samples: sampleCount });
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
    writeDemoFiles(layout, cohort, outputs);
    const uploaded = await uploadCohort(s3ObjectStore(admin, DEMO_BUCKET), cohort);
    io.stderr(
      `Example cohort: ${cohort.length} hg38 sample${cohort.length === 1 ? "" : "s"}, ${uploaded} files in ${shownFolder(layout.exampleDirectory)}, uploaded under ${prefix}; manifest ${shown(layout.manifestFile)}\n`,
    );
    io.stderr(
      `Stack outputs for this server: ${shown(layout.outputsFile)} (mode 0600: holds this run's presigner key)\n\n`,
    );

    // Paths as shown (relative to the current folder when inside it), so the printed command is the one run.
    const publishArgs = [
      "--outputs",
      shown(layout.outputsFile),
      "--endpoint",
      server.endpoint,
      "--manifest",
      shown(layout.manifestFile),
      "--cohort",
      DEMO_COHORT,
      "--out",
      shown(layout.configFile),
      ...(options.verbose ? ["--verbose"] : []),
    ];
    const link = await publishThroughCli(publishArgs, io, shownFolder(layout.dataDir));

    const check = await verifyPublishedLinks({
      link,
      bucket: DEMO_BUCKET,
      viewerOrigin: new URL(settings.viewerUrl).origin,
      expectedConfig: readFileSync(layout.configFile),
      expectedFiles: new Map(
        cohort.flatMap(({ files }) => files.map((file) => [file.key, Buffer.from(file.body)] as const)),
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

    io.stderr("Open the cohort in Chromoscope:\n");
    io.stdout(`${link}\n`);
    io.stderr(
      nextSteps({
        endpoint: server.endpoint,
        viewerUrl: settings.viewerUrl,
        exampleFolder: shownFolder(join(layout.exampleDirectory, ...prefix.split("/"))),
        examplePrefix: prefix,
        manifest: shown(layout.manifestFile),
      }),
    );

    if (options.once) {
      io.stderr(`\n--once: stopping the server now (the data stays in ${shownFolder(layout.dataDir)}).\n`);
      return ExitCode.ok;
    }
    requests.clear();
    io.stderr(
      `\nServing on ${server.endpoint} until Ctrl-C. Meanwhile the publish-cohort command above works from another terminal too.\n`,
    );
    const reason = await lifecycle.untilStopped();
    io.stderr(
      `\nStopping (${reason}): served ${describeRequests(requests)}; the data stays in ${shownFolder(layout.dataDir)}.\n`,
    );
  } finally {
    admin.destroy();
    await server.close();
    lock.release();
  }
  return ExitCode.ok;
}

export function demoCommand(io: CliIo, lifecycle: DemoLifecycle = processSignals()): CliCommand {
  return { command: defineCommand(), run: (options: DemoOptions) => runDemo(options, io, lifecycle) };
}
