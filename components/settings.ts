/**
 * The stack's settings: one table of keys, types, defaults and checks, read in one place.
 *
 * Pulumi.yaml declares the same keys with the same defaults for the CLI (`npm run docs` writes them
 * there); mocks do not apply Pulumi.yaml defaults, so `resolveSettings` applies them itself.
 * Pure: no Pulumi runtime import, so the scripts, the demo and the policy pack share it.
 */
import { MAX_ACCESS_KEY_AGE_DAYS, MAX_KEY_ROTATION_DAYS, MAX_PRESIGN_SECONDS } from "../policy/documents/limits";
import { PRESIGNER_SERVICE_PRINCIPALS, trustedPrincipalProblem } from "./trust-policy";
import { keyPrefixProblem, prefixOverlapProblems, VIEWER_URL_RULE, viewerUrlProblem } from "./address-rules";
import { ViewerKind, viewerSettingsProblems } from "./viewer/viewer-settings";
import * as signIn from "./sign-in/sign-in-settings";
import {
  CLOUDFRONT_CERTIFICATE_PATTERN,
  DOMAIN_PATTERN,
  EXTERNAL_ID_PATTERN,
  formatRaw,
  IAM_PRINCIPAL_PATTERN,
  integerIn,
  KMS_KEY_ARN_PATTERN,
  ORIGIN_PATTERN,
  parseRaw,
} from "./setting-rules";
import { SettingSpecOf } from "./settings/setting-spec";

export type PresignerKind = "user" | "role";

export interface StackSettings extends signIn.SignInSettings {
  readonly allowedOrigins: readonly string[];
  readonly dataPrefixes: readonly string[];
  readonly configPrefix: string;
  readonly ledgerPrefix: string;
  readonly presignerKind: PresignerKind;
  readonly trustedPrincipals: readonly string[];
  readonly externalId: string;
  readonly maxSessionHours: number;
  readonly keyRotationDays: number;
  readonly keyGeneration: number;
  readonly allowKeyGenerationJump: boolean;
  readonly maxLinkLifetimeSeconds: number;
  readonly kmsKeyArn: string;
  readonly accessLogging: boolean;
  readonly logReaderArns: readonly string[];
  readonly ciRoleArns: readonly string[];
  readonly versioning: boolean;
  readonly noncurrentVersionDays: number;
  readonly configExpiryDays: number;
  readonly forceDestroy: boolean;
  readonly viewerUrl: string;
  readonly viewer: ViewerKind;
  readonly viewerDistPath: string;
  readonly viewerDomain: string;
  readonly viewerCertificateArn: string;
  readonly viewerAnnotationTiles: boolean;
}

export type SettingKey = keyof StackSettings;
/** The declaration of setting `K`. */
export type SettingSpec<K extends SettingKey> = SettingSpecOf<StackSettings[K]>;

