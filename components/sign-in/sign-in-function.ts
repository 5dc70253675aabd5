import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { lambdaTrustPolicyDocument, signInFunctionPolicyDocument } from "../../policy/documents/iam-policies";
import { SIGN_IN_FUNCTION_HANDLER, SIGN_IN_FUNCTION_RUNTIME } from "./function-bundle";
import { SIGN_IN_SECRET_ENV, SignInFunctionConfiguration } from "./function-configuration";

export interface SignInFunctionArgs {
  readonly bucketArn: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  readonly grantsPrefix: string;
  readonly ledgerPrefix: string;
  readonly auditPrefix: string;
  /** "" when the bucket uses SSE-S3. */
  readonly kmsKeyArn: string;
  /** The bundled handler (function-bundle.ts). */
  readonly code: pulumi.asset.Archive;
  /** What the function reads from its secret, cookie-signing keys included. */
  readonly configuration: pulumi.Input<SignInFunctionConfiguration>;
  /** The viewer's distribution: the only caller of the function's URL. */
  readonly distributionArn: pulumi.Input<string>;
}

/** Days the function's logs are kept (its audit records live in the bucket, not in the logs). */
export const SIGN_IN_LOG_RETENTION_DAYS = 90;
const IAM_PATH = "/chromoscope/";

/**
 * The sign-in function: AWS Lambda behind a function URL that only the viewer's CloudFront
 * distribution may call (AWS_IAM auth, signed by the distribution's Origin Access Control, and a
 * resource policy pinned to the distribution). Its configuration and the cookie-signing keys live in
 * one Secrets Manager secret that only its role is granted; its one environment variable names that
 * secret. Its role reads the secret, the grants and the ledger, appends audit records, writes its
 * own logs, and nothing else.
 */
export class SignInFunction extends pulumi.ComponentResource {
  readonly functionName: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  /** The function URL's host, CloudFront's origin for `/auth/*` and `/open/*`. */
  readonly urlHost: pulumi.Output<string>;
  readonly secretArn: pulumi.Output<string>;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: SignInFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:sign-in:SignInFunction", name, {}, opts);

    const secret = this.storeConfiguration(name, args.configuration);
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: SIGN_IN_LOG_RETENTION_DAYS },
      { parent: this },
    );
    const { role, rolePolicy } = this.createRole(name, args, secret, logGroup);
    const fn = new aws.lambda.Function(
      `${name}-lambda`,
      {
        description: "Chromoscope sign-in: OpenID Connect sign-in, grants, CloudFront signed cookies",
        runtime: SIGN_IN_FUNCTION_RUNTIME,
        handler: SIGN_IN_FUNCTION_HANDLER,
        architectures: ["arm64"],
        memorySize: 256,
        timeout: 10,
        code: args.code,
        role: role.arn,
        environment: { variables: { [SIGN_IN_SECRET_ENV]: secret.arn } },
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      },
      { parent: this, dependsOn: [rolePolicy] },
    );
    const url = this.exposeToDistribution(name, fn, args.distributionArn);

    this.functionName = fn.name;
    this.functionArn = fn.arn;
    this.urlHost = url.functionUrl.apply((address) => new URL(address).host);
    this.secretArn = secret.arn;
    this.roleArn = role.arn;
    this.registerOutputs({ functionName: this.functionName, urlHost: this.urlHost, secretArn: this.secretArn });
  }

  /** The configuration and the cookie-signing keys live in a secret only the function's role is granted, never in its environment. */
  private storeConfiguration(
    name: string,
    configuration: pulumi.Input<SignInFunctionConfiguration>,
  ): aws.secretsmanager.Secret {
    const secret = new aws.secretsmanager.Secret(
      `${name}-configuration`,
      { description: "Chromoscope sign-in: the function's configuration and cookie-signing keys" },
      { parent: this },
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-configuration-value`,
      { secretId: secret.id, secretString: pulumi.secret(pulumi.jsonStringify(configuration)) },
      { parent: this },
    );
    return secret;
  }

  private createRole(
    name: string,
    args: SignInFunctionArgs,
    secret: aws.secretsmanager.Secret,
    logGroup: aws.cloudwatch.LogGroup,
  ): { role: aws.iam.Role; rolePolicy: aws.iam.RolePolicy } {
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        path: IAM_PATH,
        description: "Runs the Chromoscope sign-in function",
        assumeRolePolicy: JSON.stringify(lambdaTrustPolicyDocument()),
      },
      { parent: this },
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role-policy`,
      {
        role: role.name,
        policy: pulumi
          .all([args.bucketArn, args.region, secret.arn, logGroup.arn])
          .apply(([bucketArn, region, secretArn, logGroupArn]) =>
            JSON.stringify(
              signInFunctionPolicyDocument({
                bucketArn,
                region,
                secretArn,
                logGroupArn,
                grantsPrefix: args.grantsPrefix,
                ledgerPrefix: args.ledgerPrefix,
                auditPrefix: args.auditPrefix,
                kmsKeyArn: args.kmsKeyArn,
              }),
            ),
          ),
      },
      { parent: this },
    );
    return { role, rolePolicy };
  }

  /** The function URL, callable by the stack's distribution only (AWS_IAM auth, signed by its Origin Access Control). */
  private exposeToDistribution(
    name: string,
    fn: aws.lambda.Function,
    distributionArn: pulumi.Input<string>,
  ): aws.lambda.FunctionUrl {
    const url = new aws.lambda.FunctionUrl(
      `${name}-url`,
      { functionName: fn.name, authorizationType: "AWS_IAM", invokeMode: "BUFFERED" },
      { parent: this },
    );
    // Function URLs need both permissions (lambda:InvokeFunction since October 2025), each for the
    // stack's distribution only.
    new aws.lambda.Permission(
      `${name}-invoke-url`,
      {
        function: fn.name,
        action: "lambda:InvokeFunctionUrl",
        principal: "cloudfront.amazonaws.com",
        sourceArn: distributionArn,
        functionUrlAuthType: "AWS_IAM",
      },
      { parent: this },
    );
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        function: fn.name,
        action: "lambda:InvokeFunction",
        principal: "cloudfront.amazonaws.com",
        sourceArn: distributionArn,
        invokedViaFunctionUrl: true,
      },
      { parent: this },
    );
    return url;
  }
}
