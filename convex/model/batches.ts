/**
 * Batched background work (cron jobs, migrations). Each run handles at most one
 * batch, well under Convex's per-transaction read and write limits, and the
 * function reschedules itself with `ctx.scheduler.runAfter(0, ...)` while more
 * remain.
 */
import { integerIn } from "./checks";

export const DEFAULT_BATCH_SIZE = 500;

/** What one batch did: rows processed, and `done` once none are left. */
export type BatchResult = { processed: number; done: boolean };

/** A batch that came back short of `size` took the last rows: nothing is left. */
export const batchOf = (processed: number, size: number): BatchResult => ({ processed, done: processed < size });
export const MAX_BATCH_SIZE = 1000;

/** A batch size argument: a whole number in 1..max, `fallback` when omitted. */
export function batchSize(value: number | undefined, fallback = DEFAULT_BATCH_SIZE, max = MAX_BATCH_SIZE): number {
  return integerIn(value ?? fallback, "batchSize", 1, max);
}
