// Minimal ambient types for @20minutes/s3rver 4.0.4 as patched by
// patches/@20minutes+s3rver+4.0.4.patch. Only what scripts/lib/dev/local-s3.ts uses.
declare module "@20minutes/s3rver" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface S3rverOptions {
    /** Where buckets and objects are stored on disk. */
    directory: string;
    /** No request logging (also silences Koa's error printing). */
    silent?: boolean;
    /** Treat `Host: <bucket>.<host>` as a virtual-hosted bucket. */
    vhostBuckets?: boolean;
    /** Serve requests whose SigV4/SigV2 signature is wrong. */
    allowMismatchedSignatures?: boolean;
    /** Patched: serve requests that carry no signature at all (upstream behaviour: true). */
    allowAnonymous?: boolean;
    /** Patched: access key id -> secret accepted by this server only (upstream: a process-wide registry). */
    accessKeys?: Record<string, string>;
    /** Patched: a Koa middleware run after authentication, for the operations the embedding code runs itself. */
    operations?: (ctx: never, next: () => Promise<void>) => Promise<void>;
  }

  class S3rver {
    constructor(options: S3rverOptions);
    /** The Koa request handler, to mount on an http.Server. */
    callback(): (request: IncomingMessage, response: ServerResponse) => void;
  }

  export = S3rver;
}
