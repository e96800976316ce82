/** `purchases`: paid checkouts and their lifecycle. Rules live in `model/purchases.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import { isEnrolled } from "./model/access";
import { callerKey, canActFor, requireSignedIn, requireUser, requireUserCaller } from "./model/auth";
import { batchSize } from "./model/batches";
import { forbidden, mustGet, notFound } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Purchases from "./model/purchases";
import { batchResult, idempotencyKey, paginated, purchaseDoc, purchaseStatus } from "./validators";

/** Opens (or reuses) the caller's checkout for a paid course; the amount is the course's current price. */
export const createCheckout = mutation({
  args: { courseId: v.id("courses"), idempotencyKey },
  returns: purchaseDoc,
  handler: async (ctx, { courseId, idempotencyKey: key }) => {
    const caller = await requireUserCaller(ctx);
    const user = caller.user;
    const id = await idempotent(
      ctx,
      { fn: "purchases:createCheckout", caller: callerKey(caller), key, args: { courseId } },
      () => Purchases.createCheckout(ctx, user, courseId),
    );
    return await mustGet(ctx, id, "Purchase");
  },
});

/** Payment webhook: the checkout was paid. Idempotent on the session id; enrolls the buyer. */
export const complete = internalMutation({
  args: { id: v.id("purchases"), stripeCheckoutSessionId: v.string() },
  returns: purchaseDoc,
  handler: async (ctx, { id, stripeCheckoutSessionId }) => await Purchases.complete(ctx, id, stripeCheckoutSessionId),
});

/**
 * Stripe webhook (`convex/http.ts`): the checkout session whose `client_reference_id` names a
 * purchase was paid. Same rules as `complete`; an id that names no purchase is NOT_FOUND.
 */
export const completeCheckoutSession = internalMutation({
  args: { clientReferenceId: v.string(), stripeCheckoutSessionId: v.string() },
  returns: purchaseDoc,
  handler: async (ctx, { clientReferenceId, stripeCheckoutSessionId }) => {
    const id = ctx.db.normalizeId("purchases", clientReferenceId) ?? notFound("Purchase", clientReferenceId);
    return await Purchases.complete(ctx, id, stripeCheckoutSessionId);
  },
});

/** Payment webhook: the checkout session expired unpaid. */
export const expire = internalMutation({
  args: { id: v.id("purchases") },
  returns: purchaseDoc,
  handler: async (ctx, { id }) => await Purchases.expire(ctx, id),
});

/** Payment webhook: the purchase was refunded; access ends in the same transaction. */
export const refund = internalMutation({
  args: { id: v.id("purchases"), reason: v.optional(v.string()) },
  returns: purchaseDoc,
  handler: async (ctx, { id, reason }) => await Purchases.refund(ctx, id, reason),
});

/** Cron (hourly): expires open checkouts past `expiresAt`, one batch per run, continuing while more remain. */
export const expireStale = internalMutation({
  args: { batchSize: v.optional(v.number()) },
  returns: batchResult,
  handler: async (ctx, args) => {
    const size = batchSize(args.batchSize);
    const result = await Purchases.expireStale(ctx, size);
    if (!result.done) await ctx.scheduler.runAfter(0, internal.purchases.expireStale, { batchSize: size });
    return result;
  },
});

/** Whether the caller may learn the course through an enrollment (active or completed). */
export const hasAccess = query({
  args: { courseId: v.id("courses") },
  returns: v.boolean(),
  handler: async (ctx, { courseId }) => {
    const user = await requireUser(ctx);
    return await isEnrolled(ctx, user._id, courseId);
  },
});

/** A purchase: its buyer, admins and the service. */
export const get = query({
  args: { id: v.id("purchases") },
  returns: v.union(purchaseDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await requireSignedIn(ctx);
    const purchase = await ctx.db.get(id);
    if (purchase === null) return null;
    return canActFor(caller, purchase.userId) ? purchase : forbidden("You may only read your own purchases");
  },
});

/** The caller's purchases, optionally of one status. */
export const listMine = query({
  args: { paginationOpts: paginationOptsValidator, status: v.optional(purchaseStatus) },
  returns: paginated(purchaseDoc),
  handler: async (ctx, { paginationOpts, status }) => {
    const user = await requireUser(ctx);
    return await ctx.db
      .query("purchases")
      .withIndex("by_user", (q) =>
        status === undefined ? q.eq("userId", user._id) : q.eq("userId", user._id).eq("status", status),
      )
      .order("desc")
      .paginate(paginationOpts);
  },
});
