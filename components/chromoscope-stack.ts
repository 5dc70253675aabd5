import * as pulumi from "@pulumi/pulumi";
import { PresignerIdentity } from "./presigner-identity";
import { PrivateDataBucket } from "./private-data-bucket";
import { StackSettings } from "./settings";

/**
 * The stack outputs the scripts consume, by name (see README "Stack outputs").
 * Key outputs exist only for the user kind; role outputs only for the role kind.
 */
export interface StackOutputs {
  bucketName: pulumi.Output<string>;
  bucketArn: pulumi.Output<string>;
  region: pulumi.Output<string>;
  dataPrefixes: readonly string[];
  configPrefix: string;
  ledgerPrefix: string;
  allowedOrigins: readonly string[];
  maxLinkLifetimeSeconds: number;
  presignerKind: "user" | "role";
  presignerUserName?: pulumi.Output<string>;
  presignerRoleArn?: pulumi.Output<string>;
  presignerInstanceProfileName?: pulumi.Output<string>;
  activeKeySlot?: string;
  presignerAccessKeyId?: pulumi.Output<string>;
  presignerSecretAccessKey?: pulumi.Output<string>;
  accessKeys?: PresignerIdentity["accessKeys"];
  logBucketName?: pulumi.Output<string>;
  viewerUrl: string;
}

/** Wires validated settings into the two components; `name` prefixes every resource. */
export function buildStack(settings: StackSettings, name = "chromoscope", opts?: pulumi.ComponentResourceOptions): StackOutputs {
  const storage = new PrivateDataBucket(`${name}-data`, {
    allowedOrigins: settings.allowedOrigins,
    configPrefix: settings.configPrefix,
    configExpiryDays: settings.configExpiryDays,
    maxLinkLifetimeSeconds: settings.maxLinkLifetimeSeconds,
    kmsKeyArn: settings.kmsKeyArn,
    accessLogging: settings.accessLogging,
    logReaderArns: settings.logReaderArns,
    versioning: settings.versioning,
    noncurrentVersionDays: settings.noncurrentVersionDays,
    forceDestroy: settings.forceDestroy,
  }, opts);
  const presigner = new PresignerIdentity(`${name}-presigner`, {
    bucketArn: storage.bucketArn,
    region: storage.region,
    dataPrefixes: settings.dataPrefixes,
    configPrefix: settings.configPrefix,
    ledgerPrefix: settings.ledgerPrefix,
    kmsKeyArn: settings.kmsKeyArn,
    kind: settings.presignerKind,
    trustedPrincipals: settings.trustedPrincipals,
    maxSessionHours: settings.maxSessionHours,
    keyGeneration: settings.keyGeneration,
    keyRotationDays: settings.keyRotationDays,
  }, opts);
  return {
    bucketName: storage.bucketName,
    bucketArn: storage.bucketArn,
    region: storage.region,
    dataPrefixes: settings.dataPrefixes,
    configPrefix: settings.configPrefix,
    ledgerPrefix: settings.ledgerPrefix,
    allowedOrigins: settings.allowedOrigins,
    maxLinkLifetimeSeconds: settings.maxLinkLifetimeSeconds,
    presignerKind: settings.presignerKind,
    presignerUserName: presigner.userName,
    presignerRoleArn: presigner.roleArn,
    presignerInstanceProfileName: presigner.instanceProfileName,
    activeKeySlot: presigner.activeKeySlot,
    presignerAccessKeyId: presigner.activeAccessKeyId,
    presignerSecretAccessKey: presigner.activeSecretAccessKey,
    accessKeys: presigner.accessKeys,
    logBucketName: storage.logBucketName,
    viewerUrl: settings.viewerUrl,
  };
}
