/**
 * What S3 checks of an upload's body, and how: the checksum the client sent (one `x-amz-checksum-*`
 * header, or a trailer of an aws-chunked body), the payload hash it signed (`x-amz-content-sha256`)
 * and `Content-MD5`. The body is read once; every sum is computed on the way and compared at its end,
 * before the store renames anything into place, so a body that fails a check is never stored.
 */
import { createHash, Hash } from "node:crypto";
import { Readable, Transform, TransformCallback, pipeline } from "node:stream";
import {
  ChecksumAlgorithm,
  checksumHeader,
  checksumLength,
  checksummer,
  Checksummer,
  CHECKSUM_ALGORITHMS,
  isChecksumAlgorithm,
} from "../../s3/checksums";
import { AwsChunkedDecoder, STREAMING_PAYLOADS } from "./aws-chunked";
import { header, S3Context, s3Error } from "./s3rver-internals";

/** The checksum a request carries: its value now (a header) or at the end of the body (a trailer). */
export interface RequestedChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64, from the header; undefined when it comes as a trailer. */
  value?: string;
}

const invalidValue = (algorithm: ChecksumAlgorithm) =>
  s3Error("InvalidRequest", `Value for ${checksumHeader(algorithm)} header is invalid.`);

function checkValue(algorithm: ChecksumAlgorithm, value: string): string {
  const raw = Buffer.from(value, "base64");
  if (raw.length !== checksumLength(algorithm) || raw.toString("base64") !== value) throw invalidValue(algorithm);
  return value;
}

/** An algorithm named by a request header (`x-amz-checksum-algorithm`, `x-amz-sdk-checksum-algorithm`). */
export function namedAlgorithm(ctx: S3Context, name: string): ChecksumAlgorithm | undefined {
  const value = header(ctx, name)?.toUpperCase();
  if (value === undefined) return undefined;
  if (!isChecksumAlgorithm(value)) throw s3Error("InvalidRequest", `Value for ${name} header is invalid.`);
  return value;
}

