/** Parsed stack outputs for the pure tests, built through the tools' own parser (the outputs contract). */
import { parseStackOutputs } from "../../scripts/lib/s3/outputs-source";
import { StackOutputs } from "../../components/stack-outputs";

const SHARED_OUTPUTS = {
  bucketName: "lab-data",
  region: "eu-west-2",
  dataPrefixes: ["cohorts/"],
  configPrefix: "configs/",
  ledgerPrefix: "ledger/",
  maxLinkLifetimeSeconds: 604800,
  viewerUrl: "https://chromoscope.bio/app/",
};

/**
 * A user-kind stack in eu-west-2 with the default settings. `overrides` add or replace outputs
 * (key slots, prefixes...); `undefined` removes one.
 */
export function userStackOutputs(overrides: Record<string, unknown> = {}): StackOutputs {
  return parseStackOutputs({ ...SHARED_OUTPUTS, presignerKind: "user", ...overrides }, "test outputs");
}

/** A role-kind stack: a role's sessions sign, so it exports a role ARN and no key. */
export function roleStackOutputs(overrides: Record<string, unknown> = {}): StackOutputs {
  return parseStackOutputs(
    {
      ...SHARED_OUTPUTS,
      presignerKind: "role",
      presignerRoleArn: "arn:aws:iam::123456789012:role/presigner",
      ...overrides,
    },
    "test outputs",
  );
}
