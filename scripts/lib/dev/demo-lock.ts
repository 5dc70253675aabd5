/**
 * One demo per data folder. A second `demo` on the folder of one that serves would rewrite its
 * outputs (new keys its server does not know) and fail to bind the port, breaking both; so a demo
 * holds `<data folder>/demo.lock` (its pid, when it started, where it serves) while it runs, and
 * another one refuses to start while that process lives. A lock whose process is gone (the demo
 * was killed, or the machine restarted) is stale: the next demo removes it and says so.
 */
import { openSync, readFileSync, unlinkSync, writeFileSync, closeSync, writeSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../errors";

export const DEMO_LOCK_FILE = "demo.lock";

/** What a lock file holds. */
export interface DemoLockRecord {
  pid: number;
  startedAt: string;
  /** Set once the server listens. */
  endpoint?: string;
}

export interface DemoLock {
  path: string;
  /** Records where the demo serves, for a second demo's message. */
  serving(endpoint: string): void;
  /** Removes the lock if it is still this demo's. */
  release(): void;
  /** The lock of a demo no longer running that was removed to take this one, if any. */
  recovered?: DemoLockRecord;
}

/** Locks held by demos of this process (the tests run several demos in one process). */
const HELD_HERE = new Set<string>();

/** Whether a process with this pid runs (EPERM: it does, as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readRecord(path: string): DemoLockRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as Partial<DemoLockRecord>;
    return Number.isSafeInteger(record.pid) && (record.pid as number) > 0 ? (record as DemoLockRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the recorded demo still runs: its process lives (and, in this process, holds the lock). */
function stillRuns(path: string, record: DemoLockRecord | undefined): boolean {
  if (record === undefined) return false;
  if (record.pid === process.pid) return HELD_HERE.has(path);
  return processRuns(record.pid);
}

/**
 * Takes the data folder's lock for this demo, or throws a UsageError naming the demo that holds it
 * and what to do. `shownFolder` is the folder as the user typed it, for messages.
 */
export function lockDataFolder(dataDir: string, shownFolder: string, now: Date): DemoLock {
  const path = join(dataDir, DEMO_LOCK_FILE);
  const record: DemoLockRecord = { pid: process.pid, startedAt: now.toISOString() };
  let recovered: DemoLockRecord | undefined;
  // A few tries: another demo may take or drop the lock between the reads and the create.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const descriptor = openSync(path, "wx", 0o644);
      try {
        writeSync(descriptor, `${JSON.stringify(record)}\n`);
      } finally {
        closeSync(descriptor);
      }
      HELD_HERE.add(path);
      return {
        path,
        recovered,
        serving: (endpoint) => {
          record.endpoint = endpoint;
          writeFileSync(path, `${JSON.stringify(record)}\n`);
        },
        release: () => {
          HELD_HERE.delete(path);
          if (readRecord(path)?.pid !== process.pid) return;
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = readRecord(path);
    if (stillRuns(path, holder)) throw inUse(holder!, shownFolder, path);
    recovered = holder ?? recovered;
    try {
      unlinkSync(path);
    } catch {
      // removed by another demo meanwhile: try again
    }
  }
  throw new UsageError(`--data-dir ${shownFolder}: another demo keeps taking its lock (${path})`, {
    fix: "stop the other demos using this folder, or pass another --data-dir",
  });
}

function inUse(holder: DemoLockRecord, shownFolder: string, path: string): UsageError {
  const where = holder.endpoint ? `, serving ${holder.endpoint}` : "";
  return new UsageError(
    `--data-dir ${shownFolder} belongs to a demo that is running (pid ${holder.pid}${where}, since ${holder.startedAt}): ` +
      "a second demo there would replace its keys and outputs and break it",
    {
      fix:
        `use the running demo (the commands work against it with --outputs ${join(shownFolder, "outputs.json")}), ` +
        `stop it first (Ctrl-C in its terminal, or kill ${holder.pid}), or pass another --data-dir; ` +
        `if no demo runs (pid ${holder.pid} is another program now), delete ${path}`,
    },
  );
}
