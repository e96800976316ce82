/**
 * Rules for `lessonProgress`: one row per user and lesson, recording time spent
 * and completion. Learners are enrolled students and the course's editors
 * (instructors previewing); only enrolled students complete courses.
 *
 * A quiz lesson completes only through a passing attempt (`quizAttempts:submit`),
 * never through `lessonProgress:complete` (docs/compliance.md).
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
import { forbidden, invalidState, mustGet } from "./errors";
import { notify } from "./notifications";
import { recordChange } from "./audit";

const MAX_SECONDS = 24 * 60 * 60;
// A learner's rows in a course: one per lesson, plus rows of deleted lessons until `lessons:purge` removes them.
const MAX_PROGRESS_ROWS = 2 * MAX_LESSONS_PER_COURSE;

export type Learning = { lesson: Doc<"lessons">; course: Doc<"courses">; enrollment: Doc<"courseEnrollments"> | null };

/** The lesson and its course, if the caller may learn it (enrolled, or an editor of the course). */
export async function learnableLesson(ctx: QueryCtx, caller: UserCaller, lessonId: Id<"lessons">): Promise<Learning> {
  const lesson = await mustGet(ctx, lessonId, "Lesson");
  const course = await mustGet(ctx, lesson.courseId, "Course");
  const enrollment = await Enrollments.findEnrollment(ctx, caller.user._id, course._id);
  return checkLearnable(caller, { lesson, course, enrollment });
}

