/** Rules on what every bucket policy denies: plain HTTP, SigV2, over-age presigned links, writes not signed in the header. */
import { HEADER_SIGNED_AUTH_TYPE, PRESIGNED_URL_ACTIONS } from "../documents/bucket-policies";
import { MAX_PRESIGN_SECONDS } from "../documents/limits";
import { BUCKET_ADMIN_ACTIONS, OBJECT_WRITE_ACTIONS } from "./presigner-scope";
import {
  conditionEntries,
  coversAllObjects,
  globMatch,
  grantsAction,
  isDeny,
  isEveryone,
  isUnknown,
  Statement,
  stringList,
} from "../framework/inspect";
import { PASS, undecided, violation } from "../framework/rule-framework";
import {
  appliesToBucketAndObjects,
  bucketPolicyRule,
  conditionValues,
  deniesEveryS3Action,
  isBlanketDeny,
} from "../framework/policy-statements";

export const denyInsecureTransport = bucketPolicyRule(
  {
    name: "s3-deny-insecure-transport",
    enforcementLevel: "mandatory",
    checks:
      "Every bucket has a bucket policy that denies every S3 action on the bucket and its objects when aws:SecureTransport is false.",
    securityHub: ["S3.5"],
    checkov: [],
  },
  (name, statements) =>
    statements.some((statement) => {
      if (!isBlanketDeny(statement) || !deniesEveryS3Action(statement) || !appliesToBucketAndObjects(statement, name))
        return false;
      const entries = conditionEntries(statement.Condition);
      return (
        entries.length === 1 &&
        ["Bool", "BoolIfExists"].includes(entries[0].operator) &&
        entries[0].key.toLowerCase() === "aws:securetransport" &&
        entries[0].values.length > 0 &&
        conditionValues(entries[0].values).every((value) => value === "false")
      );
    })
      ? PASS
      : violation(
          'no statement denies requests without TLS (Deny, Principal "*", Action "s3:*", the bucket and bucket/*, Bool aws:SecureTransport "false", no other condition).',
        ),
);

const SIGV2 = "AWS";
const SIGV4 = "AWS4-HMAC-SHA256";

export const denySignatureVersion2 = bucketPolicyRule(
  {
    name: "s3-deny-sigv2",
    enforcementLevel: "mandatory",
    checks:
      'Every bucket\'s policy denies every S3 action signed with Signature Version 2 (s3:signatureversion "AWS"), which has no expiry cap.',
    securityHub: [],
    checkov: [],
    related: ["S3.5"],
  },
  (name, statements) =>
    statements.some((statement) => {
      if (!isBlanketDeny(statement) || !deniesEveryS3Action(statement) || !appliesToBucketAndObjects(statement, name))
        return false;
      const entries = conditionEntries(statement.Condition);
      if (entries.length !== 1 || entries[0].key.toLowerCase() !== "s3:signatureversion") return false;
      const values = conditionValues(entries[0].values);
      return (
        (["StringEquals", "StringEqualsIgnoreCase", "StringLike"].includes(entries[0].operator) &&
          values.includes(SIGV2)) ||
        (entries[0].operator === "StringNotEquals" && values.length === 1 && values[0] === SIGV4)
      );
    })
      ? PASS
      : violation(
          `no statement denies SigV2 requests (Deny, Principal "*", Action "s3:*", StringEquals s3:signatureversion "${SIGV2}").`,
        ),
);

/** Policy config of the link-age rule: a pack may demand shorter links than AWS's 7 days. */
interface LinkAgeConfig {
  maxLinkLifetimeSeconds?: number;
}

export const presignedUrlAgeCap = bucketPolicyRule(
  {
    name: "s3-presigned-url-age-cap",
    enforcementLevel: "mandatory",
    checks:
      "Every bucket's policy denies presigned (REST-QUERY-STRING) requests whose s3:signatureAge exceeds 7 days, or the stack's shorter maxLinkLifetimeSeconds output.",
    securityHub: [],
    checkov: [],
    related: ["S3.2"],
  },
  (name, statements, args, model) => {
    const configured = args.getConfig<LinkAgeConfig>().maxLinkLifetimeSeconds;
    let capSeconds =
      typeof configured === "number" && configured > 0
        ? Math.min(configured, MAX_PRESIGN_SECONDS)
        : MAX_PRESIGN_SECONDS;
    const declared = model.stackResource?.props.maxLinkLifetimeSeconds;
    if (isUnknown(declared)) return undecided(declared);
    if (typeof declared === "number" && declared > 0) capSeconds = Math.min(capSeconds, declared);
    const capMs = capSeconds * 1000;
    const caps: number[] = [];
    for (const statement of statements) {
      if (
        !isBlanketDeny(statement) ||
        !grantsAction(statement, "s3:GetObject") ||
        !coversAllObjects(stringList(statement.Resource), name)
      )
        continue;
      let age: number | undefined;
      let other = false;
      for (const entry of conditionEntries(statement.Condition)) {
        const key = entry.key.toLowerCase();
        const values = conditionValues(entry.values);
        if (
          key === "s3:signatureage" &&
          ["NumericGreaterThan", "NumericGreaterThanEquals"].includes(entry.operator) &&
          values.length === 1
        ) {
          age = Number(values[0]);
        } else if (key === "s3:authtype" && entry.operator === "StringEquals" && values.includes("REST-QUERY-STRING")) {
          // Narrows the deny to presigned requests, which is the point.
        } else {
          other = true;
        }
      }
      if (age !== undefined && !other && Number.isFinite(age)) caps.push(age);
    }
    if (caps.some((age) => age <= capMs)) return PASS;
    const limit = `${capMs} ms (${capSeconds / 86400} days)`;
    return violation(
      caps.length > 0
        ? `its signature-age deny allows links up to ${Math.min(...caps)} ms (${Math.min(...caps) / 86_400_000} days), more than ${limit}.`
        : `no statement denies presigned requests older than ${limit} (Deny, Principal "*", StringEquals s3:authType "REST-QUERY-STRING", NumericGreaterThan s3:signatureAge).`,
    );
  },
  {
    properties: {
      maxLinkLifetimeSeconds: {
        type: "integer",
        minimum: 1,
        maximum: MAX_PRESIGN_SECONDS,
        default: MAX_PRESIGN_SECONDS,
        description: "Longest presigned-link life the bucket policies must enforce.",
      },
    },
  },
);

