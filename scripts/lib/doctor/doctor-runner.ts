/**
 * The doctor: smoke-tests a deployed stack and the caller's credentials before anyone shares a link.
 *
 * Each check returns { id, title, status, detail, fix }. A check passes only on positive evidence:
 * an endpoint that does not implement a call (501, 405 or a wrong-shaped answer) is "unsupported",
 * and AccessDenied on a read is a warning naming the missing permission — never a pass.
 * What the bucket should look like comes from the same pure builders the stack uses
 * (policy/documents/), so a console edit that drifts from the program is caught.
 *
 * AWS is reached only through the clients in {@link DoctorClients}, so tests inject stubbed SDK
 * clients (or point them at the embedded S3 server). No presigned URL leaves this module unless
 * `showLinks` is set; no secret or session token is ever put in a result.
 */
import {
  GetBucketCorsCommand,
  GetBucketCorsOutput,
  GetBucketEncryptionCommand,
  GetBucketEncryptionOutput,
  GetBucketLocationCommand,
  GetBucketLocationOutput,
  GetBucketOwnershipControlsCommand,
  GetBucketOwnershipControlsOutput,
  GetBucketPolicyCommand,
  GetBucketPolicyOutput,
  GetPublicAccessBlockCommand,
  GetPublicAccessBlockOutput,
  S3Client,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { S3CorsRule, toS3CorsRule, viewerCorsRule } from "../../../policy/documents/cors-rule";
import { BUCKET_CONFIGURATION_READ_ACTIONS } from "../../../policy/documents/iam-policies";
import { MAX_ACCESS_KEY_AGE_DAYS, MAX_KEY_ROTATION_DAYS } from "../../../policy/documents/limits";
import { defaultSettings } from "../../../components/settings";
import { compareBucketPolicy } from "./bucket-policy-check";
import { ResolvedCredentials } from "../s3/credentials";
import { discoverSamples } from "../cohort/discover";
import { describeDuration } from "../text-format";
import { CliError, describeCause } from "../errors";
import { decideExpiry } from "../publication/expiry";
import { readLedger, StoredLedgerEntry } from "../lifecycle/ledger";
import { createS3Client, describeS3Failure, fixFor, ObjectStore, ObjectSummary, S3_DEFAULTS, S3ConnectionOptions, s3ObjectStore } from "../s3/object-store";
import { S3QueryPresigner, SigningCredentials } from "../s3/presign";
import { decideRotation, foldLedger, KeySlots, keySlotsOf, Publication, SlotKey } from "../lifecycle/rotation";
import { judgeSettings } from "./checks/settings-impact";
import { EXPORT_OUTPUTS_COMMAND, StackOutputs } from "../s3/outputs-source";

// ---------------------------------------------------------------- results

export type CheckStatus = "pass" | "warn" | "fail" | "unsupported";
export const CHECK_STATUSES: readonly CheckStatus[] = ["pass", "warn", "fail", "unsupported"];

/** Every check, in the order the report lists them. */
export const CHECKS = {
  credentials: "Credentials",
  identity: "Signing identity",
  bucket: "Bucket and region",
  "data-prefixes": "Data prefixes",
  "public-access-block": "Block Public Access",
  "object-ownership": "Object ownership",
  encryption: "Default encryption",
  "bucket-policy": "Bucket policy",
  cors: "CORS rule",
  "private-and-presigned": "Privacy and presigned GET",
  "key-age": "Access key age",
  "rotation-impact": "Rotation impact",
  "settings-impact": "Settings vs live links",
} as const;
export type CheckId = keyof typeof CHECKS;
export const CHECK_IDS = Object.keys(CHECKS) as CheckId[];

export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about anything that did not pass, one line. */
  fix?: string;
  /** The short-lived test links, only with --show-links. */
  links?: string[];
}

/** A check's verdict before it is labelled with its id and title. */
export type Finding = Omit<CheckResult, "id" | "title">;

export interface DoctorReport {
  checks: CheckResult[];
  /** Checks skipped because a check they depend on failed. */
  notRun: Array<{ id: CheckId; title: string; reason: string }>;
  summary: Record<CheckStatus, number>;
  /** The longest a link signed now can live, in seconds; null when the credentials do not resolve. */
  maxLinkSeconds: number | null;
  /** What sets that limit, for the summary line. */
  maxLinkLimit?: string;
}

// ---------------------------------------------------------------- limits

/** Rotation is flagged this long before it is due. */
export const ROTATION_WARNING_DAYS = 7;
/** Life of the doctor's own test link: long enough for one GET, short enough to be harmless. */
export const TEST_LINK_SECONDS = 60;
/** Objects counted per data prefix before the doctor stops listing (about ten list requests). */
export const LISTING_LIMIT = 10_000;

const DAY_MS = 86_400_000;

// ---------------------------------------------------------------- clients

export interface StsConnectionOptions {
  region: string;
  credentials: SigningCredentials;
}

/** How the doctor reaches AWS. Tests pass stubbed clients; nothing else is global. */
export interface DoctorClients {
  s3(options: S3ConnectionOptions): S3Client;
  sts(options: StsConnectionOptions): STSClient;
  /** Plain HTTP, for the unsigned and presigned GETs a browser would make. */
  fetch(url: string, init: RequestInit): Promise<Response>;
}

export const awsDoctorClients: DoctorClients = {
  s3: createS3Client,
  sts: ({ region, credentials }) =>
    new STSClient({
      region,
      credentials,
      maxAttempts: 3,
      // An inactivity limit, as for S3 (object-store.ts): the SDK's requestTimeout alone only warns.
      requestHandler: { connectionTimeout: S3_DEFAULTS.connectionTimeoutMs, socketTimeout: S3_DEFAULTS.requestTimeoutMs },
    }),
  fetch: (url, init) => fetch(url, init),
};

export interface DoctorContext {
  outputs: StackOutputs;
  /** Path-style S3-compatible endpoint (a local server): STS is not asked then. */
  endpoint?: string;
  /** The signing credentials, chosen as publish-cohort chooses them; a CliError becomes a failed check. */
  resolveCredentials(): Promise<ResolvedCredentials>;
  clients?: DoctorClients;
  /** Extra S3 connection options (tests: short timeouts). */
  connection?: Partial<S3ConnectionOptions>;
  /** The environment, to tell a container role from other session credentials. */
  env: NodeJS.ProcessEnv;
  now: Date;
  /** Put the test link in the report (it is a bearer token for one object, for a minute). */
  showLinks?: boolean;
}

// ---------------------------------------------------------------- the run

