/**
 * The few S3 calls the tools make, behind a narrow interface so the library never sees the SDK's
 * breadth and tests can point it at any S3-compatible server. Every failure becomes an AwsError
 * that names the step, the object and the fix.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { AwsError, describeCause } from "./errors";
import { SigningCredentials } from "./presign";

export interface ObjectSummary {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface ObjectStore {
  readonly bucket: string;
  /** Every object under `prefix`, page by page (about one request per 1,000 objects). */
  list(prefix: string): AsyncIterable<ObjectSummary>;
  /** `createOnly`: a conditional write (`If-None-Match: *`) that fails if the key exists. */
  put(key: string, body: string | Uint8Array, contentType: string, options?: { createOnly?: boolean }): Promise<void>;
  remove(key: string): Promise<void>;
  /** The object's bytes, or only `[start, end]` (inclusive) with a ranged GET. */
  read(key: string, range?: { start: number; end: number }): Promise<Buffer>;
}

export interface S3ConnectionOptions {
  region: string;
  credentials: SigningCredentials;
  /** Path-style custom endpoint (a local or S3-compatible server). */
  endpoint?: string;
  /** Attempts per request, retries included (SDK standard mode: exponential backoff with jitter). */
  maxAttempts?: number;
  /** Per attempt: time to connect and time to wait for the response. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Per call, retries included: the call is abandoned after this long. */
  callTimeoutMs?: number;
}

export const S3_DEFAULTS = {
  maxAttempts: 5,
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  callTimeoutMs: 120_000,
} as const;

export function createS3Client(options: S3ConnectionOptions): S3Client {
  return new S3Client({
    region: options.region,
    credentials: options.credentials,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    maxAttempts: options.maxAttempts ?? S3_DEFAULTS.maxAttempts,
    retryMode: "standard",
    // Checksums only where S3 requires them: no CRC32 parameters on presigned URLs or PUTs.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? S3_DEFAULTS.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs ?? S3_DEFAULTS.requestTimeoutMs,
    },
  });
}

/** A one-line fix for the usual S3 failures. */
export function fixFor(error: unknown, bucket: string): string {
  const name = error instanceof S3ServiceException ? error.name : (error as { name?: string; code?: string })?.name;
  const code = (error as { code?: string })?.code;
  switch (name) {
    case "AccessDenied":
    case "Forbidden":
    case "InvalidAccessKeyId":
    case "SignatureDoesNotMatch":
      return "use the stack's presigner credentials (the default with --stack/--outputs) or credentials allowed on this bucket and prefix";
    case "ExpiredToken":
    case "TokenRefreshRequired":
      return "refresh your AWS session (e.g. aws sso login) and run the command again";
    case "NoSuchBucket":
      return `check that bucket "${bucket}" exists in this account and region (--stack, --outputs, --bucket, --region)`;
    case "PermanentRedirect":
    case "AuthorizationHeaderMalformed":
      return "pass the bucket's real region with --region (or use the stack outputs)";
    case "SlowDown":
    case "ServiceUnavailable":
    case "InternalError":
    case "TimeoutError":
    case "RequestTimeout":
    case "AbortError":
      return "S3 is failing or throttling; nothing was published — run the command again later";
  }
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "ECONNRESET" || code === "ETIMEDOUT" || code === "EPIPE") {
    return "check the network and --endpoint; nothing was published — run the command again";
  }
  return "check the bucket, region and credentials, then run the command again";
}

class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly callTimeoutMs: number,
  ) {}

  private async call<T>(step: string, action: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.callTimeoutMs);
    try {
      return await action(signal);
    } catch (error) {
      throw new AwsError(`${step} failed: ${describeCause(error)}`, { fix: fixFor(error, this.bucket), cause: error });
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectSummary> {
    let token: string | undefined;
    do {
      const page = await this.call(`listing s3://${this.bucket}/${prefix}`, (abortSignal) =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async put(key: string, body: string | Uint8Array, contentType: string, options: { createOnly?: boolean } = {}): Promise<void> {
    await this.call(`uploading s3://${this.bucket}/${key}`, (abortSignal) =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ...(options.createOnly ? { IfNoneMatch: "*" } : {}) }),
        { abortSignal },
      ),
    );
  }

  async remove(key: string): Promise<void> {
    await this.call(`deleting s3://${this.bucket}/${key}`, (abortSignal) =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal }),
    );
  }

  async read(key: string, range?: { start: number; end: number }): Promise<Buffer> {
    return this.call(`reading s3://${this.bucket}/${key}`, async (abortSignal) => {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }),
        { abortSignal },
      );
      return Buffer.from(await response.Body!.transformToByteArray());
    });
  }
}

export function s3ObjectStore(client: S3Client, bucket: string, callTimeoutMs: number = S3_DEFAULTS.callTimeoutMs): ObjectStore {
  return new S3ObjectStore(client, bucket, callTimeoutMs);
}
