/**
 * The doctor: smoke-tests a deployed stack and the caller's credentials before anyone shares a link.
 *
 * Each check (one module per check in checks/) returns a finding: pass, warn, fail or unsupported. A
 * check passes only on positive evidence: an endpoint that does not implement a call (501, 405 or a
 * wrong-shaped answer) is "unsupported", and AccessDenied on a read is a warning naming the missing
 * permission — never a pass. What the bucket should look like comes from the same pure builders the
 * stack uses (policy/documents/), so a console edit that drifts from the program is caught.
 *
 * AWS is reached only through the clients in DoctorClients, so tests inject stubbed SDK clients (or
 * point them at the embedded S3 server). No presigned URL leaves a check unless `showLinks` is set; no
 * secret or session token is ever put in a result.
 */
import { CliError, describeCause } from "../errors";
import { ResolvedCredentials } from "../s3/credentials";
import { bucketFinding } from "./checks/bucket-location-check";
import { bucketPolicyFinding } from "./checks/bucket-policy-check";
import { corsFinding } from "./checks/cors-check";
import { credentialsFinding, LinkLimit } from "./checks/credentials-check";
import { dataPrefixesFinding } from "./checks/data-prefixes-check";
import { encryptionFinding } from "./checks/encryption-check";
import { identityFinding } from "./checks/identity-check";
import { keyAgeFinding } from "./checks/key-age-check";
import { objectOwnershipFinding } from "./checks/object-ownership-check";
import { privateAndPresignedFinding } from "./checks/private-and-presigned-check";
import { publicAccessBlockFinding } from "./checks/public-access-block-check";
import { rotationImpactFinding } from "./checks/rotation-impact-check";
import { settingsImpactFinding } from "./checks/settings-impact-check";
import { viewerFilesFinding } from "./checks/viewer-files-check";
import { CHECK_IDS, CHECK_STATUSES, CheckId, CHECKS, CheckStatus, DoctorReport, Finding } from "./doctor-model";
import { awsDoctorClients, DoctorContext, Probe } from "./probe";

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

  findings.set(
    "key-age",
    guard(() => keyAgeFinding(context.outputs, context.now)),
  );

  let credentials: ResolvedCredentials;
  try {
    credentials = await context.resolveCredentials();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    findings.set("credentials", { status: "fail", detail: error.message, fix: error.fix });
    skip(
      CHECK_IDS.filter((id) => id !== "credentials" && id !== "key-age" && appliesTo(id, context)),
      "needs credentials",
    );
    return report(findings, notRun, { seconds: null });
  }

  const probe = new Probe(context, clients, credentials);
  try {
    const identity = guardAsync(() => identityFinding(probe));
    // The viewer's bucket is not the data bucket: checked whatever the data bucket's state.
    const viewerFiles = viewerFilesFinding(probe).catch(unexpected);
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
    const viewer = await viewerFiles;
    if (viewer !== undefined) findings.set("viewer-files", viewer);
    const credentialCheck = credentialsFinding(
      credentials,
      await probe.identity().catch(() => undefined),
      context,
      policyCapSeconds,
    );
    findings.set("credentials", credentialCheck.finding);
    return report(findings, notRun, credentialCheck.limit);
  } finally {
    probe.s3.destroy();
  }
}

/** Whether a check applies to the stack at all: the viewer's files only with a self-hosted viewer. */
function appliesTo(id: CheckId, context: DoctorContext): boolean {
  return id !== "viewer-files" || context.outputs.viewerBucketName !== undefined;
}

function report(findings: Map<CheckId, Finding>, notRun: DoctorReport["notRun"], limit: LinkLimit): DoctorReport {
  const checks = CHECK_IDS.filter((id) => findings.has(id)).map((id) => ({
    id,
    title: CHECKS[id],
    ...findings.get(id)!,
  }));
  const summary = Object.fromEntries(
    CHECK_STATUSES.map((status) => [status, checks.filter((check) => check.status === status).length]),
  ) as Record<CheckStatus, number>;
  return {
    checks,
    notRun,
    summary,
    maxLinkSeconds: limit.seconds,
    ...(limit.reason ? { maxLinkLimit: limit.reason } : {}),
  };
}

export function unexpected(error: unknown): Finding {
  return {
    status: "fail",
    detail: `the check could not complete: ${describeCause(error)}`,
    fix:
      error instanceof CliError && error.fix
        ? error.fix
        : "check the network and --endpoint, then run the doctor again",
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
