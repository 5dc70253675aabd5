/**
 * Pure builders for every policy document, CORS rule, lifecycle rule and shared limit.
 *
 * The Pulumi components, the policy pack, the local demo, the doctor and the tests all call these,
 * so each action list, header list and limit exists once. No Pulumi runtime import; inputs are
 * plain strings (components resolve their Outputs first).
 */

/** SigV4 presigned URLs live at most 7 days (AWS limit). */
export const MAX_PRESIGN_SECONDS = 604_800;
/** The bucket policy refuses TLS below this version. */
export const MIN_TLS_VERSION = 1.2;
/** Server access logs are kept this long in the log bucket. */
export const ACCESS_LOG_RETENTION_DAYS = 365;
/** Incomplete multipart uploads are aborted after this many days. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 1;
export const ACCESS_LOG_PREFIX = "access-logs/";
/** AWS Security Hub IAM.3: an active access key must be rotated within this many days. */
export const MAX_ACCESS_KEY_AGE_DAYS = 90;

// ---------------------------------------------------------------- IAM documents

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

function policy(statements: PolicyStatement[]): PolicyDocument {
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
  return policy(statements);
}

/** The S3 service name KMS sees in `kms:ViaService` for a region (China has its own domain). */
export function s3ServiceEndpoint(region: string): string {
  return `s3.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

export interface BucketPolicyArgs {
  bucketArn: string;
  maxLinkLifetimeSeconds: number;
}

/**
 * What a presigned (query-string signed) URL may do on the stack's buckets: read an object or one
 * of its versions. Everything else signed that way is denied, whoever's key signed it.
 */
export const PRESIGNED_URL_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"] as const;

/**
 * Deny statements every bucket of the stack carries (AWS S3.5 and the presigned-link rules):
 * no plain HTTP, no TLS below 1.2, no SigV2, no presigned request other than a read (so a leaked
 * key cannot mint a link that writes or deletes), no presigned request older than the link lifetime.
 */
export function transportAndSignatureDenyStatements(args: BucketPolicyArgs): PolicyStatement[] {
  const { bucketArn, maxLinkLifetimeSeconds } = args;
  if (!Number.isInteger(maxLinkLifetimeSeconds) || maxLinkLifetimeSeconds < 1 || maxLinkLifetimeSeconds > MAX_PRESIGN_SECONDS) {
    throw new Error(`maxLinkLifetimeSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}, got ${maxLinkLifetimeSeconds}`);
  }
  const everything = [bucketArn, `${bucketArn}/*`];
  return [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyOutdatedTls",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: { NumericLessThan: { "s3:TlsVersion": MIN_TLS_VERSION } },
    },
    {
      Sid: "DenySignatureVersion2",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: { StringEquals: { "s3:signatureversion": "AWS" } },
    },
    {
      // A Deny with NotAction denies every action but the listed reads: a write action S3 adds
      // later is denied too, which a list of denied actions could not promise. It never grants.
      Sid: "DenyPresignedRequestsOtherThanReads",
      Effect: "Deny",
      Principal: "*",
      NotAction: [...PRESIGNED_URL_ACTIONS],
      Resource: everything,
      Condition: { StringEquals: { "s3:authType": "REST-QUERY-STRING" } },
    },
    {
      Sid: "DenyPresignedUrlsOlderThanMaxLifetime",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: everything,
      Condition: {
        StringEquals: { "s3:authType": "REST-QUERY-STRING" },
        NumericGreaterThan: { "s3:signatureAge": maxLinkLifetimeSeconds * 1000 },
      },
    },
  ];
}

export function dataBucketPolicyDocument(args: BucketPolicyArgs): PolicyDocument {
  return policy(transportAndSignatureDenyStatements(args));
}

export interface LogBucketPolicyArgs extends BucketPolicyArgs {
  sourceBucketArn: string;
  accountId: string;
  /** IAM role or user ARNs of the account that may read the logs besides its root (default none). */
  logReaderArns?: readonly string[];
}

/**
 * The data bucket's deny statements, a deny of every object read to all but the account root and
 * the log readers (server access logs record full presigned URLs, signatures included, so they are
 * as sensitive as the data), and the grant that lets the S3 logging service write.
 */
export function logBucketPolicyDocument(args: LogBucketPolicyArgs): PolicyDocument {
  const partition = args.bucketArn.split(":")[1];
  const readers = args.logReaderArns ?? [];
  const foreign = readers.filter((arn) => arn.split(":")[4] !== args.accountId);
  if (foreign.length > 0) {
    throw new Error(`logReaderArns must name principals of account ${args.accountId} (the log bucket grants no other account): ${foreign.join(", ")}`);
  }
  return policy([
    ...transportAndSignatureDenyStatements(args),
    {
      // Negated operator: a request without aws:PrincipalArn (anonymous, a service) is denied too.
      Sid: "DenyLogReadsExceptAccountRootAndLogReaders",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:GetObject*",
      Resource: `${args.bucketArn}/*`,
      Condition: { ArnNotLike: { "aws:PrincipalArn": [`arn:${partition}:iam::${args.accountId}:root`, ...readers] } },
    },
    {
      Sid: "AllowS3ServerAccessLogDelivery",
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: prefixObjectsArn(args.bucketArn, ACCESS_LOG_PREFIX),
      Condition: {
        ArnLike: { "aws:SourceArn": args.sourceBucketArn },
        StringEquals: { "aws:SourceAccount": args.accountId },
      },
    },
  ]);
}

// ---------------------------------------------------------------- CORS

/** Response headers the viewer (and igv.js/JBrowse-style readers) may read. */
export const CORS_EXPOSE_HEADERS = ["Content-Range", "Content-Length", "ETag", "Accept-Ranges"] as const;
export const CORS_ALLOWED_METHODS = ["GET"] as const;
export const CORS_MAX_AGE_SECONDS = 3000;
export const CORS_RULE_ID = "chromoscope-viewer-get";

