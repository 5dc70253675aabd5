/**
 * CloudFront signed cookies for one cohort. A custom policy names one resource pattern, so a person
 * gets one set of cookies per path: the cohort's data folder and its config folder, each with a
 * policy whose `Resource` is `<viewer origin>/<that path>*` and whose `DateLessThan` is the end of
 * the session. The cookies are made by `@aws-sdk/cloudfront-signer` (RSA-SHA1 over the policy, as
 * CloudFront checks them); nothing here signs by hand.
 */
import { getSignedCookies } from "@aws-sdk/cloudfront-signer";
import { keyUrlPath } from "../naming";
import { clearCookie, setCookie } from "./cookie-header";

/** The three cookies CloudFront reads on a path its trusted key group protects. */
export const CLOUDFRONT_COOKIE_NAMES = ["CloudFront-Policy", "CloudFront-Signature", "CloudFront-Key-Pair-Id"] as const;

/** The paths one cohort's cookies open: its data folder and its own config folder (both end in `/`). */
export function cohortCookiePaths(cohort: { dataFolder: string; configFolder: string }): string[] {
  return [keyUrlPath(cohort.dataFolder), keyUrlPath(cohort.configFolder)];
}

/** The custom policy CloudFront checks: every object under `path` on `viewerOrigin`, until `expiresAt`. */
export function cookiePolicy(viewerOrigin: string, path: string, expiresAt: Date): string {
  return JSON.stringify({
    Statement: [
      {
        Resource: `${viewerOrigin}${path}*`,
        Condition: { DateLessThan: { "AWS:EpochTime": Math.floor(expiresAt.getTime() / 1000) } },
      },
    ],
  });
}

export interface CookieSigningKey {
  keyPairId: string;
  privateKeyPem: string;
}

/** The `Set-Cookie` values that open `path` until `expiresAt` (they expire then too). */
export function signedCookiesFor(viewerOrigin: string, path: string, expiresAt: Date, key: CookieSigningKey): string[] {
  const signed = getSignedCookies({
    keyPairId: key.keyPairId,
    privateKey: key.privateKeyPem,
    policy: cookiePolicy(viewerOrigin, path, expiresAt),
  });
  const values: Record<(typeof CLOUDFRONT_COOKIE_NAMES)[number], string | undefined> = {
    "CloudFront-Policy": signed["CloudFront-Policy"],
    "CloudFront-Signature": signed["CloudFront-Signature"],
    "CloudFront-Key-Pair-Id": signed["CloudFront-Key-Pair-Id"],
  };
  return CLOUDFRONT_COOKIE_NAMES.map((name) => {
    const value = values[name];
    if (value === undefined) throw new Error(`the CloudFront signer returned no ${name}`);
    return setCookie(name, value, { path, expires: expiresAt });
  });
}

/** The `Set-Cookie` values that remove the cookies set for `path`. */
export function clearedCookiesFor(path: string): string[] {
  return CLOUDFRONT_COOKIE_NAMES.map((name) => clearCookie(name, path));
}
