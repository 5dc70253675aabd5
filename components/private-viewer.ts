/**
 * A self-hosted Chromoscope, so that a link (a key to the cohort's data) is never seen by a third
 * party: chromoscope.bio loads Google Analytics, which records page addresses, query string included.
 * A private bucket (locked down like the data bucket, SSE-S3 so CloudFront can read it without a key
 * policy) readable only by this stack's CloudFront distribution through an Origin Access Control;
 * HTTPS only; a viewer-request function that serves index.html for the app's routes; and a
 * response-headers policy whose Content-Security-Policy lets the app reach its data and annotation
 * hosts and run only its own scripts. The bucket holds what viewer/served-viewer.ts makes of the lab's
 * build (its start-up files served from the viewer's own origin), so a cohort opens with no third party.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { viewerBucketPolicyDocument } from "../policy/documents/bucket-policies";
import { viewerBucketLifecycleRules } from "../policy/documents/lifecycle-rules";
import { ACCESS_LOG_PREFIX } from "../policy/documents/limits";
import { VIEWER_HSTS_SECONDS, viewerContentSecurityPolicy } from "../policy/documents/viewer-headers";
import { lockedDownBucket } from "./locked-down-bucket";
import type { SignInRoutes } from "./sign-in/sign-in-routes";
import { ViewerFolderSync } from "./viewer-folder-sync";
import { CACHING_OPTIMIZED_POLICY_ID } from "./viewer/cloudfront-ids";
import { ServedViewer, servedViewer } from "./viewer/served-viewer";
import { viewerFolderProblem, viewerRoutingFunctionCode } from "./viewer-site";

/** The oldest TLS a custom domain accepts. */
export const VIEWER_MIN_TLS = "TLSv1.2_2021";

export interface PrivateViewerArgs {
  /** A Chromoscope build (`npx vite build`'s dist/ folder, holding index.html). */
  readonly distPath: string;
  /** Where the app fetches data: the data bucket's endpoint, as the presigner addresses it. */
  readonly dataOrigins: ReadonlyArray<pulumi.Input<string>>;
  /** A custom domain for the viewer ("" for CloudFront's own), with its ACM certificate in us-east-1. */
  readonly domain: string;
  readonly certificateArn: string;
  /** Whether the app may fetch annotation tiles from Gosling's tile server (false: a closed network). */
  readonly annotationTiles: boolean;
  readonly maxLinkLifetimeSeconds: number;
  readonly noncurrentVersionDays: number;
  readonly forceDestroy: boolean;
  /** The stack's log bucket, for the viewer bucket's server access logs. */
  readonly logBucketName?: pulumi.Input<string>;
  /** Sign-in mode: the data bucket and the sign-in function as further origins, with their paths. */
  readonly signInRoutes?: Pick<SignInRoutes, "origins" | "cacheBehaviours">;
}

/** What the distribution is made of: the bucket it serves, how it reaches it, its routing and its headers. */
interface ViewerDistributionParts {
  readonly bucket: aws.s3.Bucket;
  readonly accessControl: aws.cloudfront.OriginAccessControl;
  readonly routing: aws.cloudfront.Function;
  readonly headers: aws.cloudfront.ResponseHeadersPolicy;
}

