/**
 * Pulumi mocks for the program's unit tests. Import this module before any program module:
 * `setMocks` must run before a resource is constructed.
 *
 * Like the real AWS provider, the mock fills in computed attributes (ARNs, ids, the bucket's region,
 * the access key's secret and creation date); everything else is echoed from the inputs.
 */
import * as pulumi from "@pulumi/pulumi";

export const MOCK_ACCOUNT_ID = "123456789012";
/** The mocked deployment: `pulumi.getOrganization()/getProject()/getStack()`. */
export const MOCK_ORGANIZATION = "lab-org";
export const MOCK_PROJECT = "chromoscope-private-data";
export const MOCK_STACK = "dev";
export const MOCK_REGION = "eu-west-2";
/** The creation date every mocked access key reports. */
export const MOCK_KEY_CREATED_AT = "2026-11-01T09:30:00Z";

export interface RecordedResource {
  type: string;
  name: string;
  /** The physical id the mock gave it (a bucket's name, a distribution's id). */
  id: string;
  custom: boolean;
  inputs: Record<string, any>;
  state: Record<string, any>;
}

/** Every resource the mock monitor saw, in registration order. */
export const recordedResources: RecordedResource[] = [];

/**
 * Outputs of deployed stacks by full name ("org/project/stack"), as a StackReference reads them.
 * Empty: every referenced stack, the mocked one included, is a first deployment. Tests that set an
 * entry delete it afterwards.
 */
export const deployedStackOutputs = new Map<string, Record<string, unknown>>();
/** Names of the outputs a deployed stack marks secret (as `pulumi stack output` shows `[secret]`). */
export const deployedSecretOutputNames = new Map<string, string[]>();

function physicalName(name: string): string {
  return `${name}-0a1b2c3`.toLowerCase();
}

/** A deterministic fake access key id for a resource name (AKIA + 16 uppercase characters). */
export function mockAccessKeyId(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `AKIA${hash.toString(36).toUpperCase().padStart(16, "X").slice(-16)}`;
}

function computedState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = inputs.bucket ?? physicalName(name);
      const region = inputs.region ?? MOCK_REGION;
      return {
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        region,
        bucketRegionalDomainName: `${bucket}.s3.${region}.amazonaws.com`,
      };
    }
    case "aws:cloudfront/distribution:Distribution": {
      const id = `E${mockAccessKeyId(name).slice(4, 17)}`;
      return {
        arn: `arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:distribution/${id}`,
        domainName: `d${id.slice(1).toLowerCase()}.cloudfront.net`,
      };
    }
    case "aws:cloudfront/function:Function":
      return { arn: `arn:aws:cloudfront::${MOCK_ACCOUNT_ID}:function/${physicalName(name)}` };
    case "aws:iam/user:User":
    case "aws:iam/group:Group":
    case "aws:iam/role:Role":
    case "aws:iam/instanceProfile:InstanceProfile": {
      const kind = type
        .split(":")[2]
        .replace(/^./, (c) => c.toLowerCase())
        .replace("instanceProfile", "instance-profile");
      const resourceName = inputs.name ?? physicalName(name);
      return { name: resourceName, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:${kind}${inputs.path ?? "/"}${resourceName}` };
    }
    case "tls:index/privateKey:PrivateKey": {
      // Not a key: the sign-in tests look for PEM-shaped text where no key may be (outputs, environments).
      const body = Buffer.from(`mock key ${name}`).toString("base64");
      const pem = (label: string) => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
      return {
        publicKeyPem: pem("PUBLIC KEY"),
        privateKeyPem: pem("RSA PRIVATE KEY"),
        privateKeyPemPkcs8: pem("PRIVATE KEY"),
      };
    }
    case "aws:cognito/userPool:UserPool": {
      const id = `${MOCK_REGION}_${mockAccessKeyId(name).slice(4, 13)}`;
      return {
        id,
        arn: `arn:aws:cognito-idp:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:userpool/${id}`,
        endpoint: `cognito-idp.${MOCK_REGION}.amazonaws.com/${id}`,
      };
    }
    case "aws:cognito/userPoolClient:UserPoolClient":
      return { clientSecret: `mock-client-secret-${name}` };
    case "aws:secretsmanager/secret:Secret":
      return { arn: `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:secret:${physicalName(name)}-AbC123` };
    case "aws:cloudwatch/logGroup:LogGroup": {
      const logGroup = inputs.name ?? physicalName(name);
      return { name: logGroup, arn: `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:log-group:${logGroup}` };
    }
    case "aws:lambda/function:Function": {
      const functionName = inputs.name ?? physicalName(name);
      return { name: functionName, arn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT_ID}:function:${functionName}` };
    }
    case "aws:lambda/functionUrl:FunctionUrl":
      return {
        functionUrl: `https://${mockAccessKeyId(name).slice(4).toLowerCase()}.lambda-url.${MOCK_REGION}.on.aws/`,
      };
    case "pulumi:pulumi:StackReference":
      return {
        outputs: deployedStackOutputs.get(inputs.name) ?? {},
        secretOutputNames: deployedSecretOutputNames.get(inputs.name) ?? [],
      };
    case "aws:iam/accessKey:AccessKey":
      return { secret: `mock-secret-${name}`, createDate: MOCK_KEY_CREATED_AT, status: inputs.status ?? "Active" };
    default:
      return {};
  }
}

function resourceId(type: string, name: string, state: Record<string, any>): string {
  if (type === "aws:iam/accessKey:AccessKey") return mockAccessKeyId(name);
  if (type === "aws:cloudfront/publicKey:PublicKey") return `K${mockAccessKeyId(name).slice(4, 17)}`;
  if (type === "aws:cognito/userPoolClient:UserPoolClient") return mockAccessKeyId(name).slice(4).toLowerCase();
  if (type === "aws:secretsmanager/secret:Secret" || type === "aws:cognito/userPool:UserPool")
    return state.id ?? state.arn;
  if (type === "aws:cloudfront/distribution:Distribution") return String(state.arn).split("/")[1];
  return state.bucket ?? state.name ?? `${name}_id`;
}

/** Resolves once the mock monitor is installed; await it before constructing resources. */
export const mocksReady: Promise<void> = pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs) {
      const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs) };
      const id = resourceId(args.type, args.name, state);
      recordedResources.push({
        type: args.type,
        name: args.name,
        id,
        custom: args.custom ?? true,
        inputs: args.inputs,
        state,
      });
      return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
        return {
          accountId: MOCK_ACCOUNT_ID,
          arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/deployer`,
          userId: "AIDAMOCKDEPLOYER",
          id: MOCK_ACCOUNT_ID,
        };
      }
      throw new Error(`Mock call not implemented: ${args.token}`);
    },
  },
  MOCK_PROJECT,
  MOCK_STACK,
  false,
  MOCK_ORGANIZATION,
);
