/** Parsed stack outputs for the pure tests: a user-kind stack in eu-west-2 with the default settings. */
import { parseStackOutputs, StackOutputs } from "../../scripts/lib/s3/outputs-source";

/** `overrides` add or replace outputs (key slots, prefixes...); `undefined` removes one. */
export function userStackOutputs(overrides: Record<string, unknown> = {}): StackOutputs {
  return parseStackOutputs(
    {
      bucketName: "lab-data",
      region: "eu-west-2",
      dataPrefixes: ["cohorts/"],
      configPrefix: "configs/",
      ledgerPrefix: "ledger/",
      maxLinkLifetimeSeconds: 604800,
      presignerKind: "user",
      viewerUrl: "https://chromoscope.bio/app/",
      ...overrides,
    },
    "test outputs",
  );
}