/** The checksum the client sent with this request, if any. */
export function requestedChecksum(ctx: S3Context): RequestedChecksum | undefined {
  const inHeaders = CHECKSUM_ALGORITHMS.filter((algorithm) => header(ctx, checksumHeader(algorithm)) !== undefined);
  const trailer = header(ctx, "x-amz-trailer")?.trim().toLowerCase();
  const inTrailer = CHECKSUM_ALGORITHMS.find((algorithm) => checksumHeader(algorithm) === trailer);
  if (inHeaders.length + (inTrailer ? 1 : 0) > 1) {
    throw s3Error(
      "InvalidRequest",
      "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    );
  }
  if (trailer !== undefined && inTrailer === undefined) {
    throw s3Error("InvalidRequest", `The value specified in the x-amz-trailer header is not supported`);
  }
  const sdkAlgorithm = namedAlgorithm(ctx, "x-amz-sdk-checksum-algorithm");
  const algorithm = inHeaders[0] ?? inTrailer;
  if (algorithm === undefined) return undefined;
  if (sdkAlgorithm !== undefined && sdkAlgorithm !== algorithm) {
    throw s3Error(
      "InvalidRequest",
      `Value for x-amz-sdk-checksum-algorithm header is invalid: ${sdkAlgorithm} does not name ${checksumHeader(algorithm)}.`,
    );
  }
  const value = inHeaders[0] ? checkValue(algorithm, header(ctx, checksumHeader(algorithm))!) : undefined;
  return { algorithm, value };
}

/** The request's bytes: the body itself, or decoded from aws-chunked (its trailers then collected). */
export function requestBody(ctx: S3Context): { body: Readable; trailers?: Map<string, string> } {
  const payload = header(ctx, "x-amz-content-sha256") ?? "";
  if (!STREAMING_PAYLOADS.includes(payload)) return { body: ctx.req };
  const decodedLength = header(ctx, "x-amz-decoded-content-length");
  const length = decodedLength === undefined ? undefined : Number(decodedLength);
  if (length !== undefined && !Number.isSafeInteger(length)) {
    throw s3Error("InvalidArgument", "x-amz-decoded-content-length is not a number");
  }
  const decoder = new AwsChunkedDecoder(length);
  // Errors of either side end both (a client that goes away fails the store's write).
  pipeline(ctx.req, decoder, () => undefined);
  return { body: decoder, trailers: decoder.trailers };
}

/**
 * Computes `algorithms` over the bytes passing through, and the payload hash and Content-MD5 when
 * the request names them; at the end, fails with S3's error if any value the client sent differs.
 */
export class ChecksumTap extends Transform {
  /** Base64 values by algorithm, once the stream has ended. */
  readonly values = new Map<ChecksumAlgorithm, string>();
  private readonly sums: Array<[ChecksumAlgorithm, Checksummer]>;
  private readonly payloadHash?: Hash;
  private readonly md5?: Hash;
  /** Bytes that went through. */
  length = 0;

  constructor(
    algorithms: readonly ChecksumAlgorithm[],
    private readonly expected: {
      checksum?: RequestedChecksum;
      trailers?: Map<string, string>;
      /** `x-amz-content-sha256` when it is a hex SHA-256 (the signed payload). */
      payloadSha256?: string;
      contentMd5?: string;
    } = {},
  ) {
    super();
    const wanted = new Set(algorithms);
    if (expected.checksum) wanted.add(expected.checksum.algorithm);
    this.sums = [...wanted].map((algorithm) => [algorithm, checksummer(algorithm)]);
    if (expected.payloadSha256 !== undefined) this.payloadHash = createHash("sha256");
    if (expected.contentMd5 !== undefined) this.md5 = createHash("md5");
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    for (const [, sum] of this.sums) sum.update(chunk);
    this.payloadHash?.update(chunk);
    this.md5?.update(chunk);
    this.length += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    for (const [algorithm, sum] of this.sums) this.values.set(algorithm, sum.digest().toString("base64"));
    try {
      this.verify();
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private verify(): void {
    const { checksum, trailers, payloadSha256, contentMd5 } = this.expected;
    if (payloadSha256 !== undefined && this.payloadHash!.digest("hex") !== payloadSha256) {
      throw s3Error(
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        {},
        400,
      );
    }
    if (contentMd5 !== undefined && this.md5!.digest("base64") !== contentMd5) {
      throw s3Error("BadDigest", "The Content-MD5 you specified did not match what we received.");
    }
    if (checksum === undefined) return;
    const sent = checksum.value ?? trailers?.get(checksumHeader(checksum.algorithm));
    if (sent === undefined) throw s3Error("IncompleteBody", "The request body terminated unexpectedly");
    if (checksum.value === undefined) checkValue(checksum.algorithm, sent);
    if (sent !== this.values.get(checksum.algorithm)) {
      throw s3Error("BadDigest", `The ${checksum.algorithm} you specified did not match the calculated checksum.`);
    }
  }
}

/** A tap for a request's body that checks everything the request says of it, and computes `algorithms`. */
export function checkedBody(
  ctx: S3Context,
  algorithms: readonly ChecksumAlgorithm[],
  checksum: RequestedChecksum | undefined,
): { body: Readable; tap: ChecksumTap } {
  const { body, trailers } = requestBody(ctx);
  const payload = header(ctx, "x-amz-content-sha256");
  const contentMd5 = header(ctx, "content-md5");
  if (contentMd5 !== undefined && Buffer.from(contentMd5, "base64").length !== 16) {
    throw s3Error("InvalidDigest", "The Content-MD5 you specified was invalid.");
  }
  const tap = new ChecksumTap(algorithms, {
    checksum,
    trailers,
    payloadSha256: payload !== undefined && /^[0-9a-f]{64}$/.test(payload) ? payload : undefined,
    contentMd5,
  });
  pipeline(body, tap, () => undefined);
  return { body: tap, tap };
}
