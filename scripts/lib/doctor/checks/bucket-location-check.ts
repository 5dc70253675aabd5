/** Check: the bucket exists, in the region the stack outputs say. */
import { readBucketSetting, unreadableSetting } from "../bucket-settings";
import { Finding } from "../doctor-model";
import { awsFailure, Probe } from "../probe";

/** S3's answer for the bucket's region: empty means us-east-1, and the legacy "EU" is eu-west-1. */
export function normalizeLocation(constraint: string | undefined | null): string {
  if (constraint === undefined || constraint === null || constraint === "") return "us-east-1";
  if (constraint === "EU") return "eu-west-1";
  return constraint;
}

export async function bucketFinding(probe: Probe): Promise<Finding> {
  const expected = probe.outputs.region;
  const read = await readBucketSetting(probe, "location");
  if ("error" in read) {
    const failure = awsFailure(read.error);
    if (failure.name === "NoSuchBucket") {
      return {
        status: "fail",
        detail: `bucket ${probe.bucket} does not exist`,
        fix: "check --stack/--outputs/--bucket: the stack may have been destroyed, or the outputs belong to another account",
      };
    }
    if (
      failure.name === "PermanentRedirect" ||
      failure.name === "AuthorizationHeaderMalformed" ||
      failure.httpStatus === 301
    ) {
      return {
        status: "fail",
        detail: `bucket ${probe.bucket} is not in ${expected}`,
        fix: "pass the bucket's real region with --region, or export the stack outputs again",
      };
    }
    return unreadableSetting(probe, "location", read.error);
  }
  const actual = normalizeLocation("answer" in read ? read.answer.LocationConstraint : undefined);
  if (actual !== expected) {
    return {
      status: "fail",
      detail: `bucket ${probe.bucket} is in ${actual}, but the stack outputs say ${expected}: links would be signed for the wrong region`,
      fix: `pass --region ${actual}, or export the outputs of the stack that owns this bucket`,
    };
  }
  return { status: "pass", detail: `bucket ${probe.bucket} exists in ${actual}` };
}