/** Shared, memoized state of one run: each AWS answer is fetched once, whichever checks need it. */
class Probe {
  readonly s3: S3Client;
  readonly store: ObjectStore;
  readonly callTimeoutMs: number;
  readonly requestTimeoutMs: number;
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly context: DoctorContext,
    readonly clients: DoctorClients,
    readonly credentials: ResolvedCredentials,
  ) {
    const connection: S3ConnectionOptions = {
      region: context.outputs.region,
      credentials: credentials.credentials,
      endpoint: context.endpoint,
      ...context.connection,
    };
    this.callTimeoutMs = connection.callTimeoutMs ?? S3_DEFAULTS.callTimeoutMs;
    this.requestTimeoutMs = connection.requestTimeoutMs ?? S3_DEFAULTS.requestTimeoutMs;
    this.s3 = clients.s3(connection);
    this.store = s3ObjectStore(this.s3, context.outputs.bucketName, this.callTimeoutMs);
  }

  get outputs(): StackOutputs {
    return this.context.outputs;
  }

  get bucket(): string {
    return this.context.outputs.bucketName;
  }

  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let value = this.memo.get(key) as Promise<T> | undefined;
    if (value === undefined) {
      value = load();
      this.memo.set(key, value);
    }
    return value;
  }

  /** Options of one S3 call: the run's time limit. */
  call(): { abortSignal: AbortSignal } {
    return { abortSignal: AbortSignal.timeout(this.callTimeoutMs) };
  }

  identity(): Promise<IdentityAnswer> {
    return this.once("identity", () => callerIdentity(this));
  }

  listing(prefix: string): Promise<PrefixListing> {
    return this.once(`list:${prefix}`, () => listPrefix(this, prefix));
  }

  /** The ledger's publications, read once for the checks that judge live links. */
  publications(): Promise<LedgerRead> {
    return this.once("ledger", () => readPublications(this));
  }

  /** Whether the signer is the stack's presigner (the stack key, or STS says so). */
  async signerIsPresigner(): Promise<boolean> {
    if (this.credentials.kind === "stack-presigner") return true;
    const identity = await this.identity();
    return identity.kind === "answer" && identity.match === "presigner";
  }
}

/**
 * Runs every check and returns the report. Independent checks run concurrently; the order of the
 * report is fixed. A check that throws unexpectedly fails with the cause instead of ending the run.
 */
export async function runDoctor(context: DoctorContext): Promise<DoctorReport> {
  const clients = context.clients ?? awsDoctorClients;
  const findings = new Map<CheckId, Finding>();
  const notRun: DoctorReport["notRun"] = [];
  const skip = (ids: CheckId[], reason: string) => {
    for (const id of ids) notRun.push({ id, title: CHECKS[id], reason });
  };

  findings.set("key-age", guard(() => keyAgeFinding(context.outputs, context.now)));

  let credentials: ResolvedCredentials;
  try {
    credentials = await context.resolveCredentials();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    findings.set("credentials", { status: "fail", detail: error.message, fix: error.fix });
    skip(
      CHECK_IDS.filter((id) => id !== "credentials" && id !== "key-age"),
      "needs credentials",
    );
    return report(findings, notRun, { seconds: null });
  }

  const probe = new Probe(context, clients, credentials);
  try {
    const identity = guardAsync(() => identityFinding(probe));
    const bucket = await guardAsync(() => bucketFinding(probe));
    findings.set("bucket", bucket);
    const bucketChecks: Array<[CheckId, (probe: Probe) => Promise<Finding>]> = [
      ["data-prefixes", dataPrefixesFinding],
      ["public-access-block", publicAccessBlockFinding],
      ["object-ownership", objectOwnershipFinding],
      ["encryption", encryptionFinding],
      ["bucket-policy", (p) => bucketPolicyFinding(p).then((judged) => judged.finding)],
      ["cors", corsFinding],
      ["private-and-presigned", privateAndPresignedFinding],
      ["rotation-impact", rotationImpactFinding],
      ["settings-impact", settingsImpactFinding],
    ];
    let policyCapSeconds: number | undefined;
    if (bucket.status === "fail") {
      skip(
        bucketChecks.map(([id]) => id),
        "needs the bucket",
      );
    } else {
      const settled = await Promise.all(bucketChecks.map(([, run]) => guardAsync(() => run(probe))));
      bucketChecks.forEach(([id], index) => findings.set(id, settled[index]));
      policyCapSeconds = await bucketPolicyFinding(probe).then(
        (judged) => judged.capSeconds,
        () => undefined,
      );
    }
    findings.set("identity", await identity);
    const credentialVerdict = credentialsFinding(credentials, await probe.identity().catch(() => undefined), context, policyCapSeconds);
    findings.set("credentials", credentialVerdict.finding);
    return report(findings, notRun, credentialVerdict.limit);
  } finally {
    probe.s3.destroy();
  }
}

function report(findings: Map<CheckId, Finding>, notRun: DoctorReport["notRun"], limit: LinkLimit): DoctorReport {
  const checks = CHECK_IDS.filter((id) => findings.has(id)).map((id) => ({ id, title: CHECKS[id], ...findings.get(id)! }));
  const summary = Object.fromEntries(CHECK_STATUSES.map((status) => [status, checks.filter((check) => check.status === status).length])) as Record<
    CheckStatus,
    number
  >;
  return { checks, notRun, summary, maxLinkSeconds: limit.seconds, ...(limit.reason ? { maxLinkLimit: limit.reason } : {}) };
}

function unexpected(error: unknown): Finding {
  return {
    status: "fail",
    detail: `the check could not complete: ${describeCause(error)}`,
    fix: error instanceof CliError && error.fix ? error.fix : "check the network and --endpoint, then run the doctor again",
  };
}

function guard(run: () => Finding): Finding {
  try {
    return run();
  } catch (error) {
    return unexpected(error);
  }
}

async function guardAsync(run: () => Promise<Finding>): Promise<Finding> {
  try {
    return await run();
  } catch (error) {
    return unexpected(error);
  }
}

// ---------------------------------------------------------------- AWS answers

type BucketReadPermission = (typeof BUCKET_CONFIGURATION_READ_ACTIONS)[number] | "s3:ListBucket" | "s3:GetObject";

interface AwsFailure {
  name: string;
  httpStatus?: number;
  message: string;
  error: unknown;
}

function awsFailure(error: unknown): AwsFailure {
  const record = (error ?? {}) as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number }; cause?: unknown };
  // The object store wraps SDK errors in an AwsError; judge the SDK error underneath.
  if (error instanceof CliError && record.cause !== undefined) return { ...awsFailure(record.cause), error };
  return {
    name: record.Code ?? record.name ?? record.code ?? "Error",
    httpStatus: record.$metadata?.httpStatusCode,
    message: error instanceof CliError ? describeCause(error) : describeS3Failure(error, false, 0),
    error,
  };
}

