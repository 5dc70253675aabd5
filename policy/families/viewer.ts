/**
 * Rules for a self-hosted viewer (CloudFront in front of a private bucket), where a link, a key to a
 * cohort's data, sits in the page address: viewers only over HTTPS, S3 origins read through an Origin
 * Access Control and buckets granting CloudFront only one pinned distribution, and a
 * Content-Security-Policy under which no third-party script (analytics) can run and the page reaches no
 * host but its own origin, the data bucket and Gosling's tile server (a resource rule cannot see which
 * bucket is the stack's, so any S3 endpoint passes).
 */
import { viewerCspProblems } from "../documents/viewer-headers";
import {
  asArray,
  asRecord,
  conditionEntries,
  firstUnknown,
  isAllow,
  isUnknown,
  parseDocument,
  Props,
  stringList,
} from "../framework/inspect";
import { isOneOf, TYPES } from "../framework/resource-types";
import { resourceRule } from "../framework/rule-framework";

/** Viewer protocol policies that never serve a page over plain HTTP. */
const HTTPS_ONLY = ["redirect-to-https", "https-only"];
/** CloudFront's security policies for custom certificates, oldest first; TLSv1.2_2021 is the floor. */
const TLS_POLICIES = ["SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021"];

export function cacheBehaviours(props: Props): Array<[string, Props | undefined, unknown]> {
  const ordered = asArray(props.orderedCacheBehaviors).map((item, index): [string, Props | undefined, unknown] => [
    `cache behaviour #${index + 1}`,
    asRecord(item),
    item,
  ]);
  return [
    ["the default cache behaviour", asRecord(props.defaultCacheBehavior), props.defaultCacheBehavior],
    ...ordered,
  ];
}

export const cloudfrontHttpsOnly = resourceRule(
  {
    name: "cloudfront-https-only",
    enforcementLevel: "mandatory",
    checks:
      "Every CloudFront cache behaviour redirects HTTP to HTTPS (or serves HTTPS only) and carries a response-headers policy; a custom certificate requires TLSv1.2_2021 or newer.",
    securityHub: ["CloudFront.3"],
    checkov: ["CKV_AWS_34", "CKV_AWS_174"],
  },
  (resource, report, deferral) => {
    if (!isOneOf(resource.type, TYPES.distribution)) return;
    for (const [label, behaviour, raw] of cacheBehaviours(resource.props)) {
      if (isUnknown(raw)) return deferral.defer(raw);
      const protocol = behaviour?.viewerProtocolPolicy;
      if (isUnknown(protocol)) deferral.defer(protocol);
      else if (typeof protocol !== "string" || !HTTPS_ONLY.includes(protocol)) {
        report(
          `${resource.name}: ${label} allows plain HTTP (viewerProtocolPolicy ${String(protocol)}): use redirect-to-https.`,
        );
      }
      if (behaviour && behaviour.responseHeadersPolicyId === undefined) {
        report(
          `${resource.name}: ${label} has no response-headers policy, so its pages carry no Content-Security-Policy.`,
        );
      }
    }
    const certificate = asRecord(resource.props.viewerCertificate);
    const minimum = certificate?.minimumProtocolVersion;
    if (certificate?.acmCertificateArn !== undefined || certificate?.iamCertificateId !== undefined) {
      if (isUnknown(minimum)) return deferral.defer(minimum);
      if (TLS_POLICIES.indexOf(String(minimum)) < TLS_POLICIES.indexOf("TLSv1.2_2021")) {
        report(
          `${resource.name}: its custom certificate accepts ${String(minimum)}: set minimumProtocolVersion TLSv1.2_2021.`,
        );
      }
    }
  },
);

