/**
 * SigV4 query-string presigning of S3 object URLs, built for signing whole cohorts at once.
 *
 * The URLs are byte for byte what `getSignedUrl` from @aws-sdk/s3-request-presigner returns for a
 * `GetObjectCommand` with `requestChecksumCalculation` and
 * `responseChecksumValidation` set to `WHEN_REQUIRED`, minus the SDK's `x-id=GetObject` marker and
 * any checksum parameter: `host` is the only signed header, the payload is `UNSIGNED-PAYLOAD`, the
 * query is sorted the way the SDK sorts it, and a session token travels as `X-Amz-Security-Token`.
 * (test/s3/presign-conformance.spec.ts holds us to that, and to botocore's signer.)
 *
 * Why not `getSignedUrl`: it runs a middleware stack, re-resolves the endpoint and re-derives
 * (or looks up) the signing key for every URL. Here everything that does not depend on the object
 * key is computed once per presigner, the signing key once per (day, region, service, secret) in a
 * {@link SigningKeyCache}, and a URL costs one key encoding, one SHA-256, one HMAC-SHA256 and a
 * few string concatenations.
 *
 * Only reads are presigned: the bucket policy denies every presigned request but a read, so a
 * presigned write could not work, and the tools write with header-signed requests (the SDK's).
 *
 * Nothing here reads the clock, the environment or the network: the signing date is an argument.
 * The secret access key never appears in a message.
 */
import { createHash, createHmac, createSecretKey, hash, type KeyObject } from "node:crypto";
import { MAX_PRESIGN_SECONDS } from "../../../policy/documents/limits";
import { awsBucketAddress } from "../../../components/address-rules";
import { ValidationError } from "../errors";

/** Longest life of a SigV4 presigned URL (7 days, 604800 s); defined once, in policy/documents/limits.ts. */
export { MAX_PRESIGN_SECONDS };
/** S3's limit on the length of an object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Set for temporary (STS) credentials; sent as `X-Amz-Security-Token`. An empty string means none, as in the SDK. */
  readonly sessionToken?: string;
}

/** Where a bucket lives. */
export interface BucketLocation {
  readonly bucket: string;
  /** The bucket's real region, e.g. `eu-west-1`; it picks the endpoint and the credential scope. */
  readonly region: string;
  /**
   * A custom S3-compatible endpoint, `http(s)://host[:port][/base/path]`, addressed path style
   * (`<endpoint>/<bucket>/<key>`), like the SDK with `forcePathStyle: true`. Without it, the AWS
   * regional endpoint of the region's partition is used.
   */
  readonly endpoint?: string;
}

export interface PresignerOptions extends BucketLocation {
  readonly credentials: SigningCredentials;
  /** Life of every URL, 1..{@link MAX_PRESIGN_SECONDS}. */
  readonly expiresInSeconds: number;
  /** The signing time (`X-Amz-Date`, truncated to the second). Never read from the clock here. */
  readonly signingDate: Date;
  /** Where signing keys are kept; defaults to one cache shared by the process. */
  readonly signingKeyCache?: SigningKeyCache;
}

const ALGORITHM = "AWS4-HMAC-SHA256";
const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
const SERVICE = "s3";

/**
 * Signing keys by (yyyymmdd, region, service, secret). The secret itself is not kept as a map key,
 * only a SHA-256 fingerprint of it. Bounded: when full, the oldest key is dropped.
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, KeyObject>();
  private derived = 0;

  constructor(private readonly maxEntries = 50) {}

  /** How many signing keys this cache has derived (each derivation is four HMACs). */
  get derivations(): number {
    return this.derived;
  }

  get size(): number {
    return this.keys.size;
  }

  /** The SigV4 signing key for the day `shortDate` (yyyymmdd), region and service. */
  get(secretAccessKey: string, shortDate: string, region: string, service: string): KeyObject {
    const id = `${shortDate}/${region}/${service}/${createHash("sha256").update(secretAccessKey).digest("base64")}`;
    let key = this.keys.get(id);
    if (key === undefined) {
      const kDate = hmac("AWS4" + secretAccessKey, shortDate);
      const kRegion = hmac(kDate, region);
      const kService = hmac(kRegion, service);
      key = createSecretKey(hmac(kService, "aws4_request"));
      this.derived++;
      if (this.keys.size >= this.maxEntries) {
        const oldest = this.keys.keys().next();
        if (!oldest.done) this.keys.delete(oldest.value);
      }
      this.keys.set(id, key);
    }
    return key;
  }
}

const sharedSigningKeyCache = new SigningKeyCache();

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/**
 * Presigns GET URLs for the objects of one bucket with one set of credentials, one signing date
 * and one expiry. Build one per batch and call it per key.
 */
export class S3QueryPresigner {
  /** When every URL of this presigner stops working (signing second + expiry). */
  readonly expiresAt: Date;
  /** The signing time as sent in `X-Amz-Date`, e.g. `20250102T030405Z`. */
  readonly amzDate: string;

