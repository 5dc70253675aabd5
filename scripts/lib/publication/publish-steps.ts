/**
 * The steps of a publish as the outside sees them: each one timed on Node's performance timeline
 * (`publish:<step>`, where `npm run bench` reads it) and reported to a Progress, which the CLI
 * draws on a terminal once a step has run for a second.
 */
import { ObjectStore } from "../s3/object-store";

/**
 * The steps of a publish, in the order they run: the one list that names them for the progress
 * lines, the performance timeline and the bench report.
 */
export const PUBLISH_STEPS = [
  "read-input",
  "validate",
  "check-existence",
  "check-content",
  "sign",
  "upload-config",
  "write-ledger",
] as const;
export type PublishStep = (typeof PUBLISH_STEPS)[number];

export function isPublishStep(name: string): name is PublishStep {
  return (PUBLISH_STEPS as readonly string[]).includes(name);
}

/** Milliseconds spent in each step that ran. */
export type StepDurations = Partial<Record<PublishStep, number>>;

/** Reports progress of the steps; `total` is 0 when the step cannot know it (a listing). */
export interface Progress {
  start(step: PublishStep, total: number): void;
  tick(count?: number): void;
  stop(): void;
}

export async function step<T>(
  name: PublishStep,
  work: () => T | Promise<T>,
  progress?: Progress,
  total = 0,
): Promise<T> {
  const start = performance.now();
  progress?.start(name, total);
  try {
    return await work();
  } finally {
    progress?.stop();
    performance.measure(`publish:${name}`, { start });
  }
}

/** The same store, ticking `progress` for every object it lists and every object it reads. */
export function countingStore(store: ObjectStore, progress: Progress | undefined): ObjectStore {
  if (progress === undefined) return store;
  return {
    bucket: store.bucket,
    async *list(prefix, options) {
      for await (const object of store.list(prefix, options)) {
        progress.tick();
        yield object;
      }
    },
    put: (key, body, contentType, options) => store.put(key, body, contentType, options),
    remove: (key, options) => store.remove(key, options),
    read: async (key, range, options) => {
      const bytes = await store.read(key, range, options);
      progress.tick();
      return bytes;
    },
  };
}
