/**
 * The stack outputs the tools consume (see docs/settings.md, "Stack outputs"), from `pulumi stack output
 * --json --show-secrets`, from a file holding the same JSON, or from the settings' defaults when
 * only --bucket and --region are given. Validated in one place; the secret is never printed.
 */
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { StackOutputs, stackOutputSchemas, UserStackOutputs } from "../../../components/stack-outputs";
import { keySlotPlan, rotationDueAt } from "../../../components/key-slots";
import { ACCESS_LOG_PREFIX, KeySlot } from "../../../policy/documents/limits";
import { defaultSettings, StackSettings } from "../../../components/settings";
import { corsOriginsForViewerUrl } from "../../../components/address-rules";
import { UsageError, ValidationError } from "../errors";
import { PROJECT_ROOT } from "../files";
import { printable } from "../naming";
import { shellCommand } from "../text-format";

/** How to write the outputs file so that only its owner can read it (it holds the presigner's secret key). */
export const EXPORT_OUTPUTS_COMMAND = "(umask 077; pulumi stack output --json --show-secrets > outputs.json)";

export interface OutputsSource {
  /** --stack NAME: ask the Pulumi CLI. */
  stack?: string;
  /** --outputs FILE: JSON as `pulumi stack output --json --show-secrets` prints it. */
  outputsFile?: string;
  /** --bucket / --region: override (or, without a stack, stand in for) the outputs. */
  bucket?: string;
  region?: string;
  /** Environment of the Pulumi CLI (PATH, PULUMI_*); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Warnings for stderr (an outputs file others can read). */
  warn?: (message: string) => void;
}

/** Secret access keys are 40 base64 characters; anything short or placeholder-like is refused. */
function secretProblem(secret: string): string | undefined {
  if (secret === "[secret]") return 'is the placeholder "[secret]": the outputs were exported without --show-secrets';
  if (!/^[A-Za-z0-9/+=]{30,128}$/.test(secret))
    return `does not look like an AWS secret access key (a ${secret.length}-character value)`;
  return undefined;
}

/** Validates outputs JSON; every problem names the output and the fix. `origin` names the source. */
export function parseStackOutputs(
  raw: unknown,
  origin: string,
  overrides: Pick<OutputsSource, "bucket" | "region"> = {},
): StackOutputs {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ValidationError(`${origin} does not hold a JSON object of stack outputs`, {
      fix: `write it with \`${EXPORT_OUTPUTS_COMMAND}\``,
    });
  }
  const merged: Record<string, unknown> = { ...raw };
  if (overrides.bucket !== undefined) merged.bucketName = overrides.bucket;
  if (overrides.region !== undefined) merged.region = overrides.region;
  const schemas = stackOutputSchemas();
  const parsed = schemas.stackOutputs.safeParse(merged);
  if (!parsed.success) {
    const kindProblem = parsed.error.issues.some((issue) => issue.path[0] === "presignerKind");
    const issues = (kindProblem && schemas.sharedStackOutputs.safeParse(merged).error?.issues) || parsed.error.issues;
    const details = issues.map((issue) => {
      const path = issue.path.join(".") || "(root)";
      const received = issue.path.length > 0 && merged[String(issue.path[0])] === undefined ? "missing" : issue.message;
      return `${path}: ${received}`;
    });
    throw new ValidationError(`${origin} is missing or has invalid stack outputs: ${details.join("; ")}`, {
      fix: "export the outputs of a deployed stack with `pulumi stack output --json --show-secrets`, or pass --bucket and --region",
      details,
    });
  }
  const outputs = parsed.data;
  if (outputs.presignerSecretAccessKey !== undefined) {
    const problem = secretProblem(outputs.presignerSecretAccessKey);
    if (problem) {
      throw new ValidationError(`${origin}: presignerSecretAccessKey ${problem}`, {
        fix: "export the outputs with `pulumi stack output --json --show-secrets`",
      });
    }
    if (outputs.presignerAccessKeyId === undefined) {
      throw new ValidationError(`${origin}: presignerSecretAccessKey is set without presignerAccessKeyId`, {
        fix: "export all outputs with `pulumi stack output --json --show-secrets`",
      });
    }
  }
  return outputs;
}

