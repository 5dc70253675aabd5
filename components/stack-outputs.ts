/**
 * The stack outputs contract: what `pulumi stack output --json --show-secrets` prints and the tools
 * read. One schema, a union on `presignerKind`; the program's exports are typed from it, the
 * command-line tools parse with it, and the tests build their outputs through it.
 *
 * Outputs added after the first deployments (`keyGeneration`, a key's `status`, `bucketArn`, the
 * sign-in outputs) stay optional, so outputs files written by earlier deployments keep working. No
 * output ever holds a sign-in secret or a cookie-signing key.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z as Zod } from "zod";
import { MAX_PRESIGN_SECONDS } from "../policy/documents/limits";
import { KEY_PREFIX_RULE, keyPrefixProblem, VIEWER_URL_RULE, viewerUrlProblem } from "./address-rules";

/** zod's namespace, handed to each builder: only buildSchemas loads it, at first use. */
type ZodApi = typeof import("zod").z;

/** The building blocks several outputs share. */
function outputPrimitives(z: ZodApi) {
  return {
    z,
    keyPrefix: z.string().refine((value) => keyPrefixProblem(value) === undefined, KEY_PREFIX_RULE),
    isoDate: z.string().refine((value) => !Number.isNaN(Date.parse(value)), "an ISO 8601 date"),
    keySlot: z.enum(["a", "b"]),
    /** An output the other kind exports: refused here, and typed `undefined` so either kind reads alike. */
    absent: z.undefined().optional(),
  };
}

type OutputPrimitives = ReturnType<typeof outputPrimitives>;

