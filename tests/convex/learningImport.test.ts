import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import type { MutationCtx } from "../../convex/_generated/server";
import { studentCount } from "../../convex/model/counters";
import { recountCourse } from "./recounts";
import {
  importLearning,
  MAX_IMPORT_LESSONS,
  MAX_IMPORT_ROWS,
  MAX_IMPORT_WORK,
  type LearningRow,
} from "../../convex/model/learningImport";
import {
  expectCode,
  insertCourse,
  insertCurriculum,
  insertQuestions,
  settle,
  setup,
  useScheduler,
  type World,
} from "./fixtures";
import { emptyUsage, meteredDb, overLimits } from "./limits";

useScheduler();

const REVIEW = { rating: 5, content: "Clear and safe." };

/** A published course of `videos` video lessons then a one-question quiz (answer 0). */
async function course(world: World, videos: number, overrides: Partial<Doc<"courses">> = {}) {
  const courseId = await insertCourse(world.t, world.ids.instructor, {
    certificateEnabled: true,
    ...overrides,
  });
  const lessons = await insertCurriculum(world.t, courseId, [
    ...Array.from({ length: videos }, () => ({})),
    { type: "quiz" as const, content: "" },
  ]);
  await insertQuestions(world.t, lessons[videos], [{ options: ["Aspirate", "Rush"], correctOption: 0 }]);
  return { courseId, lessons };
}

const allDone = (lessons: Id<"lessons">[]) =>
  lessons.map((lessonId, i) => (i === lessons.length - 1 ? { lessonId, answers: [0] } : { lessonId, timeSpent: 60 }));

async function learners(world: World, count: number): Promise<Id<"users">[]> {
  return await world.t.run(async (ctx) => {
    const ids: Id<"users">[] = [];
    for (let i = 0; i < count; i++) {
      ids.push(
        await ctx.db.insert("users", {
          firstName: "L",
          lastName: `${i}`,
          email: `l${i}@learner.example`,
          isInstructor: false,
          isAdmin: false,
        }),
      );
    }
    return ids;
  });
}

const count = (
  world: World,
  table: "lessonProgress" | "quizAttempts" | "certificates" | "courseReviews" | "purchases" | "auditLog",
) => world.t.run(async (ctx) => (await ctx.db.query(table).collect()).length);

const TABLES = [
  "courseEnrollments",
  "lessonProgress",
  "quizAttempts",
  "quizItemStatShards",
  "certificates",
  "courseReviews",
  "notifications",
  "auditLog",
  "events",
] as const;

/** What the learners' rules leave, whichever path ran them: rows per table, audited actions, progress, enrolments. */
const outcome = (world: World) =>
  world.t.run(async (ctx) => {
    const counts = Object.fromEntries(
      await Promise.all(TABLES.map(async (table) => [table, (await ctx.db.query(table).collect()).length] as const)),
    );
    const actions = (await ctx.db.query("auditLog").collect()).map((entry) => entry.action).sort();
    const progress = (await ctx.db.query("lessonProgress").collect())
      .map((row) => `${row.userId}:${row.lessonId}:${row.completed}:${row.timeSpent}:${row.bestScore}`)
      .sort();
    const enrollments = (await ctx.db.query("courseEnrollments").collect()).map((row) => `${row.userId}:${row.status}`).sort();
    return { counts, actions, progress, enrollments };
  });

