/**
 * `refresh-cohort`'s library: publish a cohort again, with fresh links, from the inputs its latest
 * publication recorded in the ledger. It decides which publication, which viewer, which expiry (and
 * whether to shorten it), hands the request to a publisher (the command's also prints the
 * publication), then tells which earlier publications of the cohort still work.
 */
import { viewerUrlProblem } from "../../../components/address-rules";
import { StackOutputs } from "../../../components/stack-outputs";
import { ValidationError } from "../errors";
import { Publication } from "../ledger/fold";
import { judgePublication, stackKeysOf } from "../ledger/publication-status";
import { printable } from "../naming";
import type { PublishRequest, PublishResult } from "../publication/publish-request";
import { isSignInStack, signInLink, viewerOriginOf } from "../publication/sign-in-publication";
import { ObjectStore } from "../s3/object-store";
import { instant } from "../text-format";
import { recordedSource, requirePublications } from "./publications";

export interface RefreshRequest {
  /** The cohort's exact name. */
  cohort: string;
  /** --expires in seconds; undefined: the recorded one, else the longest the credentials and the stack allow. */
  expiresSeconds?: number;
  /** With expiresSeconds: shorten it to the longest allowed instead of refusing it. */
  clamp?: boolean;
  /** --viewer-url; undefined: the viewer the publication chose, else the stack's current one. */
  viewerUrl?: string;
  /** Share the cohort again although its latest publication was revoked. */
  allowRevoked?: boolean;
  checkContent?: boolean;
  dryRun?: boolean;
  outFile?: string;
}

/** Why the links open another viewer than the stack's, or another than the publication's did. */
export type ViewerNote =
  /** The publication chose this viewer with --viewer-url; the refresh keeps it. */
  | { kind: "publication-choice"; viewerUrl: string; stackViewer: string }
  /** The stack's viewerUrl changed since: the links follow it. `recorded` may be anything the ledger held. */
  | { kind: "stack-moved"; recorded: string; recordedIsViewer: boolean; stackViewer: string };

export interface RefreshPlan {
  cohort: string;
  /** The cohort's publications, newest first; the first is the one refreshed. */
  publications: Publication[];
  latest: Publication;
  viewerNote?: ViewerNote;
  /** The recorded --expires, when it is repeated (none was given now). */
  recordedSeconds?: number;
  /** What is published. */
  publish: PublishRequest;
}

export type RefreshOutcome =
  /** A sign-in stack's link holds no key and never expires: nothing to re-sign. */
  | { kind: "sign-in"; cohort: string; link: string }
  | {
      kind: "published";
      plan: RefreshPlan;
      result: PublishResult;
      /** The earlier publications whose links still work (none after a dry run). */
      earlierLive: Publication[];
    };

export interface RefreshContext {
  store: ObjectStore;
  outputs: StackOutputs;
  now(): Date;
  warn(message: string): void;
}

/** What the caller is told, in order, and does: a hook that throws stops the refresh. */
export interface RefreshHooks {
  /** The plan, before anything is published. */
  planned(plan: RefreshPlan): void;
  /** Publishes the planned request (publishCohort, or a command's publish-and-report). */
  publish(request: PublishRequest): Promise<PublishResult>;
}

function isAppUrl(value: unknown): value is string {
  return typeof value === "string" && viewerUrlProblem(value) === undefined;
}

/** Refuses to share a revoked cohort again unless asked to. */
function assertNotRevoked(latest: Publication, request: RefreshRequest): void {
  if (latest.revokedAt !== undefined && !request.allowRevoked) {
    throw new ValidationError(
      `cohort ${JSON.stringify(request.cohort)} was revoked at ${instant(latest.revokedAt)}: refreshing would share it again`,
      { fix: "if you mean to share it again, add --allow-revoked" },
    );
  }
}

/**
 * The viewer a refresh links to when none is given: the one the publication chose with
 * --viewer-url, else the stack's current viewerUrl (undefined: publish uses it and records it as the
 * stack's), so a stack that moved to its own viewer moves its cohorts' links with it. The note says
 * when the links change viewer, or keep one the stack no longer uses.
 */
function refreshViewer(latest: Publication, stackViewer: string): { viewerUrl?: string; note?: ViewerNote } {
  const recorded = latest.inputs.viewerUrl;
  if (latest.inputs.viewerUrlSource === "option") {
    // The ledger is data in the bucket: a recorded viewer URL is used only if it is one.
    if (!isAppUrl(recorded)) {
      throw new ValidationError(
        `the viewer URL recorded in ${latest.ledgerKey} (${printable(String(recorded))}) is not a Chromoscope app URL`,
        { fix: "pass --viewer-url with the app's URL, e.g. --viewer-url https://chromoscope.bio/app/" },
      );
    }
    const note = { kind: "publication-choice" as const, viewerUrl: recorded, stackViewer };
    return { viewerUrl: recorded, ...(recorded !== stackViewer ? { note } : {}) };
  }
  if (recorded === stackViewer) return {};
  return {
    note: { kind: "stack-moved", recorded: String(recorded), recordedIsViewer: isAppUrl(recorded), stackViewer },
  };
}

/** Which publication is refreshed, and the request that publishes it again. */
export async function planRefresh(request: RefreshRequest, context: Omit<RefreshContext, "now">): Promise<RefreshPlan> {
  const { cohort } = request;
  const publications = await requirePublications(context.store, context.outputs, cohort, context.warn);
  const [latest] = publications;
  assertNotRevoked(latest, request);
  const viewer = request.viewerUrl === undefined ? refreshViewer(latest, context.outputs.viewerUrl) : undefined;
  // A recorded --expires is repeated but, not being given now, shortened rather than refused.
  const recorded = latest.inputs.requestedSeconds;
  const repeated = request.expiresSeconds === undefined ? recorded : undefined;
  const { checkContent, dryRun, outFile } = request;
  const publish: PublishRequest = {
    cohort,
    source: recordedSource(latest),
    expiresSeconds: request.expiresSeconds ?? recorded,
    clamp: request.expiresSeconds === undefined ? recorded !== undefined : request.clamp,
    viewerUrl: request.viewerUrl ?? viewer?.viewerUrl,
    checkContent,
    dryRun,
    outFile,
  };
  return {
    cohort,
    publications,
    latest,
    ...(viewer?.note ? { viewerNote: viewer.note } : {}),
    ...(repeated !== undefined ? { recordedSeconds: repeated } : {}),
    publish,
  };
}

/** The publications whose links still work (judged now against the stack's keys). */
export function stillLive(publications: readonly Publication[], outputs: StackOutputs, now: Date): Publication[] {
  const keys = stackKeysOf(outputs);
  return publications.filter((publication) => judgePublication(publication, keys, now).status === "live");
}

/** Plans the refresh, publishes it, and finds the earlier publications that keep working. */
export async function refreshCohort(
  request: RefreshRequest,
  context: RefreshContext,
  hooks: RefreshHooks,
): Promise<RefreshOutcome> {
  const { cohort } = request;
  if (isSignInStack(context.outputs)) {
    return { kind: "sign-in", cohort, link: signInLink(viewerOriginOf(context.outputs), cohort) };
  }
  const plan = await planRefresh(request, context);
  hooks.planned(plan);
  const result = await hooks.publish(plan.publish);
  const earlierLive = result.dryRun ? [] : stillLive(plan.publications, context.outputs, context.now());
  return { kind: "published", plan, result, earlierLive };
}
