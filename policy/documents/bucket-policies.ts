/**
 * Bucket policies: the deny statements every bucket carries, and the data and log buckets' documents.
 *
 * Pure and self-contained (no Pulumi runtime, nothing outside policy/): the Pulumi program, the policy
 * pack, the tools, the local demo and the tests build from these, so each action list and limit exists once.
 */
import { PolicyDocument, policyDocument, PolicyStatement, prefixObjectsArn } from "./iam-policies";
import { ACCESS_LOG_PREFIX, MAX_PRESIGN_SECONDS, MIN_TLS_VERSION, VIEWER_KEY_PREFIX } from "./limits";

export interface BucketPolicyArgs {
  bucketArn: string;
  maxLinkLifetimeSeconds: number;
}

/**
 * What a request not signed in the Authorization header (a presigned URL, a browser POST upload) may
 * do on the stack's buckets: read an object or one of its versions. Everything else signed that way
 * is denied, whoever's key signed it.
 */
export const PRESIGNED_URL_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"] as const;

/** `s3:authType` of requests signed in the Authorization header, the only way the tools write. */
export const HEADER_SIGNED_AUTH_TYPE = "REST-HEADER";

/** The deny of every non-read request not signed in the header, by Sid (the doctor and the tests name it). */
export const DENY_UNSIGNED_HEADER_WRITES_SID = "DenyRequestsOtherThanReadsNotSignedInTheHeader";

/**
 * Deny statements every bucket of the stack carries (AWS S3.5 and the presigned-link rules):
 * no plain HTTP, no TLS below 1.2, no SigV2, no request other than a read unless it is signed in the
 * Authorization header (so a leaked key can mint neither a link nor a browser POST upload form that
 * writes or deletes), no presigned request older than the link lifetime.
 */
export function transportAndSignatureDenyStatements(args: BucketPolicyArgs): PolicyStatement[] {
  const { bucketArn, maxLinkLifetimeSeconds } = args;
  if (
    !Number.isInteger(maxLinkLifetimeSeconds) ||
    maxLinkLifetimeSeconds < 1 ||
    maxLinkLifetimeSeconds > MAX_PRESIGN_SECONDS
  ) {
    throw new Error(
      `maxLinkLifetimeSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}, got ${maxLinkLifetimeSeconds}`,
    );
  }
  const everything = [bucketArn, `${bucketArn}/*`];
  const deny = (
    Sid: string,
    Condition: PolicyStatement["Condition"],
    actions: Pick<PolicyStatement, "Action" | "NotAction"> = { Action: "s3:*" },
  ): PolicyStatement => ({ Sid, Effect: "Deny", Principal: "*", ...actions, Resource: everything, Condition });
  const presigned = { StringEquals: { "s3:authType": "REST-QUERY-STRING" } };
  return [
    deny("DenyInsecureTransport", { Bool: { "aws:SecureTransport": "false" } }),
    deny("DenyOutdatedTls", { NumericLessThan: { "s3:TlsVersion": MIN_TLS_VERSION } }),
    deny("DenySignatureVersion2", { StringEquals: { "s3:signatureversion": "AWS" } }),
    // A Deny with NotAction denies every action but the listed reads: a write action S3 adds later is
    // denied too, which a list of denied actions could not promise. It never grants. "Not signed in
    // the header" covers presigned URLs (REST-QUERY-STRING), browser POST uploads (POST) and any
    // kind S3 adds later. AWS services writing as themselves (S3 log delivery to the log bucket) are
    // exempt: their requests are not the tools' and carry aws:PrincipalIsAWSService true.
    deny(
      DENY_UNSIGNED_HEADER_WRITES_SID,
      {
        StringNotEquals: { "s3:authType": HEADER_SIGNED_AUTH_TYPE },
        Bool: { "aws:PrincipalIsAWSService": "false" },
      },
      { NotAction: [...PRESIGNED_URL_ACTIONS] },
    ),
    deny("DenyPresignedUrlsOlderThanMaxLifetime", {
      ...presigned,
      NumericGreaterThan: { "s3:signatureAge": maxLinkLifetimeSeconds * 1000 },
    }),
  ];
}

