import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataBucketPolicyDocument, logBucketPolicyDocument } from "../policy/documents/bucket-policies";
import { viewerCorsRule } from "../policy/documents/cors-rule";
import { dataBucketLifecycleRules, logBucketLifecycleRules } from "../policy/documents/lifecycle-rules";
import { lockedDownBucket } from "./locked-down-bucket";
import { ACCESS_LOG_PREFIX, MAX_PRESIGN_SECONDS } from "../policy/documents/limits";

export interface PrivateDataBucketArgs {
  /** Every origin the GET-only CORS rule allows: the viewer's own first (corsOrigins in address-rules.ts). */
  readonly allowedOrigins: pulumi.Input<readonly string[]>;
  /** Other buckets of the stack whose server access logs go to the log bucket (the viewer's). */
  readonly otherLoggedBucketArns?: ReadonlyArray<pulumi.Input<string>>;
  /** Prefix of published configs (expired by lifecycle after `configExpiryDays`, in links mode only). */
  readonly configPrefix: string;
  readonly configExpiryDays: number;
  /** Sign-in mode keeps configs until revoke-cohort deletes them: a stable link lands on the latest. */
  readonly access?: "links" | "sign-in";
  /** Presigned requests older than this are refused by the bucket policy. */
  readonly maxLinkLifetimeSeconds?: number;
  /** KMS key ARN for SSE-KMS; "" or absent for SSE-S3. */
  readonly kmsKeyArn?: string;
  readonly accessLogging?: boolean;
  /** CI roles (running unreviewed code) the bucket policy denies every object read. */
  readonly ciRoleArns?: readonly string[];
  /** Who besides the account root may read the access logs (IAM role or user ARNs of the account). */
  readonly logReaderArns?: readonly string[];
  readonly versioning?: boolean;
  readonly noncurrentVersionDays?: number;
  readonly forceDestroy?: boolean;
  /** Sign-in mode: the viewer's distribution reads these prefixes (data and configs) through CloudFront. */
  readonly cloudFrontReads?: { readonly distributionArn: pulumi.Input<string>; readonly prefixes: readonly string[] };
}

const DEFAULTS = {
  maxLinkLifetimeSeconds: MAX_PRESIGN_SECONDS,
  kmsKeyArn: "",
  accessLogging: true,
  logReaderArns: [] as readonly string[],
  versioning: true,
  noncurrentVersionDays: 30,
  forceDestroy: false,
};

/** The arguments with every default filled in. */
type ResolvedArgs = PrivateDataBucketArgs & typeof DEFAULTS;

/**
 * A private S3 bucket for cohort data: all public access blocked, ACLs off, encrypted, TLS-only,
 * SigV2 and over-age presigned requests refused, GET-only CORS for the viewer, versioned, with
 * lifecycle rules and server access logs in a second private bucket.
 */
export class PrivateDataBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;
  readonly region: pulumi.Output<string>;
  /** `<bucket>.s3.<region>.amazonaws.com`: CloudFront's origin for the bucket (sign-in mode). */
  readonly regionalDomainName: pulumi.Output<string>;
  readonly logBucketName?: pulumi.Output<string>;
  /** Where in the log bucket the data bucket's server access logs go (partitioned by account, region, bucket and day). */
  readonly accessLogPrefix?: string;

  constructor(name: string, inputArgs: PrivateDataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:storage:PrivateDataBucket", name, {}, opts);
    const args = { ...DEFAULTS, ...inputArgs };

    const { bucket, publicAccessBlock } = lockedDownBucket(
      `${name}-bucket`,
      args,
      dataBucketLifecycleRules(args),
      this,
    );
    this.bucket = bucket;
    this.allowViewerReads(name, bucket, args.allowedOrigins);
    this.attachBucketPolicy(name, bucket, publicAccessBlock, args);
    if (args.accessLogging) {
      this.logBucketName = this.deliverAccessLogs(name, bucket, args);
      this.accessLogPrefix = ACCESS_LOG_PREFIX;
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.region = bucket.region;
    this.regionalDomainName = bucket.bucketRegionalDomainName;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      region: this.region,
      logBucketName: this.logBucketName,
      accessLogPrefix: this.accessLogPrefix,
    });
  }

  /** The GET-only CORS rule: the viewer's pages (and the lab's allowed origins) fetch the data from the browser. */
  private allowViewerReads(name: string, bucket: aws.s3.Bucket, allowedOrigins: pulumi.Input<readonly string[]>): void {
    new aws.s3.BucketCorsConfiguration(
      `${name}-cors`,
      {
        bucket: bucket.id,
        corsRules: pulumi.output(allowedOrigins).apply((origins) => [viewerCorsRule(origins)]),
      },
      { parent: this },
    );
  }

  private attachBucketPolicy(
    name: string,
    bucket: aws.s3.Bucket,
    publicAccessBlock: aws.s3.BucketPublicAccessBlock,
    args: ResolvedArgs,
  ): void {
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: pulumi.all([bucket.arn, args.cloudFrontReads?.distributionArn]).apply(([bucketArn, distributionArn]) =>
          JSON.stringify(
            dataBucketPolicyDocument({
              bucketArn,
              maxLinkLifetimeSeconds: args.maxLinkLifetimeSeconds,
              ...(args.cloudFrontReads && distributionArn !== undefined
                ? { cloudFrontReads: { distributionArn, prefixes: args.cloudFrontReads.prefixes } }
                : {}),
              ciRoleArns: args.ciRoleArns,
            }),
          ),
        ),
      },
      { parent: this, dependsOn: [publicAccessBlock] },
    );
  }

  /**
   * A second private bucket for the server access logs (of the viewer's bucket too), readable only by
   * the account root and the log readers: the logs record full presigned URLs. Returns its name.
   */
  private deliverAccessLogs(name: string, bucket: aws.s3.Bucket, args: ResolvedArgs): pulumi.Output<string> {
    // Server access logs cannot be delivered to an SSE-KMS bucket, so the log bucket uses SSE-S3.
    const logs = lockedDownBucket(`${name}-logs`, { ...args, kmsKeyArn: "" }, logBucketLifecycleRules(args), this);
    const logBucket = logs.bucket;
    const account = aws.getCallerIdentityOutput({}, { parent: this });
    const logPolicy = new aws.s3.BucketPolicy(
      `${name}-logs-policy`,
      {
        bucket: logBucket.id,
        policy: pulumi
          .all([logBucket.arn, bucket.arn, account.accountId, pulumi.all([...(args.otherLoggedBucketArns ?? [])])])
          .apply(([logBucketArn, sourceBucketArn, accountId, otherSourceBucketArns]) =>
            JSON.stringify(
              logBucketPolicyDocument({
                bucketArn: logBucketArn,
                sourceBucketArn,
                otherSourceBucketArns,
                accountId,
                maxLinkLifetimeSeconds: args.maxLinkLifetimeSeconds,
                logReaderArns: args.logReaderArns,
              }),
            ),
          ),
      },
      { parent: this, dependsOn: [logs.publicAccessBlock] },
    );
    new aws.s3.BucketLogging(
      `${name}-logging`,
      {
        bucket: bucket.id,
        targetBucket: logBucket.id,
        targetPrefix: ACCESS_LOG_PREFIX,
        targetObjectKeyFormat: { partitionedPrefix: { partitionDateSource: "EventTime" } },
      },
      { parent: this, dependsOn: [logPolicy] },
    );
    return logBucket.bucket;
  }
}
