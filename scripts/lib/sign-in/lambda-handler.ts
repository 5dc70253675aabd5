/**
 * The sign-in function on AWS Lambda, behind a function URL that the viewer's CloudFront
 * distribution fronts (origin access control, so only CloudFront can call it). Its one environment
 * variable, SIGN_IN_SECRET_ARN, names the Secrets Manager secret holding its configuration and the
 * cookie keys; the secret is read once per container and kept, as is the provider's metadata.
 *
 * The stack bundles this file (esbuild, one file) at `pulumi up`: it imports nothing that needs the
 * project's checkout.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { randomBytes } from "node:crypto";
import { parseCookieHeader } from "./cookie-header";
import { oidcClient } from "./oidc-client";
import { TokenKeys } from "./session-tokens";
import { parseSignInConfig, SignInConfig } from "./sign-in-config";
import { unavailablePage } from "./sign-in-pages";
import { handleViewerRequest, SignInDeps, ViewerRequest, ViewerResponse } from "./viewer-request-handler";
import { s3ObjectStore } from "../s3/object-store";

/** The parts of a Lambda function-URL event (payload 2.0) the function reads. */
export interface FunctionUrlEvent {
  rawPath: string;
  rawQueryString?: string;
  cookies?: string[];
  headers?: Record<string, string | undefined>;
  requestContext: { http: { method: string; sourceIp: string } };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: string;
  isBase64Encoded: false;
}

export const SECRET_ARN_VARIABLE = "SIGN_IN_SECRET_ARN";

/**
 * The viewer's address: CloudFront-Viewer-Address (`ip:port`, forwarded by the stack's origin request
 * policy), else the first X-Forwarded-For entry; the request's own source is CloudFront itself.
 */
export function clientAddressOf(event: FunctionUrlEvent): string {
  const viewer = event.headers?.["cloudfront-viewer-address"]?.trim();
  if (viewer) return viewer.slice(0, viewer.lastIndexOf(":") > 0 ? viewer.lastIndexOf(":") : undefined);
  const forwarded = event.headers?.["x-forwarded-for"]?.split(",")[0]?.trim();
  return forwarded || event.requestContext.http.sourceIp;
}

export function viewerRequestOfEvent(event: FunctionUrlEvent): ViewerRequest {
  const host = event.headers?.host;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.rawQueryString ?? "",
    cookies: parseCookieHeader(event.cookies ?? []),
    clientAddress: clientAddressOf(event),
    ...(host === undefined ? {} : { host }),
  };
}

export function functionUrlResultOf(response: ViewerResponse): FunctionUrlResult {
  return {
    statusCode: response.status,
    headers: response.headers,
    cookies: response.cookies,
    body: response.body,
    isBase64Encoded: false,
  };
}

/** What the function keeps between requests of one container. */
export function depsFromConfig(config: SignInConfig): SignInDeps {
  const client = new S3Client({
    region: config.region,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  return {
    config,
    store: s3ObjectStore(client, config.bucket, 10_000),
    oidc: oidcClient({
      issuer: config.issuer,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      redirectUri: `${config.viewerOrigin}/auth/callback`,
    }),
    keys: new TokenKeys(config.keys, config.activeKeyPairId, config.viewerOrigin),
    now: () => new Date(),
    randomHex: () => randomBytes(4).toString("hex"),
    log: (message) => console.log(message),
  };
}

async function loadDeps(): Promise<SignInDeps> {
  const arn = process.env[SECRET_ARN_VARIABLE];
  if (!arn) throw new Error(`${SECRET_ARN_VARIABLE} is not set`);
  const secrets = new SecretsManagerClient({});
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  if (secret.SecretString === undefined) throw new Error("the sign-in secret holds no string");
  return depsFromConfig(parseSignInConfig(secret.SecretString, "the sign-in secret"));
}

let cached: Promise<SignInDeps> | undefined;

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  let deps: SignInDeps;
  try {
    deps = await (cached ??= loadDeps());
  } catch (error) {
    cached = undefined; // read the secret again at the next request
    console.log(`sign-in: configuration unavailable: ${error instanceof Error ? error.message : String(error)}`);
    return functionUrlResultOf({ ...unavailablePage(), cookies: [] });
  }
  return functionUrlResultOf(await handleViewerRequest(viewerRequestOfEvent(event), deps));
}