describe("courseEnrollments:importLearning", () => {
  test("leaves exactly what the learners' own calls leave", async () => {
    const plan = async (world: World) => {
      const { courseId, lessons } = await course(world, 2);
      const [finisher, starter] = await learners(world, 2);
      return { courseId, lessons, finisher, starter };
    };
    const bulk = await setup();
    const b = await plan(bulk);
    await bulk.t.mutation(internal.courseEnrollments.importLearning, {
      rows: [
        { userId: b.finisher, courseId: b.courseId, lessons: allDone(b.lessons), review: REVIEW },
        { userId: b.starter, courseId: b.courseId, lessons: [{ lessonId: b.lessons[0], timeSpent: 60 }] },
      ],
    });
    const calls = await setup();
    const c = await plan(calls);
    for (const [learner, done] of [
      [c.finisher, c.lessons],
      [c.starter, c.lessons.slice(0, 1)],
    ] as const) {
      const as = calls.actingAs(learner);
      await as.mutation(api.courseEnrollments.enrollFree, { courseId: c.courseId });
      for (const lessonId of done) {
        if (lessonId === c.lessons[c.lessons.length - 1]) await as.mutation(api.quizAttempts.submit, { lessonId, answers: [0] });
        else await as.mutation(api.lessonProgress.complete, { lessonId, timeSpent: 60 });
      }
      if (learner === c.finisher) await as.mutation(api.courseReviews.create, { courseId: c.courseId, ...REVIEW });
    }
    await Promise.all([settle(bulk.t), settle(calls.t)]);
    const [fromBulk, fromCalls] = await Promise.all([outcome(bulk), outcome(calls)]);
    const ids = (text: string, pairs: [string, string][]) => pairs.reduce((out, [from, to]) => out.replaceAll(from, to), text);
    const rename = (o: typeof fromBulk, world: Awaited<ReturnType<typeof plan>>) => {
      const pairs: [string, string][] = [
        [world.finisher, "finisher"],
        [world.starter, "starter"],
        ...world.lessons.map((id, i): [string, string] => [id, `lesson${i}`]),
      ];
      return { ...o, progress: o.progress.map((row) => ids(row, pairs)), enrollments: o.enrollments.map((row) => ids(row, pairs)) };
    };
    expect(rename(fromBulk, b)).toEqual(rename(fromCalls, c));
    expect(fromBulk.counts.certificates).toBe(1);
  });

  test("enrols, completes lessons and quizzes, issues the certificate and posts the review, by the learners' rules", async () => {
    const world = await setup();
    const { courseId, lessons } = await course(world, 2);
    const [finisher, starter] = await learners(world, 2);
    const results = await world.t.mutation(internal.courseEnrollments.importLearning, {
      rows: [
        {
          userId: finisher,
          courseId,
          lessons: allDone(lessons),
          review: REVIEW,
        },
        {
          userId: starter,
          courseId,
          lessons: [{ lessonId: lessons[0], timeSpent: 30 }],
        },
      ],
    });
    expect(results.map((r) => r.status)).toEqual(["created", "created"]);
    expect(results[0].certificateCode).toEqual(expect.any(String));
    expect(results[1].certificateCode).toBeUndefined();
    const enrollments = await world.t.run((ctx) => Promise.all(results.map((r) => ctx.db.get(r.enrollmentId))));
    expect(enrollments.map((e) => e?.status)).toEqual(["completed", "active"]);
    expect(await count(world, "lessonProgress")).toBe(4);
    expect(await count(world, "quizAttempts")).toBe(1);
    expect(await count(world, "courseReviews")).toBe(1);
    expect(await count(world, "auditLog")).toBeGreaterThan(0);
    expect(await world.t.run((ctx) => studentCount(ctx, courseId))).toBe(2);
    await settle(world.t);
    const [stored, recount] = await world.t.run(
      async (ctx) => [await ctx.db.get(courseId), await recountCourse(ctx, courseId)] as const,
    );
    expect(recount.studentCount).toBe(2);
    expect(stored?.studentCount).toBe(2);
    expect(stored?.reviewCount).toBe(1);
  });

  test("enrolling many learners in a course schedules one student-count rollup, which counts them all", async () => {
    const world = await setup();
    const { courseId, lessons } = await course(world, 1);
    const rollups = () =>
      world.t.run(async (ctx) =>
        (await ctx.db.system.query("_scheduled_functions").collect()).filter((job) => job.name.includes("rollUpStudents")),
      );
    // 40 learners over 16 random shards: a rollup per shard touched, were it not once per transaction.
    const ids = await learners(world, 40);
    await world.t.mutation(internal.courseEnrollments.importLearning, {
      rows: ids.map((userId) => ({ userId, courseId, lessons: [{ lessonId: lessons[0], timeSpent: 60 }] })),
    });
    expect(await rollups()).toHaveLength(1);
    await settle(world.t);
    const stored = await world.t.run((ctx) => ctx.db.get(courseId));
    expect(stored?.studentCount).toBe(40);
    const shards = await world.t.run((ctx) => ctx.db.query("studentCountShards").collect());
    expect(shards.every((shard) => !shard.pending)).toBe(true);
  });

  test("a paid course goes through a completed checkout, counted as revenue", async () => {
    const world = await setup();
    const { courseId, lessons } = await course(world, 1, { price: 19900 });
    const [buyer] = await learners(world, 1);
    const [result] = await world.t.mutation(internal.courseEnrollments.importLearning, {
      rows: [{ userId: buyer, courseId, lessons: [{ lessonId: lessons[0] }] }],
    });
    const purchase = await world.t.run((ctx) => ctx.db.get(result.purchaseId!));
    expect(purchase).toMatchObject({
      status: "complete",
      amount: 19900,
      userId: buyer,
      courseId,
    });
    const enrollment = await world.t.run((ctx) => ctx.db.get(result.enrollmentId));
    expect(enrollment).toMatchObject({
      source: "purchase",
      purchaseId: result.purchaseId,
    });
  });

  test("re-running a batch reports `exists` and writes nothing", async () => {
    const world = await setup();
    const { courseId, lessons } = await course(world, 2);
    const [learner] = await learners(world, 1);
    const rows = [{ userId: learner, courseId, lessons: allDone(lessons), review: REVIEW }];
    await world.t.mutation(internal.courseEnrollments.importLearning, { rows });
    const before = await Promise.all([
      count(world, "lessonProgress"),
      count(world, "auditLog"),
      count(world, "courseReviews"),
    ]);
    const again = await world.t.mutation(internal.courseEnrollments.importLearning, { rows });
    expect(again.map((r) => r.status)).toEqual(["exists"]);
    expect(
      await Promise.all([count(world, "lessonProgress"), count(world, "auditLog"), count(world, "courseReviews")]),
    ).toEqual(before);
  });

  test("one bad row fails the whole call and writes nothing", async () => {
    const world = await setup();
    const { courseId, lessons } = await course(world, 1);
    const draft = await course(world, 1, { visibility: "draft" });
    const [a, b] = await learners(world, 2);
    const call = (rows: LearningRow[]) => world.t.mutation(internal.courseEnrollments.importLearning, { rows });
    const good = { userId: a, courseId, lessons: [{ lessonId: lessons[0] }] };
    await expectCode(call([good, { userId: b, courseId: draft.courseId, lessons: [] }]), "INVALID_STATE");
    // A quiz completes only by a passing attempt, never as a plain lesson.
    await expectCode(call([good, { userId: b, courseId, lessons: [{ lessonId: lessons[1] }] }]), "INVALID_STATE");
    await expectCode(
      call([
        good,
        {
          userId: b,
          courseId,
          lessons: [{ lessonId: lessons[0], timeSpent: -1 }],
        },
      ]),
      "VALIDATION",
    );
    // A lesson of another course: the learner is not enrolled there.
    await expectCode(call([good, { userId: b, courseId, lessons: [{ lessonId: draft.lessons[0] }] }]), "FORBIDDEN");
    await expectCode(
      call([
        good,
        {
          userId: b,
          courseId,
          lessons: [{ lessonId: lessons[0] }],
          review: { rating: 9, content: "x" },
        },
      ]),
      "VALIDATION",
    );
    expect(await count(world, "lessonProgress")).toBe(0);
    expect(await world.t.run((ctx) => studentCount(ctx, courseId))).toBe(0);
  });

  test("LIMIT past the rows, lessons or work bounds, before anything is written", async () => {
    const world = await setup();
    const { courseId, lessons } = await course(world, 9);
    const big = await course(world, 99);
    const ids = await learners(world, MAX_IMPORT_ROWS + 1);
    const call = (rows: LearningRow[]) => world.t.mutation(internal.courseEnrollments.importLearning, { rows });
    await expectCode(call(ids.map((userId) => ({ userId, courseId, lessons: [] }))), "LIMIT");
    const tooManyLessons = Math.floor(MAX_IMPORT_LESSONS / lessons.length) + 1;
    await expectCode(
      call(ids.slice(0, tooManyLessons).map((userId) => ({ userId, courseId, lessons: allDone(lessons) }))),
      "LIMIT",
    );
    // Each row counts its course's lessons, however few it completes.
    const tooMuchWork = Math.floor(MAX_IMPORT_WORK / big.lessons.length) + 1;
    const partWay = big.lessons.slice(0, 1).map((lessonId) => ({ lessonId }));
    await expectCode(
      call(
        ids.slice(0, tooMuchWork).map((userId) => ({
          userId,
          courseId: big.courseId,
          lessons: partWay,
        })),
      ),
      "LIMIT",
    );
    expect(await count(world, "lessonProgress")).toBe(0);
  });

  test("a call at the work bound stays within half of Convex's per-transaction limits", async () => {
    const world = await setup();
    const { courseId, lessons } = await course(world, 5);
    const ids = await learners(world, MAX_IMPORT_ROWS);
    // Every learner finishes until the lessons' bound; the rest only enrol: both bounds at their maximum.
    const finishers = Math.floor(MAX_IMPORT_LESSONS / lessons.length);
    expect(MAX_IMPORT_ROWS * lessons.length).toBeLessThanOrEqual(MAX_IMPORT_WORK);
    const rows = ids.map((userId, i) =>
      i < finishers
        ? { userId, courseId, lessons: allDone(lessons), review: REVIEW }
        : { userId, courseId, lessons: [] },
    );
    const usage = emptyUsage();
    const results = await world.t.run((ctx) =>
      importLearning({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx, rows),
    );
    expect(results.filter((r) => r.certificateCode !== undefined)).toHaveLength(finishers);
    expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
  });

  test("a call at the work bound (a large course) stays within half of Convex's per-transaction limits", async () => {
    const world = await setup();
    const big = await course(world, 99);
    const ids = await learners(world, Math.floor(MAX_IMPORT_WORK / big.lessons.length));
    const perRow = Math.floor(MAX_IMPORT_LESSONS / ids.length);
    const partWay = big.lessons.slice(0, perRow).map((lessonId) => ({ lessonId, timeSpent: 60 }));
    const usage = emptyUsage();
    await world.t.run((ctx) =>
      importLearning(
        { ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx,
        ids.map((userId) => ({
          userId,
          courseId: big.courseId,
          lessons: partWay,
        })),
      ),
    );
    expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
  });
});
