/**
 * `events`: the feed of domain changes for integrating services, in commit
 * order with durable cursors (why it is exactly-once: `model/events.ts`).
 * Every state change writes its event in its own transaction (`model/audit.ts`).
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, query } from "./_generated/server";
import { requireAdmin } from "./model/auth";
import { batchSize } from "./model/batches";
import * as Events from "./model/events";
import { batchResult, feedEvent } from "./validators";

/**
 * Up to `limit` (default 100, at most 1000) events after cursor `after`
 * (default 0: the oldest retained), in cursor order. Save the last event's
 * `cursor` and pass it as `after` to resume: nothing is missed or repeated.
 * INVALID_STATE when events after `after` were pruned (30-day retention).
 * Admins and the service only.
 */
export const list = query({
  args: { after: v.optional(v.number()), limit: v.optional(v.number()) },
  returns: v.array(feedEvent),
  handler: async (ctx, { after, limit }) => {
    await requireAdmin(ctx);
    return await Events.list(ctx, after ?? 0, limit ?? Events.DEFAULT_LIST_LIMIT);
  },
});

/** Numbers pending events with cursors, in batches; scheduled by every change (see `model/events.ts`). */
export const sequence = internalMutation({
  args: {},
  returns: batchResult,
  handler: async (ctx) => {
    const result = await Events.sequence(ctx);
    if (!result.done) await ctx.scheduler.runAfter(0, internal.events.sequence, {});
    return result;
  },
});

/** Deletes events older than the 30-day retention, one batch per run (daily cron). */
export const prune = internalMutation({
  args: { batchSize: v.optional(v.number()) },
  returns: batchResult,
  handler: async (ctx, args) => {
    const size = batchSize(args.batchSize);
    const result = await Events.prune(ctx, size);
    if (!result.done) await ctx.scheduler.runAfter(0, internal.events.prune, { batchSize: size });
    return result;
  },
});
