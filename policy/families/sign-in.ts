/**
 * Rules for sign-in viewing (`access: sign-in`), where the viewer's CloudFront distribution serves the
 * data bucket itself: the data and config paths answer only with signed cookies of a trusted key group,
 * CloudFront may read only those prefixes, and no function's environment carries a private key (the
 * cookie-signing keys live in Secrets Manager).
 */
import {
  asArray,
  asRecord,
  firstUnknown,
  isAllow,
  isUnknown,
  parseDocument,
  ResourceView,
  s3ArnPath,
  stringList,
  Unknown,
} from "../framework/inspect";
import { isOneOf, TYPES } from "../framework/resource-types";
import { resourceRule, stackRule } from "../framework/rule-framework";
import { cacheBehaviours } from "./viewer";

/** What the stack outputs say about the data bucket: its name and the prefixes CloudFront may serve. */
function servedPrefixes(stack: ResourceView | undefined): { bucket: string; prefixes: string[] } | Unknown | undefined {
  const props = stack?.props ?? {};
  const unknown = firstUnknown([props.bucketName, props.dataPrefixes, props.configPrefix]);
  if (unknown) return unknown;
  const bucket = props.bucketName;
  const prefixes = [...stringList(props.dataPrefixes), ...stringList(props.configPrefix)];
  if (typeof bucket !== "string" || bucket === "" || prefixes.length === 0) return undefined;
  return { bucket, prefixes };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export const cloudfrontDataPathsSigned = stackRule(
  {
    name: "cloudfront-data-paths-signed",
    enforcementLevel: "mandatory",
    checks:
      "A CloudFront distribution that serves the stack's data bucket routes to it only cache behaviours under a data or config prefix, each requiring a trusted key group (signed cookies); never the default behaviour.",
    securityHub: [],
    checkov: [],
    related: ["CloudFront.13"],
  },
  (model, report, deferral) => {
    const distributions = model.ofType(TYPES.distribution);
    if (distributions.length === 0) return;
    const served = servedPrefixes(model.stackResource);
    if (isUnknown(served)) return deferral.defer(served);
    if (served === undefined) return;
    const dataDomain = new RegExp(`^${escapeRegExp(served.bucket)}\\.s3[.-]`);
    for (const distribution of distributions) {
      const dataOrigins = new Set<string>();
      for (const item of asArray(distribution.props.origins)) {
        const origin = asRecord(item);
        const unknown = isUnknown(item) ? item : firstUnknown([origin?.domainName, origin?.originId]);
        if (unknown) return deferral.defer(unknown);
        if (typeof origin?.domainName === "string" && dataDomain.test(origin.domainName))
          dataOrigins.add(String(origin.originId));
      }
      if (dataOrigins.size === 0) continue;
      for (const [label, behaviour, raw] of cacheBehaviours(distribution.props)) {
        const unknown = isUnknown(raw) ? raw : firstUnknown([behaviour?.targetOriginId, behaviour?.pathPattern]);
        if (unknown) {
          deferral.defer(unknown);
          continue;
        }
        if (!dataOrigins.has(String(behaviour?.targetOriginId))) continue;
        const where = `${distribution.name}: ${label} (${typeof behaviour?.pathPattern === "string" ? behaviour.pathPattern : "every path"})`;
        if (typeof behaviour?.pathPattern !== "string") {
          report(`${where} serves the data bucket: route only data and config prefixes to it.`, distribution.urn);
          continue;
        }
        const path = behaviour.pathPattern;
        if (!served.prefixes.some((prefix) => path.startsWith(`/${prefix}`))) {
          report(
            `${where} serves the data bucket outside its data and config prefixes (${served.prefixes.join(", ")}).`,
            distribution.urn,
          );
        }
        const keyGroups = behaviour.trustedKeyGroups;
        if (isUnknown(keyGroups)) deferral.defer(keyGroups);
        else if (asArray(keyGroups).length === 0) {
          report(
            `${where} serves the data bucket without a trusted key group: anyone could read it through CloudFront; require the stack's key group (signed cookies).`,
            distribution.urn,
          );
        }
      }
    }
  },
);

export const cloudfrontGrantDataAndConfigOnly = stackRule(
  {
    name: "s3-cloudfront-grant-data-and-config-only",
    enforcementLevel: "mandatory",
    checks:
      "CloudFront's grant on the stack's data bucket (cloudfront.amazonaws.com in a bucket policy) covers only objects under the data and config prefixes, never the ledger, grants, audit records or the whole bucket.",
    securityHub: [],
    checkov: [],
    related: ["CloudFront.13"],
  },
  (model, report, deferral) => {
    const policies = model.ofType(TYPES.bucketPolicy);
    if (policies.length === 0) return;
    const served = servedPrefixes(model.stackResource);
    if (isUnknown(served)) return deferral.defer(served);
    if (served === undefined) return;
    const allowed = served.prefixes.map((prefix) => `${served.bucket}/${prefix}`);
    for (const policy of policies) {
      const parsed = parseDocument(policy.props.policy);
      if (parsed === undefined) continue;
      if (isUnknown(parsed)) {
        deferral.defer(parsed);
        continue;
      }
      if ("invalid" in parsed) continue; // s3-no-public-principal-allow reports an unreadable policy
      for (const statement of parsed.statements.filter(isAllow)) {
        if (!stringList(asRecord(statement.Principal)?.Service).includes("cloudfront.amazonaws.com")) continue;
        const label = `${policy.name}: ${statement.Sid ? `statement ${statement.Sid}` : "a statement"}`;
        if (statement.NotResource !== undefined) {
          report(`${label} grants CloudFront NotResource, i.e. the whole data bucket but a few objects.`, policy.urn);
          continue;
        }
        const outside = stringList(statement.Resource).filter((resource) => {
          const path = s3ArnPath(resource);
          if (path === undefined) return false;
          const bucket = path.split("/")[0];
          const onDataBucket = bucket === served.bucket || /[*?]/.test(bucket);
          return onDataBucket && !allowed.some((prefix) => path.startsWith(prefix) && !/[*?]/.test(path.slice(0, -1)));
        });
        if (outside.length > 0) {
          report(
            `${label} lets CloudFront read ${outside.join(", ")}: grant only ${allowed.map((prefix) => `${prefix}*`).join(", ")}.`,
            policy.urn,
          );
        }
      }
    }
  },
);

/** A private key, as PEM, base64 DER (PKCS#1 or PKCS#8 of RSA begin "MII") or a private JWK. */
export function keyMaterialIn(value: string): string | undefined {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(value)) return "a PEM private key";
  if (/^MII[A-Za-z0-9+/]{600,}={0,2}$/.test(value.replace(/\s+/g, ""))) return "base64 key material";
  if (/"kty"\s*:/.test(value) && /"d"\s*:/.test(value)) return "a private JSON Web Key";
  return undefined;
}

export const lambdaEnvironmentNoPrivateKey = resourceRule(
  {
    name: "lambda-environment-no-private-key",
    enforcementLevel: "mandatory",
    checks:
      "No Lambda function's environment variables hold a private key (PEM, base64 DER or a private JWK): environments are shown in the console and to anyone with lambda:GetFunctionConfiguration; keys belong in Secrets Manager.",
    securityHub: [],
    checkov: ["CKV_AWS_45"],
  },
  (resource, report, deferral) => {
    if (!isOneOf(resource.type, TYPES.lambdaFunction)) return;
    const environment = resource.props.environment;
    if (isUnknown(environment)) return deferral.defer(environment);
    const variables = asRecord(environment)?.variables;
    if (isUnknown(variables)) return deferral.defer(variables);
    for (const [name, value] of Object.entries(asRecord(variables) ?? {})) {
      if (isUnknown(value)) {
        deferral.defer(value);
        continue;
      }
      const found = typeof value === "string" ? keyMaterialIn(value) : undefined;
      if (found !== undefined) {
        report(
          `${resource.name}: environment variable ${name} holds ${found}: keep keys in Secrets Manager and pass the secret's ARN.`,
        );
      }
    }
  },
);
