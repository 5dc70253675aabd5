/** What publishCohort is asked, what it works with, and what it returns. */
import { ResolvedCredentials } from "../s3/credentials";
import { ExpiryDecision } from "./expiry";
import { ObjectStore } from "../s3/object-store";
import { LocatedSample } from "../cohort/samples";
import { StackOutputs } from "../../../components/stack-outputs";
import type { Progress } from "./publish-steps";

export type { Progress };

export type CohortSource =
  | { kind: "manifest"; path: string }
  | { kind: "prefix"; prefix: string; cancer: string; assembly: string }
  /** Samples already resolved (refresh publishes again from the ledger's inputs). */
  | { kind: "samples"; samples: LocatedSample[] };

export interface PublishRequest {
  cohort: string;
  source: CohortSource;
  /** --expires in seconds; undefined: as long as the credentials and the stack allow. */
  expiresSeconds?: number;
  clamp?: boolean;
  /** --viewer-url (recorded as chosen for the cohort); defaults to the stack's viewerUrl. */
  viewerUrl?: string;
  /** Read each file's first bytes (default); false: --no-check-content. */
  checkContent?: boolean;
  dryRun?: boolean;
  /** --out: also write the config here (mode 0600, atomically). */
  outFile?: string;
}

export interface PublishContext {
  outputs: StackOutputs;
  credentials: ResolvedCredentials;
  store: ObjectStore;
  /** Path-style endpoint the links should point to (local or S3-compatible server). */
  endpoint?: string;
  now(): Date;
  randomHex(): string;
  progress?: Progress;
  /** Warnings for stderr. */
  warn?(message: string): void;
  /**
   * Aborts, with "SIGINT" or "SIGTERM" as reason, when the user interrupts: the publish stops its
   * requests, removes a config it stored but did not record, and throws an InterruptedError.
   */
  interruption?: AbortSignal;
  /** A follow-up command for the user, e.g. `npm run cohorts -- <the same stack options> <args>`. */
  suggest?: (script: string, args: readonly string[]) => string;
}

export interface PublishResult {
  cohort: string;
  dryRun: boolean;
  /** The Chromoscope link; absent on a dry run (nothing was uploaded). */
  link?: string;
  configKey: string;
  configUrl?: string;
  ledgerKey?: string;
  createdAt: Date;
  expiresAt: Date;
  expiry: ExpiryDecision;
  viewerUrl: string;
  sampleIds: string[];
  urlCount: number;
  configBytes: number;
  /** The exact bytes uploaded as the config (absent on a dry run): the share sheet reads them back. */
  configBody?: Buffer;
  signingAccessKeyId: string;
  /** Sign-in mode: the link is the stable `/open/` address and nothing expires. */
  access?: "sign-in";
  /** Sign-in mode: the folder the cohort's cookies open. */
  dataFolder?: string;
}
