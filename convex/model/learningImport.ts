/**
 * Bulk learning (`courseEnrollments:importLearning`, the service only): many
 * learners' enrolments, lessons, quiz attempts and reviews in one transaction,
 * for imports and the demo seed (`doctrina seed`). Each row goes through the same
 * rules as the learner's own calls (enrolFree or a completed checkout, then
 * `completeLesson`, `QuizAttempts.submit`, `Reviews.create`), so counters, the
 * audit trail, certificates and notifications are what those calls would make.
 *
 * Idempotent on re-run: a row whose learner is already enrolled in the course is
 * reported `exists` (with its certificate, if any) and writes nothing.
 *
 * Its cost is proportional to what it writes: a call reads each lesson and quiz's
 * questions once, a row reads its learner's enrolment and progress once, and the
 * course's completion (`completeCourseIfDone`: the course's lessons and the
 * learner's progress) is checked once per row after its lessons, not after each.
 * Bounded so a call at every bound stays within half of Convex's per-transaction
 * limits (tests/convex/learningImport.test.ts meters it).
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
import { questionsOf } from "./curriculum";

/** Rows per call: each reads ~30 intervals (enrolment, checkout, completion, certificate, review; Convex allows 4096). */
export const MAX_IMPORT_ROWS = 50;
/** Lessons completed per call: a quiz reads ~6 intervals and writes ~8 documents, a lesson ~1 and 3. */
export const MAX_IMPORT_LESSONS = 300;
/** Σ over rows of the live lessons in its course: its completion check reads ~3 documents each (Convex: 32k). */
export const MAX_IMPORT_WORK = 4000;

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
  const catalogue = new Catalogue(ctx);
  for (const row of rows) results.push(await importRow(ctx, catalogue, row));
  return results;
}

async function checkWork(ctx: MutationCtx, rows: LearningRow[]): Promise<void> {
  const sizes = new Map<Id<"courses">, number>();
  let work = 0;
  for (const row of rows) {
    if (!sizes.has(row.courseId)) sizes.set(row.courseId, (await Progress.liveLessons(ctx, row.courseId)).length);
    work += sizes.get(row.courseId) ?? 0;
  }
  if (work > MAX_IMPORT_WORK) {
    limit(`Too much learning for one call: ${work} lessons in the rows' courses, at most ${MAX_IMPORT_WORK}`, {
      max: MAX_IMPORT_WORK,
      work,
    });
  }
}

async function importRow(ctx: MutationCtx, catalogue: Catalogue, row: LearningRow): Promise<LearningResult> {
  const { userId, courseId } = row;
  const existing = await Enrollments.findEnrollment(ctx, userId, courseId);
  if (existing !== null) return await resultOf(ctx, "exists", existing);
  const caller = actingAs(await mustGet(ctx, userId, "User"));
  const course = await mustGet(ctx, courseId, "Course");
  await enrol(ctx, caller.user, course);
  // The learner's standing in the course while its lessons complete: nothing below changes the enrolment
  // (the course completes after the lessons), and their progress rows change only on lessons done here.
  const enrollment = await Enrollments.findEnrollment(ctx, userId, courseId);
  const progress = await Progress.progressRows(ctx, userId, courseId);
  const done = new Set<Id<"lessons">>();
  // The courses of the row's lessons (its own, or one the learner is already enrolled in).
  const touched = new Set<Id<"courses">>([courseId]);
  for (const { lessonId, timeSpent, answers } of row.lessons) {
    const seconds = answers === undefined ? Progress.checkSeconds(timeSpent ?? 0, "timeSpent", 0) : 0;
    const lesson = await catalogue.lesson(lessonId);
    const own = lesson.courseId === courseId;
    const learning = own
      ? Progress.checkLearnable(caller, { lesson, course, enrollment })
      : await Progress.learnableLesson(ctx, caller, lessonId);
    if (answers !== undefined) {
      const questions = lesson.type === "quiz" ? await catalogue.questionsOf(lessonId) : undefined;
      await QuizAttempts.submit(ctx, caller, lessonId, answers, { learning, questions, courseLater: true });
    } else {
      const current = own && !done.has(lessonId) ? (progress.get(lessonId) ?? null) : undefined;
      await Progress.completeLesson(ctx, userId, learning, { timeSpent: seconds, progress: current, courseLater: true });
    }
    done.add(lessonId);
    touched.add(learning.course._id);
  }
  // Once, after the row's lessons, rather than after each: what the learner's own calls leave after the last one.
  for (const id of touched) {
    await Progress.completeCourseIfDone(ctx, userId, id === courseId ? course : await mustGet(ctx, id, "Course"));
  }
  if (row.review !== undefined) await Reviews.create(ctx, caller.user, { courseId, ...row.review });
  const result = (await Enrollments.findEnrollment(ctx, userId, courseId)) ?? notFound("Enrollment", courseId);
  return await resultOf(ctx, "created", result);
}

/** What one call reads once however many rows need it: lessons and quiz questions, which an import never writes. */
class Catalogue {
  private readonly lessons = new Map<Id<"lessons">, Promise<Doc<"lessons">>>();
  private readonly questions = new Map<Id<"lessons">, Promise<Doc<"quizQuestions">[]>>();

  constructor(private readonly ctx: MutationCtx) {}

  lesson(id: Id<"lessons">): Promise<Doc<"lessons">> {
    return memo(this.lessons, id, () => mustGet(this.ctx, id, "Lesson"));
  }

  questionsOf(id: Id<"lessons">): Promise<Doc<"quizQuestions">[]> {
    return memo(this.questions, id, () => questionsOf(this.ctx, id));
  }
}

function memo<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  if (!map.has(key)) map.set(key, make());
  return map.get(key) as V;
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
