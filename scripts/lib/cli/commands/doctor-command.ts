import { Command } from "commander";
import {
  addHelpNotes,
  addStackOptions,
  CliIo,
  CommandFactory,
  endpointFor,
  readStackOutputs,
  StackOptions,
  validateEndpoint,
} from "../shell";
import { fromCredentialChain, fromStackKey } from "../../s3/credentials";
import { formatReport, reportJson } from "../../doctor/doctor-report";
import { runDoctor } from "../../doctor/doctor-runner";
import { awsDoctorClients, DoctorClients } from "../../doctor/probe";
import { ExitCode } from "../../errors";
import { stackKey } from "../../s3/outputs-source";

interface DoctorOptions extends StackOptions {
  json?: boolean;
  showLinks?: boolean;
}

function defineCommand(): Command {
  const command = addStackOptions(
    new Command("doctor")
      .description(
        "Check a deployed stack and your credentials before sharing links: bucket, privacy, CORS, bucket policy, keys, and how long links can live.",
      )
      .option("--json", "print the report as JSON on stdout")
      .option("--show-links", "include the doctor's one-minute test link (a bearer token for one object)"),
  );
  addHelpNotes(command, ["The report goes to stdout. No presigned URL is printed unless --show-links is given."], {
    0: "nothing failed (warnings and checks the endpoint does not support do not fail)",
    1: "a check failed (or the stack outputs are invalid)",
    3: "unexpected AWS or network error",
  });
  return command;
}

/** Runs every check and prints the report; exit 1 when one failed. */
async function runDoctorCommand(options: DoctorOptions, io: CliIo, clients: DoctorClients): Promise<number> {
  const flag = validateEndpoint(options.endpoint);
  const outputs = await readStackOutputs(options, io);
  const endpoint = endpointFor(flag, outputs);
  const key = stackKey(outputs);
  const report = await runDoctor({
    outputs,
    endpoint,
    resolveCredentials: async () => (key ? fromStackKey(key) : fromCredentialChain(io.credentialProvider)),
    clients,
    connection: io.s3,
    env: io.env,
    now: io.now(),
    showLinks: options.showLinks,
  });
  if (options.json) {
    io.stdout(`${JSON.stringify(reportJson(report), null, 2)}\n`);
  } else {
    const where = endpoint ? `${outputs.region}, endpoint ${endpoint}` : outputs.region;
    const title = `Doctor: bucket ${outputs.bucketName} (${where}), ${outputs.presignerKind}-kind presigner`;
    io.stdout(formatReport(report, title));
  }
  return report.summary.fail > 0 ? ExitCode.validation : ExitCode.ok;
}

/** The doctor command; `clients` reach AWS (tests pass stubbed SDK clients). */
export function createDoctorCommand(clients: DoctorClients = awsDoctorClients): CommandFactory {
  return (io) => ({
    command: defineCommand(),
    run: (options: DoctorOptions) => runDoctorCommand(options, io, clients),
  });
}

export const doctorCommand = createDoctorCommand();
