/**
 * boto3's `generate_presigned_url` (SigV4) as a second reference, timed inside one Python process
 * for every size (so interpreter start-up and imports are not counted), when Debian's
 * python3-boto3 is installed. botocore reads the clock through `botocore.auth.datetime`; it is
 * pinned to the same signing date as the other signers.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { SigningSetup } from "./bench/signers";

export const PYTHON = "/usr/bin/python3";
const INSTALL_HINT = "apt-get install -y python3-boto3";

export type Boto3Outcome =
  | { available: true; version: string; seconds: Record<string, number>; sampleUrl: string }
  | { available: false; reason: string };

/**
 * Python lines that pin botocore's clock to `job["amzDate"]` (after `import botocore.auth`).
 * botocore signs through `botocore.auth`, or through `botocore.crt.auth` when the AWS CRT is
 * installed (Debian's awscli pulls it in); both read `datetime.datetime.utcnow()`, so both are pinned.
 */
export const PIN_BOTOCORE_CLOCK = String.raw`
pinned = datetime.datetime.strptime(job["amzDate"], "%Y%m%dT%H%M%SZ")
class PinnedDatetime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return pinned
class PinnedDatetimeModule:
    timezone = datetime.timezone
    datetime = PinnedDatetime
botocore.auth.datetime = PinnedDatetimeModule
try:
    import botocore.crt.auth
    botocore.crt.auth.datetime = PinnedDatetimeModule
except ImportError:
    pass
`;

const BENCH_SCRIPT = String.raw`
import datetime, json, sys, time
job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
try:
    import boto3, botocore, botocore.auth
    from botocore.config import Config
except ImportError as error:
    sys.stdout.write(json.dumps({"unavailable": "cannot import boto3: %s" % error}))
    sys.exit(0)

${PIN_BOTOCORE_CLOCK}
client = boto3.session.Session(
    aws_access_key_id=job["accessKeyId"],
    aws_secret_access_key=job["secretAccessKey"],
    region_name=job["region"],
).client(
    "s3",
    endpoint_url="https://s3.%s.amazonaws.com" % job["region"],
    config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}),
)
keys, bucket, expires = job["keys"], job["bucket"], job["expires"]

def sign(key):
    return client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires)

def run(count):
    total = 0
    for index in range(count):
        total += len(sign(keys[index]))
    return total

run(min(job["warmup"], len(keys)))
seconds = {}
for size in job["sizes"]:
    start = time.perf_counter()
    run(size)
    seconds[str(size)] = time.perf_counter() - start
sys.stdout.write(json.dumps({"seconds": seconds, "sample": sign(keys[0]), "version": "boto3 %s, botocore %s" % (boto3.__version__, botocore.__version__)}))
`;

/** What a botocore script printed, or why it could not run: missing (unavailable) or failing (failed). */
export type BotocoreJobResult<T> =
  { available: true; output: T } | { available: false; failed: boolean; reason: string };

/**
 * Runs `script` (Python, reading one JSON job on stdin and writing one JSON object on stdout, or
 * `{"unavailable": why}` when boto3 cannot be imported) under Debian's python3, isolated from the
 * user's site packages and AWS configuration, so botocore signs with the job's keys only.
 */
export function runBotocoreJob<T>(
  script: string,
  job: unknown,
  limits: { timeoutMs: number; maxBuffer: number },
): BotocoreJobResult<T> {
  if (!existsSync(PYTHON)) return { available: false, failed: false, reason: `${PYTHON} not found (${INSTALL_HINT})` };
  const run = spawnSync(PYTHON, ["-c", script], {
    input: JSON.stringify(job),
    encoding: "utf8",
    maxBuffer: limits.maxBuffer,
    timeout: limits.timeoutMs,
    env: ISOLATED_ENV,
  });
  if (run.error) return { available: false, failed: true, reason: `${PYTHON} could not run: ${run.error.message}` };
  return jobResult<T>(run.status, run.stdout, run.stderr);
}

/**
 * runBotocoreJob without blocking this process: for scripts that call a server running in it (the
 * embedded S3 server in a test).
 */
export async function runBotocoreJobAsync<T>(
  script: string,
  job: unknown,
  limits: { timeoutMs: number },
): Promise<BotocoreJobResult<T>> {
  if (!existsSync(PYTHON)) return { available: false, failed: false, reason: `${PYTHON} not found (${INSTALL_HINT})` };
  const child = spawn(PYTHON, ["-c", script], { env: ISOLATED_ENV, timeout: limits.timeoutMs });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  child.stdin.end(JSON.stringify(job));
  const [status, error] = await new Promise<[number | null, Error | undefined]>((resolve) => {
    child.once("error", (failure) => resolve([null, failure]));
    child.once("close", (code) => resolve([code, undefined]));
  });
  if (error) return { available: false, failed: true, reason: `${PYTHON} could not run: ${error.message}` };
  return jobResult<T>(status, output.stdout, output.stderr);
}

/** Isolated from the user's site packages and AWS configuration: botocore signs with the job's keys only. */
const ISOLATED_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  PYTHONPATH: "",
  PYTHONNOUSERSITE: "1",
  AWS_CONFIG_FILE: "/dev/null",
  AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
};

function jobResult<T>(status: number | null, stdout: string, stderr: string): BotocoreJobResult<T> {
  if (status !== 0) {
    return {
      available: false,
      failed: true,
      reason: `the botocore script failed (exit ${status}): ${lastLine(stderr)}`,
    };
  }
  let output: T & { unavailable?: string };
  try {
    output = JSON.parse(stdout) as T & { unavailable?: string };
  } catch {
    return { available: false, failed: true, reason: "the botocore script printed no JSON" };
  }
  if (output.unavailable !== undefined)
    return { available: false, failed: false, reason: `${output.unavailable} (${INSTALL_HINT})` };
  return { available: true, output };
}

/** Times boto3 on keys[0..size) for each size, or says why it cannot. */
export function runBoto3(
  setup: SigningSetup,
  keys: readonly string[],
  sizes: readonly number[],
  warmup: number,
): Boto3Outcome {
  const amzDate = new Date(Math.floor(setup.signingDate.getTime() / 1000) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
  const job = {
    amzDate,
    keys: keys.slice(0, Math.max(...sizes)),
    sizes,
    warmup,
    bucket: setup.bucket,
    region: setup.region,
    expires: setup.expiresInSeconds,
    accessKeyId: setup.credentials.accessKeyId,
    secretAccessKey: setup.credentials.secretAccessKey,
  };
  const result = runBotocoreJob<{ seconds?: Record<string, number>; sample?: string; version?: string }>(
    BENCH_SCRIPT,
    job,
    {
      timeoutMs: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (!result.available) return { available: false, reason: result.reason };
  const { version, seconds, sample } = result.output;
  return { available: true, version: version ?? "boto3", seconds: seconds ?? {}, sampleUrl: sample ?? "" };
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return lines[lines.length - 1] ?? "";
}
