/**
 * The presigner's two access-key slots: which slot a generation signs with, which key a `pulumi up`
 * replaces, and when a key is due for rotation. Pure.
 */
import { KeySlot } from "../policy/documents/limits";
export type KeyStatus = "Active" | "Inactive";

export interface KeySlotPlan {
  activeSlot: KeySlot;
  /** For each slot, the generation that last (re)created its key; it drives `replacementTrigger`. */
  writtenAtGeneration: Record<KeySlot, number>;
  /** A slot no generation has written yet (-1) holds a spare key nobody signs with: it stays Inactive. */
  status: Record<KeySlot, KeyStatus>;
}

/**
 * Two slots alternate: generation g signs with slot g % 2. Going from g to g + 1 changes only the
 * trigger of the slot that becomes active, so the key that signed the live links of generation g
 * stays until the next bump.
 */
export function keySlotPlan(generation: number): KeySlotPlan {
  if (!Number.isSafeInteger(generation) || generation < 0) {
    throw new Error(`keyGeneration must be a non-negative integer, got ${generation}`);
  }
  const activeSlot: KeySlot = generation % 2 === 0 ? "a" : "b";
  const previous = generation - 1; // -1: the slot not yet used, created with the stack
  const writtenAtGeneration = activeSlot === "a" ? { a: generation, b: previous } : { a: previous, b: generation };
  const statusOf = (slot: KeySlot): KeyStatus => (writtenAtGeneration[slot] < 0 ? "Inactive" : "Active");
  return { activeSlot, writtenAtGeneration, status: { a: statusOf("a"), b: statusOf("b") } };
}

/** When a key created at `createdAt` is due for rotation. */
export function rotationDueAt(createdAt: string, keyRotationDays: number): string {
  const created = Date.parse(createdAt);
  if (Number.isNaN(created)) throw new Error(`access key creation date "${createdAt}" is not a date`);
  return new Date(created + keyRotationDays * 86_400_000).toISOString();
}
