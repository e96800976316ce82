/**
 * Cascades at real scale: deleting a course (or module, or lesson) with 60
 * lessons x 80 quiz questions plus learners' progress and attempts completes,
 * leaves nothing behind, and every transaction stays within half of each of
 * Convex's per-transaction limits (metered by `limits.ts`).
 */
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id, TableNames } from "../../convex/_generated/dataModel";
import type { MutationCtx } from "../../convex/_generated/server";
import { purgeCourse, purgeLessonRows, purgeModule } from "../../convex/model/cascades";
import { addLessons } from "../../convex/model/counters";
import { removeCourse } from "../../convex/model/courses";
import { insertCourse, settle, setup, useScheduler, type TestConvex, type World } from "./fixtures";
import { emptyUsage, meteredDb, overLimits, type Usage } from "./limits";

useScheduler();

const MODULES = 3;
const LESSONS_PER_MODULE = 20; // 60 lessons
const QUESTIONS = 80; // per lesson: 4,800 questions
const LEARNERS = 12; // progress and an attempt on every lesson: 720 + 720 rows
const CONTENT = "x".repeat(20_000); // lessons are the large rows

type Built = { courseId: Id<"courses">; moduleIds: Id<"courseModules">[]; lessonIds: Id<"lessons">[] };

/** Inserts the curriculum and learner rows directly, a lesson per transaction (as they were written). */
async function buildLargeCourse(world: World): Promise<Built> {
  const { t } = world;
  const courseId = await insertCourse(t, world.ids.instructor, { tags: ["botox"] });
  const learners = await t.run(async (ctx) => {
    const ids: Id<"users">[] = [];
    for (let i = 0; i < LEARNERS; i++) {
      const user = { firstName: "L", lastName: `${i}`, email: `l${i}@example.com`, isInstructor: false, isAdmin: false };
      ids.push(await ctx.db.insert("users", user));
    }
    return ids;
  });
  const moduleIds: Id<"courseModules">[] = [];
  const lessonIds: Id<"lessons">[] = [];
  for (let m = 0; m < MODULES; m++) {
    const moduleId = await t.run((ctx) =>
      ctx.db.insert("courseModules", { courseId, title: `M${m}`, order: m, createdAt: 1, updatedAt: 1 }),
    );
    moduleIds.push(moduleId);
    for (let l = 0; l < LESSONS_PER_MODULE; l++) {
      lessonIds.push(await t.run((ctx) => insertQuizLesson(ctx, courseId, moduleId, l, learners)));
    }
  }
  await t.run(async (ctx) => {
    await addLessons(ctx, courseId, lessonIds.length);
    await ctx.db.insert("wishlist", { userId: learners[0], courseId, addedAt: 1 });
    await ctx.db.insert("courseTags", { courseId, tag: "botox", visibility: "public", createdAt: 1 });
  });
  return { courseId, moduleIds, lessonIds };
}

async function insertQuizLesson(
  ctx: MutationCtx,
  courseId: Id<"courses">,
  moduleId: Id<"courseModules">,
  order: number,
  learners: Id<"users">[],
): Promise<Id<"lessons">> {
  const lessonId = await ctx.db.insert("lessons", {
    moduleId,
    courseId,
    title: `Quiz ${order}`,
    type: "quiz",
    content: CONTENT,
    order,
    createdAt: 1,
    updatedAt: 1,
  });
  for (let q = 0; q < QUESTIONS; q++) {
    await ctx.db.insert("quizQuestions", { lessonId, courseId, question: `Q${q}?`, options: ["a", "b"], correctOption: 0, order: q });
  }
  for (const userId of learners) {
    const common = { userId, courseId, lessonId };
    await ctx.db.insert("lessonProgress", { ...common, completed: true, timeSpent: 60, updatedAt: 1 });
    await ctx.db.insert("quizAttempts", {
      ...common,
      answers: [0],
      correctCount: 1,
      questionCount: 1,
      score: 100,
      passed: true,
      createdAt: 1,
    });
  }
  await ctx.db.insert("quizItemStatShards", { lessonId, shard: 0, attempts: learners.length, items: [] });
  return lessonId;
}

const TABLES = [
  "courses",
  "courseModules",
  "lessons",
  "quizQuestions",
  "lessonProgress",
  "quizAttempts",
  "wishlist",
  "courseTags",
  "studentCountShards",
  "quizItemStatShards",
] as const satisfies readonly TableNames[];

/** Rows of each table that belong to the course or to one of its lessons. */
async function rowsOf(t: TestConvex, { courseId, lessonIds }: Built): Promise<Record<string, number>> {
  const lessons = new Set<string>(lessonIds);
  return await t.run(async (ctx) => {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const rows = (await ctx.db.query(table).collect()) as { _id: string; courseId?: string; lessonId?: string }[];
      const ours = (row: (typeof rows)[number]) => row._id === courseId || row.courseId === courseId || lessons.has(row.lessonId ?? "");
      counts[table] = rows.filter(ours).length;
    }
    return counts;
  });
}

