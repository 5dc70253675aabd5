import * as pulumi from "@pulumi/pulumi";
import { CookieSigningKeys } from "./cookie-signing-keys";
import { SIGN_IN_HANDLER_ENTRY, signInFunctionCode } from "./function-bundle";
import { signInFunctionConfiguration } from "./function-configuration";
import { SignInFunction } from "./sign-in-function";
import { SignInGateway } from "./sign-in-gateway";
import { SignInRoutes } from "./sign-in-routes";
import { SignInSettings } from "./sign-in-settings";

export interface SignInAccessArgs extends Omit<SignInSettings, "access" | "signInClientSecret"> {
  /** A Pulumi secret ("" for none). */
  readonly signInClientSecret: pulumi.Input<string>;
  readonly bucketName: pulumi.Input<string>;
  readonly bucketArn: pulumi.Input<string>;
  readonly region: pulumi.Input<string>;
  /** The data bucket's regional domain name, CloudFront's origin for data and configs. */
  readonly bucketDomainName: pulumi.Input<string>;
  readonly dataPrefixes: readonly string[];
  readonly configPrefix: string;
  readonly ledgerPrefix: string;
  readonly kmsKeyArn: string;
  readonly forceDestroy: boolean;
  /** `https://<viewer host>` and the viewer's distribution (deferred: the viewer is built after this). */
  readonly viewerOrigin: pulumi.Input<string>;
  readonly distributionArn: pulumi.Input<string>;
  /** The sign-in function's TypeScript entry (default: the project's handler). */
  readonly handlerEntry?: string;
}

/**
 * Sign-in viewing (`access: sign-in`): who may sign in (SignInGateway), the keys that sign the
 * cookies (CookieSigningKeys), the function that signs people in and hands out cookies
 * (SignInFunction), and the routes the viewer's distribution adds for the data and the function
 * (SignInRoutes).
 */
export class SignInAccess extends pulumi.ComponentResource {
  readonly routes: SignInRoutes;
  readonly issuer: pulumi.Output<string>;
  readonly clientId: pulumi.Output<string>;
  readonly userPoolId?: pulumi.Output<string>;
  readonly functionName: pulumi.Output<string>;
  readonly keyGroupId: pulumi.Output<string>;

  constructor(name: string, args: SignInAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:sign-in:SignInAccess", name, {}, opts);
    const parent = { parent: this };
    const keys = new CookieSigningKeys(`${name}-keys`, args, parent);
    const gateway = new SignInGateway(`${name}-gateway`, args, parent);
    const configuration = pulumi
      .all([keys.slots, keys.activeKeyPairId, gateway.issuer, gateway.clientId, gateway.clientSecret])
      .apply(([slots, activeKeyPairId, issuer, clientId, clientSecret]) =>
        pulumi.all([args.viewerOrigin, args.bucketName, args.region]).apply(([viewerOrigin, bucket, region]) =>
          signInFunctionConfiguration({
            slots,
            activeKeyPairId,
            issuer,
            clientId,
            clientSecret,
            groupsClaim: args.signInGroupsClaim,
            sessionHours: args.sessionHours,
            viewerOrigin,
            bucket,
            region,
            configPrefix: args.configPrefix,
            dataPrefixes: [...args.dataPrefixes],
            ledgerPrefix: args.ledgerPrefix,
            grantsPrefix: args.grantsPrefix,
            auditPrefix: args.auditPrefix,
          }),
        ),
      );
    const fn = new SignInFunction(
      `${name}-function`,
      {
        ...args,
        code: signInFunctionCode(args.handlerEntry ?? SIGN_IN_HANDLER_ENTRY),
        configuration: pulumi.secret(configuration),
      },
      parent,
    );
    this.routes = new SignInRoutes(
      `${name}-routes`,
      {
        dataBucketDomainName: args.bucketDomainName,
        functionUrlHost: fn.urlHost,
        keyGroupId: keys.keyGroupId,
        dataPrefixes: args.dataPrefixes,
        configPrefix: args.configPrefix,
      },
      parent,
    );
    this.issuer = gateway.issuer;
    this.clientId = gateway.clientId;
    this.userPoolId = gateway.userPoolId;
    this.functionName = fn.functionName;
    this.keyGroupId = keys.keyGroupId;
    this.registerOutputs({ issuer: this.issuer, clientId: this.clientId, functionName: this.functionName });
  }
}
