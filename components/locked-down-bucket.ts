/**
 * A bucket with the settings every bucket of the stack shares: all four Block Public Access flags,
 * ACLs off (BucketOwnerEnforced), default encryption, versioning (unless turned off) and lifecycle
 * rules. Its bucket policy, CORS and logging are the caller's.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { encryptionRule } from "../policy/documents/encryption-rule";
import { LifecycleRule } from "../policy/documents/lifecycle-rules";

export interface LockedDownBucketArgs {
  /** KMS key ARN for SSE-KMS; "" for SSE-S3. */
  readonly kmsKeyArn: string;
  readonly versioning: boolean;
  readonly forceDestroy: boolean;
}

export function lockedDownBucket(
  name: string,
  args: LockedDownBucketArgs,
  lifecycleRules: LifecycleRule[],
  parentResource: pulumi.Resource,
): { bucket: aws.s3.Bucket; publicAccessBlock: aws.s3.BucketPublicAccessBlock } {
  const parent = { parent: parentResource };

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
    { parent: parentResource, dependsOn: versioning ? [versioning] : [] },
  );
  return { bucket, publicAccessBlock };
}
