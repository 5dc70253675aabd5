import * as pulumi from "@pulumi/pulumi";
import {
  DeployedKeys,
  deployedGeneration,
  deployedKeys,
  deployedKeysProblem,
  selfReference,
} from "./key-guard/deployed-keys";
import { KEY_GENERATION_OUTPUT } from "./key-guard/key-generation";
import { BackendFacts } from "./key-guard/state-backend";
import { PresignerIdentity } from "./presigner-identity";
import { awsBucketAddress, corsOrigins, viewerOrigin } from "./address-rules";
import { PrivateDataBucket } from "./private-data-bucket";
import { PrivateViewer } from "./private-viewer";
import { SignInAccess } from "./sign-in/sign-in-access";
import { COOKIE_KEY_GENERATION_OUTPUT, cookieKeyGenerationProblem } from "./sign-in/cookie-key-guard";
import { viewerFolderProblem } from "./viewer-site";
import { SETTING_SPECS, StackSettings } from "./settings";
import { ProgramStackOutputs } from "./stack-outputs";

/** What tests may change about how the program is built (never a setting). */
export interface StackBuildOptions {
  /** The sign-in function's TypeScript entry, when not the project's own. */
  readonly signInHandlerEntry?: string;
  /** The state backend the stack lives in (default: the one the Pulumi CLI uses, see state-backend.ts). */
  readonly backend?: BackendFacts;
}

/** An output declared before the resource that resolves it: the output, and its resolver. */
type Deferred<T> = [pulumi.Output<T>, (source: pulumi.Output<T>) => void];

/**
 * The viewer and the data bucket each need the other's address (CORS origin and log source one way,
 * the Content-Security-Policy's data origin the other): the viewer's are declared first and resolved
 * once it exists. Each is absent where the stack has no use for it.
 */
interface PendingViewerOutputs {
  /** Self-hosted: the viewer's origin: the CORS rule allows it, sign-in's callback URLs start with it. */
  readonly origin?: Deferred<string>;
  /** Self-hosted with access logging: the viewer bucket, whose server access logs the log bucket takes. */
  readonly bucketArn?: Deferred<string>;
  /** Sign-in mode (settings refuse it without the self-hosted viewer): the distribution reads the data. */
  readonly distributionArn?: Deferred<string>;
}

/** The stack's components, as its outputs read them. */
interface StackComponents {
  readonly storage: PrivateDataBucket;
  readonly presigner: PresignerIdentity;
  readonly viewer?: PrivateViewer;
  readonly access?: SignInAccess;
  readonly allowedOrigins: pulumi.Output<string[]>;
}

/** Wires validated settings into the components (the viewer only when self-hosted); `name` prefixes every resource. */
export function buildStack(
  settings: StackSettings,
  name = "chromoscope",
  opts?: pulumi.ComponentResourceOptions,
  build: StackBuildOptions = {},
): ProgramStackOutputs {
  // Checked before anything is declared, so a bad folder leaves no half-wired stack behind.
  checkViewerSettings(settings);
  const pending = pendingViewerOutputs(settings);
  // The CORS rule allows the viewer's own origin and the lab's extra ones (allowedOrigins).
  const ownViewerOrigin: pulumi.Input<string> = pending.origin ? pending.origin[0] : viewerOrigin(settings.viewerUrl);
  const allowedOrigins = pulumi.output(ownViewerOrigin).apply((own) => corsOrigins(own, settings.allowedOrigins));
  // The settings carry every argument of both components under the same names (a wider object
  // satisfies each Args interface); only the bucket's identity and the presigner's kind are added.
  const storage = new PrivateDataBucket(
    `${name}-data`,
    {
      ...settings,
      allowedOrigins,
      otherLoggedBucketArns: pending.bucketArn ? [pending.bucketArn[0]] : [],
      cloudFrontReads: pending.distributionArn && {
        distributionArn: pending.distributionArn[0],
        prefixes: [...settings.dataPrefixes, settings.configPrefix],
      },
    },
    opts,
  );
  const access = createSignInAccess(`${name}-sign-in`, settings, storage, pending, build, opts);
  const viewer =
    settings.viewer === "self-hosted" ? createViewer(`${name}-viewer`, settings, storage, access, opts) : undefined;
  if (viewer) {
    pending.origin?.[1](viewer.origin);
    pending.bucketArn?.[1](viewer.bucketArn);
    pending.distributionArn?.[1](viewer.distributionArn);
  }
  const presigner = new PresignerIdentity(
    `${name}-presigner`,
    {
      ...settings,
      bucketArn: storage.bucketArn,
      region: storage.region,
      kind: settings.presignerKind,
      viewerBucketArn: viewer?.bucketArn,
    },
    opts,
  );
  return stackOutputs(settings, { storage, presigner, viewer, access, allowedOrigins });
}

