/**
 * Rules for `courseReviews`: enrolled students (active or completed) who have
 * completed at least one lesson review a course once; the course's own
 * instructor does not. Ratings are whole stars
 * 1..5. The reviewer's name and image are copied onto the review. Every create,
 * rating change and removal updates `courses.reviewCount`/`ratingSum`/`rating`
 * in the same transaction (`Counters.changeReviews`), so `rating` is always the
 * average of the course's reviews.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fullName } from "./auth";
import { integerIn, requiredText } from "./checks";
import * as Counters from "./counters";
import * as Enrollments from "./enrollments";
import { conflict, forbidden, invalidState, mustGet } from "./errors";
import * as Progress from "./progress";
import { noteChange } from "./recounts";

export const MAX_CONTENT = 5000;
/** Lessons a reviewer must have completed (unless they completed the course). */
export const MIN_COMPLETED_LESSONS = 1;

/** Whole stars, 1..5. */
export const checkRating = (rating: number): number => integerIn(rating, "rating", 1, 5);

export const checkContent = (content: string): string => requiredText(content, "content", MAX_CONTENT);

export async function findMine(ctx: QueryCtx, userId: Id<"users">, courseId: Id<"courses">) {
  return await ctx.db
    .query("courseReviews")
    .withIndex("by_user", (q) => q.eq("userId", userId).eq("courseId", courseId))
    .unique();
}

/**
 * The review rule (docs/compliance.md): a review speaks for a learner who took
 * part of the course, so the reviewer has completed the course or at least one
 * of its current lessons (a quiz counts once passed); INVALID_STATE otherwise.
 */
async function requireRealProgress(
  ctx: QueryCtx,
  userId: Id<"users">,
  courseId: Id<"courses">,
  completed: boolean,
): Promise<void> {
  if (completed) return;
  const progress = await Progress.courseProgress(ctx, userId, courseId);
  if (progress.completedLessons < MIN_COMPLETED_LESSONS) {
    invalidState("Complete at least one lesson of this course before reviewing it", {
      completedLessons: progress.completedLessons,
    });
  }
}

export async function create(
  ctx: MutationCtx,
  user: Doc<"users">,
  input: { courseId: Id<"courses">; rating: number; content: string },
): Promise<Id<"courseReviews">> {
  const rating = checkRating(input.rating);
  const content = checkContent(input.content);
  const course = await mustGet(ctx, input.courseId, "Course");
  if (course.instructorId === user._id) return forbidden("Instructors cannot review their own course");
  const enrollment = await Enrollments.findEnrollment(ctx, user._id, course._id);
  if (!Enrollments.grantsAccess(enrollment)) return forbidden("Only enrolled students may review this course");
  await requireRealProgress(ctx, user._id, course._id, enrollment?.status === "completed");
  if ((await findMine(ctx, user._id, course._id)) !== null) return conflict("You already reviewed this course");
  await Counters.changeReviews(ctx, course._id, { added: rating });
  const id = await ctx.db.insert("courseReviews", {
    courseId: course._id,
    userId: user._id,
    userName: fullName(user),
    userImage: user.image,
    rating,
    content,
    createdAt: Date.now(),
  });
  await noteChange(ctx, "reviews", course._id, null, id);
  return id;
}

export async function update(
  ctx: MutationCtx,
  review: Doc<"courseReviews">,
  changes: { rating?: number; content?: string },
): Promise<void> {
  const rating = changes.rating === undefined ? review.rating : checkRating(changes.rating);
  const content = changes.content === undefined ? review.content : checkContent(changes.content);
  if (rating !== review.rating)
    await Counters.changeReviews(ctx, review.courseId, { added: rating, removed: review.rating });
  await ctx.db.patch(review._id, { rating, content, updatedAt: Date.now() });
  if (rating !== review.rating) await noteChange(ctx, "reviews", review.courseId, review, review._id);
}

export async function remove(ctx: MutationCtx, review: Doc<"courseReviews">): Promise<void> {
  await Counters.changeReviews(ctx, review.courseId, { removed: review.rating });
  await ctx.db.delete(review._id);
  await noteChange(ctx, "reviews", review.courseId, review, review._id);
}
