import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SIGN_IN_PATHS, signInCallbackUrl } from "./function-configuration";

export interface SignInGatewayArgs {
  /** "" for the stack's own Cognito user pool, else the lab's OpenID Connect issuer URL. */
  readonly signInIssuer: string;
  /** With signInIssuer: the client the lab's provider registered for this viewer. */
  readonly signInClientId: string;
  /** With signInIssuer: its secret (a Pulumi secret), "" for a public client. */
  readonly signInClientSecret: pulumi.Input<string>;
  /** `https://<viewer host>`: the callback and sign-out addresses are on it. */
  readonly viewerOrigin: pulumi.Input<string>;
  /** Off: the user pool cannot be deleted (it holds who may read the data). */
  readonly forceDestroy: boolean;
}

/** Cognito's hosted sign-in pages, classic version (version 2 needs a branding resource to show anything). */
const MANAGED_LOGIN_VERSION = 1;

/**
 * A Cognito hosted-sign-in domain prefix for a pool: unique per pool, and only hex digits after a
 * fixed word, so it never holds the words Cognito reserves ("aws", "amazon", "cognito").
 */
export function hostedSignInDomain(userPoolId: string): string {
  return `chromoscope-${createHash("sha256").update(userPoolId).digest("hex").slice(0, 16)}`;
}

/**
 * Who may sign in. By default an Amazon Cognito user pool that only administrators fill (self
 * sign-up off; `add-reader` invites a person by email), with optional TOTP multi-factor
 * authentication, Cognito's hosted sign-in pages and a confidential client for the authorization-code
 * flow with PKCE, whose only callback is the viewer's `/auth/callback`. With `signInIssuer` the lab's
 * own OpenID Connect provider signs people in (institutions federate there) and nothing is created.
 */
export class SignInGateway extends pulumi.ComponentResource {
  /** The issuer the sign-in function trusts (Cognito's: `https://cognito-idp.<region>.amazonaws.com/<pool id>`). */
  readonly issuer: pulumi.Output<string>;
  readonly clientId: pulumi.Output<string>;
  /** A Pulumi secret; "" for a public client. */
  readonly clientSecret: pulumi.Output<string>;
  /** The stack's own pool only. */
  readonly userPoolId?: pulumi.Output<string>;
  /** The stack's own pool only: the hosted sign-in pages' domain. */
  readonly hostedDomain?: pulumi.Output<string>;

  constructor(name: string, args: SignInGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:sign-in:SignInGateway", name, {}, opts);
    if (args.signInIssuer !== "") {
      if (args.signInClientId === "") throw new Error(`SignInGateway ${name}: signInIssuer needs signInClientId`);
      this.issuer = pulumi.output(args.signInIssuer);
      this.clientId = pulumi.output(args.signInClientId);
      this.clientSecret = pulumi.secret(args.signInClientSecret);
      this.registerOutputs({ issuer: this.issuer, clientId: this.clientId });
      return;
    }

    const pool = new aws.cognito.UserPool(
      `${name}-users`,
      {
        adminCreateUserConfig: { allowAdminCreateUserOnly: true },
        usernameAttributes: ["email"],
        autoVerifiedAttributes: ["email"],
        mfaConfiguration: "OPTIONAL",
        softwareTokenMfaConfiguration: { enabled: true },
        passwordPolicy: {
          minimumLength: 12,
          requireLowercase: true,
          requireUppercase: true,
          requireNumbers: true,
          requireSymbols: true,
          temporaryPasswordValidityDays: 7,
        },
        accountRecoverySetting: { recoveryMechanisms: [{ name: "verified_email", priority: 1 }] },
        deletionProtection: args.forceDestroy ? "INACTIVE" : "ACTIVE",
      },
      { parent: this },
    );
    const client = new aws.cognito.UserPoolClient(
      `${name}-client`,
      {
        userPoolId: pool.id,
        generateSecret: true,
        allowedOauthFlowsUserPoolClient: true,
        allowedOauthFlows: ["code"],
        allowedOauthScopes: ["openid", "email"],
        supportedIdentityProviders: ["COGNITO"],
        callbackUrls: [pulumi.output(args.viewerOrigin).apply(signInCallbackUrl)],
        // Where Cognito's sign-out page sends the person back: the app (not /auth/logout, which would loop).
        logoutUrls: [pulumi.interpolate`${args.viewerOrigin}${SIGN_IN_PATHS.afterLogout}`],
        // No password sign-in through the API (only the hosted pages, SRP), no custom flows.
        explicitAuthFlows: ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        preventUserExistenceErrors: "ENABLED",
        enableTokenRevocation: true,
        // The function reads the ID token once, at sign-in; the session is its own cookie.
        idTokenValidity: 5,
        accessTokenValidity: 5,
        refreshTokenValidity: 60,
        tokenValidityUnits: { idToken: "minutes", accessToken: "minutes", refreshToken: "minutes" },
      },
      { parent: this },
    );
    const domain = new aws.cognito.UserPoolDomain(
      `${name}-domain`,
      { userPoolId: pool.id, domain: pool.id.apply(hostedSignInDomain), managedLoginVersion: MANAGED_LOGIN_VERSION },
      { parent: this },
    );

    this.issuer = pulumi.interpolate`https://${pool.endpoint}`;
    this.clientId = client.id;
    this.clientSecret = pulumi.secret(client.clientSecret);
    this.userPoolId = pool.id;
    this.hostedDomain = domain.domain;
    this.registerOutputs({
      issuer: this.issuer,
      clientId: this.clientId,
      userPoolId: this.userPoolId,
      hostedDomain: this.hostedDomain,
    });
  }
}
