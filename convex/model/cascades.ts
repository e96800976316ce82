/**
 * Deleting a course or a module with everything under it, in bounded batches.
 *
 * A course (or module) is first marked `deletingAt`, which hides it from every
 * reader at once; then `purgeCourse` / `purgeModule` each delete at most one
 * batch per transaction and the calling internal mutation schedules the next
 * (`ctx.scheduler.runAfter(0, ...)`) until the target is gone. A batch deletes
 * at most PURGE_BATCH rows (each delete is one of Convex's 4,096 read-set
 * intervals and one of its 16,000 writes; each query adds one interval) and at
 * most LESSONS_PER_BATCH lessons, whose content (up to 100 KB each, read once by
 * the query and once by the delete) must stay far under the 16 MiB read limit.
 * Children go before their parents, so an interrupted cascade leaves no row
 * pointing at a deleted one, and `lessonCount` drops with each lesson deleted.
 */
import type { Doc, Id, TableNames } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { addLessons } from "./counters";

export const PURGE_BATCH = 256;
export const LESSONS_PER_BATCH = 32;

type Budget = { rows: number; lessons: number };
type Take = (count: number) => Promise<{ _id: Id<TableNames> }[]>;

const newBudget = (): Budget => ({ rows: PURGE_BATCH, lessons: LESSONS_PER_BATCH });

/** Deletes what `take` finds within the budget; true when it found fewer (none remain). */
async function deleteSome(ctx: MutationCtx, take: Take, budget: Budget): Promise<boolean> {
  if (budget.rows === 0) return false;
  const rows = await take(budget.rows);
  for (const row of rows) await ctx.db.delete(row._id);
  const exhausted = rows.length < budget.rows;
  budget.rows -= rows.length;
  return exhausted;
}

/** Deletes the rows hanging off a lesson (questions, progress, attempts, their tallies); true when none remain. */
export async function purgeLessonRows(ctx: MutationCtx, lessonId: Id<"lessons">, budget = newBudget()) {
  const takes: Take[] = [
    (n) => ctx.db.query("quizQuestions").withIndex("by_lesson", (q) => q.eq("lessonId", lessonId)).take(n),
    (n) => ctx.db.query("lessonProgress").withIndex("by_lesson", (q) => q.eq("lessonId", lessonId)).take(n),
    (n) => ctx.db.query("quizAttempts").withIndex("by_lesson", (q) => q.eq("lessonId", lessonId)).take(n),
    (n) => ctx.db.query("quizItemStatShards").withIndex("by_lesson_shard", (q) => q.eq("lessonId", lessonId)).take(n),
  ];
  for (const take of takes) {
    if (!(await deleteSome(ctx, take, budget))) return false;
  }
  return true;
}

/** Deletes lessons returned by `next` (after their rows) within the budget; true when none remain. */
async function purgeLessons(
  ctx: MutationCtx,
  courseId: Id<"courses">,
  next: () => Promise<Doc<"lessons"> | null>,
  budget: Budget,
): Promise<boolean> {
  let deleted = 0;
  let done = false;
  while (budget.rows > 0 && budget.lessons > 0) {
    const lesson = await next();
    if (lesson === null) {
      done = true;
      break;
    }
    if (!(await purgeLessonRows(ctx, lesson._id, budget))) break;
    await ctx.db.delete(lesson._id);
    budget.rows -= 1;
    budget.lessons -= 1;
    deleted += 1;
  }
  if (deleted > 0 && (await ctx.db.get(courseId)) !== null) await addLessons(ctx, courseId, -deleted);
  return done;
}

/** One batch of deleting a course marked `deletingAt`; true once the course is gone. */
export async function purgeCourse(ctx: MutationCtx, courseId: Id<"courses">): Promise<boolean> {
  if ((await ctx.db.get(courseId)) === null) return true;
  const budget = newBudget();
  const nextLesson = () =>
    ctx.db
      .query("lessons")
      .withIndex("by_course", (q) => q.eq("courseId", courseId))
      .first();
  if (!(await purgeLessons(ctx, courseId, nextLesson, budget))) return false;
  const takes: Take[] = [
    (n) => ctx.db.query("courseModules").withIndex("by_course", (q) => q.eq("courseId", courseId)).take(n),
    (n) => ctx.db.query("wishlist").withIndex("by_course", (q) => q.eq("courseId", courseId)).take(n),
    (n) => ctx.db.query("courseDiscussions").withIndex("by_course", (q) => q.eq("courseId", courseId)).take(n),
    (n) => ctx.db.query("courseTags").withIndex("by_course", (q) => q.eq("courseId", courseId)).take(n),
    (n) =>
      ctx.db
        .query("studentCountShards")
        .withIndex("by_course_shard", (q) => q.eq("courseId", courseId))
        .take(n),
  ];
  for (const take of takes) {
    if (!(await deleteSome(ctx, take, budget))) return false;
  }
  await ctx.db.delete(courseId);
  return true;
}

/** One batch of deleting a module marked `deletingAt`; true once the module is gone. */
export async function purgeModule(ctx: MutationCtx, moduleId: Id<"courseModules">): Promise<boolean> {
  const module = await ctx.db.get(moduleId);
  if (module === null) return true;
  const nextLesson = () =>
    ctx.db
      .query("lessons")
      .withIndex("by_module", (q) => q.eq("moduleId", moduleId))
      .first();
  if (!(await purgeLessons(ctx, module.courseId, nextLesson, newBudget()))) return false;
  await ctx.db.delete(moduleId);
  return true;
}
