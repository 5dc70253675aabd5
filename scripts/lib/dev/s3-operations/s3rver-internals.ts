/**
 * The parts of @20minutes/s3rver 4.0.4 (as patched) that the embedded server's own operations use:
 * its error type (so errors answer as S3 XML with the right status), its object model, its
 * file-system store and the Koa context its router hands over. Typed here, loaded on first use.
 */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";

/** An S3 error answered as `<Error><Code>…` with S3's status for the code. */
export interface S3ErrorInstance extends Error {
  code: string;
  status: number;
}
type S3ErrorClass = new (code: string, message?: string, detail?: Record<string, unknown>) => S3ErrorInstance;

export interface S3ObjectInstance {
  bucket: string;
  key: string;
  content: Readable | null;
  /** Picked from the headers it was made from: content-type and the like, `x-amz-meta-*`. */
  metadata: Record<string, string | number | Record<string, string>>;
}
type S3ObjectClass = new (
  bucket: string,
  key: string,
  content: Readable | null,
  metadata: Record<string, unknown>,
) => S3ObjectInstance;

export interface FilesystemStore {
  rootDirectory: string;
  getBucket(bucket: string): Promise<object | null>;
  /** `<root>/<bucket>/<key folders>/<last part>._S3rver_<resource>` */
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  existsObject(bucket: string, key: string): Promise<boolean>;
  /** The object's stored headers, its quoted `etag` among them; rejects (ENOENT) when there is no object. */
  getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
  /** Writes the content to a temporary file, then the metadata, then renames the content into place. */
  putObject(object: S3ObjectInstance): Promise<{ size: number; md5: string }>;
  /** Writes `<uploads>/<uploadId>/<partNumber>` the same way, and its `.md5`. */
  putPart(
    bucket: string,
    uploadId: string,
    partNumber: number,
    content: Readable,
  ): Promise<{ size: number; md5: string }>;
}

/** The Koa context s3rver's router passes to each middleware. */
export interface S3Context {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  req: IncomingMessage;
  params: { bucket?: string; key?: string };
  status: number;
  body: unknown;
  store: FilesystemStore;
  set(name: string, value: string): void;
  remove(name: string): void;
  get(name: string): string;
}

export type Next = () => Promise<void>;

/* eslint-disable @typescript-eslint/no-require-imports -- s3rver's modules load with the server, on first use */
export const S3Error = (): S3ErrorClass => require("@20minutes/s3rver/lib/models/error") as S3ErrorClass;
export const S3Object = (): S3ObjectClass => require("@20minutes/s3rver/lib/models/object") as S3ObjectClass;
/** Reads a request's XML body into `ctx.request.body`, or fails with MalformedXML. */
export const xmlBody = async (ctx: S3Context): Promise<unknown> => {
  const utils = require("@20minutes/s3rver/lib/utils") as { xmlBodyParser(ctx: S3Context): Promise<void> };
  await utils.xmlBodyParser(ctx);
  return (ctx as unknown as { request: { body: unknown } }).request.body;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** An S3 error with S3's code and message (status from s3rver's table, or `status` for codes it lacks). */
export function s3Error(code: string, message: string, detail: Record<string, unknown> = {}, status?: number) {
  const error = new (S3Error())(code, message, detail);
  if (status !== undefined) error.status = status;
  return error;
}

/** A header's one value (the first, if it came several times). */
export function header(ctx: S3Context, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
