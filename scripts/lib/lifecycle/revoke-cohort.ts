/**
 * revoke-cohort's library: what a revoke acts on (the cohort's publications, or the one named, and
 * the objects of its folder no ledger entry names), the rotation that ends data links copied out of
 * them, and the revoke itself. The caller decides the mode; this module asks nothing: it tells the
 * caller's hooks what it planned and did, in order, and a hook that throws stops it.
 */
import { StackOutputs } from "../../../components/stack-outputs";
import { latestExpiry, Publication } from "../ledger/fold";
import { linksWork, stackKeysOf } from "../ledger/publication-status";
import { ValidationError } from "../errors";
import { printable, randomHex8 } from "../naming";
import { ObjectStore } from "../s3/object-store";
import { CohortFolder, deleteStrays, surveyCohortFolder } from "./cohort-folder";
import { carryOutRotation, PreparedRotation, prepareRotation, RotationIo, RotationOutcome } from "./key-rotation";
import { loadPublications, noPublicationError, RevokeResult, revokePublications } from "./publications";
import { KeySlots, keySlotsOf, planRevokeRotation, RevokeRotationPlan } from "./rotation";

/**
 * What one revoke does, decided before anything is read: a dry run (that plans the rotation too with
 * rotate), a revoke (asking first when `ask`), or a revoke with a rotation, run through Pulumi or
 * printed as commands.
 */
export type RevokeMode =
  | { readonly kind: "dry-run"; readonly rotate: boolean; readonly generation?: number }
  | { readonly kind: "revoke"; readonly ask: boolean }
  | { readonly kind: "rotate"; readonly print: boolean; readonly ask: boolean; readonly generation?: number };

export interface RevokeRequest {
  cohort: string;
  mode: RevokeMode;
  /** Only this publication (its config key); its cohort's other objects are then left alone. */
  publication?: string;
}

export interface RevokeCohortContext {
  store: ObjectStore;
  outputs: StackOutputs;
  /** The Pulumi stack a rotation runs on (absent: the rotation can only be printed). */
  stack?: string;
  now: Date;
  warn: (message: string) => void;
  /** Where a rotation's Pulumi CLI writes, and its environment. */
  io: RotationIo;
}

/** What the revoke acts on: the chosen publications, and the folder's other objects it deletes too. */
export interface RevokeTarget {
  publications: Publication[];
  strays: CohortFolder;
}

export interface PlannedRotation {
  plan: RevokeRotationPlan;
  slots: KeySlots;
  /** Absent when no rotation is needed. */
  prepared?: PreparedRotation;
}

/** What the caller is told along the way; each may throw (e.g. not confirmed) to stop before anything changes. */
export interface RevokeHooks {
  /** The rotation planned (before anything is deleted). */
  rotationPlanned(rotation: PlannedRotation): Promise<void>;
  /** Before anything is deleted, when the mode asks. */
  confirmRevoke(target: RevokeTarget): Promise<void>;
  /** The configs deleted (and those revoked before). */
  revoked(result: RevokeResult): void;
  /** The folder's other objects deleted. */
  straysDeleted(strays: CohortFolder, deleted: readonly string[]): void;
}

export type RevokeOutcome =
  | { kind: "dry-run"; target: RevokeTarget }
  | {
      kind: "revoked";
      target: RevokeTarget;
      /** When the last data link of the revoked publications that still worked expires. */
      dataEnd?: Date;
      rotation?: PlannedRotation;
      /** The rotation run or printed (absent without one, or when the cohort had no publication). */
      rotated?: RotationOutcome;
    };

/** The publications a revoke acts on: all of the cohort's, or the one `configKey` names. */
function chosenPublications(folder: CohortFolder, configKey: string | undefined, cohort: string): Publication[] {
  if (configKey === undefined) return folder.publications;
  const chosen = folder.publications.filter((publication) => publication.configKey === configKey);
  if (chosen.length === 0) {
    throw new ValidationError(`--publication ${printable(configKey)} is not a publication of cohort "${cohort}"`, {
      details: folder.publications.map((publication) => publication.configKey),
      fix: "pass one of the config keys listed above (`npm run cohorts -- --cohort NAME` lists them)",
    });
  }
  return chosen;
}

