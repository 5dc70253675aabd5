/**
 * IAM documents: the statement shape, object ARNs and the presigner's least-privilege identity policy.
 *
 * Pure and self-contained (no Pulumi runtime, nothing outside policy/): the Pulumi program, the policy
 * pack, the tools, the local demo and the tests build from these, so each action list and limit exists once.
 */
import { VIEWER_KEY_PREFIX, VIEWER_SYNC_MANIFEST_KEY } from "./limits";

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
  /** Every statement has Action, except a Deny that names the only actions it spares (NotAction). */
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | number | boolean | Array<string | number>>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

/** Objects under a prefix, as an IAM resource ARN. */
export function prefixObjectsArn(bucketArn: string, prefix: string): string {
  return `${bucketArn}/${prefix}*`;
}

/** The bucket-level read calls the doctor makes with the presigner's own credentials. */
export const BUCKET_CONFIGURATION_READ_ACTIONS = [
  "s3:GetBucketLocation",
  "s3:GetBucketCORS",
  "s3:GetBucketPublicAccessBlock",
  "s3:GetBucketPolicy",
  "s3:GetBucketOwnershipControls",
  "s3:GetEncryptionConfiguration",
] as const;

export const KMS_PRESIGNER_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey"] as const;

export interface PresignerPolicyArgs {
  bucketArn: string;
  /** The bucket's region: KMS use is allowed only through S3 in that region. */
  region: string;
  dataPrefixes: readonly string[];
  configPrefix: string;
  ledgerPrefix: string;
  /** "" when the bucket uses SSE-S3. */
  kmsKeyArn: string;
  /** The self-hosted viewer's bucket, whose files the doctor checks against the deployed build. */
  viewerBucketArn?: string;
}

/**
 * Least privilege for the presigning identity: read data, configs and the ledger; list only those
 * prefixes; write and delete configs; append to the ledger; read (never write) bucket settings.
 */
export function presignerPolicyDocument(args: PresignerPolicyArgs): PolicyDocument {
  const { bucketArn, region, dataPrefixes, configPrefix, ledgerPrefix, kmsKeyArn } = args;
  const readablePrefixes = [...dataPrefixes, configPrefix, ledgerPrefix];
  const statements: PolicyStatement[] = [
    {
      Sid: "ReadCohortDataConfigsAndLedger",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: readablePrefixes.map((prefix) => prefixObjectsArn(bucketArn, prefix)),
    },
    {
      Sid: "ListOnlyOwnPrefixes",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": readablePrefixes.map((prefix) => `${prefix}*`) } },
    },
    {
      Sid: "WriteAndDeleteConfigs",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: prefixObjectsArn(bucketArn, configPrefix),
    },
    {
      // Create-only (S3 conditional writes): a ledger entry, once written, cannot be overwritten.
      Sid: "AppendToLedger",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: prefixObjectsArn(bucketArn, ledgerPrefix),
      Condition: { StringEquals: { "s3:if-none-match": "*" } },
    },
    {
      Sid: "ReadBucketConfiguration",
      Effect: "Allow",
      Action: [...BUCKET_CONFIGURATION_READ_ACTIONS],
      Resource: bucketArn,
    },
  ];
  if (args.viewerBucketArn !== undefined) {
    // The doctor (which signs as the presigner) checks the viewer's files: it lists them (their ETags)
    // and reads the sync's manifest to name drifted files. Never the files themselves: the presigner
    // signs no link to the viewer's bucket.
    statements.push(
      {
        Sid: "ListViewerFilesForTheDoctor",
        Effect: "Allow",
        Action: "s3:ListBucket",
        Resource: args.viewerBucketArn,
        Condition: { StringLike: { "s3:prefix": `${VIEWER_KEY_PREFIX}*` } },
      },
      {
        Sid: "ReadViewerSyncManifestForTheDoctor",
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: `${args.viewerBucketArn}/${VIEWER_SYNC_MANIFEST_KEY}`,
      },
    );
  }
  if (kmsKeyArn !== "") {
    // Only S3 in the bucket's region may use the key on the presigner's behalf (and S3 lets it
    // reach only the objects above), never a direct Decrypt or GenerateDataKey call.
    statements.push({
      Sid: "UseBucketKmsKeyThroughS3",
      Effect: "Allow",
      Action: [...KMS_PRESIGNER_ACTIONS],
      Resource: kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": s3ServiceEndpoint(region) } },
    });
  }
  return policyDocument(statements);
}

/** The S3 service name KMS sees in `kms:ViaService` for a region (China has its own domain). */
export function s3ServiceEndpoint(region: string): string {
  return `s3.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

export interface SignInFunctionPolicyArgs {
  bucketArn: string;
  /** The bucket's region: KMS use is allowed only through S3 in that region. */
  region: string;
  grantsPrefix: string;
  ledgerPrefix: string;
  auditPrefix: string;
  /** The Secrets Manager secret holding the function's configuration and cookie-signing keys. */
  secretArn: string;
  /** The function's own log group (`arn:…:log-group:<name>`, without a `:*` suffix). */
  logGroupArn: string;
  /** "" when the bucket uses SSE-S3. */
  kmsKeyArn: string;
}

/**
 * Least privilege for the sign-in function: read its own configuration secret, the grants and the
 * ledger (a cohort's latest publication), list only those two prefixes, append audit records
 * (create-only, so a record once written cannot be overwritten), write its own logs. No data, no
 * configs, no writes anywhere else.
 */
export function signInFunctionPolicyDocument(args: SignInFunctionPolicyArgs): PolicyDocument {
  const { bucketArn, region, grantsPrefix, ledgerPrefix, auditPrefix, kmsKeyArn } = args;
  const readable = [grantsPrefix, ledgerPrefix];
  const statements: PolicyStatement[] = [
    {
      Sid: "ReadOwnConfigurationSecret",
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: args.secretArn,
    },
    {
      Sid: "ReadGrantsAndLedger",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: readable.map((prefix) => prefixObjectsArn(bucketArn, prefix)),
    },
    {
      Sid: "ListGrantsAndLedger",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      Condition: { StringLike: { "s3:prefix": readable.map((prefix) => `${prefix}*`) } },
    },
    {
      Sid: "AppendAuditRecords",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: prefixObjectsArn(bucketArn, auditPrefix),
      Condition: { StringEquals: { "s3:if-none-match": "*" } },
    },
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      // Both act on log streams (the Service Authorization Reference): the streams of its group only.
      Resource: `${args.logGroupArn}:log-stream:*`,
    },
  ];
  if (kmsKeyArn !== "") {
    statements.push({
      Sid: "UseBucketKmsKeyThroughS3",
      Effect: "Allow",
      Action: [...KMS_PRESIGNER_ACTIONS],
      Resource: kmsKeyArn,
      Condition: { StringEquals: { "kms:ViaService": s3ServiceEndpoint(region) } },
    });
  }
  return policyDocument(statements);
}

/** Lambda may assume the sign-in function's role; nobody else. */
export function lambdaTrustPolicyDocument(): PolicyDocument {
  return policyDocument([
    {
      Sid: "LambdaRunsTheSignInFunction",
      Effect: "Allow",
      Principal: { Service: "lambda.amazonaws.com" },
      Action: "sts:AssumeRole",
    },
  ]);
}
