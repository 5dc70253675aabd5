/**
 * The few S3 calls the tools make, behind a narrow interface so the library never sees the SDK's
 * breadth and tests can point it at any S3-compatible server. Every failure becomes an AwsError
 * that names the step, the object and the fix.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { AwsError, describeCause, InterruptedError } from "../errors";
import { SigningCredentials } from "./presign";
import { s3Sdk } from "./sdk-modules";

export interface ObjectSummary {
  key: string;
  size: number;
  lastModified?: Date;
}

/** `signal`: abandons the call (closing its connection) when it aborts. */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface ObjectStore {
  readonly bucket: string;
  /** Every object under `prefix`, page by page (about one request per 1,000 objects). */
  list(prefix: string, options?: CallOptions): AsyncIterable<ObjectSummary>;
  /** `createOnly`: a conditional write (`If-None-Match: *`) that fails if the key exists. */
  put(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    options?: { createOnly?: boolean } & CallOptions,
  ): Promise<void>;
  remove(key: string, options?: CallOptions): Promise<void>;
  /** The object's bytes, or only `[start, end]` (inclusive) with a ranged GET. */
  read(key: string, range?: { start: number; end: number }, options?: CallOptions): Promise<Buffer>;
}

export interface S3ConnectionOptions {
  region: string;
  credentials: SigningCredentials;
  /** Path-style custom endpoint (a local or S3-compatible server). */
  endpoint?: string;
  /** Attempts per request, retries included (SDK standard mode: exponential backoff with jitter). */
  maxAttempts?: number;
  /** Per attempt: time to connect, and how long the connection may stay silent (no byte sent or
   * received) before the attempt is abandoned and retried. A large upload that keeps sending is
   * never cut short; a stalled one is. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Per call, retries included: the call is abandoned after this long. */
  callTimeoutMs?: number;
  /** Follow S3's redirect to a bucket's own region (a bucket of another region than `region`). */
  followRegionRedirects?: boolean;
}

export const S3_DEFAULTS = {
  maxAttempts: 5,
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 30_000,
  callTimeoutMs: 120_000,
} as const;

export function createS3Client(options: S3ConnectionOptions): S3Client {
  return new (s3Sdk().S3Client)({
    region: options.region,
    credentials: options.credentials,
    ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    maxAttempts: options.maxAttempts ?? S3_DEFAULTS.maxAttempts,
    followRegionRedirects: options.followRegionRedirects ?? false,
    retryMode: "standard",
    // Checksums only where S3 requires them: no CRC32 parameters on presigned URLs or PUTs.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? S3_DEFAULTS.connectionTimeoutMs,
      // An inactivity limit: the SDK's `requestTimeout` only logs a warning unless told to throw,
      // and as a hard limit it would also cut off a large upload that is making progress. A stalled
      // attempt fails with a TimeoutError, which the standard retry strategy retries.
      socketTimeout: options.requestTimeoutMs ?? S3_DEFAULTS.requestTimeoutMs,
    },
  });
}

/** A one-line fix for the usual S3 failures. */
export function fixFor(error: unknown, bucket: string): string {
  const name = (error as { name?: string })?.name;
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
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return "check the endpoint's host name (--endpoint, or `endpoint` in the outputs file) and your network, then run the command again";
  }
  if (code === "ECONNREFUSED") {
    return "start the server that endpoint names (the demo: npm run demo), or fix --endpoint, then run the command again";
  }
  if (code === "ECONNRESET" || code === "ETIMEDOUT" || code === "EPIPE") {
    return "check the network and --endpoint; nothing was published — run the command again";
  }
  return "check the bucket, region and credentials, then run the command again";
}

/**
 * One line on why a call failed, after the SDK's retries: the error, the number of attempts, and
 * plain words for a stalled connection or the call's time limit (never a stack or a secret).
 */
export function describeS3Failure(error: unknown, callTimedOut: boolean, callTimeoutMs: number): string {
  const attempts = (error as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts;
  const stalled =
    error instanceof Error && error.name === "TimeoutError" ? /after (\d+) ms of inactivity/.exec(error.message) : null;
  const { code, hostname, address, port } = (error ?? {}) as {
    code?: string;
    hostname?: string;
    address?: string;
    port?: number;
  };
  // Naming the host or port says it all; retries of a name that does not resolve add nothing.
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `the endpoint's host ${hostname ?? "name"} does not resolve (${code})`;
  }
  if (code === "ECONNREFUSED") {
    return `nothing answers at ${address ?? "the endpoint"}${port ? `:${port}` : ""} (connection refused)`;
  }
  const what = callTimedOut
    ? `no complete answer within ${callTimeoutMs / 1000} s, the call's time limit`
    : stalled
      ? `the connection stalled (no data moved for ${Number(stalled[1]) / 1000} s)`
      : code === "ECONNRESET" || code === "EPIPE"
        ? `the connection was reset (${code})`
        : describeCause(error);
  return attempts !== undefined && attempts > 1 ? `${what} (gave up after ${attempts} attempts)` : what;
}

