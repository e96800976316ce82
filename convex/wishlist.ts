/** `wishlist`: courses saved for later. Each user reads and changes only their own. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { requireUser, requireUserCaller } from "./model/auth";
import * as Wishlist from "./model/wishlist";
import { paginated, wishlistDoc } from "./validators";

/** Saves a course the caller can see. Adding it twice is a no-op returning the existing row. */
export const add = mutation({
  args: { courseId: v.id("courses") },
  returns: wishlistDoc,
  handler: async (ctx, { courseId }) => {
    const caller = await requireUserCaller(ctx);
    return await Wishlist.addEntry(ctx, caller, courseId);
  },
});

/** Removes a course from the caller's wishlist; returns whether it was there. */
export const remove = mutation({
  args: { courseId: v.id("courses") },
  returns: v.boolean(),
  handler: async (ctx, { courseId }) => {
    const user = await requireUser(ctx);
    return await Wishlist.removeEntry(ctx, user._id, courseId);
  },
});

/** Whether the course is on the caller's wishlist. */
export const contains = query({
  args: { courseId: v.id("courses") },
  returns: v.boolean(),
  handler: async (ctx, { courseId }) => {
    const user = await requireUser(ctx);
    return (await Wishlist.findEntry(ctx, user._id, courseId)) !== null;
  },
});

/** The caller's wishlist. */
export const listMine = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(wishlistDoc),
  handler: async (ctx, { paginationOpts }) => {
    const user = await requireUser(ctx);
    return await ctx.db
      .query("wishlist")
      .withIndex("by_user", (q) => q.eq("userId", user._id))
      .paginate(paginationOpts);
  },
});
