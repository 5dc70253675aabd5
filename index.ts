import * as pulumi from "@pulumi/pulumi";
import { buildGuardedStack } from "./components/chromoscope-stack";
import { resolveSettings } from "./components/settings";

// Async entry point: the deployed keyGeneration is awaited (and checked) before any resource exists.
export = async () => {
  const config = new pulumi.Config();
  const settings = resolveSettings((key) => config.get(key), config.name);
  return buildGuardedStack(settings);
};
