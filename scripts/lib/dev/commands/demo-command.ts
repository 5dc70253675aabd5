/**
 * `npm run demo`: the whole flow on this machine, with no AWS account and no network. It starts the
 * embedded S3 server, sets a private bucket up as `pulumi up` would, uploads a generated example
 * cohort, runs the real publish-cohort command against it, fetches every link it printed and keeps
 * serving until Ctrl-C (or stops at once with --once). The flow is dev/local-demo.ts.
 */
import { resolve } from "node:path";
import { Command, Option } from "commander";
import { viewerFolderProblem } from "../../../../components/viewer-site";
import { addHelpNotes, CliCommand, CliIo, integerOption } from "../../cli/shell";
import { DEFAULT_DEMO_DATA_DIR, DEFAULT_DEMO_PORT } from "../demo-setup";
import { UsageError } from "../../errors";
import { DemoLifecycle, LocalDemoRequest, processSignals, runLocalDemo } from "../local-demo";

export type { DemoLifecycle } from "../local-demo";
export { processSignals } from "../local-demo";

interface DemoOptions {
  dataDir: string;
  port: string;
  once?: boolean;
  samples: string;
  verbose?: boolean;
  viewerDist?: string;
  annotationTiles: boolean;
  signIn?: boolean;
}

const MAX_SAMPLES = 1000;

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
    )
    .option(
      "--sign-in",
      "sign-in mode: a local OpenID Connect provider with two people, the cohort's stable /open/ link, data only with signed cookies",
    );
  addHelpNotes(command, ["Needs no AWS account and no network. The link goes to stdout, everything else to stderr."], {
    0: "done (also after Ctrl-C)",
    1: "invalid input",
    2: "usage error (e.g. port in use)",
    3: "a link failed its check",
  });
  return command;
}

/** The options, checked, as the demo's request: nothing starts on a bad one. */
function demoRequest(options: DemoOptions): LocalDemoRequest {
  const port = integerOption(
    "--port",
    options.port,
    0,
    65535,
    `pass a free port, or --port 0 for any free port (default ${DEFAULT_DEMO_PORT})`,
  );
  const sampleCount = integerOption("--samples", options.samples, 1, MAX_SAMPLES, "pass e.g. --samples 3");
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
  const { viewerDist, annotationTiles } = options;
  const flags = { once: Boolean(options.once), verbose: Boolean(options.verbose), signIn: Boolean(options.signIn) };
  return { dataDir: resolve(options.dataDir), port, sampleCount, viewerDist, annotationTiles, ...flags };
}

export function demoCommand(io: CliIo, lifecycle: DemoLifecycle = processSignals()): CliCommand {
  return {
    command: defineCommand(),
    run: (options: DemoOptions) => runLocalDemo(demoRequest(options), io, lifecycle),
  };
}
