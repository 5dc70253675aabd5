/**
 * CloudFront's signed-cookie rules, for the demo's server (and the tests): a request to a protected
 * path is served only when it carries `CloudFront-Policy`, `CloudFront-Signature` and
 * `CloudFront-Key-Pair-Id` such that the key pair id is one of the trusted key group's public keys,
 * the signature is RSA-SHA1 over the policy's bytes with that key, the policy's `Resource` (with
 * `*` wildcards) matches the request URL, and the time is before `DateLessThan` (and after
 * `DateGreaterThan`, when present). The cookie keys for the demo are made here as well.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, verify } from "node:crypto";

export interface CookieKeyPairs {
  /** Private keys (PEM, PKCS#1 as the stack's RSA keys are) by key pair id: what the sign-in function holds. */
  keys: Record<string, string>;
  activeKeyPairId: string;
  /** The trusted key group: public keys (PEM) by key pair id. */
  publicKeys: Record<string, string>;
}

/** A CloudFront-like public key id: `K` and 13 upper-case letters and digits. */
function keyPairId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  return `K${[...randomBytes(13)].map((byte) => alphabet[byte % alphabet.length]).join("")}`;
}

/** Two fresh RSA-2048 slots, the first active, as the stack's two cookie key slots. */
export function generateCookieKeyPairs(): CookieKeyPairs {
  const pairs = [0, 1].map(() => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    return { id: keyPairId(), pem: privateKey.export({ type: "pkcs1", format: "pem" }).toString() };
  });
  return {
    keys: Object.fromEntries(pairs.map(({ id, pem }) => [id, pem])),
    activeKeyPairId: pairs[0].id,
    publicKeys: Object.fromEntries(
      pairs.map(({ id, pem }) => [id, createPublicKey(createPrivateKey(pem)).export({ type: "spki", format: "pem" })]),
    ) as Record<string, string>,
  };
}

/** CloudFront's URL-safe base64: `+=/` become `-_~`. */
function fromCloudFrontBase64(value: string): Buffer {
  return Buffer.from(value.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");
}

/** Whether `url` matches a policy Resource, where `*` stands for any characters and `?` for one. */
export function resourceMatches(resource: string, url: string): boolean {
  const pattern = resource
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`, "s").test(url);
}

export type CookieFinding = { allowed: true } | { allowed: false; code: "MissingKey" | "AccessDenied"; reason: string };

interface PolicyStatement {
  Resource?: unknown;
  Condition?: {
    DateLessThan?: { "AWS:EpochTime"?: unknown };
    DateGreaterThan?: { "AWS:EpochTime"?: unknown };
  };
}

function statementOf(policyBytes: Buffer): PolicyStatement | undefined {
  try {
    const policy = JSON.parse(policyBytes.toString("utf8")) as { Statement?: unknown };
    return Array.isArray(policy.Statement) && policy.Statement.length === 1
      ? (policy.Statement[0] as PolicyStatement)
      : undefined;
  } catch {
    return undefined;
  }
}

/** CloudFront's decision for a request to `url` with `cookies`, given the trusted public keys. */
export function checkSignedCookies(
  url: string,
  cookies: Readonly<Record<string, string>>,
  publicKeys: Readonly<Record<string, string>>,
  now: Date,
): CookieFinding {
  const denied = (reason: string): CookieFinding => ({ allowed: false, code: "AccessDenied", reason });
  const id = cookies["CloudFront-Key-Pair-Id"];
  const policy = cookies["CloudFront-Policy"];
  const signature = cookies["CloudFront-Signature"];
  if (!id || !policy || !signature) {
    return { allowed: false, code: "MissingKey", reason: "no CloudFront signed cookies on this path" };
  }
  const publicKey = publicKeys[id];
  if (publicKey === undefined) return denied(`key pair ${id} is not in the trusted key group`);
  const policyBytes = fromCloudFrontBase64(policy);
  if (!verify("RSA-SHA1", policyBytes, publicKey, fromCloudFrontBase64(signature))) {
    return denied("the signature does not match the policy");
  }
  const statement = statementOf(policyBytes);
  if (statement === undefined || typeof statement.Resource !== "string") return denied("the policy is malformed");
  if (!resourceMatches(statement.Resource, url)) return denied("the policy's Resource does not cover this URL");
  const seconds = now.getTime() / 1000;
  const lessThan = statement.Condition?.DateLessThan?.["AWS:EpochTime"];
  if (typeof lessThan !== "number" || seconds >= lessThan) return denied("the policy has expired (DateLessThan)");
  const greaterThan = statement.Condition?.DateGreaterThan?.["AWS:EpochTime"];
  if (typeof greaterThan === "number" && seconds <= greaterThan) return denied("the policy is not valid yet");
  return { allowed: true };
}