export const SETTING_SPECS: { readonly [K in SettingKey]: SettingSpec<K> } = {
  allowedOrigins: {
    type: "array",
    default: [],
    description:
      "Origins the data bucket's GET-only CORS rule allows in addition to the viewer's own (viewerUrl's, or the self-hosted viewer's), which is always allowed. \"*\" only if set explicitly.",
    check: (origins) =>
      origins.every((origin) => origin === "*" || ORIGIN_PATTERN.test(origin))
        ? undefined
        : 'a list of origins such as "https://viewer.lab.example.org" (scheme://host[:port], no path or trailing slash), or "*"',
  },
  dataPrefixes: {
    type: "array",
    default: ["cohorts/"],
    description: "Key prefixes holding cohort data; the presigner may read and list only these (and its own prefixes).",
    check: (prefixes) =>
      prefixes.length === 0
        ? 'a non-empty list of key prefixes such as ["cohorts/"]'
        : prefixes.map(keyPrefixProblem).find((problem) => problem !== undefined),
  },
  configPrefix: {
    type: "string",
    default: "configs/",
    description: "Key prefix for published Chromoscope configs; the only prefix the presigner may write or delete.",
    check: keyPrefixProblem,
  },
  ledgerPrefix: {
    type: "string",
    default: "ledger/",
    description: "Key prefix for the publication ledger (one object per publish or revoke; never expired).",
    check: keyPrefixProblem,
  },
  presignerKind: {
    type: "string",
    askedByPulumiNew: true,
    default: "user",
    description:
      '"user": an IAM user with two rotating access-key slots (links up to 7 days); "role": an IAM role (links live at most as long as the session).',
    check: (kind) => (kind === "user" || kind === "role" ? undefined : '"user" or "role"'),
  },
  trustedPrincipals: {
    type: "array",
    default: [],
    description: `Role kind: IAM user or role ARNs, or the services ${PRESIGNER_SERVICE_PRINCIPALS.join(", ")}, allowed to assume the presigner role (no account root).`,
    check: (principals) => {
      const problems = principals.map(trustedPrincipalProblem).filter((problem) => problem !== undefined);
      return problems.length === 0
        ? undefined
        : `IAM user or role ARNs or the services that presign; ${problems.join("; ")}`;
    },
  },
  externalId: {
    type: "string",
    default: "",
    description:
      "Role kind: when set, principals of other accounts in trustedPrincipals must pass this sts:ExternalId to assume the role.",
    check: (id) =>
      id === "" || EXTERNAL_ID_PATTERN.test(id)
        ? undefined
        : '"" or 2-1224 characters from letters, digits and +=,.@:/-_',
  },
  maxSessionHours: {
    type: "integer",
    default: 12,
    description: "Role kind: maximum session duration in hours (1-12); links signed with a session die with it.",
    check: integerIn(1, 12),
  },
  keyRotationDays: {
    type: "integer",
    default: 30,
    description: `User kind: days after which an access key is due for rotation (1-${MAX_KEY_ROTATION_DAYS}: a key lives up to twice this, AWS IAM.3 allows ${MAX_ACCESS_KEY_AGE_DAYS}).`,
    check: (days) =>
      integerIn(1, MAX_KEY_ROTATION_DAYS)(days) === undefined
        ? undefined
        : `an integer from 1 to ${MAX_KEY_ROTATION_DAYS}: with two key slots a key lives up to 2 × keyRotationDays, and AWS IAM.3 allows an active key at most ${MAX_ACCESS_KEY_AGE_DAYS} days`,
  },
  keyGeneration: {
    type: "integer",
    default: 0,
    description:
      "User kind: key generation counter. The active slot is generation % 2; bumping it replaces only the other, older slot's key.",
    check: integerIn(0, Number.MAX_SAFE_INTEGER),
  },
  allowKeyGenerationJump: {
    type: "boolean",
    default: false,
    description:
      "Let keyGeneration (user kind) or cookieKeyGeneration (sign-in) go more than one past the deployed generation: an emergency rotation that kills every live link or ends every session; never lower.",
  },
  maxLinkLifetimeSeconds: {
    type: "integer",
    default: MAX_PRESIGN_SECONDS,
    description: "Longest life of a presigned link in seconds (1-604800); the bucket policy refuses older signatures.",
    check: integerIn(1, MAX_PRESIGN_SECONDS),
  },
  kmsKeyArn: {
    type: "string",
    askedByPulumiNew: true,
    default: "",
    description: "Optional KMS key ARN for SSE-KMS (with S3 Bucket Keys); empty means SSE-S3.",
    check: (arn) =>
      arn === "" || KMS_KEY_ARN_PATTERN.test(arn)
        ? undefined
        : '"" or a KMS key ARN such as arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab (not an alias)',
  },
  accessLogging: {
    type: "boolean",
    default: true,
    description: "Server access logging into a second private log bucket (AWS S3.9).",
  },
  logReaderArns: {
    type: "array",
    default: [],
    description:
      "IAM role or user ARNs of the stack's account that may read the server access logs (they hold full presigned URLs), " +
      "besides the account root; everyone else is denied, administrators included.",
    check: (arns) =>
      arns.every((arn) => IAM_PRINCIPAL_PATTERN.test(arn))
        ? undefined
        : "IAM role or user ARNs such as arn:aws:iam::123456789012:role/security-audit " +
          '("*" only in the name, e.g. role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Audit_*)',
  },
  ciRoleArns: {
    type: "array",
    default: [],
    description:
      "IAM role ARNs of CI jobs that run code not yet reviewed into main (the pull-request preview role): " +
      "the data bucket's policy denies them every object read, whatever their IAM policies allow (ReadOnlyAccess reads every object).",
    check: (arns) =>
      arns.every((arn) => IAM_PRINCIPAL_PATTERN.test(arn))
        ? undefined
        : 'IAM role ARNs such as arn:aws:iam::123456789012:role/github-preview ("*" only in the name)',
  },
  versioning: {
    type: "boolean",
    default: true,
    description: "Object versioning on the data bucket (AWS S3.14).",
  },
  noncurrentVersionDays: {
    type: "integer",
    default: 30,
    description: "Days after which noncurrent object versions are deleted.",
    check: integerIn(1, 3650),
  },
  configExpiryDays: {
    type: "integer",
    default: 30,
    description:
      "Days after which published configs are deleted by lifecycle (must outlive the longest link); links mode only: sign-in configs stay until revoked.",
    check: integerIn(1, 3650),
  },
  forceDestroy: {
    type: "boolean",
    default: false,
    description: "Allow `pulumi destroy` to delete buckets that still hold objects.",
  },
  viewerUrl: {
    type: "string",
    askedByPulumiNew: true,
    default: "https://chromoscope.bio/app/",
    description: "Chromoscope app URL the links open (change it for a self-hosted Chromoscope).",
    check: (url) => {
      const problem = viewerUrlProblem(url);
      return problem === undefined ? undefined : `${VIEWER_URL_RULE} (this one ${problem})`;
    },
  },
  viewer: {
    type: "string",
    askedByPulumiNew: true,
    default: "chromoscope.bio",
    description:
      '"chromoscope.bio" (links open the public app, which loads Google Analytics: it records page addresses, link included) or "self-hosted" (a private CloudFront viewer built from viewerDistPath; no third party sees the link).',
    check: (kind) =>
      kind === "chromoscope.bio" || kind === "self-hosted" ? undefined : '"chromoscope.bio" or "self-hosted"',
  },
  viewerDistPath: {
    type: "string",
    default: "",
    description:
      "Self-hosted viewer: the folder of a Chromoscope build (`npx vite build`'s dist/, holding index.html).",
  },
  viewerDomain: {
    type: "string",
    default: "",
    description: "Self-hosted viewer: a custom domain (with viewerCertificateArn); empty for CloudFront's own domain.",
    check: (domain) =>
      domain === "" || DOMAIN_PATTERN.test(domain)
        ? undefined
        : '"" or a lower-case domain name such as viewer.lab.example.org',
  },
  viewerCertificateArn: {
    type: "string",
    default: "",
    description: "Self-hosted viewer with viewerDomain: its ACM certificate, which CloudFront requires in us-east-1.",
    check: (arn) =>
      arn === "" || CLOUDFRONT_CERTIFICATE_PATTERN.test(arn)
        ? undefined
        : '"" or an ACM certificate ARN in us-east-1 such as arn:aws:acm:us-east-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab',
  },
  viewerAnnotationTiles: {
    type: "boolean",
    default: true,
    description:
      "Self-hosted viewer: let the app fetch gene and sequence annotation tiles from https://server.gosling-lang.org; false for a closed network (those tracks then stay empty).",
  },
  ...signIn.SIGN_IN_SETTING_SPECS,
};

