/**
 * Who reads the access logs. The log bucket's policy lets only the account root and the stack's
 * `logReaderArns` read them (they hold whole presigned URLs, signatures included), so the report
 * reads them with the caller's own credentials, never the presigner's; when the bucket refuses, it
 * names the principal to add.
 */
import { AwsError } from "../errors";
import { fromCredentialChain, fromStackKey, ResolvedCredentials } from "../s3/credentials";
import { stackKey } from "../s3/outputs-source";
import { createS3Client, S3ConnectionOptions } from "../s3/object-store";
import { stsSdk } from "../s3/sdk-modules";
import { LogBucket, s3LogBucket } from "./access-log-listing";
import { StackOutputs } from "../../../components/stack-outputs";

type CredentialProvider = Parameters<typeof fromCredentialChain>[0];

/**
 * The caller's credentials from the AWS chain. With none there, a local server (the demo's, named in
 * its outputs, or --endpoint) is read with the stack's presigner key, which that server accepts: it
 * emulates no bucket policy.
 */
export async function logReaderCredentials(
  outputs: StackOutputs,
  endpoint: string | undefined,
  provider: CredentialProvider | undefined,
): Promise<ResolvedCredentials> {
  try {
    return await fromCredentialChain(provider);
  } catch (error) {
    const key = stackKey(outputs);
    if (endpoint === undefined || key === undefined) {
      throw new AwsError("no AWS credentials found to read the access logs with", {
        fix: "sign in as the account root or a principal of the stack's logReaderArns (AWS_PROFILE, aws sso login, or environment variables)",
        cause: error,
      });
    }
    return fromStackKey(key);
  }
}

/**
 * The principal a caller's ARN stands for in a bucket policy (`aws:PrincipalArn`): a role session
 * (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) stands for its role.
 */
export function principalOf(callerArn: string): string {
  const session = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return session ? `arn:${session[1]}:iam::${session[2]}:role/${session[3]}` : callerArn;
}

/** The caller's principal as STS names it, or undefined when STS cannot be asked (a local endpoint, no network). */
export async function callerPrincipal(
  credentials: ResolvedCredentials,
  region: string,
  endpoint: string | undefined,
): Promise<string | undefined> {
  if (endpoint !== undefined) return undefined;
  const sts = new (stsSdk().STSClient)({ region, credentials: credentials.credentials, maxAttempts: 2 });
  try {
    const answer = await sts.send(new (stsSdk().GetCallerIdentityCommand)({}), {
      abortSignal: AbortSignal.timeout(10_000),
    });
    return answer.Arn === undefined ? undefined : principalOf(answer.Arn);
  } catch {
    return undefined;
  } finally {
    sts.destroy();
  }
}

/** What the caller was reading: the log bucket's access logs, or (sign-in mode) the data bucket's audit records. */
export type ReadRecords = "access logs" | "audit records";

/** The error for a log bucket that refused the caller, naming the principal to add to `logReaderArns`. */
export function logReadRefused(where: string, principal: string | undefined, cause: unknown): AwsError {
  const who = principal ?? "your role or user ARN (aws sts get-caller-identity)";
  const roleNote = principal?.includes(":role/")
    ? "; a role with a path (IAM Identity Center roles live under aws-reserved/sso.amazonaws.com/) needs it in the ARN: `aws iam get-role --role-name <name>` shows it"
    : "";
  return new AwsError(
    `you cannot read the access logs in ${where}: only the account root and the stack's logReaderArns may read them (they hold whole presigned URLs)`,
    {
      fix: `add ${who} to logReaderArns (\`pulumi config set --path 'logReaderArns[N]' ${principal ?? "<arn>"}\`, N being the list's length, then \`pulumi up\`), or run as a principal listed there${roleNote}`,
      cause,
    },
  );
}

/** The audit records are the data bucket's: IAM decides who reads them, not the log bucket's policy. */
export function auditReadRefused(where: string, principal: string | undefined, cause: unknown): AwsError {
  return new AwsError(`you cannot read the sign-in audit records in ${where}`, {
    fix: `allow ${principal ?? "your role or user"} s3:ListBucket (s3:prefix ${where.split("/").slice(3).join("/")}) and s3:GetObject on that prefix in its IAM policy, or run as a principal allowed there`,
    cause,
  });
}

/** The log bucket as the caller reads it, and what to say when it refuses. */
export interface LogReader {
  logs: LogBucket;
  refused(where: string, cause: unknown, what?: ReadRecords): Promise<Error>;
  close(): void;
}

export interface LogReaderOptions {
  outputs: StackOutputs;
  bucket: string;
  endpoint?: string;
  credentialProvider?: CredentialProvider;
  s3?: Partial<S3ConnectionOptions>;
}

/** Opens the stack's log bucket (or, in sign-in mode, its data bucket's audit records) with the caller's credentials. */
export async function openLogReader(args: LogReaderOptions): Promise<LogReader> {
  const credentials = await logReaderCredentials(args.outputs, args.endpoint, args.credentialProvider);
  const connection: S3ConnectionOptions = {
    region: args.outputs.region,
    credentials: credentials.credentials,
    endpoint: args.endpoint,
    ...args.s3,
  };
  const client = createS3Client(connection);
  return {
    logs: s3LogBucket(client, args.bucket, connection.callTimeoutMs),
    refused: async (where, cause, what = "access logs") => {
      const principal = await callerPrincipal(credentials, args.outputs.region, args.endpoint);
      return (what === "access logs" ? logReadRefused : auditReadRefused)(where, principal, cause);
    },
    close: () => client.destroy(),
  };
}
