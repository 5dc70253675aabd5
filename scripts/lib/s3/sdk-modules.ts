/**
 * The AWS SDK's modules, each loaded at its first use rather than when a command starts: together
 * they take longer to load than Node itself starts, and `--help`, a usage error or an invalid
 * manifest needs none of them. Types come from `import type`, which loads nothing.
 */
import type * as ClientS3 from "@aws-sdk/client-s3";
import type * as ClientSts from "@aws-sdk/client-sts";
import type * as CredentialProviders from "@aws-sdk/credential-providers";

/* eslint-disable @typescript-eslint/no-require-imports -- loading on first use is the point of this module */
export const s3Sdk = (): typeof ClientS3 => require("@aws-sdk/client-s3") as typeof ClientS3;
export const stsSdk = (): typeof ClientSts => require("@aws-sdk/client-sts") as typeof ClientSts;
export const credentialProvidersSdk = (): typeof CredentialProviders =>
  require("@aws-sdk/credential-providers") as typeof CredentialProviders;
/* eslint-enable @typescript-eslint/no-require-imports */
