/**
 * The stack opened with the caller's own AWS credentials, for what the presigner may not do:
 * uploading data, writing and deleting grants. With no credentials in the chain, a stand-in stack
 * (the demo's local server, named in its outputs) is used with its presigner key, which that server
 * accepts; on AWS the presigner's policy refuses those writes, so the command says so. And the
 * stack's own user pool, reached with the caller's credentials, for managing who may sign in.
 */
import { fromCredentialChain, fromStackKey, ResolvedCredentials } from "../s3/credentials";
import { createS3Client, s3ObjectStore } from "../s3/object-store";
import { stackKey } from "../s3/outputs-source";
import { StackOutputs } from "../../../components/stack-outputs";
import { CognitoClient, cognitoClient, userPoolOf } from "../sign-in/readers";
import { CliIo, endpointFor, OpenedStack, readStackOutputs, StackOptions, validateEndpoint } from "./shell";

/** What the credentials are for, as the warning says it: "uploading", and what the presigner may do on AWS. */
export interface CallerPurpose {
  doing: string;
  onAws: string;
}

export async function callerCredentials(
  outputs: StackOutputs,
  io: CliIo,
  purpose: CallerPurpose,
): Promise<ResolvedCredentials> {
  const key = stackKey(outputs);
  let resolved: ResolvedCredentials;
  try {
    resolved = await fromCredentialChain(io.credentialProvider);
  } catch (error) {
    if (outputs.endpoint === undefined || key === undefined) throw error;
    resolved = fromStackKey(key);
  }
  const presignerKeys = new Set([key?.accessKeyId, ...(outputs.accessKeys ?? []).map((slot) => slot.accessKeyId)]);
  if (presignerKeys.has(resolved.credentials.accessKeyId)) {
    io.stderr(
      `warning: ${purpose.doing} with the stack's presigner key ${resolved.credentials.accessKeyId}, which on AWS ${purpose.onAws}; trying anyway (a local server accepts it). ` +
        "On AWS, use your own credentials (AWS_PROFILE, aws sso login, or environment variables).\n",
    );
  }
  return resolved;
}

/** The stack's outputs (read unless the command read them already) and its bucket, reached with the caller's credentials. */
export async function openCallerStack(
  options: StackOptions,
  io: CliIo,
  purpose: CallerPurpose,
  outputsRead?: StackOutputs,
): Promise<OpenedStack> {
  const flag = validateEndpoint(options.endpoint);
  const outputs = outputsRead ?? (await readStackOutputs(options, io));
  const endpoint = endpointFor(flag, outputs);
  const credentials = await callerCredentials(outputs, io, purpose);
  const connection = { region: outputs.region, credentials: credentials.credentials, endpoint, ...io.s3 };
  const store = s3ObjectStore(createS3Client(connection), outputs.bucketName, connection.callTimeoutMs);
  return { outputs, credentials, store, endpoint };
}

/** Runs `work` on the stack's own Cognito user pool with the caller's credentials (refused on the lab's own provider). */
export async function withUserPool<T>(
  options: StackOptions,
  io: CliIo,
  command: string,
  work: (client: CognitoClient, userPoolId: string) => Promise<T>,
): Promise<T> {
  const outputs = await readStackOutputs(options, io);
  const userPoolId = userPoolOf(outputs, command);
  const { credentials } = await fromCredentialChain(io.credentialProvider);
  const client = cognitoClient(outputs.region, credentials);
  try {
    return await work(client, userPoolId);
  } finally {
    client.destroy();
  }
}
