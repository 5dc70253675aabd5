/**
 * The sign-in function's code, bundled at `pulumi up` by esbuild from its TypeScript entry into one
 * `index.js` (its libraries included, so the deployed function depends on nothing installed in the
 * Lambda runtime). The bundle is deterministic: the same sources give the same archive, so an
 * unchanged function is not redeployed.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import * as pulumi from "@pulumi/pulumi";

/** The project's root (where package.json lives): esbuild resolves and names files relative to it. */
const PROJECT_ROOT = join(__dirname, "..", "..");

/** The handler's source: `handler(event)` for a Lambda function-URL event. */
export const SIGN_IN_HANDLER_ENTRY = join(PROJECT_ROOT, "scripts", "lib", "sign-in", "lambda-handler.ts");

/** The Lambda runtime the bundle targets (and the function declares). */
export const SIGN_IN_FUNCTION_RUNTIME = "nodejs22.x";
/** `<file without .js>.<export>` in the archive. */
export const SIGN_IN_FUNCTION_HANDLER = "index.handler";

/** Bundles made in this process, by entry: a program (or a test run) builds each once. */
const bundles = new Map<string, string>();

/** The bundled JavaScript of `entry` (CommonJS for Node.js 22), or an error naming the entry. */
export function bundleSignInHandler(entry: string = SIGN_IN_HANDLER_ENTRY): string {
  const made = bundles.get(entry);
  if (made !== undefined) return made;
  if (!existsSync(entry)) {
    throw new Error(`the sign-in function's entry ${entry} does not exist: run \`pulumi up\` from a full checkout`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when a sign-in stack is built
  const esbuild = require("esbuild") as typeof import("esbuild");
  // Paths in the bundle are relative to this root, so the bundle does not depend on the checkout's place.
  const root = entry.startsWith(PROJECT_ROOT + sep) ? PROJECT_ROOT : dirname(entry);
  let result: import("esbuild").BuildResult<{ write: false }>;
  try {
    result = esbuild.buildSync({
      entryPoints: [relative(root, entry)],
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      write: false,
      legalComments: "none",
      logLevel: "silent",
    });
  } catch (error) {
    throw new Error(`the sign-in function's code (${entry}) does not bundle: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const code = result.outputFiles[0].text;
  bundles.set(entry, code);
  return code;
}

/** The archive Lambda runs: the bundle as `index.js` (handler `index.handler`). */
export function signInFunctionCode(entry: string = SIGN_IN_HANDLER_ENTRY): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleSignInHandler(entry)) });
}
