/**
 * The data bucket's single CORS rule: GET only, from the viewer's origins.
 *
 * Pure and self-contained (no Pulumi runtime, nothing outside policy/): the Pulumi program, the policy
 * pack, the tools, the local demo and the tests build from these, so each action list and limit exists once.
 */

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