const nothing = Object.fromEntries(TABLES.map((table) => [table, 0]));

/**
 * Runs `step` one metered transaction at a time until it reports done; returns
 * each transaction's usage. Fails on a transaction over half of any limit.
 */
async function meteredBatches(t: TestConvex, step: (ctx: MutationCtx) => Promise<boolean>): Promise<Usage[]> {
  const usages: Usage[] = [];
  for (let batch = 0; batch < 200; batch++) {
    const usage = emptyUsage();
    const done = await t.run((ctx) => step({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx));
    expect(overLimits(usage, 2), `batch ${batch}: ${JSON.stringify(usage)}`).toEqual([]);
    usages.push(usage);
    if (done) return usages;
  }
  throw new Error("the cascade did not finish in 200 batches");
}

describe("the meter", () => {
  test("catches what Convex refuses: the course's 4,800 questions deleted in one transaction", { timeout: 120_000 }, async () => {
    const world = await setup();
    const { courseId } = await buildLargeCourse(world);
    const usage = emptyUsage();
    await world.t.run(async (ctx) => {
      const db = meteredDb(ctx.db, usage);
      const questions = await db.query("quizQuestions").collect();
      for (const question of questions) if (question.courseId === courseId) await db.delete(question._id);
    });
    expect(usage.readIntervals).toBe(4801);
    expect(overLimits(usage)).toEqual(["readIntervals"]);
  });
});

describe("courses:remove at scale", () => {
  test("60 lessons x 80 questions plus progress: gone for readers at once, then deleted in bounded batches", { timeout: 120_000 }, async () => {
    const world = await setup();
    const built = await buildLargeCourse(world);
    const { courseId } = built;
    const before = await rowsOf(world.t, built);
    expect(before).toMatchObject({ lessons: 60, quizQuestions: 4800, lessonProgress: 720, quizAttempts: 720, quizItemStatShards: 60 });

    const usage = emptyUsage();
    await world.t.run(async (ctx) => {
      const metered = { ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx;
      const course = await metered.db.get(courseId);
      if (course !== null) await removeCourse(metered, course);
    });
    expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
    expect(await world.as.instructor.query(api.courses.get, { id: courseId })).toBeNull();
    expect(await world.as.anonymous.query(api.courses.listByTag, { tag: "botox", paginationOpts: { numItems: 10, cursor: null } })).toMatchObject({ page: [] });

    const batches = await meteredBatches(world.t, (ctx) => purgeCourse(ctx, courseId));
    expect(await rowsOf(world.t, built)).toEqual(nothing);
    // 6,300 rows at most 256 per batch: about 25 batches, never one giant transaction.
    expect(batches.length).toBeGreaterThan(20);
    expect(batches.length).toBeLessThan(40);
  });

  test("through the public function and the scheduler: completes and leaves nothing", { timeout: 120_000 }, async () => {
    const world = await setup();
    const built = await buildLargeCourse(world);
    const { courseId } = built;
    await world.as.instructor.mutation(api.courses.remove, { id: courseId });
    expect(await world.as.instructor.query(api.courses.get, { id: courseId })).toBeNull();
    await settle(world.t);
    expect(await rowsOf(world.t, built)).toEqual(nothing);
  });
});

describe("courseModules:remove and lessons:remove at scale", () => {
  test("a module of 20 lessons x 80 questions: bounded batches; the rest of the course stays, lessonCount right", { timeout: 120_000 }, async () => {
    const world = await setup();
    const built = await buildLargeCourse(world);
    const { courseId, moduleIds } = built;
    await world.as.instructor.mutation(api.courseModules.remove, { id: moduleIds[0] });
    await meteredBatches(world.t, (ctx) => purgeModule(ctx, moduleIds[0]));
    expect(await rowsOf(world.t, built)).toMatchObject({
      courseModules: 2,
      lessons: 40,
      quizQuestions: 3200,
      lessonProgress: 480,
      quizItemStatShards: 40,
    });
    expect(await world.t.run(async (ctx) => (await ctx.db.get(courseId))?.lessonCount)).toBe(40);
  });

  test("a lesson's progress and attempts: bounded batches after the lesson itself is gone", { timeout: 120_000 }, async () => {
    const world = await setup();
    const built = await buildLargeCourse(world);
    const [lessonId] = built.lessonIds;
    await world.t.run(async (ctx) => {
      for (const question of await ctx.db.query("quizQuestions").withIndex("by_lesson", (q) => q.eq("lessonId", lessonId)).take(40)) {
        await ctx.db.delete(question._id); // a quiz within the 50-question rule
      }
    });
    await world.as.instructor.mutation(api.lessons.remove, { id: lessonId });
    expect(await world.t.run((ctx) => ctx.db.get(lessonId))).toBeNull();
    await meteredBatches(world.t, (ctx) => purgeLessonRows(ctx, lessonId));
    expect(await rowsOf(world.t, built)).toMatchObject({
      lessons: 59,
      quizQuestions: 59 * 80,
      lessonProgress: 59 * LEARNERS,
      quizItemStatShards: 59,
    });
  });
});
