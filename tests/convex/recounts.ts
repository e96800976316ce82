/**
 * The counters recounted in one transaction, as the tests' ground truth: test
 * data stays far below Convex's limits, so reading every row at once is fine
 * here (convex/ recounts in batches, model/recounts.ts).
 */
import type { Doc, Id } from "../../convex/_generated/dataModel";
import type { QueryCtx } from "../../convex/_generated/server";
import { ratingFields } from "../../convex/model/counters";

export type CourseCounters = Pick<Doc<"courses">, "lessonCount" | "studentCount" | "reviewCount" | "ratingSum" | "rating">;

export async function recountCourse(ctx: QueryCtx, courseId: Id<"courses">): Promise<CourseCounters> {
  const lessons = await ctx.db.query("lessons").withIndex("by_course", (q) => q.eq("courseId", courseId)).collect();
  const enrollments = await ctx.db.query("courseEnrollments").withIndex("by_course", (q) => q.eq("courseId", courseId)).collect();
  const students = enrollments.filter((row) => row.status === "active" || row.status === "completed").length;
  const reviews = await ctx.db.query("courseReviews").withIndex("by_course", (q) => q.eq("courseId", courseId)).collect();
  const sum = reviews.reduce((total, review) => total + review.rating, 0);
  return { lessonCount: lessons.length, studentCount: students, ...ratingFields(sum, reviews.length) };
}

export async function recountResource(ctx: QueryCtx, resourceId: Id<"resources">) {
  const favorites = await ctx.db.query("favorites").withIndex("by_resource", (q) => q.eq("resourceId", resourceId)).collect();
  const downloads = await ctx.db.query("resourceDownloads").withIndex("by_resource", (q) => q.eq("resourceId", resourceId)).collect();
  return { favoriteCount: favorites.length, downloadCount: downloads.length };
}

export async function recountReplies(ctx: QueryCtx, postId: Id<"courseDiscussions">): Promise<number> {
  const replies = await ctx.db
    .query("courseDiscussions")
    .withIndex("by_parent_deleted", (q) => q.eq("parentId", postId).eq("deletedAt", undefined))
    .collect();
  return replies.length;
}