export const SETTING_KEYS = Object.keys(SETTING_SPECS) as SettingKey[];

export function defaultSettings(): StackSettings {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, SETTING_SPECS[key].default])) as unknown as StackSettings;
}

/** Raw value as the Pulumi CLI hands it over: a string (arrays as JSON) or already typed. */
export type RawSettingReader = (key: SettingKey) => unknown;

/** Problems that involve more than one key. */
function crossChecks(settings: StackSettings): string[] {
  const problems: string[] = [];
  problems.push(
    ...prefixOverlapProblems([
      ...settings.dataPrefixes.map((prefix): [string, string] => ["dataPrefixes", prefix]),
      ["configPrefix", settings.configPrefix],
      ["ledgerPrefix", settings.ledgerPrefix],
      ["grantsPrefix", settings.grantsPrefix],
      ["auditPrefix", settings.auditPrefix],
    ]),
  );
  if (settings.presignerKind === "role" && settings.trustedPrincipals.length === 0) {
    problems.push(
      'trustedPrincipals is empty but presignerKind is "role": list the IAM principal ARNs allowed to assume the presigner role',
    );
  }
  if (settings.presignerKind === "user" && settings.externalId !== "") {
    problems.push(
      'externalId is set but presignerKind is "user": an external id guards the role\'s trust policy only; unset it or use the role kind',
    );
  }
  if (settings.logReaderArns.length > 0 && !settings.accessLogging) {
    problems.push(
      "logReaderArns is set but accessLogging is false: there is no log bucket to read; turn accessLogging on or clear logReaderArns",
    );
  }
  problems.push(...viewerSettingsProblems(settings, SETTING_SPECS.viewerUrl.default));
  problems.push(...signIn.signInSettingsProblems(settings));
  if (settings.configExpiryDays * 86400 < settings.maxLinkLifetimeSeconds) {
    const days = Math.ceil(settings.maxLinkLifetimeSeconds / 86400);
    problems.push(
      `configExpiryDays ${settings.configExpiryDays} is shorter than maxLinkLifetimeSeconds (${settings.maxLinkLifetimeSeconds} s): set configExpiryDays to at least ${days} so a config outlives its links`,
    );
  }
  return problems;
}