export class PrivateViewer extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly distributionId: pulumi.Output<string>;
  readonly distributionArn: pulumi.Output<string>;
  /** `https://<domain>`: what the data bucket's CORS rule allows. */
  readonly origin: pulumi.Output<string>;
  /** `https://<domain>/app/`: the viewer URL links open. */
  readonly url: pulumi.Output<string>;
  /** listingDigest of the served files: what the doctor checks a listing of the bucket against. */
  readonly filesDigest: string;

  constructor(name: string, args: PrivateViewerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:viewer:PrivateViewer", name, {}, opts);
    const problem = viewerFolderProblem(args.distPath);
    if (problem !== undefined) throw new pulumi.RunError(`viewerDistPath: ${problem}`);

    const { bucket, publicAccessBlock } = lockedDownBucket(
      `${name}-bucket`,
      { kmsKeyArn: "", versioning: true, forceDestroy: args.forceDestroy },
      viewerBucketLifecycleRules(args),
      this,
    );
    if (args.logBucketName !== undefined) this.logAccess(name, bucket, args.logBucketName);
    const accessControl = this.createOriginAccessControl(name);
    const routing = this.createRoutingFunction(name);
    const served = this.readBuild(args.distPath);
    const headers = this.createHeadersPolicy(name, args, served.scriptHashes);
    const distribution = this.createDistribution(name, args, { bucket, accessControl, routing, headers });
    const policy = this.attachBucketPolicy(name, bucket, publicAccessBlock, distribution, args.maxLinkLifetimeSeconds);
    this.syncServedFiles(name, bucket, args.distPath, served, policy);

    const host = args.domain !== "" ? pulumi.output(args.domain) : distribution.domainName;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.distributionId = distribution.id;
    this.distributionArn = distribution.arn;
    this.origin = pulumi.interpolate`https://${host}`;
    this.url = pulumi.interpolate`https://${host}/app/`;
    this.filesDigest = served.listingDigest;
    this.registerOutputs({
      bucketName: this.bucketName,
      distributionId: this.distributionId,
      url: this.url,
      filesDigest: this.filesDigest,
    });
  }

  /** What the viewer serves of the lab's build, with a warning for each change it could not apply. */
  private readBuild(distPath: string): ServedViewer {
    const served = servedViewer(distPath);
    for (const warning of served.notApplied) {
      void pulumi.log.warn(`viewerDistPath ${distPath}: ${warning}`, this);
    }
    return served;
  }

  /** The viewer bucket's server access logs, beside the data bucket's in the stack's log bucket. */
  private logAccess(name: string, bucket: aws.s3.Bucket, logBucketName: pulumi.Input<string>): void {
    new aws.s3.BucketLogging(
      `${name}-logging`,
      { bucket: bucket.id, targetBucket: logBucketName, targetPrefix: `${ACCESS_LOG_PREFIX}viewer/` },
      { parent: this },
    );
  }

  private createOriginAccessControl(name: string): aws.cloudfront.OriginAccessControl {
    return new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      {
        description: "Signs the viewer distribution's requests to its private bucket",
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      { parent: this },
    );
  }

  private createRoutingFunction(name: string): aws.cloudfront.Function {
    return new aws.cloudfront.Function(
      `${name}-routing`,
      {
        runtime: "cloudfront-js-2.0",
        comment: "Chromoscope's routes under /app/ load index.html",
        code: viewerRoutingFunctionCode(),
        publish: true,
      },
      { parent: this },
    );
  }

  private createHeadersPolicy(
    name: string,
    args: Pick<PrivateViewerArgs, "dataOrigins" | "annotationTiles">,
    scriptHashes: readonly string[],
  ): aws.cloudfront.ResponseHeadersPolicy {
    return new aws.cloudfront.ResponseHeadersPolicy(
      `${name}-headers`,
      {
        comment: "Chromoscope runs its own scripts only and reaches its data and the annotation tile server only",
        securityHeadersConfig: {
          contentSecurityPolicy: {
            contentSecurityPolicy: pulumi
              .all([...args.dataOrigins])
              .apply((dataOrigins) =>
                viewerContentSecurityPolicy({ scriptHashes, dataOrigins, annotationTiles: args.annotationTiles }),
              ),
            override: true,
          },
          referrerPolicy: { referrerPolicy: "no-referrer", override: true },
          strictTransportSecurity: {
            accessControlMaxAgeSec: VIEWER_HSTS_SECONDS,
            includeSubdomains: true,
            override: true,
          },
          contentTypeOptions: { override: true },
          frameOptions: { frameOption: "DENY", override: true },
        },
      },
      { parent: this },
    );
  }

  private createDistribution(
    name: string,
    args: Pick<PrivateViewerArgs, "domain" | "certificateArn" | "signInRoutes">,
    parts: ViewerDistributionParts,
  ): aws.cloudfront.Distribution {
    const { bucket, accessControl, routing, headers } = parts;
    const originId = "viewer-bucket";
    return new aws.cloudfront.Distribution(
      `${name}-distribution`,
      {
        enabled: true,
        comment: "Self-hosted Chromoscope (chromoscope-private-data)",
        isIpv6Enabled: true,
        httpVersion: "http2and3",
        priceClass: "PriceClass_100",
        ...(args.domain !== "" ? { aliases: [args.domain] } : {}),
        origins: [
          { originId, domainName: bucket.bucketRegionalDomainName, originAccessControlId: accessControl.id },
          ...(args.signInRoutes?.origins ?? []),
        ],
        // Sign-in mode: the data, config and sign-in paths, each served with the same headers as the app.
        ...(args.signInRoutes
          ? {
              orderedCacheBehaviors: args.signInRoutes.cacheBehaviours.map((behaviour) => ({
                ...behaviour,
                responseHeadersPolicyId: headers.id,
              })),
            }
          : {}),
        defaultCacheBehavior: {
          targetOriginId: originId,
          viewerProtocolPolicy: "redirect-to-https",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          compress: true,
          cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
          responseHeadersPolicyId: headers.id,
          functionAssociations: [{ eventType: "viewer-request", functionArn: routing.arn }],
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate:
          args.domain !== ""
            ? {
                acmCertificateArn: args.certificateArn,
                sslSupportMethod: "sni-only",
                minimumProtocolVersion: VIEWER_MIN_TLS,
              }
            : { cloudfrontDefaultCertificate: true },
      },
      { parent: this },
    );
  }

  private attachBucketPolicy(
    name: string,
    bucket: aws.s3.Bucket,
    publicAccessBlock: aws.s3.BucketPublicAccessBlock,
    distribution: aws.cloudfront.Distribution,
    maxLinkLifetimeSeconds: number,
  ): aws.s3.BucketPolicy {
    return new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: pulumi.all([bucket.arn, distribution.arn]).apply(([bucketArn, distributionArn]) =>
          JSON.stringify(
            viewerBucketPolicyDocument({
              bucketArn,
              distributionArn,
              maxLinkLifetimeSeconds,
            }),
          ),
        ),
      },
      { parent: this, dependsOn: [publicAccessBlock] },
    );
  }

  private syncServedFiles(
    name: string,
    bucket: aws.s3.Bucket,
    distPath: string,
    served: ServedViewer,
    policy: aws.s3.BucketPolicy,
  ): void {
    new ViewerFolderSync(
      `${name}-files`,
      {
        bucket: bucket.bucket,
        region: bucket.region,
        folder: distPath,
        digest: served.digest,
      },
      { parent: this, dependsOn: [policy] },
    );
  }
}
