/**
 * Rules for `courseDiscussions`: a course's forum of threads (top-level posts,
 * which need a title) and replies (`parentId`, at any depth). Only those who can
 * learn the course take part; posting needs `discussionEnabled`. Deleting is
 * soft (`deletedAt`, content blanked) so reply threads keep their structure;
 * `replyCount` counts a post's direct, non-deleted replies.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { canEditCourse } from "./access";
import { fullName, type Caller, type UserCaller } from "./auth";
import { requiredText } from "./checks";
import { addReplies } from "./counters";
import { requireLearnableCourse } from "./courseAccess";
import { forbidden, invalid, invalidState, mustGet, unauthenticated } from "./errors";
import { noteChange } from "./recounts";

const MAX_TITLE = 200;
const MAX_CONTENT = 10_000;

export type NewPost = { courseId: Id<"courses">; title?: string; content: string; parentId?: Id<"courseDiscussions"> };

/** The course, if the caller may read and write its discussions (students and editors). */
export const learnableCourse = (ctx: QueryCtx, caller: Caller, courseId: Id<"courses">): Promise<Doc<"courses">> =>
  requireLearnableCourse(
    ctx,
    caller,
    courseId,
    "Only the course's students and instructors take part in its discussions",
  );

function requireEnabled(course: Doc<"courses">): void {
  if (!course.discussionEnabled) invalidState("Discussions are turned off for this course", { courseId: course._id });
}

export async function insertPost(ctx: MutationCtx, caller: UserCaller, input: NewPost): Promise<Id<"courseDiscussions">> {
  const course = await learnableCourse(ctx, caller, input.courseId);
  requireEnabled(course);
  const content = requiredText(input.content, "content", MAX_CONTENT);
  const title = input.title === undefined ? undefined : requiredText(input.title, "title", MAX_TITLE);
  if (input.parentId === undefined && title === undefined) invalid("A new thread needs a title", "title");
  if (input.parentId !== undefined) await checkParent(ctx, input.parentId, course._id);
  const now = Date.now();
  const id = await ctx.db.insert("courseDiscussions", {
    courseId: course._id,
    userId: caller.user._id,
    userName: fullName(caller.user),
    title,
    content,
    parentId: input.parentId,
    replyCount: 0,
    createdAt: now,
    updatedAt: now,
  });
  if (input.parentId !== undefined) {
    await addReplies(ctx, input.parentId, 1);
    await noteChange(ctx, "replies", input.parentId, null, id);
  }
  return id;
}

async function checkParent(ctx: QueryCtx, parentId: Id<"courseDiscussions">, courseId: Id<"courses">): Promise<void> {
  const parent = await mustGet(ctx, parentId, "Post");
  if (parent.courseId !== courseId) invalid("A reply must be in its parent's course", "parentId");
  if (parent.deletedAt !== undefined) invalidState("This post was deleted and takes no replies", { parentId });
}

/** The author edits title and content while the post exists and discussions are on. */
export async function updatePost(
  ctx: MutationCtx,
  caller: UserCaller,
  post: Doc<"courseDiscussions">,
  changes: { title?: string; content?: string },
): Promise<void> {
  const course = await learnableCourse(ctx, caller, post.courseId);
  if (post.userId !== caller.user._id) forbidden("Only the author may edit a post");
  requireEnabled(course);
  if (post.deletedAt !== undefined) invalidState("This post was deleted", { id: post._id });
  await ctx.db.patch(post._id, {
    ...(changes.title === undefined ? {} : { title: requiredText(changes.title, "title", MAX_TITLE) }),
    ...(changes.content === undefined ? {} : { content: requiredText(changes.content, "content", MAX_CONTENT) }),
    updatedAt: Date.now(),
  });
}

/** Soft delete by the author, the course's editors or admins; deleting twice changes nothing. */
export async function deletePost(ctx: MutationCtx, caller: Caller, post: Doc<"courseDiscussions">): Promise<void> {
  if (caller.kind === "anonymous") unauthenticated();
  const course = await mustGet(ctx, post.courseId, "Course");
  const isAuthor = caller.kind === "user" && caller.user._id === post.userId;
  if (!isAuthor && !canEditCourse(caller, course)) {
    forbidden("Only the author, the course's instructor or an administrator may delete a post");
  }
  if (post.deletedAt !== undefined) return;
  const now = Date.now();
  await ctx.db.patch(post._id, { content: "", deletedAt: now, updatedAt: now });
  if (post.parentId !== undefined) {
    await addReplies(ctx, post.parentId, -1);
    await noteChange(ctx, "replies", post.parentId, post, post._id);
  }
}