function isAccessDenied(failure: AwsFailure): boolean {
  return failure.name === "AccessDenied" || failure.name === "Forbidden" || (failure.httpStatus === 403 && failure.name !== "SignatureDoesNotMatch" && failure.name !== "InvalidAccessKeyId");
}

function isNotImplemented(failure: AwsFailure): boolean {
  return failure.httpStatus === 501 || failure.httpStatus === 405 || failure.name === "NotImplemented" || failure.name === "MethodNotAllowed";
}

export const UNSUPPORTED_DETAIL = "not supported by this endpoint";

function unsupported(what: string): Finding {
  return { status: "unsupported", detail: `${UNSUPPORTED_DETAIL} (${what})` };
}

/**
 * How a failed read is reported (after the caller has judged its own "not configured" errors):
 * 501/405 → unsupported; AccessDenied → a warning naming the permission; anything else fails.
 */
async function failedRead(probe: Probe, error: unknown, permission: BucketReadPermission, resource: string): Promise<Finding> {
  const failure = awsFailure(error);
  if (isNotImplemented(failure)) return unsupported(`${failure.httpStatus ?? ""} ${failure.name}`.trim());
  if (isAccessDenied(failure)) {
    const presigner = await probe.signerIsPresigner().catch(() => false);
    return {
      status: "warn",
      detail: `could not check: AccessDenied — these credentials lack ${permission} on ${resource}`,
      fix: presigner
        ? `the presigner's policy should allow ${permission}: run \`pulumi up --refresh\` to restore the stack's IAM policy`
        : `run the doctor with the stack's presigner credentials (--stack or --outputs with its key), or grant ${permission} on ${resource}`,
    };
  }
  return { status: "fail", detail: `${permission.replace(/^s3:/, "")} failed: ${failure.message}`, fix: doctorFix(failure.error, probe.bucket) };
}

/** fixFor speaks for publish-cohort on transient failures ("nothing was published"); the doctor only reads. */
function doctorFix(error: unknown, bucket: string): string {
  const fix = fixFor(error, bucket);
  return fix.includes("nothing was published") ? "S3 or the network failed: check the network and --endpoint, then run the doctor again" : fix;
}

function bucketResource(probe: Probe): string {
  return probe.outputs.bucketArn ?? `arn:aws:s3:::${probe.bucket}`;
}

// ---------------------------------------------------------------- credentials and identity

export type SignerKind = ResolvedCredentials["kind"] | "instance-role" | "container-role";

type IdentityAnswer =
  | { kind: "answer"; arn: string; account: string; match: "presigner" | "other" | "unknown" }
  | { kind: "no-sts" }
  | { kind: "error"; failure: AwsFailure };

async function callerIdentity(probe: Probe): Promise<IdentityAnswer> {
  if (probe.context.endpoint !== undefined) return { kind: "no-sts" };
  const sts = probe.clients.sts({ region: probe.outputs.region, credentials: probe.credentials.credentials });
  try {
    const answer = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(probe.callTimeoutMs) });
    if (!answer.Arn || !answer.Account) return { kind: "error", failure: awsFailure(new Error("GetCallerIdentity returned no ARN")) };
    return { kind: "answer", arn: answer.Arn, account: answer.Account, match: presignerMatch(answer.Arn, probe.outputs) };
  } catch (error) {
    return { kind: "error", failure: awsFailure(error) };
  } finally {
    sts.destroy();
  }
}

/**
 * Whether an STS caller ARN is the stack's presigner: `arn:aws:iam::ACCOUNT:user/[path/]NAME` for
 * the user kind, `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION` for a session of the role.
 */
export function presignerMatch(callerArn: string, outputs: Pick<StackOutputs, "presignerUserName" | "presignerRoleArn">): "presigner" | "other" | "unknown" {
  const caller = /^arn:[^:]+:(iam|sts)::(\d{12}):(user|assumed-role)\/(.+)$/.exec(callerArn);
  if (outputs.presignerUserName === undefined && outputs.presignerRoleArn === undefined) return "unknown";
  if (!caller) return "other";
  const [, , account, type, rest] = caller;
  if (type === "user" && outputs.presignerUserName !== undefined) {
    return rest.split("/").pop() === outputs.presignerUserName ? "presigner" : "other";
  }
  if (type === "assumed-role" && outputs.presignerRoleArn !== undefined) {
    const role = /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(outputs.presignerRoleArn);
    const roleName = rest.split("/")[0];
    return role !== null && role[1] === account && role[2] === roleName ? "presigner" : "other";
  }
  return "other";
}

/**
 * The kind of the signing credentials, refined beyond credentials.ts: an EC2 instance profile's
 * session is named after the instance (`i-...`); a container's credentials come from the
 * container credentials endpoint when no keys are in the environment.
 */
export function signerKind(credentials: Pick<ResolvedCredentials, "kind">, callerArn: string | undefined, env: NodeJS.ProcessEnv): SignerKind {
  if (credentials.kind !== "session") return credentials.kind;
  if (callerArn !== undefined && /:assumed-role\/[^/]+\/i-[0-9a-f]{8,17}$/.test(callerArn)) return "instance-role";
  const containerEndpoint = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ?? env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (containerEndpoint && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE) return "container-role";
  return "session";
}

/** Who signs, in words: the kind, the access key id (never the secret) and, for sessions, the expiry. */
function describeSigner(kind: SignerKind, credentials: ResolvedCredentials): string {
  const id = credentials.credentials.accessKeyId;
  const expiry = credentials.expiresAt ? `expiring ${credentials.expiresAt.toISOString()}` : "expiry unknown";
  switch (kind) {
    case "stack-presigner":
      return `the stack's presigner key ${id} (long-term IAM user key)`;
    case "long-term":
      return `long-term IAM user key ${id} from the AWS credential chain`;
    case "session":
      return `session credentials ${id} (${expiry})`;
    case "instance-role":
      return `EC2 instance role credentials ${id} (${expiry})`;
    case "container-role":
      return `container role credentials ${id} (${expiry})`;
  }
}

interface LinkLimit {
  seconds: number | null;
  reason?: string;
}

const LIMIT_REASONS = {
  s3: "S3's 7-day maximum for SigV4 links",
  stack: "the stack's maxLinkLifetimeSeconds",
  session: "the signing session's expiry",
  policy: "the bucket policy's signature-age cap",
} as const;