/** A bucket (and optionally a user-kind presigner key) that stands in for a deployed stack. */
export interface StandInStack {
  bucket: string;
  region: string;
  presigner?: {
    userName: string;
    accessKeyId: string;
    secretAccessKey: string;
    createdAt: Date;
    /** The other slot's key (its secret is never in outputs): a stand-in with both slots, as a real stack has. */
    otherSlot?: { accessKeyId: string; createdAt: Date };
  };
  /** The stand-in's S3 endpoint (a local server). */
  endpoint?: string;
  /** The bucket that receives the data bucket's server access logs (under ACCESS_LOG_PREFIX), if any. */
  logBucket?: string;
}

function partitionOf(region: string): string {
  return region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
}

/**
 * The outputs a stack deployed with `settings` exports for `target`, as `pulumi stack output --json
 * --show-secrets` prints them: what --bucket/--region alone, the local demo, the tests and the
 * benchmarks hand the tools in place of a real stack. With a presigner, only the active slot's key
 * is known (the other slot's key is not needed to sign).
 */
export function stackOutputsFor(settings: StackSettings, target: StandInStack): UserStackOutputs {
  const { bucket, region, presigner } = target;
  const outputs: UserStackOutputs = {
    bucketName: bucket,
    bucketArn: `arn:${partitionOf(region)}:s3:::${bucket}`,
    region,
    dataPrefixes: [...settings.dataPrefixes],
    configPrefix: settings.configPrefix,
    ledgerPrefix: settings.ledgerPrefix,
    allowedOrigins: corsOriginsForViewerUrl(settings.viewerUrl, settings.allowedOrigins),
    maxLinkLifetimeSeconds: settings.maxLinkLifetimeSeconds,
    presignerKind: "user",
    viewerUrl: settings.viewerUrl,
    ...(target.endpoint === undefined ? {} : { endpoint: target.endpoint }),
    ...(target.logBucket === undefined ? {} : { logBucketName: target.logBucket, accessLogPrefix: ACCESS_LOG_PREFIX }),
  };
  if (!presigner) return outputs;
  const plan = keySlotPlan(settings.keyGeneration);
  const slotKey = (slot: KeySlot, key: { accessKeyId: string; createdAt: Date }) => {
    const createdAt = key.createdAt.toISOString();
    const dueAt = rotationDueAt(createdAt, settings.keyRotationDays);
    return { slot, accessKeyId: key.accessKeyId, createdAt, rotationDueAt: dueAt, status: plan.status[slot] };
  };
  const otherSlot: KeySlot = plan.activeSlot === "a" ? "b" : "a";
  const keys = [slotKey(plan.activeSlot, presigner)];
  if (presigner.otherSlot) keys.push(slotKey(otherSlot, presigner.otherSlot));
  return {
    ...outputs,
    presignerUserName: presigner.userName,
    activeKeySlot: plan.activeSlot,
    presignerAccessKeyId: presigner.accessKeyId,
    presignerSecretAccessKey: presigner.secretAccessKey,
    accessKeys: keys.sort((a, b) => a.slot.localeCompare(b.slot)),
  };
}

/**
 * Where the JSON breaks, by line and column, never by quoting it: the parser's own message can
 * quote the text around the error, i.e. part of the secret key.
 */
function whereJsonBreaks(text: string, error: unknown): string {
  if (text.trim() === "") return "it is empty";
  const message = error instanceof Error ? error.message : "";
  if (/end of JSON input|unterminated string/i.test(message)) return "it ends early";
  const position = /at position (\d+)/.exec(message);
  if (!position) return "a syntax error; the parser's message is not shown, as it would quote the file";
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  return `a syntax error at line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
}

function parseJsonText(text: string, origin: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${origin} is not valid JSON (${whereJsonBreaks(text, error)}); it may be truncated`, {
      fix: `export it again with \`${EXPORT_OUTPUTS_COMMAND}\``,
    });
  }
}

