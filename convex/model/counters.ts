/**
 * Denormalized counters. Each is changed in the same mutation as the rows it
 * counts (so it always equals a recount); `migrations:recountCounters` checks
 * each against a batched recount (model/recounts.ts).
 *
 * `studentCount` changes on every enrolment, and on Convex a mutation that
 * writes a document conflicts (OCC) with every concurrent one that read it;
 * every enrolment reads the course doc. So an enrolment writes one of
 * STUDENT_SHARDS `studentCountShards` rows, picked at random (two concurrent
 * enrolments conflict only on the same shard), and the shards' sum, always
 * equal to the recount, reaches `courses.studentCount` through a rollup
 * (`courses:rollUpStudents`) scheduled ROLLUP_DELAY_MS after the first change
 * since the last rollup: the course doc is written at most about once per
 * delay however many students enrol.
 *
 * | field                         | counts                                              |
 * |-------------------------------|-----------------------------------------------------|
 * | courses.lessonCount           | lessons of the course                               |
 * | courses.studentCount          | courseEnrollments with status active or completed   |
 * | courses.reviewCount/ratingSum | courseReviews of the course (rating = sum / count)  |
 * | resources.favoriteCount       | favorites of the resource                           |
 * | resources.downloadCount       | resourceDownloads of the resource                   |
 * | courseDiscussions.replyCount  | direct replies (parentId = the post), not deleted   |
 */
import type { Id } from "../_generated/dataModel";
import { internal } from "../_generated/api";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { mustGet } from "./errors";

export async function addLessons(ctx: MutationCtx, courseId: Id<"courses">, delta: number): Promise<void> {
  const course = await mustGet(ctx, courseId, "Course");
  await ctx.db.patch(courseId, { lessonCount: course.lessonCount + delta });
}

export const STUDENT_SHARDS = 16;
export const ROLLUP_DELAY_MS = 1000;

const studentShards = (ctx: QueryCtx, courseId: Id<"courses">) =>
  ctx.db.query("studentCountShards").withIndex("by_course_shard", (q) => q.eq("courseId", courseId));

// The courses whose rollup each transaction (by its `ctx.db`, one per execution) already scheduled.
const rollupsScheduled = new WeakMap<MutationCtx["db"], Set<Id<"courses">>>();

/**
 * Adds `delta` to one random shard (a shard may go below 0; only the sum means
 * something) and schedules the rollup unless that shard already awaits one or
 * this transaction already scheduled one for the course: the rollup runs after
 * the transaction commits and sums every shard, so one covers all its changes
 * (a bulk import enrolling many learners in a course would otherwise queue a
 * rollup per shard it touched).
 */
export async function addStudents(ctx: MutationCtx, courseId: Id<"courses">, delta: number): Promise<void> {
  const shard = Math.floor(Math.random() * STUDENT_SHARDS);
  const row = await ctx.db
    .query("studentCountShards")
    .withIndex("by_course_shard", (q) => q.eq("courseId", courseId).eq("shard", shard))
    .unique();
  if (row === null) await ctx.db.insert("studentCountShards", { courseId, shard, count: delta, pending: true });
  else await ctx.db.patch(row._id, { count: row.count + delta, pending: true });
  const scheduled = rollupsScheduled.get(ctx.db) ?? new Set<Id<"courses">>();
  if (row?.pending !== true && !scheduled.has(courseId)) {
    await ctx.scheduler.runAfter(ROLLUP_DELAY_MS, internal.courses.rollUpStudents, { id: courseId });
    rollupsScheduled.set(ctx.db, scheduled.add(courseId));
  }
}

/** The exact student count: the sum of the course's shards (one index range of at most STUDENT_SHARDS rows). */
export async function studentCount(ctx: QueryCtx, courseId: Id<"courses">): Promise<number> {
  const rows = await studentShards(ctx, courseId).take(STUDENT_SHARDS);
  return rows.reduce((total, row) => total + row.count, 0);
}

/** Copies the shards' sum to `courses.studentCount` (writing only a change) and clears `pending`. */
export async function rollUpStudents(ctx: MutationCtx, courseId: Id<"courses">): Promise<void> {
  const course = await ctx.db.get(courseId);
  if (course === null) return;
  const rows = await studentShards(ctx, courseId).take(STUDENT_SHARDS);
  const sum = rows.reduce((total, row) => total + row.count, 0);
  if (course.studentCount !== sum) await ctx.db.patch(courseId, { studentCount: sum });
  for (const row of rows) if (row.pending) await ctx.db.patch(row._id, { pending: false });
}

/** Sets the count outright (the repair of `migrations:recountCounters`): one shard holding it, rolled up. */
export async function setStudents(ctx: MutationCtx, courseId: Id<"courses">, count: number): Promise<void> {
  for (const row of await studentShards(ctx, courseId).take(STUDENT_SHARDS)) await ctx.db.delete(row._id);
  await ctx.db.insert("studentCountShards", { courseId, shard: 0, count, pending: false });
  await ctx.db.patch(courseId, { studentCount: count });
}

/** Applies one review change: `added` and/or `removed` are ratings (an edit passes both). */
export async function changeReviews(
  ctx: MutationCtx,
  courseId: Id<"courses">,
  change: { added?: number; removed?: number },
): Promise<void> {
  const course = await mustGet(ctx, courseId, "Course");
  const count = (course.reviewCount ?? 0) + (change.added !== undefined ? 1 : 0) - (change.removed !== undefined ? 1 : 0);
  const sum = (course.ratingSum ?? 0) + (change.added ?? 0) - (change.removed ?? 0);
  await ctx.db.patch(courseId, ratingFields(sum, count));
}

export const ratingFields = (sum: number, count: number) => ({
  reviewCount: count,
  ratingSum: sum,
  rating: count === 0 ? undefined : sum / count,
});

export async function addFavorites(ctx: MutationCtx, resourceId: Id<"resources">, delta: number): Promise<void> {
  const resource = await mustGet(ctx, resourceId, "Resource");
  await ctx.db.patch(resourceId, { favoriteCount: resource.favoriteCount + delta });
}

export async function addDownloads(ctx: MutationCtx, resourceId: Id<"resources">, delta: number): Promise<void> {
  const resource = await mustGet(ctx, resourceId, "Resource");
  await ctx.db.patch(resourceId, { downloadCount: resource.downloadCount + delta });
}

export async function addReplies(ctx: MutationCtx, postId: Id<"courseDiscussions">, delta: number): Promise<void> {
  const post = await mustGet(ctx, postId, "Post");
  await ctx.db.patch(postId, { replyCount: post.replyCount + delta });
}
