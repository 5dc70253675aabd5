/**
 * The CrossGuard rules of the chromoscope-private-data policy pack, in the order the docs list them.
 *
 * Side-effect free: constructing a `PolicyPack` starts a gRPC server, so only policy/index.ts does
 * that; the tests import `policies` from here and run every rule against the program under mocks.
 * The rules live one family per file in policy/families/, written in policy/framework/; the limits
 * and documents they check against come from policy/documents/, which the program builds from too.
 * Everything the pack needs is inside policy/, so `pulumi policy publish` can pack this folder alone.
 */
import {
  accessKeyRotation,
  accessKeysPerUser,
  iamNoWildcards,
  iamUserNoDirectPolicies,
} from "./families/iam-least-privilege";
import { presignerWriteScope } from "./families/presigner-scope";
import {
  denyInsecureTransport,
  denySignatureVersion2,
  headerSignedWritesOnly,
  presignedUrlAgeCap,
} from "./families/s3-bucket-policy-rules";
import { corsGetOnly, corsNoWildcardOrigin } from "./families/s3-cors";
import { accessLoggingEnabled, lifecycleConfigured, versioningEnabled } from "./families/s3-data-protection";
import { defaultEncryption, kmsBucketKey } from "./families/s3-encryption";
import {
  bucketHasPublicAccessBlock,
  bucketOwnerEnforced,
  noPublicAcl,
  noPublicPrincipalAllow,
  publicAccessBlockFlags,
} from "./families/s3-public-access";
import {
  cloudfrontHttpsOnly,
  cloudfrontReadsPinned,
  cloudfrontS3OriginAccessControl,
  viewerContentSecurityPolicy,
} from "./families/viewer";
import {
  cloudfrontDataPathsSigned,
  cloudfrontGrantDataAndConfigOnly,
  lambdaEnvironmentNoPrivateKey,
} from "./families/sign-in";
import { Rule } from "./framework/rule-framework";

export const POLICY_PACK_NAME = "chromoscope-private-data-policy";

export { describeRule, RULE_INFO } from "./framework/rule-framework";
export type { RuleInfo, RuleLevel, RuleReferences } from "./framework/rule-framework";
export { PRESIGNER_COMPONENT_TYPE } from "./families/presigner-scope";
export { MAX_ACCESS_KEYS_PER_USER } from "./families/iam-least-privilege";
export { MAX_KEY_ROTATION_DAYS } from "./documents/limits";

/** Every rule, in the order docs/policy-pack.md lists them. policy/index.ts builds the pack from this list. */
export const policies: Rule[] = [
  publicAccessBlockFlags,
  bucketHasPublicAccessBlock,
  bucketOwnerEnforced,
  noPublicAcl,
  noPublicPrincipalAllow,
  denyInsecureTransport,
  defaultEncryption,
  kmsBucketKey,
  versioningEnabled,
  accessLoggingEnabled,
  lifecycleConfigured,
  corsGetOnly,
  corsNoWildcardOrigin,
  iamNoWildcards,
  iamUserNoDirectPolicies,
  accessKeysPerUser,
  accessKeyRotation,
  presignerWriteScope,
  presignedUrlAgeCap,
  denySignatureVersion2,
  headerSignedWritesOnly,
  cloudfrontHttpsOnly,
  cloudfrontS3OriginAccessControl,
  cloudfrontReadsPinned,
  viewerContentSecurityPolicy,
  cloudfrontDataPathsSigned,
  cloudfrontGrantDataAndConfigOnly,
  lambdaEnvironmentNoPrivateKey,
];

export const RULE_NAMES: readonly string[] = policies.map((policy) => policy.name);
