/**
 * Lifecycle rules of the data and log buckets.
 *
 * Pure and self-contained (no Pulumi runtime, nothing outside policy/): the Pulumi program, the policy
 * pack, the tools, the local demo and the tests build from these, so each action list and limit exists once.
 */
import { ABORT_INCOMPLETE_UPLOAD_DAYS, ACCESS_LOG_RETENTION_DAYS } from "./limits";

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
  /** Sign-in mode: configs are deleted by revoke-cohort only (absent: links). */
  access?: "links" | "sign-in";
}

export function dataBucketLifecycleRules(args: DataLifecycleArgs): LifecycleRule[] {
  const rules: LifecycleRule[] = [
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
    },
  ];
  // A links-mode config is useless once its presigned URLs expire. In sign-in mode a cohort's stable
  // /open/ link lands on its latest config, which must stay until the lab revokes it.
  if (args.access !== "sign-in") {
    rules.push({
      id: "expire-published-configs",
      status: "Enabled",
      filter: { prefix: args.configPrefix },
      expiration: { days: args.configExpiryDays },
    });
  }
  if (args.versioning) {
    rules.push({
      ...noncurrentVersionsRule(args.noncurrentVersionDays),
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
  if (args.versioning) rules.push(noncurrentVersionsRule(args.noncurrentVersionDays));
  return rules;
}

/** The self-hosted viewer's bucket: each sync's replaced files kept for a while, then deleted. */
export function viewerBucketLifecycleRules(args: { noncurrentVersionDays: number }): LifecycleRule[] {
  return [
    {
      id: "abort-incomplete-multipart-uploads",
      status: "Enabled",
      filter: {},
      abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
    },
    { ...noncurrentVersionsRule(args.noncurrentVersionDays), expiration: { expiredObjectDeleteMarker: true } },
  ];
}

/** Deletes object versions `days` after they stopped being current. */
function noncurrentVersionsRule(days: number): LifecycleRule {
  return {
    id: "expire-noncurrent-versions",
    status: "Enabled",
    filter: {},
    noncurrentVersionExpiration: { noncurrentDays: days },
  };
}