export class SettingsError extends Error {
  constructor(
    readonly problems: readonly string[],
    namespace: string,
  ) {
    super(`Invalid stack configuration:\n${problems.map((problem) => `  - ${namespace}:${problem}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/**
 * Reads every key through `read`, applies defaults for missing ones, validates all of them and throws
 * one SettingsError listing every problem (each names the key, the value, never a secret's, and what
 * is allowed). A secret key that `isStoredSecret` says the stack keeps in plaintext is refused.
 */
export function resolveSettings(
  read: RawSettingReader,
  namespace = "chromoscope-private-data",
  isStoredSecret?: (key: SettingKey) => boolean,
): StackSettings {
  const problems: string[] = [];
  const resolved: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const spec = SETTING_SPECS[key] as SettingSpec<SettingKey>;
    const raw = read(key);
    if (raw === undefined || raw === null) {
      resolved[key] = spec.default;
      continue;
    }
    const parsed = parseRaw(spec.type, raw);
    const allowed = parsed.problem ?? spec.check?.(parsed.value as never);
    if (allowed !== undefined)
      problems.push(`${key} = ${formatRaw(raw, spec.secret)} is not allowed: expected ${allowed}`);
    if (spec.secret && raw !== "" && isStoredSecret?.(key) === false) problems.push(signIn.plaintextSecretProblem(key));
    resolved[key] = parsed.value ?? spec.default;
  }
  const settings = resolved as unknown as StackSettings;
  if (problems.length === 0) problems.push(...crossChecks(settings));
  if (problems.length > 0) throw new SettingsError(problems, namespace);
  return settings;
}
