import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CACHING_OPTIMIZED_POLICY_ID } from "../viewer/cloudfront-ids";
import { SIGN_IN_PATH_PATTERNS } from "./function-configuration";

type Origin = aws.types.input.cloudfront.DistributionOrigin;
type OrderedBehaviour = aws.types.input.cloudfront.DistributionOrderedCacheBehavior;

/** AWS's managed cache policy "CachingDisabled": configs (revoke deletes them) and the sign-in function's answers. */
export const CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/** CloudFront's origin ids for the data bucket and the sign-in function. */
export const DATA_ORIGIN_ID = "data-bucket";
export const SIGN_IN_ORIGIN_ID = "sign-in-function";

export interface SignInBehaviourArgs {
  readonly dataPrefixes: readonly string[];
  readonly configPrefix: string;
  readonly keyGroupId: pulumi.Input<string>;
  readonly functionRequestPolicyId: pulumi.Input<string>;
}

/**
 * The distribution's cache behaviours in sign-in mode, besides the app's default one: each data prefix
 * and the config prefix from the data bucket, answered only with valid signed cookies of the stack's
 * key group (configs never cached: a revoke deletes them); `/auth/*` and `/open/*` from the sign-in
 * function, never cached, with the viewer's cookies, query and address (not its Host, which a function
 * URL must receive as its own). GET and HEAD only. Pure.
 */
export function signInCacheBehaviours(args: SignInBehaviourArgs): OrderedBehaviour[] {
  const common = {
    viewerProtocolPolicy: "redirect-to-https",
    allowedMethods: ["GET", "HEAD"],
    cachedMethods: ["GET", "HEAD"],
  };
  const signed = (prefix: string, cachePolicyId: string, compress: boolean): OrderedBehaviour => ({
    ...common,
    pathPattern: `/${prefix}*`,
    targetOriginId: DATA_ORIGIN_ID,
    cachePolicyId,
    // Byte ranges of BAM and VCF files stay exact: CloudFront does not compress them.
    compress,
    trustedKeyGroups: [args.keyGroupId],
  });
  return [
    ...args.dataPrefixes.map((prefix) => signed(prefix, CACHING_OPTIMIZED_POLICY_ID, false)),
    signed(args.configPrefix, CACHING_DISABLED, true),
    ...SIGN_IN_PATH_PATTERNS.map((pathPattern): OrderedBehaviour => ({
      ...common,
      pathPattern,
      targetOriginId: SIGN_IN_ORIGIN_ID,
      cachePolicyId: CACHING_DISABLED,
      originRequestPolicyId: args.functionRequestPolicyId,
      compress: true,
    })),
  ];
}

export interface SignInRoutesArgs {
  /** The data bucket's regional domain name (`<bucket>.s3.<region>.amazonaws.com`). */
  readonly dataBucketDomainName: pulumi.Input<string>;
  /** The sign-in function URL's host. */
  readonly functionUrlHost: pulumi.Input<string>;
  readonly keyGroupId: pulumi.Input<string>;
  readonly dataPrefixes: readonly string[];
  readonly configPrefix: string;
}

/**
 * What the viewer's distribution adds in sign-in mode: the data bucket and the sign-in function as
 * origins, each read through an Origin Access Control that signs every request (SigV4), and the cache
 * behaviours that route to them (`signInCacheBehaviours`). PrivateViewer puts them into its
 * distribution, each behaviour with the viewer's response headers.
 */
export class SignInRoutes extends pulumi.ComponentResource {
  readonly origins: Origin[];
  readonly cacheBehaviours: OrderedBehaviour[];

  constructor(name: string, args: SignInRoutesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:sign-in:SignInRoutes", name, {}, opts);
    const parent = { parent: this };
    const signing = { signingBehavior: "always", signingProtocol: "sigv4" };
    const dataAccess = new aws.cloudfront.OriginAccessControl(
      `${name}-data-oac`,
      {
        description: "Signs the viewer's reads of the data and config prefixes",
        originAccessControlOriginType: "s3",
        ...signing,
      },
      parent,
    );
    const functionAccess = new aws.cloudfront.OriginAccessControl(
      `${name}-function-oac`,
      {
        description: "Signs the viewer's calls to the sign-in function URL",
        originAccessControlOriginType: "lambda",
        ...signing,
      },
      parent,
    );
    const functionRequests = new aws.cloudfront.OriginRequestPolicy(
      `${name}-function-requests`,
      {
        comment: "Sign-in function: the viewer's cookies, query string and address; not its Host",
        cookiesConfig: { cookieBehavior: "all" },
        queryStringsConfig: { queryStringBehavior: "all" },
        headersConfig: { headerBehavior: "whitelist", headers: { items: ["CloudFront-Viewer-Address"] } },
      },
      parent,
    );

    this.origins = [
      { originId: DATA_ORIGIN_ID, domainName: args.dataBucketDomainName, originAccessControlId: dataAccess.id },
      {
        originId: SIGN_IN_ORIGIN_ID,
        domainName: args.functionUrlHost,
        originAccessControlId: functionAccess.id,
        customOriginConfig: {
          httpPort: 80,
          httpsPort: 443,
          originProtocolPolicy: "https-only",
          originSslProtocols: ["TLSv1.2"],
        },
      },
    ];
    this.cacheBehaviours = signInCacheBehaviours({ ...args, functionRequestPolicyId: functionRequests.id });
    this.registerOutputs({});
  }
}
