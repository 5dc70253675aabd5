import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { dataBucketPolicyDocument, logBucketPolicyDocument } from "../policy/documents/bucket-policies";
import { viewerCorsRule } from "../policy/documents/cors-rule";
import { encryptionRule } from "../policy/documents/encryption-rule";
import { dataBucketLifecycleRules, LifecycleRule, logBucketLifecycleRules } from "../policy/documents/lifecycle-rules";
import { ACCESS_LOG_PREFIX, MAX_PRESIGN_SECONDS } from "../policy/documents/limits";

export interface PrivateDataBucketArgs {
  /** Origins allowed by the GET-only CORS rule. */
  readonly allowedOrigins: readonly string[];
  /** Prefix of published configs (expired by lifecycle after `configExpiryDays`). */
  readonly configPrefix: string;
  readonly configExpiryDays: number;
  /** Presigned requests older than this are refused by the bucket policy. */
  readonly maxLinkLifetimeSeconds?: number;
  /** KMS key ARN for SSE-KMS; "" or absent for SSE-S3. */
  readonly kmsKeyArn?: string;
  readonly accessLogging?: boolean;
  /** Who besides the account root may read the access logs (IAM role or user ARNs of the account). */
  readonly logReaderArns?: readonly string[];
  readonly versioning?: boolean;
  readonly noncurrentVersionDays?: number;
  readonly forceDestroy?: boolean;
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
  readonly logBucketName?: pulumi.Output<string>;

  constructor(name: string, inputArgs: PrivateDataBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:storage:PrivateDataBucket", name, {}, opts);
    const args = { ...DEFAULTS, ...inputArgs };
    if (args.allowedOrigins.length === 0)
      throw new Error(`PrivateDataBucket ${name}: allowedOrigins must list at least one origin`);

    const { bucket, publicAccessBlock } = this.lockedDownBucket(`${name}-bucket`, args, dataBucketLifecycleRules(args));
    this.bucket = bucket;

    new aws.s3.BucketCorsConfiguration(
      `${name}-cors`,
      { bucket: bucket.id, corsRules: [viewerCorsRule(args.allowedOrigins)] },
      { parent: this },
    );
    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucket.id,
        policy: bucket.arn.apply((bucketArn) =>
          JSON.stringify(dataBucketPolicyDocument({ bucketArn, maxLinkLifetimeSeconds: args.maxLinkLifetimeSeconds })),
        ),
      },
      { parent: this, dependsOn: [publicAccessBlock] },
    );

    if (args.accessLogging) {
      // Server access logs cannot be delivered to an SSE-KMS bucket, so the log bucket uses SSE-S3.
      const logs = this.lockedDownBucket(`${name}-logs`, { ...args, kmsKeyArn: "" }, logBucketLifecycleRules(args));
      const logBucket = logs.bucket;
      const account = aws.getCallerIdentityOutput({}, { parent: this });
      const logPolicy = new aws.s3.BucketPolicy(
        `${name}-logs-policy`,
        {
          bucket: logBucket.id,
          policy: pulumi
            .all([logBucket.arn, bucket.arn, account.accountId])
            .apply(([logBucketArn, sourceBucketArn, accountId]) =>
              JSON.stringify(
                logBucketPolicyDocument({
                  bucketArn: logBucketArn,
                  sourceBucketArn,
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
      this.logBucketName = logBucket.bucket;
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.region = bucket.region;
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      region: this.region,
      logBucketName: this.logBucketName,
    });
  }

  /** A bucket with the settings every bucket of the stack shares. */
  private lockedDownBucket(
    name: string,
    args: Required<
      Omit<PrivateDataBucketArgs, "allowedOrigins" | "configPrefix" | "configExpiryDays" | "logReaderArns">
    >,
    lifecycleRules: LifecycleRule[],
  ): { bucket: aws.s3.Bucket; publicAccessBlock: aws.s3.BucketPublicAccessBlock } {
    const parent = { parent: this };
    const bucket = new aws.s3.Bucket(name, { forceDestroy: args.forceDestroy }, parent);
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      { bucket: bucket.id, rules: [encryptionRule(args.kmsKeyArn)] },
      parent,
    );
    const versioning = args.versioning
      ? new aws.s3.BucketVersioning(
          `${name}-versioning`,
          { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
          parent,
        )
      : undefined;
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: bucket.id, rules: lifecycleRules },
      // Lifecycle rules on noncurrent versions need versioning configured first.
      { parent: this, dependsOn: versioning ? [versioning] : [] },
    );
    return { bucket, publicAccessBlock };
  }
}
