/**
 * Rules for `lessonProgress`: one row per user and lesson, recording time spent
 * and completion. Learners are enrolled students and the course's editors
 * (instructors previewing); only enrolled students complete courses.
 *
 * Completing a lesson is idempotent: completing it again changes nothing, not
 * even `timeSpent`, so a retried call never counts time twice (time spent after
 * completion is added with `recordTime`). When the last lesson of a course is
 * completed the enrollment becomes `completed`, and the student gets a
 * certificate (`certificateEnabled`) or a milestone notification.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { canEditCourse } from "./access";
import type { UserCaller } from "./auth";
import * as Certificates from "./certificates";
import { integerIn } from "./checks";
import { MAX_LESSONS_PER_COURSE, modulesOf } from "./curriculum";
import * as Enrollments from "./enrollments";
import { forbidden, mustGet } from "./errors";
import { notify } from "./notifications";

const MAX_SECONDS = 24 * 60 * 60;

export type Learning = { lesson: Doc<"lessons">; course: Doc<"courses">; enrollment: Doc<"courseEnrollments"> | null };

/** The lesson and its course, if the caller may learn it (enrolled, or an editor of the course). */
export async function learnableLesson(ctx: QueryCtx, caller: UserCaller, lessonId: Id<"lessons">): Promise<Learning> {
  const lesson = await mustGet(ctx, lessonId, "Lesson");
  const course = await mustGet(ctx, lesson.courseId, "Course");
  const enrollment = await Enrollments.findEnrollment(ctx, caller.user._id, course._id);
  if (!Enrollments.grantsAccess(enrollment) && !canEditCourse(caller, course)) {
    return forbidden("Enroll in this course first");
  }
  return { lesson, course, enrollment };
}

/** Seconds spent: a whole number in `min..24 h`. */
export const checkSeconds = (value: number, field: string, min: number): number =>
  integerIn(value, field, min, MAX_SECONDS);

async function findProgress(ctx: QueryCtx, userId: Id<"users">, lessonId: Id<"lessons">) {
  return await ctx.db
    .query("lessonProgress")
    .withIndex("by_user_lesson", (q) => q.eq("userId", userId).eq("lessonId", lessonId))
    .unique();
}

/** Adds time to the user's progress on the lesson (creating the row, not completing it). */
export async function recordTime(
  ctx: MutationCtx,
  userId: Id<"users">,
  lesson: Doc<"lessons">,
  seconds: number,
): Promise<Id<"lessonProgress">> {
  const now = Date.now();
  const row = await findProgress(ctx, userId, lesson._id);
  if (row !== null) {
    await ctx.db.patch(row._id, { timeSpent: row.timeSpent + seconds, updatedAt: now });
    return row._id;
  }
  return await ctx.db.insert("lessonProgress", {
    userId,
    courseId: lesson.courseId,
    lessonId: lesson._id,
    completed: false,
    timeSpent: seconds,
    updatedAt: now,
  });
}

/** Completes the lesson (idempotent) and, for enrolled students, the course once every lesson is done. */
export async function completeLesson(
  ctx: MutationCtx,
  userId: Id<"users">,
  learning: Learning,
  timeSpent = 0,
): Promise<Id<"lessonProgress">> {
  const { lesson } = learning;
  const now = Date.now();
  const row = await findProgress(ctx, userId, lesson._id);
  if (row?.completed) return row._id;
  let id: Id<"lessonProgress">;
  if (row !== null) {
    id = row._id;
    await ctx.db.patch(id, { completed: true, completedAt: now, timeSpent: row.timeSpent + timeSpent, updatedAt: now });
  } else {
    id = await ctx.db.insert("lessonProgress", {
      userId,
      courseId: lesson.courseId,
      lessonId: lesson._id,
      completed: true,
      completedAt: now,
      timeSpent,
      updatedAt: now,
    });
  }
  await completeCourseIfDone(ctx, userId, learning.course);
  return id;
}

/** `Enrollments.enroll`; a returning student who had finished every lesson is completed again at once. */
export async function enrollReturning(
  ctx: MutationCtx,
  course: Doc<"courses">,
  input: Omit<Parameters<typeof Enrollments.enroll>[1], "courseId">,
): Promise<Id<"courseEnrollments">> {
  const id = await Enrollments.enroll(ctx, { ...input, courseId: course._id });
  await completeCourseIfDone(ctx, input.userId, course);
  return id;
}

/** Moves an active enrollment to `completed` once every lesson of the course is complete. */
export async function completeCourseIfDone(
  ctx: MutationCtx,
  userId: Id<"users">,
  course: Doc<"courses">,
): Promise<void> {
  const enrollment = await Enrollments.findEnrollment(ctx, userId, course._id);
  if (enrollment?.status !== "active") return;
  const progress = await courseProgress(ctx, userId, course._id);
  if (progress.totalLessons === 0 || progress.completedLessons < progress.totalLessons) return;
  await Enrollments.markCompleted(ctx, enrollment);
  if (course.certificateEnabled) {
    await Certificates.issue(ctx, userId, course);
    return;
  }
  await notify(ctx, userId, {
    type: "milestone",
    title: "Course completed",
    description: `Congratulations: you completed every lesson of ${course.title}.`,
    link: `/courses/${course._id}`,
    metadata: { courseId: course._id },
  });
}

/**
 * The user's progress through the course's current lessons (rows of deleted
 * lessons, and lessons of a module being deleted, do not count). `percent` rounds down, so 100 means every lesson; a
 * course completed before lessons were added stays `completed`.
 */
export async function courseProgress(ctx: QueryCtx, userId: Id<"users">, courseId: Id<"courses">) {
  const live = new Set((await modulesOf(ctx, courseId)).map((module) => module._id));
  // Bounded: at most MAX_LESSONS_PER_COURSE lessons holding at most MAX_CONTENT_PER_COURSE of content.
  const rows = await ctx.db
    .query("lessons")
    .withIndex("by_course", (q) => q.eq("courseId", courseId))
    .take(MAX_LESSONS_PER_COURSE);
  const lessons = rows.filter((lesson) => live.has(lesson.moduleId));
  // One small row per lesson the user completed (deleted lessons' rows go in `lessons:purge` batches).
  const done = await ctx.db
    .query("lessonProgress")
    .withIndex("by_user_course", (q) => q.eq("userId", userId).eq("courseId", courseId).eq("completed", true))
    .collect();
  const doneIds = new Set(done.map((row) => row.lessonId));
  const completedLessonIds = lessons.filter((lesson) => doneIds.has(lesson._id)).map((lesson) => lesson._id);
  const totalLessons = lessons.length;
  const completedLessons = completedLessonIds.length;
  const enrollment = await Enrollments.findEnrollment(ctx, userId, courseId);
  return {
    courseId,
    completedLessons,
    totalLessons,
    percent: totalLessons === 0 ? 0 : Math.floor((completedLessons * 100) / totalLessons),
    completedLessonIds,
    completed: enrollment?.status === "completed" || (totalLessons > 0 && completedLessons === totalLessons),
  };
}
