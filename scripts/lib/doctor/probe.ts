/**
 * One doctor run's shared, memoized view of AWS: the clients, the caller's identity, listings of the
 * data prefixes and the ledger, each fetched once whichever checks need them, and how a failed read
 * is reported (unsupported, a warning naming the missing permission, or a failure; never a pass).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";
import { BUCKET_CONFIGURATION_READ_ACTIONS } from "../../../policy/documents/iam-policies";
import { discoverSamples } from "../cohort/discover";
import { CliError, describeCause } from "../errors";
import { readLedger, StoredLedgerEntry } from "../ledger/ledger";
import { foldLedger, Publication } from "../ledger/fold";
import { ResolvedCredentials } from "../s3/credentials";
import {
  createS3Client,
  describeS3Failure,
  fixFor,
  ObjectStore,
  ObjectSummary,
  S3_DEFAULTS,
  S3ConnectionOptions,
  s3ObjectStore,
} from "../s3/object-store";
import { stsSdk } from "../s3/sdk-modules";
import { StackOutputs } from "../../../components/stack-outputs";
import { SigningCredentials } from "../s3/presign";
import { Finding, LISTING_LIMIT, unsupported } from "./doctor-model";

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
    new (stsSdk().STSClient)({
      region,
      credentials,
      maxAttempts: 3,
      // An inactivity limit, as for S3 (object-store.ts): the SDK's requestTimeout alone only warns.
      requestHandler: {
        connectionTimeout: S3_DEFAULTS.connectionTimeoutMs,
        socketTimeout: S3_DEFAULTS.requestTimeoutMs,
      },
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

/** Shared, memoized state of one run: each AWS answer is fetched once, whichever checks need it. */
export class Probe {
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
export type BucketReadPermission =
  (typeof BUCKET_CONFIGURATION_READ_ACTIONS)[number] | "s3:ListBucket" | "s3:GetObject";

interface AwsFailure {
  name: string;
  httpStatus?: number;
  message: string;
  error: unknown;
}

export function awsFailure(error: unknown): AwsFailure {
  const record = (error ?? {}) as {
    name?: string;
    Code?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
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
  return (
    failure.name === "AccessDenied" ||
    failure.name === "Forbidden" ||
    (failure.httpStatus === 403 && failure.name !== "SignatureDoesNotMatch" && failure.name !== "InvalidAccessKeyId")
  );
}

function isNotImplemented(failure: AwsFailure): boolean {
  return (
    failure.httpStatus === 501 ||
    failure.httpStatus === 405 ||
    failure.name === "NotImplemented" ||
    failure.name === "MethodNotAllowed"
  );
}

/**
 * How a failed read is reported (after the caller has judged its own "not configured" errors):
 * 501/405 → unsupported; AccessDenied → a warning naming the permission; anything else fails.
 */
export async function failedRead(
  probe: Probe,
  error: unknown,
  permission: BucketReadPermission,
  resource: string,
): Promise<Finding> {
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
  return {
    status: "fail",
    detail: `${permission.replace(/^s3:/, "")} failed: ${failure.message}`,
    fix: doctorFix(failure.error, probe.bucket),
  };
}

/** fixFor speaks for publish-cohort on transient failures ("nothing was published"); the doctor only reads. */
function doctorFix(error: unknown, bucket: string): string {
  const fix = fixFor(error, bucket);
  return fix.includes("nothing was published")
    ? "S3 or the network failed: check the network and --endpoint, then run the doctor again"
    : fix;
}

export function bucketResource(probe: Probe): string {
  return probe.outputs.bucketArn ?? `arn:aws:s3:::${probe.bucket}`;
}

export type IdentityAnswer =
  | { kind: "answer"; arn: string; account: string; match: "presigner" | "other" | "unknown" }
  | { kind: "no-sts" }
  | { kind: "error"; failure: AwsFailure };

async function callerIdentity(probe: Probe): Promise<IdentityAnswer> {
  if (probe.context.endpoint !== undefined) return { kind: "no-sts" };
  const sts = probe.clients.sts({ region: probe.outputs.region, credentials: probe.credentials.credentials });
  try {
    const answer = await sts.send(new (stsSdk().GetCallerIdentityCommand)({}), {
      abortSignal: AbortSignal.timeout(probe.callTimeoutMs),
    });
    if (!answer.Arn || !answer.Account)
      return { kind: "error", failure: awsFailure(new Error("GetCallerIdentity returned no ARN")) };
    return {
      kind: "answer",
      arn: answer.Arn,
      account: answer.Account,
      match: presignerMatch(answer.Arn, probe.outputs),
    };
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
export function presignerMatch(
  callerArn: string,
  outputs: Pick<StackOutputs, "presignerUserName" | "presignerRoleArn">,
): "presigner" | "other" | "unknown" {
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
/** A sample folder (or flat sample) publish-cohort --prefix would refuse, and why. */
export interface IncompleteSample {
  /** Its key prefix, e.g. `cohorts/breast/PD4105/` (flat samples: `cohorts/breast/PD4105.*`). */
  sample: string;
  /** Discovery's first problem with it, without the hint in parentheses, e.g. `no CNV file`. */
  problem: string;
}

export interface PrefixListing {
  prefix: string;
  /** Set when the listing failed. */
  error?: unknown;
  objects: number;
  /** Stopped at LISTING_LIMIT. */
  truncated: boolean;
  samples: number;
  /** Samples discovery would refuse, each with its first problem (see countSamples). */
  incompleteSamples: IncompleteSample[];
  /** The smallest non-empty object (an empty one if that is all there is): cheap to GET. */
  testObject?: ObjectSummary;
}

async function listPrefix(probe: Probe, prefix: string): Promise<PrefixListing> {
  const listing: PrefixListing = { prefix, objects: 0, truncated: false, samples: 0, incompleteSamples: [] };
  const objects: ObjectSummary[] = [];
  try {
    for await (const object of probe.store.list(prefix)) {
      if (object.key.endsWith("/")) continue; // console "folders"
      objects.push(object);
      const best = listing.testObject;
      if (best === undefined || (best.size === 0 && object.size > 0) || (object.size > 0 && object.size < best.size))
        listing.testObject = object;
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
export async function countSamples(
  objects: readonly ObjectSummary[],
  prefix: string,
  bucket: string,
): Promise<{ samples: number; incompleteSamples: IncompleteSample[] }> {
  const groups = new Map<string, ObjectSummary[]>([[prefix, []]]);
  for (const object of objects) {
    const parts = object.key.slice(prefix.length).split("/");
    const groupPrefix = parts.length <= 2 ? prefix : `${prefix}${parts[0]}/`;
    const group = groups.get(groupPrefix) ?? [];
    group.push(object);
    groups.set(groupPrefix, group);
  }
  let samples = 0;
  const incomplete = new Map<string, string>();
  const location = `s3://${bucket}/`;
  for (const [groupPrefix, members] of groups) {
    const discovery = await discoverSamples(members, { prefix: groupPrefix, cancer: "", assembly: "", bucket });
    samples += discovery.samples.length;
    for (const { source, message } of discovery.problems) {
      const sample = source.startsWith(location) ? source.slice(location.length) : source;
      if (!incomplete.has(sample)) incomplete.set(sample, message.replace(/ \(.*\)$/, ""));
    }
  }
  return { samples, incompleteSamples: [...incomplete].map(([sample, problem]) => ({ sample, problem })) };
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
    return {
      failure: await failedRead(
        probe,
        error,
        "s3:ListBucket",
        `${bucketResource(probe)} (prefix ${outputs.ledgerPrefix})`,
      ),
    };
  }
  const publications = foldLedger(entries, (message) => skipped.push(message), outputs.configPrefix);
  const note =
    skipped.length > 0
      ? ` (${skipped.length} unreadable ledger entr${skipped.length === 1 ? "y" : "ies"} skipped)`
      : "";
  return { publications, note };
}