/** Whether a Deny statement denies `action`: its Action matches it, or its NotAction spares it not. */
function deniesAction(statement: Statement, action: string): boolean {
  if (statement.NotAction !== undefined)
    return !stringList(statement.NotAction).some((pattern) => globMatch(pattern, action, true));
  return grantsAction(statement, action);
}

/** Which requests a deny's condition selects, judged by its s3:authType entry. */
type AuthTypeScope = "not-header-signed" | "presigned-only" | "other";

/**
 * Reads a deny's condition: `StringNotEquals s3:authType "REST-HEADER"` (every request not signed in the
 * header), optionally narrowed by `Bool aws:PrincipalIsAWSService "false"` (AWS services writing as
 * themselves, such as S3 log delivery, exempt); or the older `StringEquals s3:authType
 * "REST-QUERY-STRING"` (presigned only, which spares browser POST uploads); or anything else.
 */
function authTypeScope(condition: unknown): AuthTypeScope {
  let scope: AuthTypeScope | undefined;
  for (const entry of conditionEntries(condition)) {
    const key = entry.key.toLowerCase();
    const values = conditionValues(entry.values);
    if (key === "aws:principalisawsservice" && entry.operator === "Bool" && values.every((v) => v === "false")) {
      continue;
    }
    if (key !== "s3:authtype" || scope !== undefined) return "other";
    if (entry.operator === "StringNotEquals" && values.length === 1 && values[0] === HEADER_SIGNED_AUTH_TYPE) {
      scope = "not-header-signed";
    } else if (["StringEquals", "StringLike"].includes(entry.operator) && values.includes("REST-QUERY-STRING")) {
      scope = "presigned-only";
    } else {
      return "other";
    }
  }
  return scope ?? "other";
}

/** What no request but a header-signed one may do: every object write and bucket change the pack knows of. */
const PRESIGNED_FORBIDDEN_ACTIONS = [...OBJECT_WRITE_ACTIONS, ...BUCKET_ADMIN_ACTIONS];

export const headerSignedWritesOnly = bucketPolicyRule(
  {
    name: "s3-deny-writes-not-signed-in-header",
    enforcementLevel: "mandatory",
    checks:
      "Every bucket's policy denies every request but a read that is not signed in the Authorization header (s3:authType " +
      "other than REST-HEADER: presigned URLs, browser POST uploads), whoever signed it, AWS services writing as themselves " +
      "aside: a leaked key can mint neither a link nor an upload form that writes, deletes or changes the bucket.",
    securityHub: [],
    checkov: [],
    related: ["S3.3"],
  },
  (name, statements) => {
    const denies = statements.filter(
      (statement) =>
        isDeny(statement) &&
        isEveryone(statement.Principal) &&
        statement.NotPrincipal === undefined &&
        statement.NotResource === undefined &&
        appliesToBucketAndObjects(statement, name),
    );
    let spared: string[] | undefined;
    for (const statement of denies.filter((candidate) => authTypeScope(candidate.Condition) === "not-header-signed")) {
      const missed = PRESIGNED_FORBIDDEN_ACTIONS.filter((action) => !deniesAction(statement, action));
      if (missed.length === 0) return PASS;
      if (spared === undefined || missed.length < spared.length) spared = missed;
    }
    if (spared !== undefined) {
      return violation(
        `its deny of requests not signed in the header spares ${spared.join(", ")}: a leaked key could mint links or upload forms that do that.`,
      );
    }
    const shape =
      `(Deny, Principal "*", NotAction ${JSON.stringify(PRESIGNED_URL_ACTIONS)}, the bucket and bucket/*, ` +
      `StringNotEquals s3:authType "${HEADER_SIGNED_AUTH_TYPE}", optionally Bool aws:PrincipalIsAWSService "false")`;
    if (denies.some((statement) => authTypeScope(statement.Condition) === "presigned-only")) {
      return violation(
        'its deny of non-read requests covers presigned ones only (s3:authType "REST-QUERY-STRING"): a browser POST upload ' +
          `(s3:authType "POST") signed with a leaked key still writes. Deny every request not signed in the header instead ${shape}.`,
      );
    }
    return violation(
      `no statement denies writes not signed in the header ${shape}: a leaked key could mint links or upload forms that write or delete.`,
    );
  },
);