export const cloudfrontS3OriginAccessControl = resourceRule(
  {
    name: "cloudfront-s3-origin-oac",
    enforcementLevel: "mandatory",
    checks:
      "CloudFront reads S3 origins through an Origin Access Control (type s3, signing always, SigV4), never a legacy origin access identity or a public bucket.",
    securityHub: ["CloudFront.13"],
    checkov: [],
  },
  (resource, report, deferral) => {
    if (isOneOf(resource.type, TYPES.originAccessControl)) {
      const { originAccessControlOriginType: type, signingBehavior, signingProtocol } = resource.props;
      const unknown = firstUnknown([type, signingBehavior, signingProtocol]);
      if (unknown) return deferral.defer(unknown);
      if (type === "s3" && (signingBehavior !== "always" || signingProtocol !== "sigv4")) {
        report(
          `${resource.name}: signs ${String(signingBehavior)} with ${String(signingProtocol)}: sign always with sigv4, so no request reaches the bucket unsigned.`,
        );
      }
      return;
    }
    if (!isOneOf(resource.type, TYPES.distribution)) return;
    asArray(resource.props.origins).forEach((item, index) => {
      if (isUnknown(item)) return deferral.defer(item);
      const origin = asRecord(item) ?? {};
      const domain = origin.domainName;
      if (isUnknown(domain)) return deferral.defer(domain);
      if (typeof domain !== "string" || !/\.s3[.-]/.test(domain) || /s3-website/.test(domain)) return;
      const label = `${resource.name}: origin ${typeof origin.originId === "string" ? origin.originId : `#${index + 1}`}`;
      if (asRecord(origin.s3OriginConfig)?.originAccessIdentity) {
        report(`${label} uses a legacy origin access identity: use an Origin Access Control.`);
      } else if (origin.originAccessControlId === undefined || origin.originAccessControlId === "") {
        report(`${label} reads its S3 bucket without an Origin Access Control: the bucket would have to be public.`);
      }
    });
  },
);

export const cloudfrontReadsPinned = resourceRule(
  {
    name: "s3-cloudfront-reads-pinned",
    enforcementLevel: "mandatory",
    checks:
      "A bucket policy that lets CloudFront (cloudfront.amazonaws.com) read grants only s3:GetObject, and only for named distributions (aws:SourceArn), so another distribution cannot serve the bucket.",
    securityHub: [],
    checkov: [],
    related: ["CloudFront.13"],
  },
  (resource, report, deferral) => {
    if (!isOneOf(resource.type, TYPES.bucketPolicy)) return;
    const parsed = parseDocument(resource.props.policy);
    if (parsed === undefined) return;
    if (isUnknown(parsed)) return deferral.defer(parsed);
    if ("invalid" in parsed) return; // s3-no-public-principal-allow reports an unreadable policy
    for (const statement of parsed.statements.filter(isAllow)) {
      if (!stringList(asRecord(statement.Principal)?.Service).includes("cloudfront.amazonaws.com")) continue;
      const label = `${resource.name}: ${statement.Sid ? `statement ${statement.Sid}` : "a statement"}`;
      const actions = stringList(statement.Action);
      if (actions.length === 0 || actions.some((action) => action.toLowerCase() !== "s3:getobject")) {
        report(`${label} grants CloudFront ${actions.join(", ") || "NotAction"}: grant s3:GetObject only.`);
      }
      const pinned = conditionEntries(statement.Condition).some(
        (entry) =>
          entry.key.toLowerCase() === "aws:sourcearn" &&
          ["StringEquals", "ArnEquals"].includes(entry.operator) &&
          entry.values.length > 0 &&
          entry.values.every(
            (value) =>
              typeof value === "string" && /^arn:aws[a-z-]*:cloudfront::\d{12}:distribution\/[A-Z0-9]+$/.test(value),
          ),
      );
      if (!pinned) {
        report(
          `${label} lets any CloudFront distribution read: add StringEquals aws:SourceArn with the stack's distribution ARN.`,
        );
      }
    }
  },
);

export const viewerContentSecurityPolicy = resourceRule(
  {
    name: "viewer-csp-own-scripts-only",
    enforcementLevel: "mandatory",
    checks:
      "Every CloudFront response-headers policy sets a Content-Security-Policy whose script-src allows no 'unsafe-inline' and no host but the viewer's own ('self', hashes, 'unsafe-eval'), whose connect-src reaches only 'self', S3 endpoints (the data bucket) and Gosling's tile server, with frame-ancestors 'none': no analytics script ever sees a link and the page sends it nowhere else.",
    securityHub: [],
    checkov: ["CKV2_AWS_32"],
  },
  (resource, report, deferral) => {
    if (!isOneOf(resource.type, TYPES.responseHeadersPolicy)) return;
    const config = asRecord(resource.props.securityHeadersConfig);
    const csp = asRecord(config?.contentSecurityPolicy)?.contentSecurityPolicy;
    if (isUnknown(csp)) return deferral.defer(csp);
    if (typeof csp !== "string" || csp === "") {
      return report(
        `${resource.name}: sets no Content-Security-Policy, so any script the page loads may read its address.`,
      );
    }
    for (const problem of viewerCspProblems(csp)) report(`${resource.name}: its Content-Security-Policy ${problem}.`);
  },
);
