/**
 * The event feed: the outbox rows `recordChange` writes (model/audit.ts), read in
 * cursor order by services that integrate with Doctrina.
 *
 * Why a sequencer. A cursor must grow in commit order, or a consumer that saved
 * cursor c could later meet an event with a smaller one and skip it. Times do
 * not give that order: `_creationTime` is a transaction's time, and under
 * optimistic concurrency a transaction that started earlier may commit later.
 * A counter bumped by every change would be exact but would make every state
 * change in the deployment conflict with every concurrent one (the enrolment
 * shards of model/counters.ts exist to avoid exactly that). So the change
 * writes its event pending (no cursor), conflicting with nothing, and
 * `sequence` (scheduled by the change, run after it commits) numbers the
 * pending events 1, 2, 3, ... from the `feedCounters` row:
 * - A run sees a snapshot: every event committed before it starts. An event it
 *   does not see committed later, and gets a higher cursor from a later run, so
 *   cursors never go back in commit order, and causally related changes (one
 *   read what the other wrote) keep their order.
 * - Runs read and write the counter row, so two concurrent runs conflict and
 *   Convex serializes them: no cursor is given twice, none is skipped.
 * - A consumer reads only numbered events (`cursor > after`), and a number,
 *   once committed, never changes. Storing the last cursor handled and
 *   resuming with `after` = it therefore yields each event exactly once,
 *   whoever restarts. Events pending together are numbered in creation order.
 * - No event stays pending: a run's read of the pending range conflicts with
 *   a change inserting into it (the run is retried, as Convex retries a
 *   scheduled mutation), and the run each change schedules starts after that
 *   change committed, so the last change's run numbers everything before it.
 * Retention: `prune` (daily cron) deletes events older than
 * EVENT_RETENTION_DAYS in bounded batches; `list` refuses a cursor whose next
 * events were pruned (INVALID_STATE) rather than skipping them silently.
 */
import type { Doc } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { batchOf, type BatchResult } from "./batches";
import { integerIn } from "./checks";
import { invalid, invalidState } from "./errors";

export const SEQUENCE_BATCH = 256;
export const EVENT_RETENTION_DAYS = 30;
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

type SequencedEvent = Doc<"events"> & { cursor: number };

/** Numbers up to SEQUENCE_BATCH pending events, oldest first; `done` once none are left. */
export async function sequence(ctx: MutationCtx): Promise<BatchResult> {
  const pending = await ctx.db
    .query("events")
    .withIndex("by_cursor", (q) => q.eq("cursor", undefined))
    .take(SEQUENCE_BATCH);
  if (pending.length === 0) return batchOf(0, SEQUENCE_BATCH);
  const counter = await ctx.db.query("feedCounters").first();
  let last = counter?.lastCursor ?? 0;
  for (const event of pending) await ctx.db.patch(event._id, { cursor: ++last });
  if (counter === null) await ctx.db.insert("feedCounters", { lastCursor: last });
  else await ctx.db.patch(counter._id, { lastCursor: last });
  return batchOf(pending.length, SEQUENCE_BATCH);
}

/** Up to `limit` events with a cursor above `after` (0: from the start), in cursor order. */
export async function list(ctx: QueryCtx, after: number, limit: number): Promise<SequencedEvent[]> {
  integerIn(after, "after", 0, Number.MAX_SAFE_INTEGER);
  integerIn(limit, "limit", 1, MAX_LIST_LIMIT);
  const events = (await ctx.db
    .query("events")
    .withIndex("by_cursor", (q) => q.gt("cursor", after))
    .take(limit)) as SequencedEvent[];
  if (events.length === 0) {
    const last = await lastCursor(ctx);
    if (after > last) invalid(`No event has cursor ${after}: the feed's last cursor is ${last}`, "after");
  }
  const next = events[0]?.cursor ?? (await lastCursor(ctx)) + 1;
  if (next > after + 1) {
    invalidState(`Events after cursor ${after} are past the feed's ${EVENT_RETENTION_DAYS}-day retention`, {
      oldestCursor: next,
    });
  }
  return events;
}

async function lastCursor(ctx: QueryCtx): Promise<number> {
  return (await ctx.db.query("feedCounters").first())?.lastCursor ?? 0;
}

/** Deletes up to `size` numbered events older than the retention period, oldest first. */
export async function prune(ctx: MutationCtx, size: number): Promise<BatchResult> {
  const cutoff = Date.now() - EVENT_RETENTION_DAYS * DAY_MS;
  const oldest = await ctx.db
    .query("events")
    .withIndex("by_cursor", (q) => q.gt("cursor", 0))
    .take(size);
  let deleted = 0;
  for (const event of oldest) {
    if (event._creationTime >= cutoff) return { processed: deleted, done: true };
    await ctx.db.delete(event._id);
    deleted++;
  }
  return batchOf(deleted, size);
}
