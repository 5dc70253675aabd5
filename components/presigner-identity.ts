import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { keySlotPlan, KeyStatus, rotationDueAt } from "./key-slots";
import { presignerPolicyDocument } from "../policy/documents/iam-policies";
import { KEY_SLOTS, KeySlot, MAX_KEY_ROTATION_DAYS } from "../policy/documents/limits";
import { presignerTrustPolicyDocument, trustAccountOf } from "./trust-policy";

/** What every presigner needs: the bucket and the prefixes it may read and write. */
interface PresignerScopeArgs {
  readonly bucketArn: pulumi.Input<string>;
  /** The bucket's region (scopes KMS use to S3 in that region). */
  readonly region: pulumi.Input<string>;
  readonly dataPrefixes: readonly string[];
  readonly configPrefix: string;
  readonly ledgerPrefix: string;
  /** "" or absent when the bucket uses SSE-S3. */
  readonly kmsKeyArn?: string;
  /** The self-hosted viewer's bucket: the presigner lists it for the doctor (never reads its files). */
  readonly viewerBucketArn?: pulumi.Input<string>;
}

/** The default kind: an IAM user with two access-key slots. */
export interface UserPresignerArgs extends PresignerScopeArgs {
  readonly kind?: "user";
  /** The key generation counter; the active slot is generation % 2. */
  readonly keyGeneration?: number;
  /** Days until a key is due for rotation (1-45: a key lives up to twice this). */
  readonly keyRotationDays?: number;
}

/** An IAM role with an instance profile: links live as long as the session that signs them. */
export interface RolePresignerArgs extends PresignerScopeArgs {
  readonly kind: "role";
  /** Who may assume the role (named users or roles, or the services that presign). */
  readonly trustedPrincipals?: readonly string[];
  /** "" or the sts:ExternalId principals of other accounts must pass. */
  readonly externalId?: string;
  /** 1-12. */
  readonly maxSessionHours?: number;
}

/** The presigner's arguments, by kind: each kind takes only its own settings. */
export type PresignerIdentityArgs = UserPresignerArgs | RolePresignerArgs;

export interface AccessKeySummary {
  slot: KeySlot;
  accessKeyId: string;
  createdAt: string;
  rotationDueAt: string;
  /** "Inactive" for the slot no generation has used yet (it signs nothing until rotated into). */
  status: KeyStatus;
}

const USER_DEFAULTS = { keyGeneration: 0, keyRotationDays: 30 };
const ROLE_DEFAULTS = { trustedPrincipals: [] as readonly string[], externalId: "", maxSessionHours: 12 };

/** The user kind's outputs. */
interface PresignerUser {
  userName: pulumi.Output<string>;
  activeKeySlot: KeySlot;
  activeAccessKeyId: pulumi.Output<string>;
  activeSecretAccessKey: pulumi.Output<string>;
  accessKeys: pulumi.Output<AccessKeySummary[]>;
}

const IAM_PATH = "/chromoscope/";

/**
 * The only identity that presigns links: read data, write configs, nothing else. A user gets its
 * permissions through a group (AWS IAM.2) and holds two access-key slots so rotation never kills
 * the links the previous key signed; a role gets the same policy, a trust policy and an instance profile.
 */
export class PresignerIdentity extends pulumi.ComponentResource {
  readonly kind: "user" | "role";
  readonly userName?: pulumi.Output<string>;
  readonly roleArn?: pulumi.Output<string>;
  readonly instanceProfileName?: pulumi.Output<string>;
  readonly activeKeySlot?: KeySlot;
  readonly activeAccessKeyId?: pulumi.Output<string>;
  /** A Pulumi secret. */
  readonly activeSecretAccessKey?: pulumi.Output<string>;
  readonly accessKeys?: pulumi.Output<AccessKeySummary[]>;

  constructor(name: string, args: PresignerIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("chromoscope-private-data:identity:PresignerIdentity", name, {}, opts);
    this.kind = args.kind ?? "user";
    const policy = pulumi
      .all([args.bucketArn, args.region, args.viewerBucketArn])
      .apply(([bucketArn, region, viewerBucketArn]) =>
        JSON.stringify(
          presignerPolicyDocument({
            bucketArn,
            region,
            dataPrefixes: args.dataPrefixes,
            configPrefix: args.configPrefix,
            ledgerPrefix: args.ledgerPrefix,
            kmsKeyArn: args.kmsKeyArn ?? "",
            viewerBucketArn,
          }),
        ),
      );
    if (args.kind === "role") {
      const role = this.createRole(name, { ...ROLE_DEFAULTS, ...args }, policy);
      this.roleArn = role.arn;
      this.instanceProfileName = role.instanceProfileName;
      this.registerOutputs({ roleArn: this.roleArn, instanceProfileName: this.instanceProfileName });
      return;
    }
    const user = this.createUser(name, { ...USER_DEFAULTS, ...args }, policy);
    this.userName = user.userName;
    this.activeKeySlot = user.activeKeySlot;
    this.activeAccessKeyId = user.activeAccessKeyId;
    this.activeSecretAccessKey = user.activeSecretAccessKey;
    this.accessKeys = user.accessKeys;
    this.registerOutputs({ ...user });
  }

