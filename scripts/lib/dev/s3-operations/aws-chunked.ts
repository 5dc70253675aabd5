/**
 * Request bodies in S3's `aws-chunked` encoding: what the AWS SDKs send for a streamed upload with a
 * checksum computed on the way (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`), and
 * the older signed-chunk forms. The framing:
 *
 *   <size in hex>[;chunk-signature=<sig>]\r\n<size bytes>\r\n … 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n …]\r\n
 *
 * Only the bytes come out; the trailers (the checksum among them) are collected for the caller to
 * check once the body has ended. Chunk signatures are parsed but not verified (as s3rver before).
 */
import { Transform, TransformCallback } from "node:stream";
import { s3Error } from "./s3rver-internals";

/** The `x-amz-content-sha256` values whose body is aws-chunked. */
export const STREAMING_PAYLOADS = [
  "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
  "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
];

const CR = 13;
const LF = 10;
/** A chunk header or trailer line longer than this is not one. */
const MAX_LINE = 4096;

type State = "size" | "data" | "data-end" | "trailer" | "done";

const incomplete = () => s3Error("IncompleteBody", "The request body terminated unexpectedly");

export class AwsChunkedDecoder extends Transform {
  /** Trailer fields by lower-case name, complete once the stream has ended. */
  readonly trailers = new Map<string, string>();
  private state: State = "size";
  private line: number[] = [];
  private remaining = 0;
  private decoded = 0;

  constructor(private readonly decodedLength: number | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      let at = 0;
      while (at < chunk.length) {
        if (this.state === "data") {
          const take = Math.min(this.remaining, chunk.length - at);
          this.push(chunk.subarray(at, at + take));
          this.remaining -= take;
          this.decoded += take;
          at += take;
          if (this.remaining === 0) this.state = "data-end";
        } else if (this.state === "done") {
          throw incomplete();
        } else {
          const byte = chunk[at++];
          if (byte === LF && this.line[this.line.length - 1] === CR) {
            this.endLine(Buffer.from(this.line.slice(0, -1)).toString("latin1"));
            this.line = [];
          } else if (this.line.push(byte) > MAX_LINE) {
            throw incomplete();
          }
        }
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private endLine(text: string): void {
    switch (this.state) {
      case "size": {
        const [size] = text.split(";");
        if (!/^[0-9a-fA-F]{1,16}$/.test(size)) throw incomplete();
        this.remaining = parseInt(size, 16);
        this.state = this.remaining > 0 ? "data" : "trailer";
        return;
      }
      case "data-end":
        if (text !== "") throw incomplete();
        this.state = "size";
        return;
      case "trailer": {
        if (text === "") {
          this.state = "done";
          return;
        }
        const colon = text.indexOf(":");
        if (colon < 1) throw incomplete();
        this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
        return;
      }
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.state !== "done") return done(incomplete());
    if (this.decodedLength !== undefined && this.decoded !== this.decodedLength) {
      return done(
        s3Error(
          "IncompleteBody",
          "You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header",
        ),
      );
    }
    done();
  }
}
