/** Housekeeping for `idempotencyKeys` (see `model/idempotency.ts`): keys expire after seven days. */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { batchSize } from "./model/batches";
import { deleteExpired, IDEMPOTENCY_TTL_MS } from "./model/idempotency";
import { batchResult } from "./validators";

/**
 * Cron (daily): deletes keys created before `cutoff` (default: seven days ago),
 * one batch per run, continuing with the same cutoff while more remain.
 */
export const cleanup = internalMutation({
  args: { batchSize: v.optional(v.number()), cutoff: v.optional(v.number()) },
  returns: batchResult,
  handler: async (ctx, args) => {
    const size = batchSize(args.batchSize);
    const cutoff = args.cutoff ?? Date.now() - IDEMPOTENCY_TTL_MS;
    const result = await deleteExpired(ctx, cutoff, size);
    if (!result.done) await ctx.scheduler.runAfter(0, internal.idempotencyKeys.cleanup, { batchSize: size, cutoff });
    return result;
  },
});