  // Everything that does not depend on the key, computed once.
  private readonly signingKey: KeyObject;
  private readonly urlHead: string; // origin + path prefix
  private readonly urlMid: string; // "?" + query up to and including "X-Amz-Signature="
  private readonly urlTail: string; // "&X-Amz-SignedHeaders=host"
  private readonly getHead: string; // "GET\n" + canonical path prefix
  private readonly canonicalTail: string; // "\n" + canonical query + headers + payload hash
  private readonly stringToSignHead: string; // algorithm, date, scope

  constructor(options: PresignerOptions) {
    const { credentials, expiresInSeconds, signingDate } = options;
    const target = resolveBucketTarget(options);
    validateCredentials(credentials);
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGN_SECONDS) {
      throw new ValidationError(
        `expiresInSeconds must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS}, got ${String(expiresInSeconds)}`,
        { fix: `choose an expiry of at most ${MAX_PRESIGN_SECONDS} s (7 days), the SigV4 limit` },
      );
    }
    if (!(signingDate instanceof Date) || Number.isNaN(signingDate.getTime())) {
      throw new ValidationError("signingDate must be a valid Date", { fix: "pass the signing time as a Date" });
    }

    const signingSecond = Math.floor(signingDate.getTime() / 1000) * 1000;
    this.amzDate = new Date(signingSecond)
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z")
      .replace(/[-:]/g, "");
    this.expiresAt = new Date(signingSecond + expiresInSeconds * 1000);
    const shortDate = this.amzDate.slice(0, 8);
    const scope = `${shortDate}/${target.region}/${SERVICE}/aws4_request`;
    this.signingKey = (options.signingKeyCache ?? sharedSigningKeyCache).get(
      credentials.secretAccessKey,
      shortDate,
      target.region,
      SERVICE,
    );

    // The query in the SDK's order (keys sorted), which is also the canonical query's order.
    const queryHead =
      `X-Amz-Algorithm=${ALGORITHM}` +
      `&X-Amz-Content-Sha256=${UNSIGNED_PAYLOAD}` +
      `&X-Amz-Credential=${escapeUri(`${credentials.accessKeyId}/${scope}`)}` +
      `&X-Amz-Date=${this.amzDate}` +
      `&X-Amz-Expires=${expiresInSeconds}` +
      (credentials.sessionToken ? `&X-Amz-Security-Token=${escapeUri(credentials.sessionToken)}` : "");
    const signedHeaders = "&X-Amz-SignedHeaders=host";

    this.urlHead = target.origin + target.pathPrefix;
    this.urlMid = `?${queryHead}&X-Amz-Signature=`;
    this.urlTail = signedHeaders;
    this.getHead = `GET\n${target.pathPrefix}`;
    this.canonicalTail = `\n${queryHead}${signedHeaders}\nhost:${target.host}\n\nhost\n${UNSIGNED_PAYLOAD}`;
    this.stringToSignHead = `${ALGORITHM}\n${this.amzDate}\n${scope}\n`;
  }

  /** A presigned GET URL for the object `key` (raw, not encoded). */
  presignGet(key: string): string {
    return this.sign(this.getHead, key);
  }

  /** The object's unsigned URL (same host, path and encoding as the presigned ones). */
  objectUrl(key: string): string {
    return this.urlHead + encodeKeyPath(key);
  }

  private sign(canonicalHead: string, key: string): string {
    const path = encodeKeyPath(key);
    const canonicalRequestHash = hash("sha256", canonicalHead + path + this.canonicalTail, "hex");
    const signature = createHmac("sha256", this.signingKey)
      .update(this.stringToSignHead + canonicalRequestHash)
      .digest("hex");
    return this.urlHead + path + this.urlMid + signature + this.urlTail;
  }
}

/** The unsigned URL of an object: `https://<bucket>.s3.<region>.amazonaws.com/<key>` and friends. */
export function objectUrl(location: BucketLocation, key: string): string {
  const target = resolveBucketTarget(location);
  return target.origin + target.pathPrefix + encodeKeyPath(key);
}

interface BucketTarget {
  readonly region: string;
  /** `scheme://host[:port]` */
  readonly origin: string;
  /** The `host` header value. */
  readonly host: string;
  /** Path up to the key, already encoded, ending in `/`. */
  readonly pathPrefix: string;
}

