/**
 * `access-report` in links mode: the data bucket's server access logs for a period, read together
 * with the ledger, as figures per publication. No link, signature or credential leaves this module:
 * the records hold them, the report keeps only counts, times and config keys.
 */
import { ValidationError } from "../errors";
import { loadPublications, noPublicationError } from "../lifecycle/publications";
import { ObjectStore } from "../s3/object-store";
import { Publication, publicationsOf } from "../ledger/fold";
import { StackOutputs } from "../../../components/stack-outputs";
import { ACCESS_LOG_PREFIX } from "../../../policy/documents/limits";
import { LogAccessDenied, LogBucket, LoggedBucket, PeriodLogs, readPeriodLogs } from "./access-log-listing";
import { Attribution, attributeRequests, PublicationUsage } from "./attribution";
import { LogReaderOptions, openLogReader } from "./log-reader";
import { readPeriodAudit, SignInAccessReport, signInReportOf } from "./sign-in-audit";

/** The `auditPrefix` setting's default, for outputs that do not name it. */
const DEFAULT_AUDIT_PREFIX = "audit/";

export interface AccessReportRequest {
  /** Only this cohort's publications (exact name). */
  cohort?: string;
  /** The period: from `start` to `end` (now). */
  start: Date;
  end: Date;
  maxClients: number;
}

export interface AccessReportSources {
  outputs: StackOutputs;
  /** Every publication of the ledger (the report filters by cohort itself: see `unattributed`). */
  publications: readonly Publication[];
  /** Where the data bucket's logs are (loggedBucketOf). */
  target: LoggedBucket;
  /** The log bucket, read with the caller's credentials. */
  logs: LogBucket;
  /** Called when the log bucket refuses the caller; returns the error to throw (naming the principal). */
  refused(where: string, cause: unknown): Promise<Error>;
}

/** What the report reads with: the stack (its ledger through `store`) and how to reach the log bucket as the caller. */
export interface AccessReportContext {
  outputs: StackOutputs;
  store: ObjectStore;
  endpoint?: string;
  credentialProvider?: LogReaderOptions["credentialProvider"];
  s3?: LogReaderOptions["s3"];
  warn: (message: string) => void;
}

export interface AccessReport extends Attribution {
  request: AccessReportRequest;
  logs: Omit<PeriodLogs, "records"> & { records: number; first?: Date; last?: Date; where: string };
}

/** Where the stack's data-bucket logs are, or why the report cannot read any. */
export function loggedBucketOf(outputs: StackOutputs, warn: (message: string) => void): LoggedBucket {
  if (outputs.logBucketName === undefined) {
    throw new ValidationError("the stack outputs name no access log bucket (logBucketName): access logging is off", {
      fix: "turn it on (`pulumi config set accessLogging true`, then `pulumi up`) and export the outputs again; requests made before then were not logged",
    });
  }
  if (outputs.accessLogPrefix === undefined) {
    warn(
      `the stack outputs name no accessLogPrefix (a deployment made before it was exported): reading ${ACCESS_LOG_PREFIX}, where such stacks write their logs`,
    );
  }
  return { prefix: outputs.accessLogPrefix ?? ACCESS_LOG_PREFIX, bucket: outputs.bucketName, region: outputs.region };
}

/** Reads the period's logs and attributes every request; usages are narrowed to `--cohort` last. */
export async function buildAccessReport(
  request: AccessReportRequest,
  sources: AccessReportSources,
): Promise<AccessReport> {
  const { outputs, publications, logs, target } = sources;
  if (request.cohort !== undefined && publicationsOf(publications, request.cohort).length === 0) {
    throw noPublicationError(outputs.bucketName, outputs, request.cohort);
  }
  const where = `s3://${logs.bucket}/${target.prefix}`;
  let period: PeriodLogs;
  try {
    period = await readPeriodLogs(logs, target, request.start, request.end);
  } catch (error) {
    if (error instanceof LogAccessDenied) throw await sources.refused(where, error);
    throw error;
  }
  // Every publication takes part in the attribution, so --cohort never turns another cohort's requests into unattributed ones.
  const attribution = attributeRequests(period.records, publications, { maxClients: request.maxClients });
  const usages: PublicationUsage[] =
    request.cohort === undefined
      ? attribution.usages
      : attribution.usages.filter((usage) => usage.publication.cohort === request.cohort);
  const { records, ...counts } = period;
  return {
    request,
    usages,
    unattributed: attribution.unattributed,
    logs: { ...counts, records: records.length, first: records[0]?.time, last: records.at(-1)?.time, where },
  };
}

/** The whole report: the ledger, then the logs with the caller's credentials (refused: names the principal to add). */
export async function accessReport(request: AccessReportRequest, context: AccessReportContext): Promise<AccessReport> {
  const { outputs, warn } = context;
  const target = loggedBucketOf(outputs, warn);
  const publications = await loadPublications(context.store, outputs, { warn });
  const reader = await openLogReader({ ...context, bucket: outputs.logBucketName! });
  try {
    return await buildAccessReport(request, { ...reader, outputs, publications, target });
  } finally {
    reader.close();
  }
}

/**
 * Sign-in mode: the audit records of the period under `auditPrefix` in the data bucket, read with the
 * caller's credentials (the presigner may not read them).
 */
export async function signInAccessReport(
  request: AccessReportRequest,
  context: AccessReportContext,
): Promise<SignInAccessReport> {
  const { outputs } = context;
  if (outputs.auditPrefix === undefined) {
    context.warn(`the stack outputs name no auditPrefix: reading ${DEFAULT_AUDIT_PREFIX}, the setting's default`);
  }
  const prefix = outputs.auditPrefix ?? DEFAULT_AUDIT_PREFIX;
  const where = `s3://${outputs.bucketName}/${prefix}`;
  const reader = await openLogReader({ ...context, bucket: outputs.bucketName });
  try {
    const { records, ...counts } = await readPeriodAudit(reader.logs, prefix, request.start, request.end).catch(
      async (error: unknown) => {
        throw error instanceof LogAccessDenied ? await reader.refused(where, error, "audit records") : error;
      },
    );
    return { ...signInReportOf(records, request.cohort), request, audit: { ...counts, where } };
  } finally {
    reader.close();
  }
}

/** The report as `--json` prints it: exactly these fields, and no link, signature or credential. */
export function accessReportJson(report: AccessReport): object {
  return {
    publications: report.usages.map((usage) => ({
      cohort: usage.publication.cohort,
      configKey: usage.publication.configKey,
      requests: usage.requests,
      bytesSent: usage.bytesSent,
      distinctClients: usage.distinctClients,
      refused: usage.refused,
      firstSeen: usage.firstSeen.toISOString(),
      lastSeen: usage.lastSeen.toISOString(),
      flags: usage.flags,
    })),
    unattributed: report.unattributed,
  };
}
