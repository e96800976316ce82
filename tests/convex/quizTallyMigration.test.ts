/**
 * migrations:removeOrphanedQuizTallies: the repair for tallies that lesson,
 * module and course deletions left behind before they took them along.
 */
import { describe, expect, test } from "vitest";
import { internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { MutationCtx } from "../../convex/_generated/server";
import * as Migrations from "../../convex/migrations";
import { removeOrphanedQuizTallies } from "../../convex/model/migrations";
import { QUIZ_STAT_SHARDS } from "../../convex/model/quizStats";
import { expectCode, insertCourse, insertCurriculum, insertQuestions, settle, setup, type TestConvex, useScheduler } from "./fixtures";
import { emptyUsage, meteredDb, overLimits } from "./limits";

useScheduler();

const QUIZ = { type: "quiz" as const, content: "" };

/** Every shard of the quiz's tallies, each holding one answer to each of `questionIds`. */
async function insertTallies(t: TestConvex, lessonId: Id<"lessons">, questionIds: Id<"quizQuestions">[]) {
  await t.run(async (ctx) => {
    const items = questionIds.map((questionId) => ({ questionId, answered: 1, correct: 1, optionCounts: [1, 0, 0, 0] }));
    for (let shard = 0; shard < QUIZ_STAT_SHARDS; shard++) {
      await ctx.db.insert("quizItemStatShards", { lessonId, shard, attempts: 1, items });
    }
  });
}

/**
 * `live` quizzes with tallies, and `orphaned` quizzes whose lesson was deleted the
 * way the code before the fix did it: questions and lesson gone, tallies left.
 */
async function legacyTallies(t: TestConvex, instructor: Id<"users">, live: number, orphaned: number) {
  const courseId = await insertCourse(t, instructor);
  const lessonIds = await insertCurriculum(t, courseId, Array.from({ length: live + orphaned }, () => QUIZ));
  for (const lessonId of lessonIds) {
    const questionIds = await insertQuestions(t, lessonId, [{ options: ["a", "b", "c", "d"], correctOption: 0 }]);
    await insertTallies(t, lessonId, questionIds);
  }
  const gone = lessonIds.filter((_, i) => i % 2 === 1).slice(0, orphaned);
  await t.run(async (ctx) => {
    for (const lessonId of gone) {
      const questions = await ctx.db.query("quizQuestions").withIndex("by_lesson", (q) => q.eq("lessonId", lessonId)).collect();
      for (const question of questions) await ctx.db.delete(question._id);
      await ctx.db.delete(lessonId);
    }
  });
  return { live: lessonIds.filter((id) => !gone.includes(id)), gone };
}

type Report = Awaited<ReturnType<typeof removeOrphanedQuizTallies>>;

const allTallies = (t: TestConvex) => t.run((ctx) => ctx.db.query("quizItemStatShards").collect());

describe("migrations:removeOrphanedQuizTallies", () => {
  test("removes every tally of a deleted lesson across self-continuing batches; live tallies stay as they were", async () => {
    const { t, ids } = await setup();
    const { live, gone } = await legacyTallies(t, ids.instructor, 4, 3);
    const liveRows = (await allTallies(t)).filter((row) => live.includes(row.lessonId));
    const first = await t.mutation(internal.migrations.removeOrphanedQuizTallies, { batchSize: 2 });
    expect(first).toMatchObject({ processed: 2 * QUIZ_STAT_SHARDS, done: false });
    await settle(t);
    expect(await allTallies(t)).toEqual(liveRows);
    expect(new Set(liveRows.map((row) => row.lessonId))).toEqual(new Set(live));
    expect(gone).toHaveLength(3);
  });

  test("paged by the caller (autoContinue false), the batches resume from each cursor and sum to every orphan; a rerun removes none", async () => {
    const { t, ids } = await setup();
    await legacyTallies(t, ids.instructor, 3, 3);
    let cursor: Id<"lessons"> | undefined;
    const totals = { processed: 0, removed: 0, batches: 0 };
    for (;;) {
      const report = await t.mutation(internal.migrations.removeOrphanedQuizTallies, { cursor, batchSize: 2, autoContinue: false });
      totals.processed += report.processed;
      totals.removed += report.removed;
      totals.batches += 1;
      if (report.cursor === null) break;
      cursor = report.cursor;
    }
    expect(totals).toEqual({ processed: 6 * QUIZ_STAT_SHARDS, removed: 3 * QUIZ_STAT_SHARDS, batches: 4 });
    expect(await allTallies(t)).toHaveLength(3 * QUIZ_STAT_SHARDS);
    expect(await t.mutation(internal.migrations.removeOrphanedQuizTallies, {})).toEqual({
      processed: 3 * QUIZ_STAT_SHARDS,
      removed: 0,
      done: true,
      cursor: null,
    });
  });

  test("dryRun counts the rows it would remove, across its batches, and writes nothing", async () => {
    const { t, ids } = await setup();
    await legacyTallies(t, ids.instructor, 2, 2);
    const before = await allTallies(t);
    const report = await t.mutation(internal.migrations.removeOrphanedQuizTallies, { dryRun: true });
    expect(report).toEqual({ processed: 4 * QUIZ_STAT_SHARDS, removed: 2 * QUIZ_STAT_SHARDS, done: true, cursor: null });
    await t.mutation(internal.migrations.removeOrphanedQuizTallies, { dryRun: true, batchSize: 1 });
    await settle(t);
    expect(await allTallies(t)).toEqual(before);
  });

  test("a table without tallies is done at once", async () => {
    const { t } = await setup();
    expect(await t.mutation(internal.migrations.removeOrphanedQuizTallies, {})).toEqual({ processed: 0, removed: 0, done: true, cursor: null });
  });

  test("rejects a bad batch size or a cursor that is not a lesson id, writing nothing; is internal", async () => {
    const { t, ids } = await setup();
    await legacyTallies(t, ids.instructor, 1, 1);
    const before = await allTallies(t);
    for (const batchSize of [0, 33, 1.5]) {
      await expectCode(t.mutation(internal.migrations.removeOrphanedQuizTallies, { batchSize }), "VALIDATION");
    }
    const notALesson = ids.student as unknown as Id<"lessons">;
    await expect(t.mutation(internal.migrations.removeOrphanedQuizTallies, { cursor: notALesson })).rejects.toThrow(/lessons/);
    expect(await allTallies(t)).toEqual(before);
    expect(Migrations.removeOrphanedQuizTallies.isInternal).toBe(true);
  });

  test("a full batch of 32 quizzes of 50 questions with 100 KB lessons stays under half of Convex's limits, live or orphaned", async () => {
    const { t, ids } = await setup();
    const courseId = await insertCourse(t, ids.instructor);
    const content = "x".repeat(100_000);
    const lessonIds = await insertCurriculum(t, courseId, Array.from({ length: 64 }, () => ({ ...QUIZ, content })));
    const options = ["a", "b", "c", "d"];
    const questionIds = await insertQuestions(t, lessonIds[0], Array.from({ length: 50 }, () => ({ options, correctOption: 0 })));
    for (const lessonId of lessonIds) await insertTallies(t, lessonId, questionIds);
    // The first batch reads 32 live lessons (the most bytes), the second deletes 32 quizzes' rows (the most writes).
    const sorted = [...lessonIds].sort();
    await t.run(async (ctx) => {
      for (const lessonId of sorted.slice(32)) await ctx.db.delete(lessonId);
    });
    let cursor: Id<"lessons"> | null = null;
    for (const removed of [0, 32 * QUIZ_STAT_SHARDS]) {
      const usage = emptyUsage();
      const page: { cursor: Id<"lessons"> | null; size: number } = { cursor, size: 32 };
      const report: Report = await t.run((ctx) => removeOrphanedQuizTallies({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx, page));
      expect(report).toMatchObject({ processed: 32 * QUIZ_STAT_SHARDS, removed });
      expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
      cursor = report.cursor;
    }
  });
});