export async function findRevokeTarget(
  request: RevokeRequest,
  context: Pick<RevokeCohortContext, "store" | "outputs" | "warn">,
): Promise<RevokeTarget> {
  const { store, outputs } = context;
  // Everything under the cohort's folder, ledgered or not (an interrupted publish leaves an orphan).
  const folder = await surveyCohortFolder(store, outputs, request.cohort, context.warn);
  if (folder.publications.length === 0 && folder.orphans.length === 0)
    throw noPublicationError(store.bucket, outputs, request.cohort);
  const publications = chosenPublications(folder, request.publication, request.cohort);
  // One publication's revoke deletes that publication only, never the cohort's other objects.
  const strays: CohortFolder =
    request.publication === undefined ? folder : { ...folder, orphans: [], leftovers: [], othersOrphans: [] };
  return { publications, strays };
}

/** The rotation that ends the cohort's live links, and what it breaks; prepared (generation checked) when needed. */
export async function planCohortRotation(
  mode: Extract<RevokeMode, { kind: "dry-run" | "rotate" }>,
  cohort: string,
  context: RevokeCohortContext,
): Promise<PlannedRotation> {
  const { outputs } = context;
  const slots = keySlotsOf(outputs);
  const everything = await loadPublications(context.store, outputs, { warn: context.warn });
  const plan = planRevokeRotation(slots, everything, cohort, context.now);
  if (plan.rotations === 0) return { plan, slots };
  // A dry run plans the rotation as --print does, running no Pulumi command.
  const print = mode.kind === "dry-run" || mode.print;
  const request = { stack: context.stack, generation: mode.generation, deployedGeneration: outputs.keyGeneration };
  const prepared = await prepareRotation({ ...request, print, slots, rotations: plan.rotations }, context.io);
  return { plan, slots, prepared };
}

/** Deletes the configs, records the revocation, then deletes the folder's strays. */
async function revokeTarget(target: RevokeTarget, context: RevokeCohortContext, hooks: RevokeHooks): Promise<void> {
  const { store, outputs } = context;
  const result = await revokePublications(target.publications, {
    store,
    configPrefix: outputs.configPrefix,
    ledgerPrefix: outputs.ledgerPrefix,
    now: context.now,
    randomHex: randomHex8,
  });
  hooks.revoked(result);
  hooks.straysDeleted(target.strays, await deleteStrays(store, target.strays));
}

/** The whole revoke: target, rotation plan, (dry run stops here), revoke, then the rotation. */
export async function revokeCohort(
  request: RevokeRequest,
  context: RevokeCohortContext,
  hooks: RevokeHooks,
): Promise<RevokeOutcome> {
  const { mode } = request;
  const target = await findRevokeTarget(request, context);
  const rotating = mode.kind === "rotate" || (mode.kind === "dry-run" && mode.rotate);
  const rotation = rotating ? await planCohortRotation(mode, request.cohort, context) : undefined;
  if (rotation) await hooks.rotationPlanned(rotation);
  if (mode.kind === "dry-run") return { kind: "dry-run", target };
  if (mode.kind === "revoke" && mode.ask) await hooks.confirmRevoke(target);
  await revokeTarget(target, context, hooks);
  if (target.publications.length === 0) return { kind: "revoked", target };
  const stackKeys = stackKeysOf(context.outputs);
  const working = target.publications.filter((publication) => linksWork(publication, stackKeys, context.now));
  const dataEnd = latestExpiry(working);
  if (mode.kind === "revoke" || rotation?.prepared === undefined) return { kind: "revoked", target, dataEnd, rotation };
  const rotated = await carryOutRotation(rotation.prepared, context.io);
  return { kind: "revoked", target, dataEnd, rotation, rotated };
}