/** The outputs both presigner kinds export. */
function sharedOutputShape({ z, keyPrefix }: OutputPrimitives) {
  return {
    bucketName: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name"),
    bucketArn: z.string().optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-2"),
    dataPrefixes: z.array(keyPrefix).min(1),
    configPrefix: keyPrefix,
    ledgerPrefix: keyPrefix,
    allowedOrigins: z.array(z.string()).optional(),
    maxLinkLifetimeSeconds: z.number().int().min(1).max(MAX_PRESIGN_SECONDS),
    logBucketName: z.string().optional(),
    viewerUrl: z.string().refine((value) => viewerUrlProblem(value) === undefined, VIEWER_URL_RULE),
    /** The self-hosted viewer's CloudFront distribution and bucket; absent with chromoscope.bio. */
    viewerDistributionId: z.string().optional(),
    viewerBucketName: z.string().optional(),
    /** SHA-256 over the served files' keys and MD5s (viewer-site.ts listingDigest): the doctor's reference. */
    viewerFilesDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "a hex SHA-256")
      .optional(),
    /**
     * The S3 endpoint of a stand-in stack (the demo's local server); absent for AWS. A command's
     * --endpoint wins over it.
     */
    endpoint: z
      .string()
      .refine((value) => /^https?:\/\/[^/?#]+\/*$/.test(value), "an http(s) base URL such as http://127.0.0.1:4569")
      .optional(),
    /** The data bucket's server-access-log prefix in logBucketName (partitioned keys under it). */
    accessLogPrefix: keyPrefix.optional(),
    /** How links open: absent in outputs written before sign-in viewing existed, which means "links". */
    access: z.enum(["links", "sign-in"]).optional(),
    /** Sign-in mode: where grants and audit records live in the data bucket. */
    grantsPrefix: keyPrefix.optional(),
    auditPrefix: keyPrefix.optional(),
    /** Sign-in mode: the issuer the sign-in function trusts (the stack's Cognito user pool, or the lab's). */
    signInIssuer: z
      .string()
      .refine(
        (value) =>
          /^https:\/\/[^\s?#]+$/.test(value) ||
          /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/[^\s?#]*)?$/.test(value),
        "an https issuer URL (plain http only on this machine, such as the demo's http://127.0.0.1:<port>)",
      )
      .optional(),
    /** Sign-in mode with the stack's own user pool: its id (add-reader manages its users). */
    signInUserPoolId: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d_[A-Za-z0-9]+$/, "a Cognito user pool id such as eu-west-2_AbC123")
      .optional(),
    signInClientId: z.string().optional(),
    signInFunctionName: z.string().optional(),
    /** Sign-in mode: the deployed cookie-key generation (the next `pulumi up` reads it back). */
    cookieKeyGeneration: z.number().int().nonnegative().optional(),
  };
}

type SharedOutputShape = ReturnType<typeof sharedOutputShape>;

/** One key slot as the stack reports it; `status` is absent in outputs of earlier deployments. */
function accessKeyOutputSchemaOf({ z, keySlot, isoDate }: OutputPrimitives) {
  return z.object({
    slot: keySlot,
    accessKeyId: z.string(),
    createdAt: isoDate,
    rotationDueAt: isoDate,
    status: z.enum(["Active", "Inactive"]).optional(),
  });
}

/**
 * A user-kind stack: an IAM user whose access keys sign. A stand-in stack (--bucket/--region, the
 * demo) may know only the active slot's key, or no key at all.
 */
function userOutputsSchemaOf(
  { z, keySlot, absent }: OutputPrimitives,
  sharedOutputs: SharedOutputShape,
  accessKeyOutputSchema: ReturnType<typeof accessKeyOutputSchemaOf>,
) {
  return z.object({
    ...sharedOutputs,
    presignerKind: z.literal("user"),
    presignerUserName: z.string().optional(),
    activeKeySlot: keySlot.optional(),
    keyGeneration: z.number().int().min(0).optional(),
    presignerAccessKeyId: z
      .string()
      .regex(/^[A-Z0-9]{16,128}$/, "an AWS access key id")
      .optional(),
    presignerSecretAccessKey: z.string().optional(),
    accessKeys: z.array(accessKeyOutputSchema).min(1).max(2).optional(),
    presignerRoleArn: absent,
    presignerInstanceProfileName: absent,
  });
}

/** A role-kind stack: sessions of a role sign, so the outputs hold no key. */
function roleOutputsSchemaOf({ z, absent }: OutputPrimitives, sharedOutputs: SharedOutputShape) {
  return z.object({
    ...sharedOutputs,
    presignerKind: z.literal("role"),
    presignerRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, "an IAM role ARN"),
    presignerInstanceProfileName: z.string().optional(),
    presignerUserName: absent,
    activeKeySlot: absent,
    keyGeneration: absent,
    presignerAccessKeyId: absent,
    presignerSecretAccessKey: absent,
    accessKeys: absent,
  });
}

/**
 * The schemas, built at their first use: zod takes longer to load than Node itself starts, and a
 * command's `--help` (or the Pulumi program, which only types its exports from them) needs none.
 */
function buildSchemas() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  const { z } = require("zod") as typeof import("zod");
  const primitives = outputPrimitives(z);
  const sharedOutputs = sharedOutputShape(primitives);
  const accessKeyOutputSchema = accessKeyOutputSchemaOf(primitives);
  const userOutputsSchema = userOutputsSchemaOf(primitives, sharedOutputs, accessKeyOutputSchema);
  const roleOutputsSchema = roleOutputsSchemaOf(primitives, sharedOutputs);

  /**
   * The outputs both kinds share, with the kind itself: what a reader can still check, and report
   * all at once, when the kind is missing or unknown (the union then says only that).
   */
  const sharedStackOutputsSchema = z.object({ ...sharedOutputs, presignerKind: z.enum(["user", "role"]) });

  const stackOutputsSchema = z.discriminatedUnion("presignerKind", [userOutputsSchema, roleOutputsSchema]);

  return {
    accessKeyOutput: accessKeyOutputSchema,
    sharedStackOutputs: sharedStackOutputsSchema,
    stackOutputs: stackOutputsSchema,
    userOutputs: userOutputsSchema,
    roleOutputs: roleOutputsSchema,
  };
}

type Schemas = ReturnType<typeof buildSchemas>;
let built: Schemas | undefined;

export function stackOutputSchemas(): Schemas {
  return (built ??= buildSchemas());
}

export type StackOutputs = Zod.infer<Schemas["stackOutputs"]>;
export type UserStackOutputs = Zod.infer<Schemas["userOutputs"]>;
export type RoleStackOutputs = Zod.infer<Schemas["roleOutputs"]>;
export type AccessKeyOutput = Zod.infer<Schemas["accessKeyOutput"]>;

/** The program's view of the same contract: each output may still be a value Pulumi resolves later. */
export type ProgramStackOutputs = StackOutputs extends infer Kind
  ? Kind extends StackOutputs
    ? { [Name in keyof Kind]: pulumi.Input<Kind[Name]> }
    : never
  : never;