/** Check 1: the credentials resolve, what kind they are, and the longest link they can sign now. */
function credentialsFinding(
  credentials: ResolvedCredentials,
  identity: IdentityAnswer | undefined,
  context: Pick<DoctorContext, "outputs" | "env" | "now">,
  policyCapSeconds?: number,
): { finding: Finding; limit: LinkLimit } {
  const callerArn = identity?.kind === "answer" ? identity.arn : undefined;
  const who = describeSigner(signerKind(credentials, callerArn, context.env), credentials);
  let decision;
  try {
    decision = decideExpiry({ maxLinkLifetimeSeconds: context.outputs.maxLinkLifetimeSeconds, credentials, now: context.now });
  } catch (error) {
    const cause = error instanceof CliError ? error : undefined;
    return { finding: { status: "fail", detail: `${who}: ${cause?.message ?? describeCause(error)}`, fix: cause?.fix }, limit: { seconds: 0 } };
  }
  let seconds = decision.seconds;
  let reason: string = LIMIT_REASONS[decision.limit === "request" ? "s3" : decision.limit];
  if (policyCapSeconds !== undefined && policyCapSeconds < seconds) {
    seconds = policyCapSeconds;
    reason = LIMIT_REASONS.policy;
  }
  const detail = `${who}: links signed now can live ${describeDuration(seconds)} (${reason})`;
  const limit = { seconds, reason };
  if (decision.warnings.length > 0) {
    return { finding: { status: "warn", detail, fix: "sign with the stack's presigner user (pass --stack or --outputs) for links up to 7 days" }, limit };
  }
  return { finding: { status: "pass", detail }, limit };
}

/** Whose credentials these are (STS), and whether they are the stack's presigner. */
async function identityFinding(probe: Probe): Promise<Finding> {
  const answer = await probe.identity();
  const { outputs, credentials } = probe;
  const presigner =
    outputs.presignerKind === "role"
      ? `role ${outputs.presignerRoleArn ?? "(not in the outputs)"}`
      : `user ${outputs.presignerUserName ?? "(not in the outputs)"}`;
  switch (answer.kind) {
    case "no-sts":
      return unsupported(
        credentials.kind === "stack-presigner"
          ? "STS GetCallerIdentity is not asked through a custom --endpoint; the key is the stack's presigner key from the outputs"
          : "STS GetCallerIdentity is not asked through a custom --endpoint",
      );
    case "error": {
      const { failure } = answer;
      const key = credentials.credentials.accessKeyId;
      switch (failure.name) {
        case "InvalidClientTokenId":
        case "InvalidAccessKeyId":
          return {
            status: "fail",
            detail: `AWS does not know the access key ${key}: it was deleted, deactivated or rotated away`,
            fix:
              credentials.kind === "stack-presigner"
                ? `export fresh outputs (\`${EXPORT_OUTPUTS_COMMAND}\`): the presigner's keys may have been rotated`
                : "configure current AWS credentials (AWS_PROFILE, aws sso login, or environment variables)",
          };
        case "SignatureDoesNotMatch":
          return { status: "fail", detail: `the secret key does not belong to the access key ${key}`, fix: "export the stack outputs again with --show-secrets, or fix the configured secret key" };
        case "ExpiredToken":
        case "ExpiredTokenException":
          return { status: "fail", detail: "the session credentials have expired", fix: "refresh the session (e.g. aws sso login) and run the doctor again" };
      }
      return { status: "warn", detail: `could not ask STS who these credentials are: ${failure.message}`, fix: "check the network; the other checks do not depend on this one" };
    }
    case "answer":
      if (answer.match === "presigner") return { status: "pass", detail: `${answer.arn} is the stack's presigner ${presigner}` };
      if (answer.match === "unknown") {
        return {
          status: "warn",
          detail: `${answer.arn}; the stack outputs name no presigner identity to compare with`,
          fix: "pass --stack or --outputs so the doctor can compare with the stack's presigner",
        };
      }
      return {
        status: "warn",
        detail: `${answer.arn} is not the stack's presigner ${presigner}: links it signs carry this identity's permissions and die with its credentials`,
        fix: "sign with the presigner: pass --stack or --outputs (its key is used), or assume the presigner role",
      };
  }
}

// ---------------------------------------------------------------- bucket and prefixes

