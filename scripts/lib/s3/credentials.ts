/**
 * Which credentials sign the links, what kind they are, and therefore how long a link can live.
 *
 * The stack's presigner user (its key is in the stack outputs) is preferred: that is the identity
 * built for the job, and its long-term key signs links for up to 7 days. Otherwise the standard
 * AWS chain is used (environment, shared config and credentials files, SSO, container and instance
 * metadata); session credentials limit a link to the session's remaining life.
 */
import type { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { AwsError, describeCause } from "../errors";
import { SigningCredentials } from "./presign";
import { credentialProvidersSdk } from "./sdk-modules";

type AwsCredentialIdentityProvider = ReturnType<typeof fromNodeProviderChain>;
type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;

export type CredentialKind =
  /** The stack's presigner user's long-term access key, read from the stack outputs. */
  | "stack-presigner"
  /** Long-term IAM user keys from the credential chain. */
  | "long-term"
  /** Temporary credentials (STS, SSO, role, instance or container): links die with the session. */
  | "session";

export interface ResolvedCredentials {
  credentials: SigningCredentials;
  kind: CredentialKind;
  /** When session credentials expire, if the provider says. */
  expiresAt?: Date;
  /** Where they came from, for messages (never the secret). */
  source: string;
}

export interface StackKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export function fromStackKey(key: StackKey): ResolvedCredentials {
  return {
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    kind: "stack-presigner",
    source: `the stack's presigner key ${key.accessKeyId}`,
  };
}

/** Classifies credentials a provider returned. */
export function classify(identity: AwsCredentialIdentity, source: string): ResolvedCredentials {
  const credentials: SigningCredentials = {
    accessKeyId: identity.accessKeyId,
    secretAccessKey: identity.secretAccessKey,
    ...(identity.sessionToken ? { sessionToken: identity.sessionToken } : {}),
  };
  const temporary = Boolean(identity.sessionToken) || identity.accessKeyId.startsWith("ASIA");
  return {
    credentials,
    kind: temporary ? "session" : "long-term",
    ...(temporary && identity.expiration ? { expiresAt: identity.expiration } : {}),
    source,
  };
}

/** Resolves credentials through the standard AWS chain (or the provider given, in tests). */
export async function fromCredentialChain(
  provider: AwsCredentialIdentityProvider = credentialProvidersSdk().fromNodeProviderChain(),
): Promise<ResolvedCredentials> {
  let identity: AwsCredentialIdentity;
  try {
    identity = await provider();
  } catch (error) {
    throw new AwsError(`no AWS credentials found: ${describeCause(error)}`, {
      fix: "pass --stack or --outputs so the stack's presigner key is used, or configure AWS credentials (AWS_PROFILE, aws sso login, or environment variables)",
      cause: error,
    });
  }
  return classify(identity, "the AWS credential chain");
}

/** What a kind of credentials means for link life, in one line. */
export function describeKind(resolved: ResolvedCredentials, now: Date): string {
  switch (resolved.kind) {
    case "stack-presigner":
      return "the stack's presigner user (long-term key: links up to 7 days)";
    case "long-term":
      return "long-term IAM user keys (links up to 7 days)";
    case "session":
      return resolved.expiresAt
        ? `session credentials expiring ${resolved.expiresAt.toISOString()} (in ${Math.max(0, Math.floor((resolved.expiresAt.getTime() - now.getTime()) / 60000))} min): links die with the session`
        : "session credentials with an unknown expiry: links die with the session";
  }
}
