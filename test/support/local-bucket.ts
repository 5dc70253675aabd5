/**
 * A private bucket on the embedded S3 server, set up as `pulumi up` would leave it (same CORS rule,
 * same prefixes, from the same pure functions), with stack outputs written to a file, plus helpers
 * to run the commands in-process and capture what they print.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { defaultSettings } from "../../components/settings";
import { ExampleSample, exampleCohort, exampleManifestTsv } from "../../scripts/lib/dev/example-cohort";
import { startLocalS3, LocalS3Credentials, LocalS3Options, LocalS3Server } from "../../scripts/lib/dev/local-s3";
import { LocalViewer } from "../../scripts/lib/dev/local-viewer";
import { createLocalBucket, provisionLocalBucket } from "../../scripts/lib/dev/demo-setup";
import { ACCESS_LOG_PREFIX } from "../../policy/documents/limits";
import { createS3Client, ObjectStore, s3ObjectStore } from "../../scripts/lib/s3/object-store";
import { stackOutputsFor } from "../../scripts/lib/s3/outputs-source";

/** The stack's presigner key, as `pulumi stack output --show-secrets` would print it (local only). */
export const PRESIGNER_KEY: LocalS3Credentials = {
  accessKeyId: "AKIATESTPRESIGNER001",
  secretAccessKey: "tEsTpReSiGnErSeCrEtKeY0123456789abcdefGH",
};
/** A second identity the server knows, used as "session credentials" from the AWS chain. */
export const SESSION_KEY: LocalS3Credentials = {
  accessKeyId: "ASIATESTSESSION00001",
  secretAccessKey: "sEsSiOnSeCrEtKeY0123456789abcdefGHIJKLMN",
};
export const SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENnotARealOne0123456789==";
export const TEST_BUCKET = "chromoscope-test-data";
export const TEST_LOG_BUCKET = "chromoscope-test-logs";
export const VIEWER_ORIGIN = "https://chromoscope.bio";

