/** Check: the bucket's CORS rule is the one the stack declares (GET only, from the viewer's origins). */
import { defaultSettings } from "../../../../components/settings";
import { corsOriginsForViewerUrl } from "../../../../components/address-rules";
import { S3CorsRule, toS3CorsRule, viewerCorsRule } from "../../../../policy/documents/cors-rule";
import { StackOutputs } from "../../../../components/stack-outputs";
import { readBucketSetting, unreadableSetting } from "../bucket-settings";
import { Finding, RESTORE } from "../doctor-model";
import { Probe } from "../probe";

function sameSet(
  a: readonly string[],
  b: readonly string[],
  normalize: (value: string) => string = (value) => value,
): { extra: string[]; missing: string[] } {
  const left = new Set(a.map(normalize));
  const right = new Set(b.map(normalize));
  return {
    extra: a.filter((value) => !right.has(normalize(value))),
    missing: b.filter((value) => !left.has(normalize(value))),
  };
}

/**
 * The bucket's CORS rules against viewerCorsRule(allowedOrigins). Methods, origins,
 * allowed headers and extra rules decide pass/fail (they widen access or break the viewer); the
 * exposed headers, max age and id only warn.
 */
export function judgeCors(
  rules: ReadonlyArray<Partial<S3CorsRule>> | undefined,
  allowedOrigins: readonly string[],
): Finding {
  const declared = toS3CorsRule(viewerCorsRule(allowedOrigins));
  if (rules === undefined || rules.length === 0) {
    return {
      status: "fail",
      detail: "the bucket has no CORS rule: the Chromoscope viewer cannot read the data from the browser",
      fix: RESTORE,
    };
  }
  const rule = rules.find((candidate) => candidate.ID === declared.ID) ?? rules[0];
  const failures: string[] = [];
  const warnings: string[] = [];
  const compare = (
    field: string,
    actual: readonly string[] | undefined,
    wanted: readonly string[],
    into: string[],
    normalize?: (value: string) => string,
  ) => {
    const { extra, missing } = sameSet(actual ?? [], wanted, normalize);
    if (extra.length > 0) into.push(`${field} has ${extra.join(", ")} (not declared)`);
    if (missing.length > 0) into.push(`${field} lacks ${missing.join(", ")}`);
  };
  if (rules.length > 1) failures.push(`${rules.length} rules (the stack declares exactly one)`);
  compare("AllowedMethods", rule.AllowedMethods, declared.AllowedMethods, failures, (value) => value.toUpperCase());
  compare("AllowedOrigins", rule.AllowedOrigins, declared.AllowedOrigins, failures);
  compare("AllowedHeaders", rule.AllowedHeaders, declared.AllowedHeaders ?? [], failures, (value) =>
    value.toLowerCase(),
  );
  compare("ExposeHeaders", rule.ExposeHeaders, declared.ExposeHeaders ?? [], warnings, (value) => value.toLowerCase());
  if (rule.MaxAgeSeconds !== declared.MaxAgeSeconds)
    warnings.push(`MaxAgeSeconds is ${rule.MaxAgeSeconds ?? "unset"} (declared ${declared.MaxAgeSeconds})`);
  if (rule.ID !== declared.ID)
    warnings.push(`ID is ${rule.ID === undefined ? "unset" : `"${rule.ID}"`} (declared "${declared.ID}")`);
  const differences = [...failures, ...warnings];
  if (failures.length > 0)
    return { status: "fail", detail: `differs from the declared rule: ${differences.join("; ")}`, fix: RESTORE };
  if (warnings.length > 0)
    return { status: "warn", detail: `differs from the declared rule: ${differences.join("; ")}`, fix: RESTORE };
  return {
    status: "pass",
    detail: `${declared.AllowedMethods.join(", ")} only, from ${declared.AllowedOrigins.join(", ")}; exposes ${(declared.ExposeHeaders ?? []).join(", ")}`,
  };
}

/** Every origin the stack's CORS rule allows (outputs without the list: the viewer's own and the defaults). */
export function allowedOrigins(outputs: StackOutputs): readonly string[] {
  return outputs.allowedOrigins ?? corsOriginsForViewerUrl(outputs.viewerUrl, defaultSettings().allowedOrigins);
}

export async function corsFinding(probe: Probe): Promise<Finding> {
  const read = await readBucketSetting(probe, "cors");
  if ("error" in read) return unreadableSetting(probe, "cors", read.error);
  return judgeCors("absent" in read ? [] : (read.answer.CORSRules ?? []), allowedOrigins(probe.outputs));
}
