/** `courseDiscussions`: a course's threaded forum. Rules live in `model/discussions.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { callerKey, getCaller, requireUserCaller } from "./model/auth";
import * as Discussions from "./model/discussions";
import { mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import { courseDiscussionDoc, idempotencyKey, paginated } from "./validators";

/**
 * Posts a thread (`title` required) or a reply (`parentId`, a live post of the
 * same course). Students and editors of a course with `discussionEnabled`.
 */
export const create = mutation({
  args: {
    courseId: v.id("courses"),
    title: v.optional(v.string()),
    content: v.string(),
    parentId: v.optional(v.id("courseDiscussions")),
    idempotencyKey,
  },
  returns: courseDiscussionDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const caller = await requireUserCaller(ctx);
    const id = await idempotent(ctx, { fn: "courseDiscussions:create", caller: callerKey(caller), key, args: input }, () =>
      Discussions.insertPost(ctx, caller, input),
    );
    return await mustGet(ctx, id, "Post");
  },
});

/** Edits the caller's own post. */
export const update = mutation({
  args: { id: v.id("courseDiscussions"), title: v.optional(v.string()), content: v.optional(v.string()) },
  returns: courseDiscussionDoc,
  handler: async (ctx, { id, ...changes }) => {
    const caller = await requireUserCaller(ctx);
    await Discussions.updatePost(ctx, caller, await mustGet(ctx, id, "Post"), changes);
    return await mustGet(ctx, id, "Post");
  },
});

/** Soft-deletes a post: its author, the course's instructor, admins. */
export const remove = mutation({
  args: { id: v.id("courseDiscussions") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    await Discussions.deletePost(ctx, caller, await mustGet(ctx, id, "Post"));
    return null;
  },
});

/** A post or null, for those who can learn its course. */
export const get = query({
  args: { id: v.id("courseDiscussions") },
  returns: v.union(courseDiscussionDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    const post = await ctx.db.get(id);
    if (post === null) return null;
    await Discussions.learnableCourse(ctx, caller, post.courseId);
    return post;
  },
});

/** A course's threads, newest first (deleted ones stay, blanked, so their replies keep a parent). */
export const listThreads = query({
  args: { courseId: v.id("courses"), paginationOpts: paginationOptsValidator },
  returns: paginated(courseDiscussionDoc),
  handler: async (ctx, { courseId, paginationOpts }) => {
    const caller = await getCaller(ctx);
    await Discussions.learnableCourse(ctx, caller, courseId);
    return await ctx.db
      .query("courseDiscussions")
      .withIndex("by_course", (q) => q.eq("courseId", courseId).eq("parentId", undefined))
      .order("desc")
      .paginate(paginationOpts);
  },
});

/** A post's direct replies, oldest first (conversation order). */
export const listReplies = query({
  args: { parentId: v.id("courseDiscussions"), paginationOpts: paginationOptsValidator },
  returns: paginated(courseDiscussionDoc),
  handler: async (ctx, { parentId, paginationOpts }) => {
    const caller = await getCaller(ctx);
    const parent = await mustGet(ctx, parentId, "Post");
    await Discussions.learnableCourse(ctx, caller, parent.courseId);
    return await ctx.db
      .query("courseDiscussions")
      .withIndex("by_parent", (q) => q.eq("parentId", parentId))
      .paginate(paginationOpts);
  },
});
