import * as pulumi from "@pulumi/pulumi";
import { buildGuardedStack } from "./components/chromoscope-stack";
import { resolveSettings } from "./components/settings";

// Whether the stack keeps a key encrypted (`pulumi config set --secret`): the SDK's own test, which its
// typings leave out. Without it (another SDK), nothing is refused on this ground.
const { isConfigSecret } = pulumi.runtime as unknown as { isConfigSecret?: (fullKey: string) => boolean };

// Async entry point: the deployed keyGeneration is awaited (and checked) before any resource exists.
export = async () => {
  const config = new pulumi.Config();
  const settings = resolveSettings(
    (key) => config.get(key),
    config.name,
    isConfigSecret && ((key) => isConfigSecret(`${config.name}:${key}`)),
  );
  return buildGuardedStack(settings);
};