/** Refuses a self-hosted viewer's unusable build folder; warns when CORS still lets the public viewer read. */
function checkViewerSettings(settings: StackSettings): void {
  if (settings.viewer !== "self-hosted") return;
  const folderProblem = viewerFolderProblem(settings.viewerDistPath);
  if (folderProblem !== undefined) throw new pulumi.RunError(`viewerDistPath: ${folderProblem}`);
  const publicViewerOrigin = viewerOrigin(SETTING_SPECS.viewerUrl.default);
  if (settings.allowedOrigins.includes(publicViewerOrigin)) {
    void pulumi.log.warn(
      `allowedOrigins lists ${publicViewerOrigin} although the viewer is self-hosted: pages there may read what a link opens (CORS). Remove it once no live link opens the public viewer.`,
    );
  }
}

function pendingViewerOutputs(settings: StackSettings): PendingViewerOutputs {
  if (settings.viewer !== "self-hosted") return {};
  return {
    origin: pulumi.deferredOutput<string>(),
    bucketArn: settings.accessLogging ? pulumi.deferredOutput<string>() : undefined,
    distributionArn: settings.access === "sign-in" ? pulumi.deferredOutput<string>() : undefined,
  };
}

/** Sign-in mode's sign-in function, user pool and keys; undefined in links mode. */
function createSignInAccess(
  name: string,
  settings: StackSettings,
  storage: PrivateDataBucket,
  pending: PendingViewerOutputs,
  build: StackBuildOptions,
  opts?: pulumi.ComponentResourceOptions,
): SignInAccess | undefined {
  if (!pending.origin || !pending.distributionArn) return undefined;
  return new SignInAccess(
    name,
    {
      ...settings,
      signInClientSecret: pulumi.secret(settings.signInClientSecret),
      bucketName: storage.bucketName,
      bucketArn: storage.bucketArn,
      region: storage.region,
      bucketDomainName: storage.regionalDomainName,
      viewerOrigin: pending.origin[0],
      distributionArn: pending.distributionArn[0],
      handlerEntry: build.signInHandlerEntry,
    },
    opts,
  );
}

function createViewer(
  name: string,
  settings: StackSettings,
  storage: PrivateDataBucket,
  access: SignInAccess | undefined,
  opts?: pulumi.ComponentResourceOptions,
): PrivateViewer {
  return new PrivateViewer(
    name,
    {
      ...settings,
      distPath: settings.viewerDistPath,
      domain: settings.viewerDomain,
      certificateArn: settings.viewerCertificateArn,
      annotationTiles: settings.viewerAnnotationTiles,
      // With sign-in the app reads its data from its own origin ('self'); links reach the bucket.
      dataOrigins: access
        ? []
        : [
            pulumi
              .all([storage.bucketName, storage.region])
              .apply(([bucket, region]) => `https://${awsBucketAddress(bucket, region).host}`),
          ],
      logBucketName: storage.logBucketName,
      signInRoutes: access?.routes,
    },
    opts,
  );
}

