/**
 * Bulk learning (`courseEnrollments:importLearning`, the service only): many
 * learners' enrolments, lessons, quiz attempts and reviews in one transaction,
 * for imports and the demo seed (`doctrina seed`). Each row goes through the same
 * rules as the learner's own calls (enrolFree or a completed checkout, then
 * `completeLesson`, `QuizAttempts.submit`, `Reviews.create`), so counters, the
 * audit trail, certificates and notifications are what those calls would make.
 *
 * Idempotent on re-run: a row whose learner is already enrolled in the course is
 * reported `exists` (with its certificate, if any) and writes nothing. Bounded: each completion re-reads the
 * course's lessons and the learner's progress (`completeCourseIfDone`), so a call
 * may carry at most `MAX_IMPORT_WORK` lesson completions times lessons per course.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { SERVICE_ISSUER, type UserCaller } from "./auth";
import * as Enrollments from "./enrollments";
import { limit, mustGet, notFound } from "./errors";
import * as Progress from "./progress";
import * as Purchases from "./purchases";
import * as QuizAttempts from "./quizAttempts";
import * as Reviews from "./reviews";

export const MAX_IMPORT_ROWS = 50;
/** Lessons completed per call: each costs ~10 read intervals (Convex allows 4096 per transaction). */
export const MAX_IMPORT_LESSONS = 120;
/** Σ over rows of (lessons in the row × live lessons in its course): ~3 documents scanned each, under Convex's 32k. */
export const MAX_IMPORT_WORK = 6000;

export type LearningRow = {
  userId: Id<"users">;
  courseId: Id<"courses">;
  lessons: {
    lessonId: Id<"lessons">;
    timeSpent?: number;
    answers?: number[];
  }[];
  review?: { rating: number; content: string };
};

export type LearningResult = {
  userId: Id<"users">;
  courseId: Id<"courses">;
  status: "created" | "exists";
  enrollmentId: Id<"courseEnrollments">;
  purchaseId?: Id<"purchases">;
  certificateCode?: string;
};

export async function importLearning(ctx: MutationCtx, rows: LearningRow[]): Promise<LearningResult[]> {
  if (rows.length > MAX_IMPORT_ROWS) {
    return limit(`At most ${MAX_IMPORT_ROWS} rows per call`, {
      max: MAX_IMPORT_ROWS,
    });
  }
  const lessons = rows.reduce((total, row) => total + row.lessons.length, 0);
  if (lessons > MAX_IMPORT_LESSONS) {
    return limit(`At most ${MAX_IMPORT_LESSONS} lessons per call, not ${lessons}`, { max: MAX_IMPORT_LESSONS });
  }
  await checkWork(ctx, rows);
  const results: LearningResult[] = [];
  for (const row of rows) results.push(await importRow(ctx, row));
  return results;
}

async function checkWork(ctx: MutationCtx, rows: LearningRow[]): Promise<void> {
  const sizes = new Map<Id<"courses">, number>();
  let work = 0;
  for (const row of rows) {
    if (!sizes.has(row.courseId)) sizes.set(row.courseId, (await Progress.liveLessons(ctx, row.courseId)).length);
    work += row.lessons.length * (sizes.get(row.courseId) ?? 0);
  }
  if (work > MAX_IMPORT_WORK) {
    limit(`Too much learning for one call: ${work} lesson completions × course lessons, at most ${MAX_IMPORT_WORK}`, {
      max: MAX_IMPORT_WORK,
      work,
    });
  }
}

async function importRow(ctx: MutationCtx, row: LearningRow): Promise<LearningResult> {
  const { userId, courseId } = row;
  const existing = await Enrollments.findEnrollment(ctx, userId, courseId);
  if (existing !== null) return await resultOf(ctx, "exists", existing);
  const caller = actingAs(await mustGet(ctx, userId, "User"));
  const course = await mustGet(ctx, courseId, "Course");
  await enrol(ctx, caller.user, course);
  // The courses of the row's lessons (its own, or one the learner is already enrolled in).
  const touched = new Set<Id<"courses">>([courseId]);
  for (const { lessonId, timeSpent, answers } of row.lessons) {
    if (answers !== undefined) {
      touched.add((await QuizAttempts.submit(ctx, caller, lessonId, answers, { courseLater: true })).courseId);
    } else {
      const seconds = Progress.checkSeconds(timeSpent ?? 0, "timeSpent", 0);
      const learning = await Progress.learnableLesson(ctx, caller, lessonId);
      await Progress.completeLesson(ctx, userId, learning, { timeSpent: seconds, courseLater: true });
      touched.add(learning.course._id);
    }
  }
  // Once, after the row's lessons, rather than after each: what the learner's own calls leave after the last one.
  for (const id of touched) {
    await Progress.completeCourseIfDone(ctx, userId, id === courseId ? course : await mustGet(ctx, id, "Course"));
  }
  if (row.review !== undefined) await Reviews.create(ctx, caller.user, { courseId, ...row.review });
  const enrollment = (await Enrollments.findEnrollment(ctx, userId, courseId)) ?? notFound("Enrollment", courseId);
  return await resultOf(ctx, "created", enrollment);
}

/** The row's outcome, with the certificate its learner holds for the course (made now or before). */
async function resultOf(
  ctx: MutationCtx,
  status: LearningResult["status"],
  enrollment: Doc<"courseEnrollments">,
): Promise<LearningResult> {
  const { userId, courseId } = enrollment;
  const certificate = await ctx.db
    .query("certificates")
    .withIndex("by_user_course", (q) => q.eq("userId", userId).eq("courseId", courseId))
    .first();
  return {
    userId,
    courseId,
    status,
    enrollmentId: enrollment._id,
    purchaseId: enrollment.purchaseId,
    certificateCode: certificate?.verificationCode,
  };
}

/** A free course through `enrollFree`; a paid one through a checkout paid at once (a `cs_import_` session). */
async function enrol(ctx: MutationCtx, user: Doc<"users">, course: Doc<"courses">): Promise<void> {
  if (Enrollments.isFree(course)) {
    await Enrollments.enrollFree(ctx, user._id, course._id);
    return;
  }
  const purchaseId = await Purchases.createCheckout(ctx, user, course._id);
  await Purchases.complete(ctx, purchaseId, `cs_import_${purchaseId}`);
}

/** The learner as the service acting for them (the identity `acting_as` sends). */
const actingAs = (user: Doc<"users">): UserCaller => ({
  kind: "user",
  user,
  identity: {
    issuer: SERVICE_ISSUER,
    subject: user._id,
    tokenIdentifier: `${SERVICE_ISSUER}|${user._id}`,
  },
});