/** Who besides the owner can read or write a file with this mode, or undefined when nobody can. */
function sharedWith(mode: number): string | undefined {
  const who = [mode & 0o070 ? "its group" : "", mode & 0o007 ? "others" : ""].filter(Boolean);
  return who.length > 0 ? who.join(" and ") : undefined;
}

/** Warns when an outputs file is open to its group or others: it holds the presigner's secret key. */
function warnIfShared(path: string, warn: ((message: string) => void) | undefined): void {
  if (!warn || process.platform === "win32") return;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return; // reading it reports the problem
  }
  const who = sharedWith(mode);
  if (who === undefined) return;
  warn(
    `--outputs ${printable(path, 300)} is open to ${who} (mode ${(mode & 0o777).toString(8).padStart(3, "0")}), ` +
      `and stack outputs hold the presigner's secret key: run \`${shellCommand("chmod", ["600", path])}\``,
  );
}

function pulumiStackOutput(stack: string, env: NodeJS.ProcessEnv | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "pulumi",
      ["stack", "output", "--json", "--show-secrets", "--stack", stack],
      { cwd: PROJECT_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 120_000, ...(env ? { env } : {}) },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
          return reject(
            new UsageError("--stack needs the Pulumi CLI, which is not installed here", {
              fix: `run \`${EXPORT_OUTPUTS_COMMAND}\` where Pulumi is installed and pass --outputs outputs.json`,
            }),
          );
        }
        const message = String(stderr).trim().split("\n").pop() || error.message;
        reject(
          new UsageError(`pulumi stack output --stack ${stack} failed: ${message}`, {
            fix: "check the stack name (`pulumi stack ls`) and that you are logged in",
          }),
        );
      },
    );
  });
}

export async function loadStackOutputs(source: OutputsSource): Promise<StackOutputs> {
  const overrides = { bucket: source.bucket, region: source.region };
  if (source.stack !== undefined && source.outputsFile !== undefined) {
    throw new UsageError("--stack and --outputs both name the stack outputs", { fix: "pass only one of them" });
  }
  if (source.outputsFile !== undefined) {
    const origin = `--outputs ${printable(source.outputsFile)}`;
    warnIfShared(source.outputsFile, source.warn);
    let text: string;
    try {
      text = readFileSync(source.outputsFile, "utf8");
    } catch (error) {
      throw new UsageError(`${origin}: cannot read the file`, {
        fix: `pass the path of a file written by \`${EXPORT_OUTPUTS_COMMAND}\``,
        cause: error,
      });
    }
    return parseStackOutputs(parseJsonText(text, origin), origin, overrides);
  }
  if (source.stack !== undefined) {
    const origin = `stack ${printable(source.stack)}`;
    return parseStackOutputs(
      parseJsonText(await pulumiStackOutput(source.stack, source.env), origin),
      origin,
      overrides,
    );
  }
  if (source.bucket !== undefined && source.region !== undefined) {
    return parseStackOutputs(
      stackOutputsFor(defaultSettings(), { bucket: source.bucket, region: source.region }),
      "--bucket/--region",
    );
  }
  throw new UsageError("no stack outputs: the tool needs to know the bucket", {
    fix: "pass --stack NAME (Pulumi CLI), --outputs FILE, or --bucket NAME --region REGION",
  });
}

/** The stack's presigner key, when the outputs hold one. */
export function stackKey(outputs: StackOutputs): { accessKeyId: string; secretAccessKey: string } | undefined {
  return outputs.presignerAccessKeyId && outputs.presignerSecretAccessKey
    ? { accessKeyId: outputs.presignerAccessKeyId, secretAccessKey: outputs.presignerSecretAccessKey }
    : undefined;
}