  /** The role kind: a role with the policy, a trust policy and an instance profile. */
  private createRole(
    name: string,
    args: Required<Pick<RolePresignerArgs, "trustedPrincipals" | "externalId" | "maxSessionHours">>,
    policy: pulumi.Output<string>,
  ): { arn: pulumi.Output<string>; instanceProfileName: pulumi.Output<string> } {
    if (!Number.isInteger(args.maxSessionHours) || args.maxSessionHours < 1 || args.maxSessionHours > 12) {
      throw new Error(
        `PresignerIdentity ${name}: maxSessionHours must be an integer from 1 to 12, got ${args.maxSessionHours}`,
      );
    }
    // The deployer's account tells the principals of other accounts (external id) from its own, and
    // pins the confused-deputy conditions to it.
    const caller = aws.getCallerIdentityOutput({}, { parent: this });
    const trustPolicy = pulumi.all([caller.arn, caller.accountId]).apply(([arn, accountId]) =>
      JSON.stringify(
        presignerTrustPolicyDocument({
          trustedPrincipals: args.trustedPrincipals,
          externalId: args.externalId,
          ...trustAccountOf(arn, accountId),
        }),
      ),
    );
    const role = new aws.iam.Role(
      `${name}-role`,
      {
        path: IAM_PATH,
        description: "Presigns Chromoscope links for the private cohort bucket",
        assumeRolePolicy: trustPolicy,
        maxSessionDuration: args.maxSessionHours * 3600,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(`${name}-role-policy`, { role: role.name, policy }, { parent: this });
    const profile = new aws.iam.InstanceProfile(
      `${name}-instance-profile`,
      { path: IAM_PATH, role: role.name },
      { parent: this },
    );
    return { arn: role.arn, instanceProfileName: profile.name };
  }

  /** The user kind: a user in a group holding the policy, and two access-key slots. */
  private createUser(
    name: string,
    args: Required<Pick<UserPresignerArgs, "keyGeneration" | "keyRotationDays">>,
    policy: pulumi.Output<string>,
  ): PresignerUser {
    if (
      !Number.isInteger(args.keyRotationDays) ||
      args.keyRotationDays < 1 ||
      args.keyRotationDays > MAX_KEY_ROTATION_DAYS
    ) {
      throw new Error(
        `PresignerIdentity ${name}: keyRotationDays must be an integer from 1 to ${MAX_KEY_ROTATION_DAYS} (a key lives up to twice that; AWS IAM.3), got ${args.keyRotationDays}`,
      );
    }
    const group = new aws.iam.Group(`${name}-group`, { path: IAM_PATH }, { parent: this });
    const groupPolicy = new aws.iam.GroupPolicy(
      `${name}-group-policy`,
      { group: group.name, policy },
      { parent: this },
    );
    const user = new aws.iam.User(`${name}-user`, { path: IAM_PATH }, { parent: this });
    new aws.iam.UserGroupMembership(`${name}-membership`, { user: user.name, groups: [group.name] }, { parent: this });

    const plan = keySlotPlan(args.keyGeneration);
    const keys = KEY_SLOTS.map((slot) => {
      const key = new aws.iam.AccessKey(
        `${name}-key-${slot}`,
        // The slot no generation has used yet holds no usable spare key; rotating into it replaces it Active.
        { user: user.name, status: plan.status[slot] },
        {
          parent: this,
          dependsOn: [groupPolicy],
          // IAM allows two keys per user: the old key must go before its replacement is created.
          deleteBeforeReplace: true,
          replacementTrigger: plan.writtenAtGeneration[slot],
          additionalSecretOutputs: ["secret"],
        },
      );
      return { slot, key };
    });
    const active = keys.find(({ slot }) => slot === plan.activeSlot)!.key;
    const accessKeys = pulumi.all(
      keys.map(({ slot, key }) =>
        pulumi.all([key.id, key.createDate]).apply(([accessKeyId, createdAt]) => ({
          slot,
          accessKeyId,
          createdAt: new Date(createdAt).toISOString(),
          rotationDueAt: rotationDueAt(createdAt, args.keyRotationDays),
          status: plan.status[slot],
        })),
      ),
    );
    return {
      userName: user.name,
      activeKeySlot: plan.activeSlot,
      activeAccessKeyId: active.id,
      activeSecretAccessKey: pulumi.secret(active.secret),
      accessKeys,
    };
  }
}
