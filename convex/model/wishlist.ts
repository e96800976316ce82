/** Rules for `wishlist`: courses a user saved for later, one row per user and course. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { UserCaller } from "./auth";
import { mustSeeCourse } from "./courseAccess";
import { mustGet } from "./errors";

export async function findEntry(
  ctx: QueryCtx,
  userId: Id<"users">,
  courseId: Id<"courses">,
): Promise<Doc<"wishlist"> | null> {
  return await ctx.db
    .query("wishlist")
    .withIndex("by_user", (q) => q.eq("userId", userId).eq("courseId", courseId))
    .unique();
}

/** Adds a course the caller can see (others are NOT_FOUND); adding it again returns the existing row. */
export async function addEntry(ctx: MutationCtx, caller: UserCaller, courseId: Id<"courses">): Promise<Doc<"wishlist">> {
  await mustSeeCourse(ctx, caller, courseId);
  const existing = await findEntry(ctx, caller.user._id, courseId);
  if (existing !== null) return existing;
  const id = await ctx.db.insert("wishlist", { userId: caller.user._id, courseId, addedAt: Date.now() });
  return await mustGet(ctx, id, "Wishlist entry");
}

/** Removes the course from the caller's wishlist; returns whether it was there. */
export async function removeEntry(ctx: MutationCtx, userId: Id<"users">, courseId: Id<"courses">): Promise<boolean> {
  const existing = await findEntry(ctx, userId, courseId);
  if (existing === null) return false;
  await ctx.db.delete(existing._id);
  return true;
}
