/**
 * The one table of Pulumi resource types: the pack's rules match against it, and the stack, policy-pack
 * and access-matrix specs look resources up with it. The deprecated `V2` aliases of @pulumi/aws are
 * matched beside the current names, so a stack that still uses them is judged the same way.
 */
/** The current @pulumi/aws type of each kind of resource the program creates or a rule judges. */
export const RESOURCE_TYPE = {
  stack: "pulumi:pulumi:Stack",
  bucket: "aws:s3/bucket:Bucket",
  publicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  logging: "aws:s3/bucketLogging:BucketLogging",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  cors: "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
  acl: "aws:s3/bucketAcl:BucketAcl",
  object: "aws:s3/bucketObjectv2:BucketObjectv2",
  user: "aws:iam/user:User",
  group: "aws:iam/group:Group",
  groupMembership: "aws:iam/userGroupMembership:UserGroupMembership",
  accessKey: "aws:iam/accessKey:AccessKey",
  role: "aws:iam/role:Role",
  instanceProfile: "aws:iam/instanceProfile:InstanceProfile",
  iamPolicy: "aws:iam/policy:Policy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  userPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  groupPolicyAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  userPoliciesExclusive: "aws:iam/userPoliciesExclusive:UserPoliciesExclusive",
  userPolicyAttachmentsExclusive: "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
  distribution: "aws:cloudfront/distribution:Distribution",
  originAccessControl: "aws:cloudfront/originAccessControl:OriginAccessControl",
  responseHeadersPolicy: "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
  cloudfrontFunction: "aws:cloudfront/function:Function",
  keyGroup: "aws:cloudfront/keyGroup:KeyGroup",
  publicKey: "aws:cloudfront/publicKey:PublicKey",
  originRequestPolicy: "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
  lambdaFunction: "aws:lambda/function:Function",
  functionUrl: "aws:lambda/functionUrl:FunctionUrl",
  lambdaPermission: "aws:lambda/permission:Permission",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  userPool: "aws:cognito/userPool:UserPool",
  userPoolClient: "aws:cognito/userPoolClient:UserPoolClient",
  userPoolDomain: "aws:cognito/userPoolDomain:UserPoolDomain",
  privateKey: "tls:index/privateKey:PrivateKey",
} as const;

const R = RESOURCE_TYPE;

/** What the rules match: the current type and, for S3, the deprecated alias @pulumi/aws still accepts. */
export const TYPES = {
  stack: R.stack,
  bucket: [R.bucket, "aws:s3/bucketV2:BucketV2"],
  publicAccessBlock: [R.publicAccessBlock],
  ownershipControls: [R.ownershipControls],
  encryption: [
    R.encryption,
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  versioning: [R.versioning, "aws:s3/bucketVersioningV2:BucketVersioningV2"],
  lifecycle: [R.lifecycle, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"],
  logging: [R.logging, "aws:s3/bucketLoggingV2:BucketLoggingV2"],
  bucketPolicy: [R.bucketPolicy],
  cors: [R.cors, "aws:s3/bucketCorsConfigurationV2:BucketCorsConfigurationV2"],
  acl: [R.acl, "aws:s3/bucketAclV2:BucketAclV2"],
  object: ["aws:s3/bucketObject:BucketObject", R.object],
  user: R.user,
  accessKey: R.accessKey,
  role: R.role,
  iamPolicy: R.iamPolicy,
  groupPolicy: R.groupPolicy,
  rolePolicy: R.rolePolicy,
  userPolicy: R.userPolicy,
  userPolicyAttachment: R.userPolicyAttachment,
  userPoliciesExclusive: R.userPoliciesExclusive,
  userPolicyAttachmentsExclusive: R.userPolicyAttachmentsExclusive,
  policyAttachment: R.policyAttachment,
  distribution: R.distribution,
  originAccessControl: R.originAccessControl,
  responseHeadersPolicy: R.responseHeadersPolicy,
  lambdaFunction: R.lambdaFunction,
  managedPolicyAttachments: [
    R.policyAttachment,
    R.rolePolicyAttachment,
    R.groupPolicyAttachment,
    R.userPolicyAttachment,
  ],
} as const;

/** Resources whose `policy` input is an identity-based IAM policy document. */
export const IDENTITY_POLICY_TYPES: readonly string[] = [
  TYPES.iamPolicy,
  TYPES.groupPolicy,
  TYPES.rolePolicy,
  TYPES.userPolicy,
];

export function isOneOf(type: string, types: string | readonly string[]): boolean {
  return typeof types === "string" ? type === types : types.includes(type);
}