/** `learning` if the caller may learn its lesson: FORBIDDEN unless enrolled or an editor of the course. */
export function checkLearnable(caller: UserCaller, learning: Learning): Learning {
  if (!Enrollments.grantsAccess(learning.enrollment) && !canEditCourse(caller, learning.course)) {
    return forbidden("Enroll in this course first");
  }
  return learning;
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

/**
 * What completing a lesson takes: time spent, and for a quiz the passing attempt
 * (the only way it completes). For the bulk import, which reads a learner's
 * progress once: `progress`, the learner's row on the lesson as it stands (null:
 * none), read again when absent; `courseLater`, the caller runs
 * `completeCourseIfDone` itself once it has completed the learner's lessons in
 * the course, rather than after each one.
 */
export type Completion = {
  timeSpent?: number;
  quizAttemptId?: Id<"quizAttempts">;
  progress?: Doc<"lessonProgress"> | null;
  courseLater?: boolean;
};

/** A lesson counts as done when its row is completed and, for a quiz, a passing attempt completed it. */
export const isDone = (lesson: Doc<"lessons">, row: Doc<"lessonProgress"> | undefined): boolean =>
  row?.completed === true && (lesson.type !== "quiz" || row.quizAttemptId !== undefined);

/**
 * Completes the lesson (idempotent) and, for enrolled students, the course once
 * every lesson is done. A quiz lesson completes only with its passing attempt:
 * INVALID_STATE otherwise (`lessonProgress:complete` on a quiz).
 */
export async function completeLesson(
  ctx: MutationCtx,
  userId: Id<"users">,
  learning: Learning,
  completion: Completion = {},
): Promise<Id<"lessonProgress">> {
  const { lesson } = learning;
  const { timeSpent = 0, quizAttemptId, courseLater = false } = completion;
  if (lesson.type === "quiz" && quizAttemptId === undefined) {
    return invalidState("A quiz lesson is completed only by a passing attempt: submit it with quizAttempts:submit", {
      type: "quiz",
    });
  }
  const now = Date.now();
  const row = completion.progress !== undefined ? completion.progress : await findProgress(ctx, userId, lesson._id);
  if (row !== null && isDone(lesson, row)) return row._id;
  const done = { completed: true, completedAt: now, quizAttemptId, updatedAt: now };
  let id: Id<"lessonProgress">;
  if (row !== null) {
    id = row._id;
    await ctx.db.patch(id, { ...done, timeSpent: row.timeSpent + timeSpent });
  } else {
    id = await ctx.db.insert("lessonProgress", {
      ...done,
      userId,
      courseId: lesson.courseId,
      lessonId: lesson._id,
      timeSpent,
    });
  }
  await recordChange(ctx, { action: "lessonProgress.complete", targetId: id, details: { userId, lessonId: lesson._id, courseId: lesson.courseId } });
  if (!courseLater) await completeCourseIfDone(ctx, userId, learning.course);
  return id;
}

/** Keeps the learner's best quiz score on their progress row (reports read it), creating the row if needed. */
export async function recordScore(
  ctx: MutationCtx,
  userId: Id<"users">,
  lesson: Doc<"lessons">,
  score: number,
): Promise<void> {
  const row = await findProgress(ctx, userId, lesson._id);
  const now = Date.now();
  if (row === null) {
    await ctx.db.insert("lessonProgress", {
      userId,
      courseId: lesson.courseId,
      lessonId: lesson._id,
      completed: false,
      timeSpent: 0,
      updatedAt: now,
      bestScore: score,
    });
  } else if (row.bestScore === undefined || score > row.bestScore) {
    await ctx.db.patch(row._id, { bestScore: score, updatedAt: now });
  }
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

/** Moves an active enrollment to `completed` once every lesson is complete and every quiz passed. */
export async function completeCourseIfDone(
  ctx: MutationCtx,
  userId: Id<"users">,
  course: Doc<"courses">,
): Promise<void> {
  const enrollment = await Enrollments.findEnrollment(ctx, userId, course._id);
  if (enrollment?.status !== "active") return;
  const lessons = await liveLessons(ctx, course._id);
  if (!requirementsMet(lessons, await progressRows(ctx, userId, course._id))) return;
  await finishCourse(ctx, enrollment, course);
}

/**
 * What a completion (and the CE certificate standing on it) needs: the course
 * has lessons, each is complete, and each quiz was completed by a passing attempt.
 */
export function requirementsMet(lessons: Doc<"lessons">[], rows: Map<Id<"lessons">, Doc<"lessonProgress">>): boolean {
  return lessons.length > 0 && lessons.every((lesson) => isDone(lesson, rows.get(lesson._id)));
}

/** Completes the enrollment and issues the certificate (`certificateEnabled`) or a milestone notification. */
async function finishCourse(
  ctx: MutationCtx,
  enrollment: Doc<"courseEnrollments">,
  course: Doc<"courses">,
): Promise<void> {
  await Enrollments.markCompleted(ctx, enrollment);
  if (course.certificateEnabled) {
    await Certificates.issue(ctx, enrollment.userId, course);
    return;
  }
  await notify(ctx, enrollment.userId, {
    type: "milestone",
    title: "Course completed",
    description: `Congratulations: you completed every lesson of ${course.title}.`,
    link: `/courses/${course._id}`,
    metadata: { courseId: course._id },
  });
}

/** The course's current lessons: not deleted, not in a module being deleted. At most MAX_LESSONS_PER_COURSE. */
export async function liveLessons(ctx: QueryCtx, courseId: Id<"courses">): Promise<Doc<"lessons">[]> {
  const live = new Set((await modulesOf(ctx, courseId)).map((module) => module._id));
  // Bounded: at most MAX_LESSONS_PER_COURSE lessons holding at most MAX_CONTENT_PER_COURSE of content.
  const rows = await ctx.db
    .query("lessons")
    .withIndex("by_course", (q) => q.eq("courseId", courseId))
    .take(MAX_LESSONS_PER_COURSE);
  return rows.filter((lesson) => live.has(lesson.moduleId));
}

/** The user's progress rows in the course by lesson: one per lesson they touched, so at most the course's lessons. */
export async function progressRows(
  ctx: QueryCtx,
  userId: Id<"users">,
  courseId: Id<"courses">,
): Promise<Map<Id<"lessons">, Doc<"lessonProgress">>> {
  const rows = await ctx.db
    .query("lessonProgress")
    .withIndex("by_user_course", (q) => q.eq("userId", userId).eq("courseId", courseId))
    .take(MAX_PROGRESS_ROWS);
  return new Map(rows.map((row) => [row.lessonId, row]));
}

/** Active enrollments re-evaluated per transaction after a lesson is deleted (each reads one learner's rows). */
export const REEVALUATE_BATCH = 32;

/**
 * One batch of re-evaluating a course after lessons left it: an active learner
 * who has now done every remaining lesson completes (and gets the certificate).
 * Returns the cursor of the next batch, or null when every learner was seen.
 */
export async function reevaluateCourse(
  ctx: MutationCtx,
  courseId: Id<"courses">,
  cursor: string | null,
): Promise<string | null> {
  const course = await ctx.db.get(courseId);
  if (course === null || course.deletingAt !== undefined) return null;
  const lessons = await liveLessons(ctx, courseId);
  const page = await ctx.db
    .query("courseEnrollments")
    .withIndex("by_course", (q) => q.eq("courseId", courseId).eq("status", "active"))
    .paginate({ numItems: REEVALUATE_BATCH, cursor });
  for (const enrollment of page.page) {
    if (requirementsMet(lessons, await progressRows(ctx, enrollment.userId, courseId))) {
      await finishCourse(ctx, enrollment, course);
    }
  }
  return page.isDone ? null : page.continueCursor;
}

/**
 * The user's progress through the course's current lessons (rows of deleted
 * lessons, and lessons of a module being deleted, do not count; a quiz counts
 * once a passing attempt completed it). `percent` rounds down, so 100 means every
 * lesson; a course completed before lessons were added stays `completed`.
 */
export async function courseProgress(ctx: QueryCtx, userId: Id<"users">, courseId: Id<"courses">) {
  const lessons = await liveLessons(ctx, courseId);
  const rows = await progressRows(ctx, userId, courseId);
  const completedLessonIds = lessons.filter((lesson) => isDone(lesson, rows.get(lesson._id))).map((l) => l._id);
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

/**
 * Brings a progress row written before quiz completion needed its attempt
 * (`migrations:backfillQuizProgress`): on a quiz lesson it gets `bestScore` from
 * the learner's attempts and, when one of them passed, that attempt as
 * `quizAttemptId`. A quiz marked complete without any passing attempt keeps no
 * attempt, so it stops counting: the learner passes the quiz to complete it.
 * Idempotent; returns whether it wrote.
 */
export async function backfillQuizRow(ctx: MutationCtx, row: Doc<"lessonProgress">): Promise<boolean> {
  if (row.quizAttemptId !== undefined && row.bestScore !== undefined) return false;
  const lesson = await ctx.db.get(row.lessonId);
  if (lesson?.type !== "quiz") return false;
  const best = (passed: boolean) =>
    ctx.db
      .query("quizAttempts")
      .withIndex("by_user_lesson_passed", (q) =>
        q.eq("userId", row.userId).eq("lessonId", row.lessonId).eq("passed", passed),
      )
      .order("desc")
      .first();
  const passing = await best(true);
  const failing = await best(false);
  const scores = [passing?.score, failing?.score].filter((score) => score !== undefined);
  const bestScore = scores.length === 0 ? undefined : Math.max(...scores);
  const patch = {
    ...(bestScore === undefined || bestScore === row.bestScore ? {} : { bestScore }),
    ...(passing === null || row.quizAttemptId !== undefined || !row.completed ? {} : { quizAttemptId: passing._id }),
  };
  if (Object.keys(patch).length === 0) return false;
  await ctx.db.patch(row._id, patch);
  return true;
}
