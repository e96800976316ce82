/** `favorites`: resources a user saved. Each user reads and changes only their own. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { callerKey, requireUser, requireUserCaller } from "./model/auth";
import * as Favorites from "./model/favorites";
import { idempotent } from "./model/idempotency";
import { favoriteWithResource, idempotencyKey, paginated } from "./validators";

/**
 * Favorites the resource, or un-favorites it if it already is one; returns
 * whether it now is a favorite. Takes an `idempotencyKey` because a retried
 * toggle would otherwise flip the state back.
 */
export const toggle = mutation({
  args: { resourceId: v.id("resources"), idempotencyKey },
  returns: v.boolean(),
  handler: async (ctx, { resourceId, idempotencyKey: key }) => {
    const caller = await requireUserCaller(ctx);
    return await idempotent(ctx, { fn: "favorites:toggle", caller: callerKey(caller), key, args: { resourceId } }, () =>
      Favorites.toggleFavorite(ctx, caller, resourceId),
    );
  },
});

/** The caller's favorites with their resources. */
export const listMine = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(favoriteWithResource),
  handler: async (ctx, { paginationOpts }) => {
    const caller = await requireUserCaller(ctx);
    const result = await ctx.db
      .query("favorites")
      .withIndex("by_user_resource", (q) => q.eq("userId", caller.user._id))
      .paginate(paginationOpts);
    return { ...result, page: await Promise.all(result.page.map((f) => Favorites.withResource(ctx, caller, f))) };
  },
});

/** Whether the caller has favorited the resource. */
export const isFavorite = query({
  args: { resourceId: v.id("resources") },
  returns: v.boolean(),
  handler: async (ctx, { resourceId }) => {
    const user = await requireUser(ctx);
    return (await Favorites.findFavorite(ctx, user._id, resourceId)) !== null;
  },
});