/** S3's answer for the bucket's region: empty means us-east-1, and the legacy "EU" is eu-west-1. */
export function normalizeLocation(constraint: string | undefined | null): string {
  if (constraint === undefined || constraint === null || constraint === "") return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

async function bucketFinding(probe: Probe): Promise<Finding> {
  const expected = probe.outputs.region;
  let answer: GetBucketLocationOutput;
  try {
    answer = await probe.s3.send(new GetBucketLocationCommand({ Bucket: probe.bucket }), probe.call());
  } catch (error) {
    const failure = awsFailure(error);
    if (failure.name === "NoSuchBucket") {
      return {
        status: "fail",
        detail: `bucket ${probe.bucket} does not exist`,
        fix: "check --stack/--outputs/--bucket: the stack may have been destroyed, or the outputs belong to another account",
      };
    }
    if (failure.name === "PermanentRedirect" || failure.name === "AuthorizationHeaderMalformed" || failure.httpStatus === 301) {
      return { status: "fail", detail: `bucket ${probe.bucket} is not in ${expected}`, fix: "pass the bucket's real region with --region, or export the stack outputs again" };
    }
    return failedRead(probe, error, "s3:GetBucketLocation", bucketResource(probe));
  }
  const actual = normalizeLocation(answer.LocationConstraint);
  if (actual !== expected) {
    return {
      status: "fail",
      detail: `bucket ${probe.bucket} is in ${actual}, but the stack outputs say ${expected}: links would be signed for the wrong region`,
      fix: `pass --region ${actual}, or export the outputs of the stack that owns this bucket`,
    };
  }
  return { status: "pass", detail: `bucket ${probe.bucket} exists in ${actual}` };
}

interface PrefixListing {
  prefix: string;
  /** Set when the listing failed. */
  error?: unknown;
  objects: number;
  /** Stopped at LISTING_LIMIT. */
  truncated: boolean;
  samples: number;
  incompleteSamples: number;
  /** The smallest non-empty object (an empty one if that is all there is): cheap to GET. */
  testObject?: ObjectSummary;
}

async function listPrefix(probe: Probe, prefix: string): Promise<PrefixListing> {
  const listing: PrefixListing = { prefix, objects: 0, truncated: false, samples: 0, incompleteSamples: 0 };
  const objects: ObjectSummary[] = [];
  try {
    for await (const object of probe.store.list(prefix)) {
      if (object.key.endsWith("/")) continue; // console "folders"
      objects.push(object);
      const best = listing.testObject;
      if (best === undefined || (best.size === 0 && object.size > 0) || (object.size > 0 && object.size < best.size)) listing.testObject = object;
      if (objects.length >= LISTING_LIMIT) {
        listing.truncated = true;
        break;
      }
    }
  } catch (error) {
    return { ...listing, error };
  }
  listing.objects = objects.length;
  return { ...listing, ...(await countSamples(objects, prefix, probe.bucket)) };
}

/**
 * Samples under a data prefix, grouped as publish-cohort --prefix groups them (discover.ts): keys
 * one or two levels down are samples of the prefix itself; deeper keys are samples of a cohort
 * folder (PREFIX/<cohort>/<sample>/<file>), the layout most labs use.
 */
export async function countSamples(objects: readonly ObjectSummary[], prefix: string, bucket: string): Promise<{ samples: number; incompleteSamples: number }> {
  const groups = new Map<string, ObjectSummary[]>([[prefix, []]]);
  for (const object of objects) {
    const parts = object.key.slice(prefix.length).split("/");
    const groupPrefix = parts.length <= 2 ? prefix : `${prefix}${parts[0]}/`;
    const group = groups.get(groupPrefix) ?? [];
    group.push(object);
    groups.set(groupPrefix, group);
  }
  let samples = 0;
  let incompleteSamples = 0;
  for (const [groupPrefix, members] of groups) {
    const discovery = await discoverSamples(members, { prefix: groupPrefix, cancer: "", assembly: "", bucket });
    samples += discovery.samples.length;
    incompleteSamples += new Set(discovery.problems.map((problem) => problem.source)).size;
  }
  return { samples, incompleteSamples };
}

function describeListing(listing: PrefixListing): string {
  const plural = (count: number, word: string) => `${count}${listing.truncated ? "+" : ""} ${word}${count === 1 ? "" : "s"}`;
  if (listing.objects === 0) return `${listing.prefix} is empty`;
  const incomplete = listing.incompleteSamples > 0 ? ` (+${listing.incompleteSamples} incomplete)` : "";
  return `${listing.prefix}: ${plural(listing.objects, "object")}, ${plural(listing.samples, "sample")}${incomplete}`;
}

/** Check 2b: the data prefixes can be listed (what `aws s3 ls` proves), with counts. */
async function dataPrefixesFinding(probe: Probe): Promise<Finding> {
  const listings = await Promise.all(probe.outputs.dataPrefixes.map((prefix) => probe.listing(prefix)));
  const parts: string[] = [];
  let worst: Finding | undefined;
  for (const listing of listings) {
    if (listing.error !== undefined) {
      const finding = await failedRead(probe, listing.error, "s3:ListBucket", `${bucketResource(probe)} (prefix ${listing.prefix})`);
      parts.push(`${listing.prefix}: ${finding.detail}`);
      if (worst === undefined || rank(finding.status) > rank(worst.status)) worst = finding;
    } else {
      parts.push(describeListing(listing));
    }
  }
  const detail = parts.join("; ");
  return worst ? { ...worst, detail } : { status: "pass", detail };
}

function rank(status: CheckStatus): number {
  return { pass: 0, unsupported: 1, warn: 2, fail: 3 }[status];
}

// ---------------------------------------------------------------- bucket settings

const PUBLIC_ACCESS_FLAGS = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;
const RESTORE = "run `pulumi up --refresh` to restore the stack's settings (a console edit has drifted from the program)";

/** Check 3a: all four Block Public Access flags on the bucket. */
async function publicAccessBlockFinding(probe: Probe): Promise<Finding> {
  let answer: GetPublicAccessBlockOutput;
  try {
    answer = await probe.s3.send(new GetPublicAccessBlockCommand({ Bucket: probe.bucket }), probe.call());
  } catch (error) {
    if (awsFailure(error).name === "NoSuchPublicAccessBlockConfiguration") {
      return { status: "fail", detail: "the bucket has no Block Public Access configuration: a policy or ACL could make data public", fix: RESTORE };
    }
    return failedRead(probe, error, "s3:GetBucketPublicAccessBlock", bucketResource(probe));
  }
  return judgePublicAccessBlock(answer.PublicAccessBlockConfiguration);
}

export function judgePublicAccessBlock(configuration: Partial<Record<(typeof PUBLIC_ACCESS_FLAGS)[number], boolean>> | undefined): Finding {
  if (configuration === undefined || PUBLIC_ACCESS_FLAGS.every((flag) => configuration[flag] === undefined)) return unsupported("no PublicAccessBlockConfiguration in the answer");
  const off = PUBLIC_ACCESS_FLAGS.filter((flag) => configuration[flag] !== true);
  if (off.length > 0) {
    return { status: "fail", detail: `Block Public Access is off for ${off.join(", ")} (all four must be on)`, fix: RESTORE };
  }
  return { status: "pass", detail: `all four flags on (${PUBLIC_ACCESS_FLAGS.join(", ")})` };
}

/** Check 3b: ACLs disabled (BucketOwnerEnforced). */
async function objectOwnershipFinding(probe: Probe): Promise<Finding> {
  let answer: GetBucketOwnershipControlsOutput;
  try {
    answer = await probe.s3.send(new GetBucketOwnershipControlsCommand({ Bucket: probe.bucket }), probe.call());
  } catch (error) {
    if (awsFailure(error).name === "OwnershipControlsNotFoundError") {
      return { status: "fail", detail: "the bucket has no object ownership controls: ACLs are enabled and could grant public read", fix: RESTORE };
    }
    return failedRead(probe, error, "s3:GetBucketOwnershipControls", bucketResource(probe));
  }
  const rules = answer.OwnershipControls?.Rules;
  // A server that does not know ?ownershipControls answers with something else (e.g. a listing).
  if (!Array.isArray(rules) || rules.length === 0) return unsupported("no OwnershipControls rules in the answer");
  const ownership = rules.map((rule) => rule.ObjectOwnership ?? "(none)");
  if (ownership.length === 1 && ownership[0] === "BucketOwnerEnforced") return { status: "pass", detail: "BucketOwnerEnforced: ACLs are disabled" };
  return { status: "fail", detail: `object ownership is ${ownership.join(", ")}, not BucketOwnerEnforced: ACLs are enabled`, fix: RESTORE };
}

/** Default encryption (SSE-S3 or SSE-KMS), which the presigner may read too. */
async function encryptionFinding(probe: Probe): Promise<Finding> {
  let answer: GetBucketEncryptionOutput;
  try {
    answer = await probe.s3.send(new GetBucketEncryptionCommand({ Bucket: probe.bucket }), probe.call());
  } catch (error) {
    if (awsFailure(error).name === "ServerSideEncryptionConfigurationNotFoundError") {
      return { status: "fail", detail: "the bucket declares no default encryption", fix: RESTORE };
    }
    return failedRead(probe, error, "s3:GetEncryptionConfiguration", bucketResource(probe));
  }
  const rule = answer.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  if (rule?.SSEAlgorithm === undefined) return unsupported("no encryption rule in the answer");
  const bucketKey = answer.ServerSideEncryptionConfiguration?.Rules?.[0]?.BucketKeyEnabled;
  if (rule.SSEAlgorithm === "AES256") return { status: "pass", detail: "SSE-S3 (AES256)" };
  if (rule.SSEAlgorithm.startsWith("aws:kms")) {
    const key = rule.KMSMasterKeyID ?? "the AWS managed key";
    return bucketKey
      ? { status: "pass", detail: `SSE-KMS with ${key} and an S3 Bucket Key` }
      : { status: "warn", detail: `SSE-KMS with ${key} without an S3 Bucket Key: every GET calls KMS`, fix: RESTORE };
  }
  return { status: "warn", detail: `unexpected default encryption ${rule.SSEAlgorithm}`, fix: RESTORE };
}

// ---------------------------------------------------------------- bucket policy

export interface PolicyJudgement {
  finding: Finding;
  /** The link life the policy's signature-age deny allows, when it is below the stack's setting. */
  capSeconds?: number;
}

/**
 * Check 3c: the bucket policy denies what transportAndSignatureDenyStatements declares (by
 * meaning, see bucket-policy-check.ts) and grants nothing to everyone.
 */
export function judgeBucketPolicy(policyJson: string, bucket: string, maxLinkLifetimeSeconds: number): PolicyJudgement {
  const comparison = compareBucketPolicy(policyJson, bucket, maxLinkLifetimeSeconds);
  if (comparison.invalid) return { finding: { status: "fail", detail: `the bucket policy ${comparison.invalid}`, fix: RESTORE } };
  const problems: string[] = [];
  if (comparison.publicGrants.length > 0) problems.push(`statement ${comparison.publicGrants.join(", ")} allows everyone (public access)`);
  if (comparison.missingDenies.length > 0) problems.push(`no statement denies ${comparison.missingDenies.join("; ")}`);
  if (problems.length > 0) return { finding: { status: "fail", detail: problems.join("; "), fix: RESTORE } };
  if (comparison.conditionalPublicGrants.length > 0) {
    return {
      finding: {
        status: "warn",
        detail: `statement ${comparison.conditionalPublicGrants.join(", ")} allows everyone under a condition: review it`,
        fix: "remove it unless you know why it is there, then `pulumi up --refresh`",
      },
    };
  }
  const cap = comparison.signatureAgeCapMs;
  const capSeconds = cap === undefined ? undefined : Math.floor(cap / 1000);
  if (capSeconds !== undefined && capSeconds < maxLinkLifetimeSeconds) {
    return {
      finding: {
        status: "warn",
        detail:
          `denies plain HTTP, old TLS, SigV2 and presigned writes, but cuts presigned links at ${describeDuration(capSeconds)}, ` +
          `shorter than the stack's maxLinkLifetimeSeconds (${describeDuration(maxLinkLifetimeSeconds)}): longer links die early`,
        fix: "run `pulumi up --refresh` to restore the declared policy, or lower maxLinkLifetimeSeconds to match",
      },
      capSeconds,
    };
  }
  return {
    finding: {
      status: "pass",
      detail: `denies plain HTTP, TLS below 1.2, SigV2, presigned writes and presigned links older than ${describeDuration(maxLinkLifetimeSeconds)}`,
    },
  };
}

function bucketPolicyFinding(probe: Probe): Promise<PolicyJudgement> {
  return probe.once("policy", async () => {
    let answer: GetBucketPolicyOutput;
    try {
      answer = await probe.s3.send(new GetBucketPolicyCommand({ Bucket: probe.bucket }), probe.call());
    } catch (error) {
      if (awsFailure(error).name === "NoSuchBucketPolicy") {
        return { finding: { status: "fail", detail: "the bucket has no policy: plain HTTP, SigV2 and links of any age are not refused", fix: RESTORE } };
      }
      return { finding: await failedRead(probe, error, "s3:GetBucketPolicy", bucketResource(probe)) };
    }
    if (typeof answer.Policy !== "string" || answer.Policy === "") return { finding: unsupported("no policy document in the answer") };
    return judgeBucketPolicy(answer.Policy, probe.bucket, probe.outputs.maxLinkLifetimeSeconds);
  });
}

// ---------------------------------------------------------------- CORS

function sameSet(a: readonly string[], b: readonly string[], normalize: (value: string) => string = (value) => value): { extra: string[]; missing: string[] } {
  const left = new Set(a.map(normalize));
  const right = new Set(b.map(normalize));
  return { extra: a.filter((value) => !right.has(normalize(value))), missing: b.filter((value) => !left.has(normalize(value))) };
}

/**
 * Check 4: the bucket's CORS rules against viewerCorsRule(allowedOrigins). Methods, origins,
 * allowed headers and extra rules decide pass/fail (they widen access or break the viewer); the
 * exposed headers, max age and id only warn.
 */
export function judgeCors(rules: ReadonlyArray<Partial<S3CorsRule>> | undefined, allowedOrigins: readonly string[]): Finding {
  const declared = toS3CorsRule(viewerCorsRule(allowedOrigins));
  if (rules === undefined || rules.length === 0) {
    return { status: "fail", detail: "the bucket has no CORS rule: the Chromoscope viewer cannot read the data from the browser", fix: RESTORE };
  }
  const rule = rules.find((candidate) => candidate.ID === declared.ID) ?? rules[0];
  const failures: string[] = [];
  const warnings: string[] = [];
  const compare = (field: string, actual: readonly string[] | undefined, wanted: readonly string[], into: string[], normalize?: (value: string) => string) => {
    const { extra, missing } = sameSet(actual ?? [], wanted, normalize);
    if (extra.length > 0) into.push(`${field} has ${extra.join(", ")} (not declared)`);
    if (missing.length > 0) into.push(`${field} lacks ${missing.join(", ")}`);
  };
  if (rules.length > 1) failures.push(`${rules.length} rules (the stack declares exactly one)`);
  compare("AllowedMethods", rule.AllowedMethods, declared.AllowedMethods, failures, (value) => value.toUpperCase());
  compare("AllowedOrigins", rule.AllowedOrigins, declared.AllowedOrigins, failures);
  compare("AllowedHeaders", rule.AllowedHeaders, declared.AllowedHeaders ?? [], failures, (value) => value.toLowerCase());
  compare("ExposeHeaders", rule.ExposeHeaders, declared.ExposeHeaders ?? [], warnings, (value) => value.toLowerCase());
  if (rule.MaxAgeSeconds !== declared.MaxAgeSeconds) warnings.push(`MaxAgeSeconds is ${rule.MaxAgeSeconds ?? "unset"} (declared ${declared.MaxAgeSeconds})`);
  if (rule.ID !== declared.ID) warnings.push(`ID is ${rule.ID === undefined ? "unset" : `"${rule.ID}"`} (declared "${declared.ID}")`);
  const differences = [...failures, ...warnings];
  if (failures.length > 0) return { status: "fail", detail: `differs from the declared rule: ${differences.join("; ")}`, fix: RESTORE };
  if (warnings.length > 0) return { status: "warn", detail: `differs from the declared rule: ${differences.join("; ")}`, fix: RESTORE };
  return {
    status: "pass",
    detail: `${declared.AllowedMethods.join(", ")} only, from ${declared.AllowedOrigins.join(", ")}; exposes ${(declared.ExposeHeaders ?? []).join(", ")}`,
  };
}

function allowedOrigins(outputs: StackOutputs): readonly string[] {
  return outputs.allowedOrigins ?? defaultSettings().allowedOrigins;
}

async function corsFinding(probe: Probe): Promise<Finding> {
  let answer: GetBucketCorsOutput;
  try {
    answer = await probe.s3.send(new GetBucketCorsCommand({ Bucket: probe.bucket }), probe.call());
  } catch (error) {
    if (awsFailure(error).name === "NoSuchCORSConfiguration") return judgeCors([], allowedOrigins(probe.outputs));
    return failedRead(probe, error, "s3:GetBucketCORS", bucketResource(probe));
  }
  return judgeCors(answer.CORSRules ?? [], allowedOrigins(probe.outputs));
}

// ---------------------------------------------------------------- end to end

interface HttpAnswer {
  status: number;
  /** S3's error code from an XML error body. */
  code?: string;
  allowOrigin?: string | null;
}

async function httpGet(probe: Probe, url: string, size: number, origin?: string): Promise<HttpAnswer> {
  // One byte is enough to prove access; an empty object cannot satisfy a range.
  const headers: Record<string, string> = size > 0 ? { Range: "bytes=0-0" } : {};
  if (origin !== undefined) headers.Origin = origin;
  const response = await probe.clients.fetch(url, { headers, redirect: "manual", cache: "no-store", signal: AbortSignal.timeout(probe.requestTimeoutMs) });
  let code: string | undefined;
  if (response.status >= 300) code = /<Code>([^<]+)<\/Code>/.exec(await response.text().catch(() => ""))?.[1];
  else await response.body?.cancel().catch(() => undefined);
  return { status: response.status, code, allowOrigin: response.headers.get("access-control-allow-origin") };
}

const PRESIGNED_FAILURE_FIXES: Record<string, string> = {
  SignatureDoesNotMatch: "the secret key does not match the access key: export the stack outputs again with --show-secrets",
  InvalidAccessKeyId: "the access key no longer exists: export fresh stack outputs (the keys may have been rotated)",
  ExpiredToken: "refresh the session (e.g. aws sso login) and run the doctor again",
  RequestTimeTooSkewed: "this machine's clock is wrong: sync it (e.g. with NTP)",
};

/**
 * Check 5: per data prefix, an unsigned GET of a real object is refused (403) and a presigned GET
 * of the same object (TEST_LINK_SECONDS, from a viewer origin) is served.
 */
async function privateAndPresignedFinding(probe: Probe): Promise<Finding> {
  const presigner = new S3QueryPresigner({
    bucket: probe.bucket,
    region: probe.outputs.region,
    endpoint: probe.context.endpoint,
    credentials: probe.credentials.credentials,
    expiresInSeconds: TEST_LINK_SECONDS,
    signingDate: probe.context.now,
  });
  const origin = allowedOrigins(probe.outputs).find((candidate) => candidate !== "*");
  const parts: string[] = [];
  const fixes: string[] = [];
  const links: string[] = [];
  let status: CheckStatus = "pass";
  const raise = (to: CheckStatus) => {
    if (rank(to) > rank(status)) status = to;
  };
  for (const prefix of probe.outputs.dataPrefixes) {
    const listing = await probe.listing(prefix);
    if (listing.error !== undefined) {
      raise("warn");
      parts.push(`${prefix}: not tested (the prefix could not be listed)`);
      continue;
    }
    const object = listing.testObject;
    if (object === undefined) {
      raise("warn");
      parts.push(`${prefix} is empty: nothing to test`);
      fixes.push(`upload a cohort under ${prefix} and run the doctor again`);
      continue;
    }
    const unsigned = await httpGet(probe, presigner.objectUrl(object.key), object.size);
    const link = presigner.presignGet(object.key);
    const signed = await httpGet(probe, link, object.size, origin);
    if (probe.context.showLinks) links.push(link);
    const found: string[] = [];
    if (unsigned.status === 403) found.push("unsigned GET refused (403)");
    else if (unsigned.status >= 200 && unsigned.status < 300) {
      raise("fail");
      found.push(`unsigned GET served it (${unsigned.status}): the object is public`);
      fixes.push("turn Block Public Access back on and remove public grants (`pulumi up --refresh`); check object ACLs");
    } else {
      raise("warn");
      found.push(`unsigned GET answered ${unsigned.status}${unsigned.code ? ` ${unsigned.code}` : ""} (expected 403)`);
    }
    if (signed.status >= 200 && signed.status < 300) {
      found.push(`presigned GET served it (${signed.status})`);
      if (origin !== undefined && signed.allowOrigin !== origin && signed.allowOrigin !== "*") {
        raise("warn");
        found.push(`but without Access-Control-Allow-Origin for ${origin}`);
        fixes.push("restore the CORS rule (`pulumi up --refresh`) so the viewer may read the response");
      }
    } else {
      raise("fail");
      found.push(`presigned GET refused (${signed.status}${signed.code ? ` ${signed.code}` : ""})`);
      fixes.push(
        PRESIGNED_FAILURE_FIXES[signed.code ?? ""] ??
          ((await probe.signerIsPresigner().catch(() => false))
            ? `the presigner must be allowed s3:GetObject on ${prefix}*: run \`pulumi up --refresh\``
            : "sign with the stack's presigner (pass --stack or --outputs), which may read the data prefixes"),
      );
    }
    parts.push(`${object.key}: ${found.join(", ")}`);
  }
  return {
    status,
    detail: parts.join("; "),
    ...(fixes.length > 0 ? { fix: [...new Set(fixes)].join("; ") } : {}),
    ...(links.length > 0 ? { links } : {}),
  };
}

// ---------------------------------------------------------------- keys and rotation

const ROTATE = "rotate the keys with `npm run rotate-keys` (it replaces the older slot's key; see its --help)";

function days(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** The stack's two key slots, or the finding that says why they are unknown. */
function slotsOrFinding(outputs: StackOutputs, what: string): KeySlots | Finding {
  if (outputs.presignerKind === "role") return { status: "pass", detail: `role kind: no long-term access keys, ${what}` };
  try {
    return keySlotsOf(outputs);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { status: "warn", detail: `cannot tell: ${error.message}`, fix: error.fix };
  }
}

function isFinding(value: KeySlots | Finding): value is Finding {
  return "status" in value;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Check 6a: the keys' age (accessKeys output). Warns when the active key's rotation is due within
 * ROTATION_WARNING_DAYS or overdue; fails when either key is older than MAX_ACCESS_KEY_AGE_DAYS (IAM.3),
 * or when a key's rotation period is over MAX_KEY_ROTATION_DAYS (two slots keep a key up to twice its period).
 */
export function keyAgeFinding(outputs: StackOutputs, now: Date): Finding {
  const slots = slotsOrFinding(outputs, "nothing to rotate");
  if (isFinding(slots)) return slots;
  const age = (key: SlotKey) => days(now.getTime() - key.createdAt.getTime());
  const describe = (key: SlotKey) => `slot ${key.slot} (${key.accessKeyId}) is ${age(key)} days old`;
  const keys = [slots.active, slots.inactive];
  const tooOld = keys.filter((key) => age(key) > MAX_ACCESS_KEY_AGE_DAYS);
  if (tooOld.length > 0) {
    return { status: "fail", detail: `${tooOld.map(describe).join(", ")}: past the ${MAX_ACCESS_KEY_AGE_DAYS}-day maximum (AWS IAM.3)`, fix: ROTATE };
  }
  const period = (key: SlotKey) => (key.rotationDueAt.getTime() - key.createdAt.getTime()) / DAY_MS;
  const tooSlow = keys.filter((key) => period(key) > MAX_KEY_ROTATION_DAYS);
  if (tooSlow.length > 0) {
    return {
      status: "fail",
      detail:
        `${tooSlow.map((key) => `slot ${key.slot}'s rotation period is ${period(key)} days`).join(", ")}: more than ${MAX_KEY_ROTATION_DAYS}, ` +
        `and with two slots a key lives up to twice its period (AWS IAM.3 allows ${MAX_ACCESS_KEY_AGE_DAYS} days)`,
      fix: `set keyRotationDays to ${MAX_KEY_ROTATION_DAYS} or less (\`pulumi config set keyRotationDays 30\`) and run \`pulumi up\``,
    };
  }
  const { active } = slots;
  const dueMs = active.rotationDueAt.getTime() - now.getTime();
  const due = isoSeconds(active.rotationDueAt);
  if (dueMs <= 0) return { status: "warn", detail: `active ${describe(active)}: rotation was due ${due} (${describeDuration(-dueMs / 1000)} ago)`, fix: ROTATE };
  if (dueMs <= ROTATION_WARNING_DAYS * DAY_MS) {
    return { status: "warn", detail: `active ${describe(active)}: rotation due ${due} (in ${describeDuration(dueMs / 1000)})`, fix: ROTATE };
  }
  return { status: "pass", detail: `active ${describe(active)}; rotation due ${due} (in ${describeDuration(dueMs / 1000)})` };
}

/** The publications in the ledger, or the finding that says why they could not be read. */
type LedgerRead = { publications: Publication[]; note: string } | { failure: Finding };

async function readPublications(probe: Probe): Promise<LedgerRead> {
  const { outputs } = probe;
  const skipped: string[] = [];
  let entries: StoredLedgerEntry[];
  try {
    entries = await readLedger(probe.store, outputs.ledgerPrefix, { warn: (message) => skipped.push(message) });
  } catch (error) {
    return { failure: await failedRead(probe, error, "s3:ListBucket", `${bucketResource(probe)} (prefix ${outputs.ledgerPrefix})`) };
  }
  const publications = foldLedger(entries, (message) => skipped.push(message));
  const note = skipped.length > 0 ? ` (${skipped.length} unreadable ledger entr${skipped.length === 1 ? "y" : "ies"} skipped)` : "";
  return { publications, note };
}

/** Check 6b: which live links a rotation now would break (it replaces the inactive slot's key). */
async function rotationImpactFinding(probe: Probe): Promise<Finding> {
  const { outputs, context } = probe;
  const slots = slotsOrFinding(outputs, "no key slots to rotate");
  if (isFinding(slots)) return slots;
  const ledger = await probe.publications();
  if ("failure" in ledger) return ledger.failure;
  const { note } = ledger;
  const decision = decideRotation(slots, ledger.publications, context.now);
  const { replaced } = decision;
  if (decision.safe || decision.safeAfter === undefined) {
    return { status: "pass", detail: `rotation now breaks no live link: slot ${replaced.slot}'s key ${replaced.accessKeyId} signed none that is still live${note}` };
  }
  const cohorts = [...new Set(decision.breaking.map((publication) => publication.cohort))];
  const until = isoSeconds(decision.safeAfter);
  const names = cohorts.length <= 5 ? `: ${cohorts.map((cohort) => JSON.stringify(cohort)).join(", ")}` : "";
  return {
    status: "warn",
    detail: `rotation now would break ${cohorts.length} live cohort${cohorts.length === 1 ? "" : "s"} until ${until}${names} (signed by slot ${replaced.slot}'s key ${replaced.accessKeyId})${note}`,
    fix: `rotate after ${until}, or refresh those cohorts (\`npm run refresh-cohort\`) and share the new links first`,
  };
}

/** Check 7: whether the stack's settings still let every live publication's links work (doctor-settings-check.ts). */
async function settingsImpactFinding(probe: Probe): Promise<Finding> {
  const ledger = await probe.publications();
  return "failure" in ledger ? ledger.failure : judgeSettings(probe.outputs, ledger.publications, probe.context.now, ledger.note);
}
