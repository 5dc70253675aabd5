/**
 * Local mode (`npm run demo`): a private bucket on the embedded S3 server, set up as `pulumi up`
 * would leave it — CORS rule, prefixes and outputs from the same pure functions as the components —
 * plus a generated example cohort and the check that every link of a publication really serves.
 *
 * Re-running on an existing data folder reuses it: the bucket and its CORS rule are (re)applied,
 * the example files are overwritten with identical bytes (the generator is seeded) and a new config
 * is published next to the earlier ones, as on S3. Nothing in the folder is ever deleted, so a
 * mistyped --data-dir cannot cost anyone their files.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { dirname, isAbsolute, join, relative } from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import { toS3CorsRule, viewerCorsRule } from "../../../policy/documents/cors-rule";
import { StackSettings } from "../../../components/settings";
import { corsOriginsForViewerUrl } from "../../../components/address-rules";
import { parseChromoscopeLink } from "../publication/chromoscope";
import { AwsError, describeCause, UsageError } from "../errors";
import { ExampleSample, exampleManifestTsv } from "./example-cohort";
import { PROJECT_ROOT, writePrivateFileAtomic } from "../files";
import { LocalS3Credentials } from "./local-s3";
import { LocalAccessLogOptions } from "./local-access-log";
import { ACCESS_LOG_PREFIX } from "../../../policy/documents/limits";
import { fixFor, ObjectStore } from "../s3/object-store";
import { s3Sdk } from "../s3/sdk-modules";
import { FILE_FIELDS } from "../cohort/samples";

/** Under the project and git-ignored, so the user can see (and delete) everything the demo keeps. */
export const DEFAULT_DEMO_DATA_DIR = join(PROJECT_ROOT, ".demo");
/** Fixed, so the printed link (and a browser's local-network permission for it) stays the same across runs. */
export const DEFAULT_DEMO_PORT = 4569;
export const DEMO_BUCKET = "chromoscope-demo-data";
/** The demo bucket's server access logs go to a log bucket, under the prefix and in the layout the stack gives them. */
export const DEMO_ACCESS_LOG: LocalAccessLogOptions = {
  bucket: DEMO_BUCKET,
  logBucket: "chromoscope-demo-logs",
  prefix: ACCESS_LOG_PREFIX,
};
export const DEMO_COHORT = "Demo cohort (hg38)";
export const DEMO_PRESIGNER_USER = "chromoscope-demo-presigner";

/** What the demo keeps in its data folder. */
export interface DemoLayout {
  dataDir: string;
  /** The embedded server's objects. */
  s3Directory: string;
  /** Stack outputs as `pulumi stack output --json --show-secrets` prints them (mode 0600: holds the presigner key). */
  outputsFile: string;
  /** The example cohort's files, laid out by object key (so `aws s3 sync` uploads them to the same keys). */
  exampleDirectory: string;
  manifestFile: string;
  /** The config publish-cohort wrote with --out (mode 0600: holds links). */
  configFile: string;
}

export function demoLayout(dataDir: string): DemoLayout {
  return {
    dataDir,
    s3Directory: join(dataDir, "s3"),
    outputsFile: join(dataDir, "outputs.json"),
    exampleDirectory: join(dataDir, "example-cohort"),
    manifestFile: join(dataDir, "manifest.tsv"),
    configFile: join(dataDir, "published-config.json"),
  };
}

/** A path as the user would type it from the current folder. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const relativePath = relative(cwd, path);
  return relativePath !== "" && !relativePath.startsWith("..") && !isAbsolute(relativePath) ? relativePath : path;
}

export interface DemoKeys {
  /** Sets the bucket up and uploads the cohort, as a lab administrator would; never written anywhere. */
  admin: LocalS3Credentials;
  /** The stack's presigner key (slot a, active), written to the outputs file only. */
  presigner: LocalS3Credentials;
  /** Slot b's key, as a real stack has one: the server knows it, the outputs name only its id. */
  presignerOtherSlot: LocalS3Credentials;
}

/**
 * Fresh keys for every run, known only to this run's server: no secret lives in the source, and
 * links of an earlier run stop working when it stops. The ids avoid AWS's AKIA/ASIA prefixes so
 * nobody (and no secret scanner) mistakes them for AWS keys.
 */
export function generateDemoKeys(): DemoKeys {
  const key = (): LocalS3Credentials => ({
    accessKeyId: `LOCALDEMO${randomBytes(8).toString("hex").toUpperCase().slice(0, 11)}`,
    secretAccessKey: randomBytes(30).toString("base64"),
  });
  return { admin: key(), presigner: key(), presignerOtherSlot: key() };
}

/** Creates `bucket` unless it exists (the folder of an earlier run). Returns whether it was created. */
export async function createLocalBucket(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new (s3Sdk().CreateBucketCommand)({ Bucket: bucket }));
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== "BucketAlreadyExists" && name !== "BucketAlreadyOwnedByYou") {
      throw new AwsError(`creating bucket ${bucket} on the local S3 server failed: ${describeCause(error)}`, {
        fix: fixFor(error, bucket),
        cause: error,
      });
    }
    return false;
  }
}