export interface DataBucketPolicyArgs extends BucketPolicyArgs {
  /** Sign-in mode: the viewer's distribution reads these prefixes (data and configs), nothing else. */
  cloudFrontReads?: { distributionArn: string; prefixes: readonly string[] };
  /** Roles (CI jobs running unreviewed code) denied every object read, whatever their IAM policies say. */
  ciRoleArns?: readonly string[];
}

/** The deny statements every bucket carries, CloudFront's reads in sign-in mode, and no object reads for the CI roles named. */
export function dataBucketPolicyDocument(args: DataBucketPolicyArgs): PolicyDocument {
  const statements = transportAndSignatureDenyStatements(args);
  if (args.cloudFrontReads !== undefined)
    statements.push(cloudFrontReadStatement(args.bucketArn, args.cloudFrontReads));
  if (args.ciRoleArns !== undefined && args.ciRoleArns.length > 0) {
    statements.push({
      // aws:PrincipalArn is a session's role ARN, so every session of the role is denied, presigned or not.
      Sid: "DenyObjectReadsToCiRoles",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:GetObject*",
      Resource: `${args.bucketArn}/*`,
      Condition: { ArnLike: { "aws:PrincipalArn": [...args.ciRoleArns] } },
    });
  }
  return policyDocument(statements);
}

/**
 * Sign-in mode: CloudFront reads the data and config prefixes on behalf of the stack's distribution
 * only (its Origin Access Control signs as the service principal; AWS:SourceArn pins the
 * distribution). The ledger, grants and audit records stay out of its reach, so no cookie and no
 * cache behaviour can ever serve them.
 */
export function cloudFrontReadStatement(
  bucketArn: string,
  reads: { distributionArn: string; prefixes: readonly string[] },
): PolicyStatement {
  if (reads.prefixes.length === 0) throw new Error("CloudFront's read grant needs at least one prefix");
  return {
    Sid: "AllowDataAndConfigReadsByTheStacksCloudFrontDistribution",
    Effect: "Allow",
    Principal: { Service: "cloudfront.amazonaws.com" },
    Action: "s3:GetObject",
    Resource: reads.prefixes.map((prefix) => prefixObjectsArn(bucketArn, prefix)),
    Condition: { StringEquals: { "AWS:SourceArn": reads.distributionArn } },
  };
}

export interface LogBucketPolicyArgs extends BucketPolicyArgs {
  sourceBucketArn: string;
  /** Other buckets of the stack that log here (the self-hosted viewer's). */
  otherSourceBucketArns?: readonly string[];
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
    throw new Error(
      `logReaderArns must name principals of account ${args.accountId} (the log bucket grants no other account): ${foreign.join(", ")}`,
    );
  }
  return policyDocument([
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
        ArnLike: {
          "aws:SourceArn": args.otherSourceBucketArns?.length
            ? [args.sourceBucketArn, ...args.otherSourceBucketArns]
            : args.sourceBucketArn,
        },
        StringEquals: { "aws:SourceAccount": args.accountId },
      },
    },
  ]);
}

export interface ViewerBucketPolicyArgs extends BucketPolicyArgs {
  /** The one CloudFront distribution that may read the viewer's files. */
  distributionArn: string;
}

/**
 * The self-hosted viewer's bucket: the deny statements every bucket carries, and reads by CloudFront
 * only on behalf of this stack's distribution (its Origin Access Control signs as the service
 * principal; AWS:SourceArn pins the distribution, so another distribution pointed at the bucket
 * cannot read it), and only of the app's files (under VIEWER_KEY_PREFIX; not the sync's manifest).
 * No other principal is granted anything.
 */
export function viewerBucketPolicyDocument(args: ViewerBucketPolicyArgs): PolicyDocument {
  return policyDocument([
    ...transportAndSignatureDenyStatements(args),
    {
      Sid: "AllowReadsByTheStacksCloudFrontDistribution",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: prefixObjectsArn(args.bucketArn, VIEWER_KEY_PREFIX),
      Condition: { StringEquals: { "AWS:SourceArn": args.distributionArn } },
    },
  ]);
}
