/**
 * Limits every part of the project agrees on: link life, TLS, log retention, access-key age and slots.
 *
 * Pure and self-contained (no Pulumi runtime, nothing outside policy/): the Pulumi program, the policy
 * pack, the tools, the local demo and the tests build from these, so each action list and limit exists once.
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
/** The self-hosted viewer's files live under this key prefix of its bucket (and are served under `/app/`). */
export const VIEWER_KEY_PREFIX = "app/";
/** Where the viewer sync keeps its manifest of the served files: outside app/, so CloudFront never serves it. */
export const VIEWER_SYNC_MANIFEST_KEY = ".viewer-sync/manifest.json";
/** AWS Security Hub IAM.3: an active access key must be rotated within this many days. */
export const MAX_ACCESS_KEY_AGE_DAYS = 90;

export type KeySlot = "a" | "b";
/** IAM allows two access keys per user: the presigner rotates between two slots. */
export const KEY_SLOTS: readonly KeySlot[] = ["a", "b"];
/**
 * Longest `keyRotationDays`: a key signs for one rotation period and keeps its links alive for the
 * next, so with two slots it lives up to 2 × keyRotationDays, which must stay within IAM.3's limit.
 */
export const MAX_KEY_ROTATION_DAYS = MAX_ACCESS_KEY_AGE_DAYS / KEY_SLOTS.length;