class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly callTimeoutMs: number,
  ) {}

  private async call<T>(
    step: string,
    action: (abortSignal: AbortSignal) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const timeout = AbortSignal.timeout(this.callTimeoutMs);
    try {
      return await action(options.signal ? AbortSignal.any([timeout, options.signal]) : timeout);
    } catch (error) {
      throw new AwsError(`${step} failed: ${describeS3Failure(error, timeout.aborted, this.callTimeoutMs)}`, {
        fix: fixFor(error, this.bucket),
        cause: error,
      });
    }
  }

  async *list(prefix: string, options: CallOptions = {}): AsyncIterable<ObjectSummary> {
    let token: string | undefined;
    do {
      const page = await this.call(
        `listing s3://${this.bucket}/${prefix}`,
        (abortSignal) =>
          this.client.send(
            new (s3Sdk().ListObjectsV2Command)({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
            { abortSignal },
          ),
        options,
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined)
          yield { key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async put(
    key: string,
    body: string | Uint8Array,
    contentType: string,
    options: { createOnly?: boolean } & CallOptions = {},
  ): Promise<void> {
    await this.call(
      `uploading s3://${this.bucket}/${key}`,
      (abortSignal) =>
        this.client.send(
          new (s3Sdk().PutObjectCommand)({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ...(options.createOnly ? { IfNoneMatch: "*" } : {}),
          }),
          { abortSignal },
        ),
      options,
    );
  }

  async remove(key: string, options: CallOptions = {}): Promise<void> {
    await this.call(
      `deleting s3://${this.bucket}/${key}`,
      (abortSignal) =>
        this.client.send(new (s3Sdk().DeleteObjectCommand)({ Bucket: this.bucket, Key: key }), { abortSignal }),
      options,
    );
  }

  async read(key: string, range?: { start: number; end: number }, options: CallOptions = {}): Promise<Buffer> {
    return this.call(
      `reading s3://${this.bucket}/${key}`,
      async (abortSignal) => {
        const maxAttempts = await this.maxAttempts();
        for (let attempt = 1; ; attempt++) {
          const response = await this.client.send(
            new (s3Sdk().GetObjectCommand)({
              Bucket: this.bucket,
              Key: key,
              ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
            }),
            { abortSignal },
          );
          try {
            return Buffer.from(await response.Body!.transformToByteArray());
          } catch (error) {
            // The SDK retries a request until its answer starts; a body cut short (a reset or a stall
            // mid-way) is retried here, with the same budget of attempts and the same backoff.
            if (attempt >= maxAttempts || abortSignal.aborted) {
              throw Object.assign(error as Error, {
                $metadata: { ...(error as { $metadata?: object }).$metadata, attempts: attempt },
              });
            }
            await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20_000, 100 * 2 ** attempt)));
          }
        }
      },
      options,
    );
  }

  /** The client's attempt budget (the SDK resolves it as a provider). */
  private async maxAttempts(): Promise<number> {
    const configured = (this.client.config as { maxAttempts?: number | (() => Promise<number>) }).maxAttempts;
    const value = typeof configured === "function" ? await configured() : configured;
    return typeof value === "number" && value >= 1 ? value : S3_DEFAULTS.maxAttempts;
  }
}

export function s3ObjectStore(
  client: S3Client,
  bucket: string,
  callTimeoutMs: number = S3_DEFAULTS.callTimeoutMs,
): ObjectStore {
  return new S3ObjectStore(client, bucket, callTimeoutMs);
}

/**
 * The same store, every call of it abandoned (its connection closed) once `interruption` aborts
 * with a signal's name as reason, failing then with an InterruptedError. Clean-up after an
 * interruption goes through the original store, whose calls still run.
 */
export function interruptible(store: ObjectStore, interruption: AbortSignal): ObjectStore {
  const stopped = (cause?: unknown) =>
    new InterruptedError(
      interruption.reason === "SIGTERM" ? "SIGTERM" : "SIGINT",
      `interrupted (${String(interruption.reason)})`,
      { cause },
    );
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    if (interruption.aborted) throw stopped();
    try {
      return await call();
    } catch (error) {
      throw interruption.aborted ? stopped(error) : error;
    }
  };
  const signal = interruption;
  return {
    bucket: store.bucket,
    async *list(prefix) {
      if (interruption.aborted) throw stopped();
      try {
        yield* store.list(prefix, { signal });
      } catch (error) {
        throw interruption.aborted ? stopped(error) : error;
      }
    },
    put: (key, body, contentType, options) => guard(() => store.put(key, body, contentType, { ...options, signal })),
    remove: (key) => guard(() => store.remove(key, { signal })),
    read: (key, range) => guard(() => store.read(key, range, { signal })),
  };
}