/** The outputs both presigner kinds export (sign-in mode's only with sign-in). */
function sharedOutputs(settings: StackSettings, { storage, viewer, access, allowedOrigins }: StackComponents) {
  return {
    bucketName: storage.bucketName,
    bucketArn: storage.bucketArn,
    region: storage.region,
    dataPrefixes: [...settings.dataPrefixes],
    configPrefix: settings.configPrefix,
    ledgerPrefix: settings.ledgerPrefix,
    allowedOrigins,
    maxLinkLifetimeSeconds: settings.maxLinkLifetimeSeconds,
    logBucketName: storage.logBucketName,
    viewerUrl: viewer ? viewer.url : settings.viewerUrl,
    viewerDistributionId: viewer?.distributionId,
    viewerBucketName: viewer?.bucketName,
    viewerFilesDigest: viewer?.filesDigest,
    accessLogPrefix: storage.accessLogPrefix,
    access: settings.access,
    ...(access && {
      grantsPrefix: settings.grantsPrefix,
      auditPrefix: settings.auditPrefix,
      signInIssuer: access.issuer,
      signInUserPoolId: access.userPoolId,
      signInClientId: access.clientId,
      signInFunctionName: access.functionName,
      cookieKeyGeneration: settings.cookieKeyGeneration,
    }),
  };
}

function stackOutputs(settings: StackSettings, components: StackComponents): ProgramStackOutputs {
  const shared = sharedOutputs(settings, components);
  const { presigner } = components;
  if (settings.presignerKind === "role") {
    return {
      ...shared,
      presignerKind: "role",
      presignerRoleArn: required(presigner.roleArn, "roleArn"),
      presignerInstanceProfileName: presigner.instanceProfileName,
    };
  }
  return {
    ...shared,
    presignerKind: "user",
    presignerUserName: presigner.userName,
    activeKeySlot: presigner.activeKeySlot,
    keyGeneration: settings.keyGeneration,
    presignerAccessKeyId: presigner.activeAccessKeyId,
    presignerSecretAccessKey: presigner.activeSecretAccessKey,
    accessKeys: presigner.accessKeys,
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the presigner identity declared no ${what}`);
  return value;
}

/** Refuses a keyGeneration the deployed keys make unsafe; warns when allowKeyGenerationJump lets one through. */
function guardKeys(settings: StackSettings, deployed: DeployedKeys): void {
  const problem = deployedKeysProblem(settings, deployed);
  if (problem !== undefined) throw new pulumi.RunError(problem);
  if (deployed.kind === "unrecorded") {
    void pulumi.log.warn(
      `allowKeyGenerationJump: this update records keyGeneration ${settings.keyGeneration} for a stack deployed before the guard existed. Set it back to false afterwards.`,
    );
  } else if (deployed.kind === "recorded" && settings.keyGeneration > deployed.generation + 1) {
    void pulumi.log.warn(
      `allowKeyGenerationJump: ${KEY_GENERATION_OUTPUT} ${deployed.generation} -> ${settings.keyGeneration} replaces both keys; every live link dies. Set it back to false afterwards.`,
    );
  }
}

/**
 * What `pulumi up` runs: refuses, before any resource is declared, a keyGeneration that would replace
 * a key whose links are live (user kind) or a cookieKeyGeneration that would replace the key that
 * signs the current sessions (sign-in mode), then wires the stack and returns its outputs (absent
 * ones left out).
 */
export async function buildGuardedStack(
  settings: StackSettings,
  name = "chromoscope",
  opts?: pulumi.ComponentResourceOptions,
  build: StackBuildOptions = {},
): Promise<Record<string, unknown>> {
  const userKeys = settings.presignerKind === "user";
  const cookieKeys = settings.viewer === "self-hosted" && settings.access === "sign-in";
  if (userKeys || cookieKeys) {
    const deployed = selfReference(`${name}-deployed`, build.backend);
    if (userKeys) guardKeys(settings, await deployedKeys(deployed));
    if (cookieKeys) {
      const generation = await deployedGeneration(deployed, COOKIE_KEY_GENERATION_OUTPUT);
      const { cookieKeyGeneration, allowKeyGenerationJump } = settings;
      const problem = cookieKeyGenerationProblem(cookieKeyGeneration, generation, allowKeyGenerationJump);
      if (problem !== undefined) throw new pulumi.RunError(problem);
      if (generation !== undefined && cookieKeyGeneration > generation + 1) {
        void pulumi.log.warn(
          `allowKeyGenerationJump: ${COOKIE_KEY_GENERATION_OUTPUT} ${generation} -> ${cookieKeyGeneration} replaces both keys; every session ends. Set it back to false afterwards.`,
        );
      }
    }
  }
  const outputs = buildStack(settings, name, opts, build);
  return Object.fromEntries(Object.entries(outputs).filter(([, value]) => value !== undefined));
}