export interface CorsRule {
  id: string;
  allowedMethods: string[];
  allowedOrigins: string[];
  allowedHeaders: string[];
  exposeHeaders: string[];
  maxAgeSeconds: number;
}

/** The bucket's single CORS rule: GET only, from the viewer's origins. */
export function viewerCorsRule(allowedOrigins: readonly string[]): CorsRule {
  if (allowedOrigins.length === 0) throw new Error("allowedOrigins must list at least one origin");
  return {
    id: CORS_RULE_ID,
    allowedMethods: [...CORS_ALLOWED_METHODS],
    allowedOrigins: [...allowedOrigins],
    allowedHeaders: ["*"],
    exposeHeaders: [...CORS_EXPOSE_HEADERS],
    maxAgeSeconds: CORS_MAX_AGE_SECONDS,
  };
}

/** The same rule in the S3 API's shape (PutBucketCors / GetBucketCors). */
export interface S3CorsRule {
  ID?: string;
  AllowedMethods: string[];
  AllowedOrigins: string[];
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

export function toS3CorsRule(rule: CorsRule): S3CorsRule {
  return {
    ID: rule.id,
    AllowedMethods: [...rule.allowedMethods],
    AllowedOrigins: [...rule.allowedOrigins],
    AllowedHeaders: [...rule.allowedHeaders],
    ExposeHeaders: [...rule.exposeHeaders],
    MaxAgeSeconds: rule.maxAgeSeconds,
  };
}

// ---------------------------------------------------------------- lifecycle

export interface LifecycleRule {
  id: string;
  status: "Enabled";
  filter: { prefix?: string };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
  expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
  noncurrentVersionExpiration?: { noncurrentDays: number };
}

export interface DataLifecycleArgs {
  configPrefix: string;
  configExpiryDays: number;
  versioning: boolean;
  noncurrentVersionDays: number;
}

export function dataBucketLifecycleRules(args: DataLifecycleArgs): LifecycleRule[] {
  const rules: LifecycleRule[] = [
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
    },
    {
      id: "expire-published-configs",
      status: "Enabled",
      filter: { prefix: args.configPrefix },
      expiration: { days: args.configExpiryDays },
    },
  ];
  if (args.versioning) {
    rules.push({
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
      expiration: { expiredObjectDeleteMarker: true },
    });
  }
  return rules;
}

export function logBucketLifecycleRules(args: { versioning: boolean; noncurrentVersionDays: number }): LifecycleRule[] {
  const rules: LifecycleRule[] = [
    { id: "expire-access-logs", status: "Enabled", filter: {}, expiration: { days: ACCESS_LOG_RETENTION_DAYS } },
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
    },
  ];
  if (args.versioning) {
    rules.push({
      id: "expire-noncurrent-versions",
      status: "Enabled",
      filter: {},
      noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
    });
  }
  return rules;
}

// ---------------------------------------------------------------- encryption

export interface EncryptionRule {
  applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" | "aws:kms"; kmsMasterKeyId?: string };
  bucketKeyEnabled?: boolean;
}

/** SSE-S3 by default; SSE-KMS with an S3 Bucket Key when a key is configured. */
export function encryptionRule(kmsKeyArn: string): EncryptionRule {
  return kmsKeyArn === ""
    ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
    : { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn }, bucketKeyEnabled: true };
}

// ---------------------------------------------------------------- access-key slots

export type KeySlot = "a" | "b";
/** IAM allows two access keys per user: the presigner rotates between two slots. */
export const KEY_SLOTS: readonly KeySlot[] = ["a", "b"];
/**
 * Longest `keyRotationDays`: a key signs for one rotation period and keeps its links alive for the
 * next, so with two slots it lives up to 2 × keyRotationDays, which must stay within IAM.3's limit.
 */
export const MAX_KEY_ROTATION_DAYS = MAX_ACCESS_KEY_AGE_DAYS / KEY_SLOTS.length;
export type KeyStatus = "Active" | "Inactive";

export interface KeySlotPlan {
  activeSlot: KeySlot;
  /** For each slot, the generation that last (re)created its key; it drives `replacementTrigger`. */
  writtenAtGeneration: Record<KeySlot, number>;
  /** A slot no generation has written yet (-1) holds a spare key nobody signs with: it stays Inactive. */
  status: Record<KeySlot, KeyStatus>;
}

/**
 * Two slots alternate: generation g signs with slot g % 2. Going from g to g + 1 changes only the
 * trigger of the slot that becomes active, so the key that signed the live links of generation g
 * stays until the next bump.
 */
export function keySlotPlan(generation: number): KeySlotPlan {
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new Error(`keyGeneration must be a non-negative integer, got ${generation}`);
  }
  const activeSlot: KeySlot = generation % 2 === 0 ? "a" : "b";
  const previous = generation - 1; // -1: the slot not yet used, created with the stack
  const writtenAtGeneration = activeSlot === "a" ? { a: generation, b: previous } : { a: previous, b: generation };
  const statusOf = (slot: KeySlot): KeyStatus => (writtenAtGeneration[slot] < 0 ? "Inactive" : "Active");
  return { activeSlot, writtenAtGeneration, status: { a: statusOf("a"), b: statusOf("b") } };
}

/** When a key created at `createdAt` is due for rotation. */
export function rotationDueAt(createdAt: string, keyRotationDays: number): string {
  const created = Date.parse(createdAt);
  if (Number.isNaN(created)) throw new Error(`access key creation date "${createdAt}" is not a date`);
  return new Date(created + keyRotationDays * 86_400_000).toISOString();
}
