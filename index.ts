import * as pulumi from "@pulumi/pulumi";
import { buildStack } from "./components/chromoscope-stack";
import { resolveSettings } from "./components/settings";

const config = new pulumi.Config();
const settings = resolveSettings((key) => config.get(key), config.name);
const stack = buildStack(settings);

export const bucketName = stack.bucketName;
export const bucketArn = stack.bucketArn;
export const region = stack.region;
export const dataPrefixes = stack.dataPrefixes;
export const configPrefix = stack.configPrefix;
export const ledgerPrefix = stack.ledgerPrefix;
export const allowedOrigins = stack.allowedOrigins;
export const maxLinkLifetimeSeconds = stack.maxLinkLifetimeSeconds;
export const presignerKind = stack.presignerKind;
export const presignerUserName = stack.presignerUserName;
export const presignerRoleArn = stack.presignerRoleArn;
export const presignerInstanceProfileName = stack.presignerInstanceProfileName;
export const activeKeySlot = stack.activeKeySlot;
export const presignerAccessKeyId = stack.presignerAccessKeyId;
export const presignerSecretAccessKey = stack.presignerSecretAccessKey;
export const accessKeys = stack.accessKeys;
export const logBucketName = stack.logBucketName;
export const viewerUrl = stack.viewerUrl;