// Real AWS regions: "eu-west-1", "us-gov-west-1", "eusc-de-east-1", "us-isob-east-1", ...
const REGION = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,3}$/;
// Bucket names S3 has allowed (legacy us-east-1 names included), all URL-safe as they are.
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;
// http(s)://host[:port][/path], nothing else (no user info, query or fragment); group 1 is the path.
const ENDPOINT = /^https?:\/\/[^/?#@\s]+(\/[^?#\s]*)?$/i;
// Path segments that need neither encoding nor dot-segment normalization.
const ENDPOINT_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/;

function resolveBucketTarget({ bucket, region, endpoint }: BucketLocation): BucketTarget {
  if (typeof region !== "string" || !REGION.test(region)) {
    throw new ValidationError(`region must be an AWS region name such as eu-west-1, got ${JSON.stringify(region)}`, {
      fix: "pass the bucket's own region",
    });
  }
  if (typeof bucket !== "string" || !BUCKET.test(bucket)) {
    throw new ValidationError(`bucket must be an S3 bucket name, got ${JSON.stringify(bucket)}`, {
      fix: "pass the bucket name alone (no s3:// prefix, path or ARN)",
    });
  }
  if (endpoint !== undefined) {
    const url = parseEndpoint(endpoint);
    const basePath = url.pathname.endsWith("/") ? url.pathname : `${url.pathname}/`;
    return {
      region,
      origin: `${url.protocol}//${url.host}`,
      host: url.host,
      pathPrefix: `${basePath}${bucket}/`,
    };
  }
  const { host, virtualHosted } = awsBucketAddress(bucket, region);
  return { region, origin: `https://${host}`, host, pathPrefix: virtualHosted ? "/" : `/${bucket}/` };
}

function parseEndpoint(endpoint: string): URL {
  // A URL with user info may carry a password: do not repeat it.
  const shown =
    typeof endpoint === "string" && endpoint.includes("@") ? "(with user info, not shown)" : JSON.stringify(endpoint);
  const malformed = (why: string): ValidationError =>
    new ValidationError(`endpoint ${shown} is malformed: ${why}`, {
      fix: "pass the endpoint as http(s)://host[:port], e.g. http://127.0.0.1:4569",
    });
  const parts = typeof endpoint === "string" ? ENDPOINT.exec(endpoint) : null;
  if (parts === null) {
    throw malformed("expected http(s)://host[:port][/path] without user info, query or fragment");
  }
  if (!ENDPOINT_PATH.test(parts[1] ?? "")) {
    throw malformed("its path may only hold segments of letters, digits and -._~ (not starting with a dot)");
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw malformed("not a URL");
  }
  if (url.hostname === "") throw malformed("no host");
  return url;
}

function validateCredentials(credentials: SigningCredentials): void {
  if (credentials === null || typeof credentials !== "object") {
    throw new ValidationError("credentials are missing", { fix: "pass an access key id and secret access key" });
  }
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  if (typeof accessKeyId !== "string" || !/^[\x21-\x2e\x30-\x7e]+$/.test(accessKeyId)) {
    throw new ValidationError(
      "credentials.accessKeyId must be a non-empty string of printable characters without '/'",
      {
        fix: "check the presigner's access key id",
      },
    );
  }
  // Never echo the secret.
  if (typeof secretAccessKey !== "string" || secretAccessKey.length === 0) {
    throw new ValidationError("credentials.secretAccessKey must be a non-empty string", {
      fix: "check the presigner's secret access key",
    });
  }
  if (sessionToken !== undefined && typeof sessionToken !== "string") {
    throw new ValidationError("credentials.sessionToken must be a string when given", {
      fix: "pass the session token of the temporary credentials",
    });
  }
}

const SAFE_KEY = /^[\w.~/-]*$/;
const ENCODED_SLASH = /%2F/g;
const SUB_DELIMS = /[!'()*]/g;
const HAS_SUB_DELIM = /[!'()*]/;
const SUB_DELIM_ESCAPES: Readonly<Record<string, string>> = {
  "!": "%21",
  "'": "%27",
  "(": "%28",
  ")": "%29",
  "*": "%2A",
};
const escapeSubDelim = (c: string): string => SUB_DELIM_ESCAPES[c];

/**
 * RFC 3986 encoding of an S3 object key as a URL path: every byte but the unreserved characters
 * `A-Za-z0-9-._~` is percent-encoded (UTF-8, upper-case hex), `/` is kept, nothing is normalized
 * (`a//b`, `./`, `../` stay as they are), and a literal `%` is encoded (`%2F` -> `%252F`).
 * Throws a ValidationError naming `key` for an empty key, a key longer than 1024 UTF-8 bytes
 * or one that is not valid Unicode (a lone surrogate).
 */
export function encodeKeyPath(key: string): string {
  if (typeof key !== "string" || key.length === 0) {
    throw new ValidationError("key must be a non-empty string", { fix: "pass the object's key" });
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes: only long keys need counting.
  if (key.length > MAX_KEY_BYTES / 3 && Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) {
    throw new ValidationError(`key is longer than ${MAX_KEY_BYTES} UTF-8 bytes (S3's limit)`, {
      fix: "shorten the object key",
    });
  }
  if (SAFE_KEY.test(key)) return key;
  let encoded: string;
  try {
    encoded = encodeURIComponent(key);
  } catch {
    throw new ValidationError("key is not valid Unicode (it holds a lone surrogate)", {
      fix: "pass the object key as well-formed text",
    });
  }
  // In encodeURIComponent's output every "%" starts a triplet, so "%2F" only ever stands for "/".
  encoded = encoded.replace(ENCODED_SLASH, "/");
  return HAS_SUB_DELIM.test(encoded) ? encoded.replace(SUB_DELIMS, escapeSubDelim) : encoded;
}

/** The SDK's query encoding (escapeUri): encodeURIComponent plus `!'()*`. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(SUB_DELIMS, escapeSubDelim);
}