/** Creates `bucket` unless it exists (the folder of an earlier run) and applies the stack's CORS rule. Returns whether it was created. */
export async function provisionLocalBucket(
  client: S3Client,
  bucket: string,
  settings: StackSettings,
): Promise<boolean> {
  const created = await createLocalBucket(client, bucket);
  try {
    await client.send(
      new (s3Sdk().PutBucketCorsCommand)({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            toS3CorsRule(viewerCorsRule(corsOriginsForViewerUrl(settings.viewerUrl, settings.allowedOrigins))),
          ],
        },
      }),
    );
  } catch (error) {
    throw new AwsError(`setting the CORS rule of bucket ${bucket} failed: ${describeCause(error)}`, {
      fix: fixFor(error, bucket),
      cause: error,
    });
  }
  return created;
}

/** Creates the data folder (private to the user when new). */
export function prepareDataDir(layout: DemoLayout): void {
  try {
    mkdirSync(layout.dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(
      `--data-dir ${displayPath(layout.dataDir)}: cannot create the folder (${(error as Error).message})`,
      {
        fix: "pass --data-dir with a folder you can write",
        cause: error,
      },
    );
  }
}

/** Writes the cohort's files (by object key) and its manifest into the data folder, and the stack outputs (mode 0600). */
export function writeDemoFiles(
  layout: DemoLayout,
  cohort: readonly ExampleSample[],
  outputs: Record<string, unknown>,
): void {
  try {
    for (const { files } of cohort) {
      for (const file of files) {
        const path = join(layout.exampleDirectory, ...file.key.split("/"));
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.body);
      }
    }
    writeFileSync(layout.manifestFile, exampleManifestTsv(cohort));
  } catch (error) {
    throw new UsageError(
      `--data-dir ${displayPath(layout.dataDir)}: cannot write the example cohort (${(error as Error).message})`,
      {
        fix: "pass --data-dir with a folder you can write",
        cause: error,
      },
    );
  }
  writePrivateFileAtomic(layout.outputsFile, `${JSON.stringify(outputs, null, 2)}\n`, "--data-dir");
}

export async function uploadCohort(store: ObjectStore, cohort: readonly ExampleSample[]): Promise<number> {
  let count = 0;
  for (const { files } of cohort) {
    for (const file of files) {
      await store.put(file.key, file.body, file.contentType);
      count++;
    }
  }
  return count;
}

export interface LinkCheck {
  /** Links fetched: the config plus every file URL in it. */
  total: number;
  verified: number;
  /** One line per failed link, naming the object (never its presigned URL). */
  failures: string[];
}

const FETCH_TIMEOUT_MS = 10_000;

/**
 * Fetches what the viewer would: the config through the link's raw `external=` part (as Chromoscope
 * reads it), then every file URL in that config, each with the viewer's Origin. A link counts as
 * verified when it answers 200, the CORS rule lets the viewer read it, and the bytes are the ones
 * published (`expectedConfig`) or uploaded (`expectedFiles`, by object key).
 */
export async function verifyPublishedLinks(args: {
  link: string;
  bucket: string;
  viewerOrigin: string;
  expectedConfig: Buffer;
  expectedFiles: ReadonlyMap<string, Buffer>;
}): Promise<LinkCheck> {
  const { bucket, viewerOrigin } = args;
  const failures: string[] = [];
  let verified = 0;
  const check = async (url: string, label: string, expected: Buffer | undefined): Promise<Buffer | undefined> => {
    const problem = await fetchProblem(url, viewerOrigin, expected);
    if (typeof problem === "string") failures.push(`${label}: ${problem}`);
    else verified++;
    return typeof problem === "string" ? undefined : problem;
  };

  const external = parseChromoscopeLink(args.link).external;
  if (!external) return { total: 1, verified: 0, failures: ["the link has no external= config URL"] };
  const configBytes = await check(external, `config ${objectKeyOf(external, bucket)}`, args.expectedConfig);
  if (!configBytes) return { total: 1, verified, failures };

  const urls = fileUrls(JSON.parse(configBytes.toString("utf8")) as Parameters<typeof fileUrls>[0]);
  for (const url of urls) {
    const key = objectKeyOf(url, bucket);
    await check(url, key, args.expectedFiles.get(key));
  }
  return { total: urls.length + 1, verified, failures };
}

/** The presigned file URLs of a `{ name, samples }` config, in order. */
export function fileUrls(config: { samples?: Array<Record<string, unknown>> }): string[] {
  return (config.samples ?? []).flatMap((sample) =>
    FILE_FIELDS.map((field) => sample[field]).filter((value): value is string => typeof value === "string"),
  );
}

/** The object key a path-style presigned URL points to. */
export function objectKeyOf(url: string, bucket: string): string {
  const path = new URL(url).pathname;
  const head = `/${bucket}/`;
  return path.startsWith(head) ? path.slice(head.length).split("/").map(decodeURIComponent).join("/") : path;
}

/** The body when `url` serves `expected` readably to `origin`; otherwise why not. */
async function fetchProblem(url: string, origin: string, expected: Buffer | undefined): Promise<string | Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { Origin: origin }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    return `request failed (${describeCause(error)})`;
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) return `HTTP ${response.status}`;
  const allowed = response.headers.get("access-control-allow-origin");
  if (allowed !== origin && allowed !== "*") return `the CORS rule does not let ${origin} read it`;
  if (expected === undefined) return "not an object the demo uploaded";
  if (!body.equals(expected))
    return `served ${body.length} bytes that differ from the ${expected.length} bytes published`;
  return body;
}
