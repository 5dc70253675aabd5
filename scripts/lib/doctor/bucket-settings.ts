/**
 * The bucket settings the doctor reads (location, Block Public Access, ownership, encryption, policy,
 * CORS), from one table: each read once per run, and each failure reported the same way.
 */
import type {
  GetBucketCorsOutput,
  GetBucketEncryptionOutput,
  GetBucketLocationOutput,
  GetBucketOwnershipControlsOutput,
  GetBucketPolicyOutput,
  GetPublicAccessBlockOutput,
  S3Client,
} from "@aws-sdk/client-s3";
import { s3Sdk } from "../s3/sdk-modules";
import { Finding } from "./doctor-model";
import { awsFailure, BucketReadPermission, bucketResource, failedRead, Probe } from "./probe";

/** The answer of each bucket-configuration read the checks make. */
export interface BucketSettingAnswers {
  location: GetBucketLocationOutput;
  publicAccessBlock: GetPublicAccessBlockOutput;
  ownershipControls: GetBucketOwnershipControlsOutput;
  encryption: GetBucketEncryptionOutput;
  policy: GetBucketPolicyOutput;
  cors: GetBucketCorsOutput;
}
export type BucketSetting = keyof BucketSettingAnswers;

interface BucketSettingRead<K extends BucketSetting> {
  /** The IAM action the read needs (named when it is denied). */
  permission: BucketReadPermission;
  /** The S3 error code that means "not configured" (an answer in itself), if the read has one. */
  absentCode?: string;
  send(s3: S3Client, bucket: string, options: { abortSignal: AbortSignal }): Promise<BucketSettingAnswers[K]>;
}

/** One table of the bucket settings the doctor reads: every check reads and fails the same way. */
const BUCKET_SETTING_READS: { [K in BucketSetting]: BucketSettingRead<K> } = {
  location: {
    permission: "s3:GetBucketLocation",
    send: (s3, Bucket, options) => s3.send(new (s3Sdk().GetBucketLocationCommand)({ Bucket }), options),
  },
  publicAccessBlock: {
    permission: "s3:GetBucketPublicAccessBlock",
    absentCode: "NoSuchPublicAccessBlockConfiguration",
    send: (s3, Bucket, options) => s3.send(new (s3Sdk().GetPublicAccessBlockCommand)({ Bucket }), options),
  },
  ownershipControls: {
    permission: "s3:GetBucketOwnershipControls",
    absentCode: "OwnershipControlsNotFoundError",
    send: (s3, Bucket, options) => s3.send(new (s3Sdk().GetBucketOwnershipControlsCommand)({ Bucket }), options),
  },
  encryption: {
    permission: "s3:GetEncryptionConfiguration",
    absentCode: "ServerSideEncryptionConfigurationNotFoundError",
    send: (s3, Bucket, options) => s3.send(new (s3Sdk().GetBucketEncryptionCommand)({ Bucket }), options),
  },
  policy: {
    permission: "s3:GetBucketPolicy",
    absentCode: "NoSuchBucketPolicy",
    send: (s3, Bucket, options) => s3.send(new (s3Sdk().GetBucketPolicyCommand)({ Bucket }), options),
  },
  cors: {
    permission: "s3:GetBucketCORS",
    absentCode: "NoSuchCORSConfiguration",
    send: (s3, Bucket, options) => s3.send(new (s3Sdk().GetBucketCorsCommand)({ Bucket }), options),
  },
};

export type SettingRead<T> = { answer: T } | { absent: true } | { error: unknown };

/** Reads one bucket setting, once per run: its answer, "not configured", or the error. */
export function readBucketSetting<K extends BucketSetting>(
  probe: Probe,
  setting: K,
): Promise<SettingRead<BucketSettingAnswers[K]>> {
  return probe.once(`setting:${setting}`, async () => {
    const read = BUCKET_SETTING_READS[setting];
    try {
      return { answer: await read.send(probe.s3, probe.bucket, probe.call()) };
    } catch (error) {
      return read.absentCode !== undefined && awsFailure(error).name === read.absentCode
        ? { absent: true as const }
        : { error };
    }
  });
}

/** A setting read that failed: unsupported, a warning naming the missing permission, or a failure. */
export function unreadableSetting(probe: Probe, setting: BucketSetting, error: unknown): Promise<Finding> {
  return failedRead(probe, error, BUCKET_SETTING_READS[setting].permission, bucketResource(probe));
}