export interface TestBucket {
  server: LocalS3Server;
  directory: string;
  bucket: string;
  /** Admin access (the tests' own uploads and checks), signed with the presigner key. */
  store: ObjectStore;
  client: S3Client;
  outputsFile: string;
  outputs: Record<string, unknown>;
  /** Writes a file in the test's scratch folder and returns its path. */
  scratch(name: string, content: string | Buffer): string;
  upload(files: ReadonlyArray<{ key: string; body: string | Buffer; contentType?: string }>): Promise<void>;
  /** Every key under a prefix. */
  keys(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface TestBucketOptions {
  /** Extra stack outputs (or overrides); `null` removes an output. */
  outputs?: Record<string, unknown>;
  allowedOrigins?: string[];
  /** Serve unsigned requests, as a bucket made public would (default false: 403, as S3). */
  allowAnonymous?: boolean;
  /** Sees every request the server receives (its S3 operation name included). */
  onRequest?: LocalS3Options["onRequest"];
  /** A viewer the server serves under /app/ (as `demo --viewer-dist`: `{ served: servedViewer(folder) }`). */
  viewer?: LocalViewer;
  /**
   * A log bucket, TEST_LOG_BUCKET, named in the outputs as the stack names its own: "server" has the
   * server log the bucket's requests into it, as S3 does; "empty" leaves the test to fill it.
   */
  accessLog?: "server" | "empty";
}

export async function startTestBucket(options: TestBucketOptions = {}): Promise<TestBucket> {
  const directory = mkdtempSync(join(tmpdir(), "chromoscope-test-"));
  const server = await startLocalS3({
    directory: join(directory, "s3"),
    credentials: [PRESIGNER_KEY, SESSION_KEY],
    allowAnonymous: options.allowAnonymous,
    onRequest: options.onRequest,
    viewer: options.viewer,
    ...(options.accessLog === "server"
      ? { accessLog: { bucket: TEST_BUCKET, logBucket: TEST_LOG_BUCKET, prefix: ACCESS_LOG_PREFIX } }
      : {}),
  });
  const client = createS3Client({
    region: server.region,
    credentials: { ...PRESIGNER_KEY },
    endpoint: server.endpoint,
  });
  const settings = { ...defaultSettings(), allowedOrigins: options.allowedOrigins ?? defaultSettings().allowedOrigins };
  if (options.accessLog) await createLocalBucket(client, TEST_LOG_BUCKET);
  await provisionLocalBucket(client, TEST_BUCKET, settings);
  const store = s3ObjectStore(client, TEST_BUCKET);
  const presigner = {
    userName: "chromoscope-presigner-user-test",
    ...PRESIGNER_KEY,
    createdAt: new Date("2026-11-20T10:00:00.000Z"),
  };
  const outputs: Record<string, unknown> = {
    ...stackOutputsFor(settings, {
      bucket: TEST_BUCKET,
      region: server.region,
      presigner,
      ...(options.accessLog ? { logBucket: TEST_LOG_BUCKET } : {}),
    }),
    // Both slots, as a real stack exports them: slot b holds an older key this server does not know.
    accessKeys: [
      {
        slot: "a",
        accessKeyId: PRESIGNER_KEY.accessKeyId,
        createdAt: "2026-11-20T10:00:00.000Z",
        rotationDueAt: "2026-12-20T10:00:00.000Z",
      },
      {
        slot: "b",
        accessKeyId: "AKIATESTPRESIGNER002",
        createdAt: "2026-10-01T10:00:00.000Z",
        rotationDueAt: "2026-10-31T10:00:00.000Z",
      },
    ],
  };
  for (const [name, value] of Object.entries(options.outputs ?? {})) {
    if (value === null) delete outputs[name];
    else outputs[name] = value;
  }
  const scratch = (name: string, content: string | Buffer) => {
    const path = join(directory, name);
    writeFileSync(path, content);
    return path;
  };
  // Private, as `(umask 077; pulumi stack output ...)` writes it: the commands warn about a shared one.
  const outputsFile = join(directory, "outputs.json");
  writeFileSync(outputsFile, JSON.stringify(outputs, null, 2), { mode: 0o600 });
  return {
    server,
    directory,
    bucket: TEST_BUCKET,
    store,
    client,
    outputsFile,
    outputs,
    scratch,
    async upload(files) {
      for (const file of files) await store.put(file.key, file.body, file.contentType ?? "application/octet-stream");
    },
    async keys(prefix) {
      const keys: string[] = [];
      for await (const object of store.list(prefix)) keys.push(object.key);
      return keys;
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Uploads the generated example cohort under `prefix` and returns it. */
export async function uploadExampleCohort(
  bucket: TestBucket,
  prefix: string,
  samples = 3,
  seed?: number,
): Promise<ExampleSample[]> {
  const cohort = exampleCohort({ prefix, samples, seed });
  await bucket.upload(cohort.flatMap((sample) => sample.files));
  return cohort;
}

/** A test bucket holding the example cohort, and the cohort's manifest in its scratch folder. */
export interface CohortBucket {
  bucket: TestBucket;
  cohort: ExampleSample[];
  /** The cohort's manifest (TSV), as publish-cohort --manifest takes it. */
  manifest: string;
  /** Every object uploaded, by key: what must stay unchanged in the bucket. */
  uploaded: Map<string, string | Buffer>;
}

/**
 * The setup most command specs share: a fresh test bucket, the example cohort of `samples` samples
 * uploaded under `prefix`, and its manifest. Close it with `bucket.close()`.
 */
export async function startCohortBucket(
  prefix: string,
  samples = 3,
  options: TestBucketOptions = {},
): Promise<CohortBucket> {
  const bucket = await startTestBucket(options);
  const cohort = await uploadExampleCohort(bucket, prefix, samples);
  return {
    bucket,
    cohort,
    manifest: bucket.scratch("manifest.tsv", exampleManifestTsv(cohort)),
    uploaded: new Map(cohort.flatMap(({ files }) => files.map((file) => [file.key, file.body] as const))),
  };
}

/** GETs a URL and returns status and body bytes. */
export async function fetchBytes(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}
