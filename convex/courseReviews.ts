/** `courseReviews`: one review per enrolled student and course. Rules live in `model/reviews.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { callerKey, canActFor, getCaller, requireSignedIn, requireUser, requireUserCaller } from "./model/auth";
import { mustSeeCourse } from "./model/courseAccess";
import { forbidden, mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Reviews from "./model/reviews";
import { courseReviewDoc, idempotencyKey, paginated } from "./validators";

/** Reviews a course the caller is enrolled in: rating 1..5 stars and a text. */
export const create = mutation({
  args: { courseId: v.id("courses"), rating: v.number(), content: v.string(), idempotencyKey },
  returns: courseReviewDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const caller = await requireUserCaller(ctx);
    const user = caller.user;
    const id = await idempotent(ctx, { fn: "courseReviews:create", caller: callerKey(caller), key, args: input }, () =>
      Reviews.create(ctx, user, input),
    );
    return await mustGet(ctx, id, "Review");
  },
});

/** Edits the caller's own review. */
export const update = mutation({
  args: { id: v.id("courseReviews"), rating: v.optional(v.number()), content: v.optional(v.string()) },
  returns: courseReviewDoc,
  handler: async (ctx, { id, ...changes }) => {
    const user = await requireUser(ctx);
    const review = await mustGet(ctx, id, "Review");
    if (review.userId !== user._id) return forbidden("You may only edit your own review");
    await Reviews.update(ctx, review, changes);
    return await mustGet(ctx, id, "Review");
  },
});

/** Deletes a review: its author, admins and the service (moderation). */
export const remove = mutation({
  args: { id: v.id("courseReviews") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const caller = await requireSignedIn(ctx);
    const review = await mustGet(ctx, id, "Review");
    if (!canActFor(caller, review.userId)) return forbidden("You may only delete your own review");
    await Reviews.remove(ctx, review);
    return null;
  },
});

/** A visible course's reviews, newest first. */
export const listByCourse = query({
  args: { courseId: v.id("courses"), paginationOpts: paginationOptsValidator },
  returns: paginated(courseReviewDoc),
  handler: async (ctx, { courseId, paginationOpts }) => {
    const caller = await getCaller(ctx);
    await mustSeeCourse(ctx, caller, courseId);
    return await ctx.db
      .query("courseReviews")
      .withIndex("by_course", (q) => q.eq("courseId", courseId))
      .order("desc")
      .paginate(paginationOpts);
  },
});

/** The caller's review of a course, or null. */
export const getMine = query({
  args: { courseId: v.id("courses") },
  returns: v.union(courseReviewDoc, v.null()),
  handler: async (ctx, { courseId }) => {
    const user = await requireUser(ctx);
    return await Reviews.findMine(ctx, user._id, courseId);
  },
});
