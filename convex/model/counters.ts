/**
 * Denormalized counters. Each is changed in the same mutation as the rows it
 * counts (so it always equals a recount), and each has a recount used by
 * `migrations:recountCounters` and by the property-based tests.
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
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { mustGet } from "./errors";

export async function addLessons(ctx: MutationCtx, courseId: Id<"courses">, delta: number): Promise<void> {
  const course = await mustGet(ctx, courseId, "Course");
  await ctx.db.patch(courseId, { lessonCount: course.lessonCount + delta });
}

export async function addStudents(ctx: MutationCtx, courseId: Id<"courses">, delta: number): Promise<void> {
  const course = await mustGet(ctx, courseId, "Course");
  await ctx.db.patch(courseId, { studentCount: course.studentCount + delta });
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

// ---------------------------------------------------------------- recounts

export type CourseCounters = Pick<Doc<"courses">, "lessonCount" | "studentCount" | "reviewCount" | "ratingSum" | "rating">;

export async function recountCourse(ctx: QueryCtx, courseId: Id<"courses">): Promise<CourseCounters> {
  const lessons = await ctx.db.query("lessons").withIndex("by_course", (q) => q.eq("courseId", courseId)).collect();
  let students = 0;
  for (const status of ["active", "completed"] as const) {
    const rows = await ctx.db
      .query("courseEnrollments")
      .withIndex("by_course", (q) => q.eq("courseId", courseId).eq("status", status))
      .collect();
    students += rows.length;
  }
  const reviews = await ctx.db.query("courseReviews").withIndex("by_course", (q) => q.eq("courseId", courseId)).collect();
  const sum = reviews.reduce((total, review) => total + review.rating, 0);
  return { lessonCount: lessons.length, studentCount: students, ...ratingFields(sum, reviews.length) };
}

export type ResourceCounters = Pick<Doc<"resources">, "favoriteCount" | "downloadCount">;

export async function recountResource(ctx: QueryCtx, resourceId: Id<"resources">): Promise<ResourceCounters> {
  const favorites = await ctx.db.query("favorites").withIndex("by_resource", (q) => q.eq("resourceId", resourceId)).collect();
  const downloads = await ctx.db
    .query("resourceDownloads")
    .withIndex("by_resource", (q) => q.eq("resourceId", resourceId))
    .collect();
  return { favoriteCount: favorites.length, downloadCount: downloads.length };
}

export async function recountReplies(ctx: QueryCtx, postId: Id<"courseDiscussions">): Promise<number> {
  const replies = await ctx.db
    .query("courseDiscussions")
    .withIndex("by_parent_deleted", (q) => q.eq("parentId", postId).eq("deletedAt", undefined))
    .collect();
  return replies.length;
}
