/** Rules on the CORS rule: GET only, and a warning for a "*" origin. */
import { CORS_ALLOWED_METHODS } from "../documents/cors-rule";
import { asArray, asRecord, Deferral, firstUnknown, isUnknown, Props, stringList } from "../framework/inspect";
import { isOneOf, TYPES } from "../framework/resource-types";
import { resourceRule, ResourceUnderTest } from "../framework/rule-framework";

function corsRulesOf(resource: ResourceUnderTest): unknown {
  if (isOneOf(resource.type, TYPES.cors) || isOneOf(resource.type, TYPES.bucket)) return resource.props.corsRules;
  return undefined;
}

function eachCorsRule(
  resource: ResourceUnderTest,
  deferral: Deferral,
  visit: (rule: Props, label: string) => void,
): void {
  const rules = corsRulesOf(resource);
  if (isUnknown(rules)) return deferral.defer(rules);
  asArray(rules).forEach((item, index) => {
    if (isUnknown(item)) return deferral.defer(item);
    const rule = asRecord(item);
    if (rule) visit(rule, `${resource.name} CORS rule ${typeof rule.id === "string" ? rule.id : `#${index + 1}`}`);
  });
}

export const corsGetOnly = resourceRule(
  {
    name: "s3-cors-get-only",
    enforcementLevel: "mandatory",
    checks: `Every CORS rule allows only ${CORS_ALLOWED_METHODS.join(", ")}: browsers may read, never PUT, POST or DELETE.`,
    securityHub: [],
    checkov: [],
    related: ["S3.3"],
  },
  (resource, report, deferral) =>
    eachCorsRule(resource, deferral, (rule, label) => {
      const methods = rule.allowedMethods;
      const unknown = firstUnknown(methods);
      if (unknown) return deferral.defer(unknown);
      const allowed: readonly string[] = CORS_ALLOWED_METHODS;
      const extra = stringList(methods).filter((method) => !allowed.includes(method.toUpperCase()));
      if (extra.length > 0) report(`${label} allows ${extra.join(", ")}: allow only ${allowed.join(", ")}.`);
    }),
);

export const corsNoWildcardOrigin = resourceRule(
  {
    name: "s3-cors-no-wildcard-origin",
    enforcementLevel: "advisory",
    checks: 'Reports a CORS rule whose allowedOrigins contains "*" (any web page may then read what a link points to).',
    securityHub: [],
    checkov: [],
    related: ["S3.2"],
  },
  (resource, report, deferral) =>
    eachCorsRule(resource, deferral, (rule, label) => {
      const origins = rule.allowedOrigins;
      const unknown = firstUnknown(origins);
      if (unknown) return deferral.defer(unknown);
      if (stringList(origins).includes("*")) {
        report(
          `${label} allows origin "*": list the viewer's origins (allowedOrigins) unless any site may read shared links.`,
        );
      }
    }),
);
