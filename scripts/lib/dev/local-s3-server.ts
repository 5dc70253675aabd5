/**
 * The local S3 server as its own process, for the benches (and anyone who wants one to try the tools on):
 *
 *   ts-node --transpile-only scripts/lib/dev/local-s3-server.ts --directory DIR [--port N] [--allow-anonymous] [--verbose]
 *
 * stdout carries exactly two JSON lines: `{"endpoint","port","region"}` once the server listens, and
 * `{"requests":{"GetObject":n,...}}` after SIGTERM/SIGINT has closed it (then exit 0). The server
 * accepts LOCAL_S3_DEFAULT_CREDENTIALS; no secret is ever printed.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors";
import { startLocalS3 } from "./local-s3";

async function main(argv: string[]): Promise<void> {
  const { directory, port, allowAnonymous, verbose } = parseCommandLine(argv);
  const requests: Record<string, number> = {};
  const server = await startLocalS3({
    directory,
    port,
    allowAnonymous,
    silent: !verbose,
    onRequest: ({ operation }) => {
      requests[operation] = (requests[operation] ?? 0) + 1;
    },
  });
  printLine({ endpoint: server.endpoint, port: server.port, region: server.region });

  const shutdown = (): void => {
    process.off("SIGTERM", shutdown);
    process.off("SIGINT", shutdown);
    server.close().then(
      () => printLine({ requests }),
      (error: unknown) => {
        console.error(`local-s3-server: closing failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

function parseCommandLine(argv: string[]): {
  directory: string;
  port: number;
  allowAnonymous: boolean;
  verbose: boolean;
} {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        directory: { type: "string" },
        port: { type: "string", default: "0" },
        "allow-anonymous": { type: "boolean", default: false },
        verbose: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), {
      fix: "usage: local-s3-server --directory DIR [--port N] [--allow-anonymous] [--verbose]",
    });
  }
  if (!values.directory) {
    throw new UsageError("missing --directory", { fix: "pass --directory DIR (objects are stored there)" });
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got '${values.port}'`, {
      fix: "pass --port 0 for an ephemeral port",
    });
  }
  return { directory: values.directory, port, allowAnonymous: values["allow-anonymous"], verbose: values.verbose };
}

function printLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const { message, fix, exitCode } = error as { message?: string; fix?: string; exitCode?: number };
  console.error(`local-s3-server: ${message ?? String(error)}`);
  if (fix) console.error(`  fix: ${fix}`);
  process.exitCode = typeof exitCode === "number" ? exitCode : 1;
});
