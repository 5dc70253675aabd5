/**
 * The value rules the settings table (settings.ts) checks with: patterns of origins, ARNs and domains,
 * integer ranges, and how a raw value from the Pulumi CLI is parsed and quoted in a message. Pure.
 */

export type SettingType = "string" | "integer" | "boolean" | "array";

/** Raw value as the Pulumi CLI hands it over, parsed for a setting's type, or what it should have been. */
export function parseRaw(type: SettingType, raw: unknown): { value?: unknown; problem?: string } {
  switch (type) {
    case "string":
      return typeof raw === "string" ? { value: raw } : { problem: "a string" };
    case "integer": {
      const value = typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
      return typeof value === "number" && Number.isSafeInteger(value) ? { value } : { problem: "an integer" };
    }
    case "boolean": {
      const value = raw === "true" ? true : raw === "false" ? false : raw;
      return typeof value === "boolean" ? { value } : { problem: "true or false" };
    }
    case "array": {
      let value = raw;
      if (typeof raw === "string") {
        try {
          value = JSON.parse(raw);
        } catch {
          return { problem: "a JSON array of strings" };
        }
      }
      return Array.isArray(value) && value.every((item) => typeof item === "string")
        ? { value: [...value] }
        : { problem: "a list of strings" };
    }
  }
}

/** A raw value as a message quotes it: shortened, and never a secret setting's. */
export function formatRaw(raw: unknown, secret = false): string {
  if (secret) return "(secret)";
  const text = typeof raw === "string" ? raw : JSON.stringify(raw);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export const ORIGIN_PATTERN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;
/** AWS's rule for an external id: 2-1224 characters from this set. */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;
/** An IAM role or user of the stack's account (`*` allowed in the name, e.g. for SSO roles' random suffixes). */
export const IAM_PRINCIPAL_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/*-]+$/;
/** CloudFront takes certificates from ACM in us-east-1 only. */
export const CLOUDFRONT_CERTIFICATE_PATTERN = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/;
export const DOMAIN_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d:\d{12}:key\/[A-Za-z0-9-]+$/;

export function integerIn(min: number, max: number) {
  return (value: number) =>
    Number.isInteger(value) && value >= min && value <= max ? undefined : `an integer from ${min} to ${max}`;
}
