import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import * as Migrations from "../../convex/migrations";
import {
  expectCode,
  insertCourse,
  insertCurriculum,
  insertEnrollment,
  insertLearningCourse,
  setup,
  type TestConvex,
  type World,
} from "./fixtures";

afterEach(() => {
  vi.useRealTimers();
});

async function insertLegacyUser(t: TestConvex, email: string, role?: Doc<"users">["role"]) {
  return await t.run((ctx) =>
    ctx.db.insert("users", { firstName: "L", lastName: "Egacy", email, isInstructor: false, isAdmin: false, role }),
  );
}

const user = (t: TestConvex, id: Id<"users">) => t.run((ctx) => ctx.db.get(id));

describe("migrations:usersRoleToBooleans", () => {
  test("maps admin and instructor roles to booleans and removes role, across batches", async () => {
    const { t } = await setup();
    const admin = await insertLegacyUser(t, "a@example.com", "admin");
    const instructor = await insertLegacyUser(t, "i@example.com", "instructor");
    const student = await insertLegacyUser(t, "s@example.com", "student");
    vi.useFakeTimers();
    const first = await t.mutation(internal.migrations.usersRoleToBooleans, { batchSize: 3 });
    expect(first).toMatchObject({ processed: 3, updated: 0, done: false });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await user(t, admin)).toMatchObject({ isAdmin: true, isInstructor: false });
    expect(await user(t, instructor)).toMatchObject({ isAdmin: false, isInstructor: true });
    expect(await user(t, student)).toMatchObject({ isAdmin: false, isInstructor: false });
    for (const id of [admin, instructor, student]) expect(await user(t, id)).not.toHaveProperty("role");
  });

  test("is idempotent: a second run changes nothing", async () => {
    const { t } = await setup();
    await insertLegacyUser(t, "a@example.com", "admin");
    const first = await t.mutation(internal.migrations.usersRoleToBooleans, {});
    expect(first).toMatchObject({ processed: 6, updated: 1, done: true, cursor: null });
    const before = await t.run((ctx) => ctx.db.query("users").collect());
    expect(await t.mutation(internal.migrations.usersRoleToBooleans, {})).toMatchObject({ updated: 0 });
    expect(await t.run((ctx) => ctx.db.query("users").collect())).toEqual(before);
  });

  test("dryRun counts the users it would change and writes nothing", async () => {
    const { t } = await setup();
    await insertLegacyUser(t, "a@example.com", "admin");
    await insertLegacyUser(t, "i@example.com", "instructor");
    const before = await t.run((ctx) => ctx.db.query("users").collect());
    const report = await t.mutation(internal.migrations.usersRoleToBooleans, { dryRun: true });
    expect(report).toMatchObject({ updated: 2, done: true });
    expect(await t.run((ctx) => ctx.db.query("users").collect())).toEqual(before);
  });

  test("keeps existing flags; autoContinue false leaves paging to the caller", async () => {
    const { t, ids } = await setup();
    await t.run((ctx) => ctx.db.patch(ids.instructor, { role: "student" }));
    const first = await t.mutation(internal.migrations.usersRoleToBooleans, { batchSize: 4, autoContinue: false });
    expect(first.done).toBe(false);
    const rest = await t.mutation(internal.migrations.usersRoleToBooleans, {
      cursor: first.cursor!,
      autoContinue: false,
    });
    expect(rest.done).toBe(true);
    expect(await user(t, ids.instructor)).toMatchObject({ isInstructor: true });
    expect(await user(t, ids.instructor)).not.toHaveProperty("role");
  });

  test("rejects a bad batch size; is internal", async () => {
    const { t } = await setup();
    await expectCode(t.mutation(internal.migrations.usersRoleToBooleans, { batchSize: 0 }), "VALIDATION");
    expect(Migrations.usersRoleToBooleans.isInternal).toBe(true);
    expect(Migrations.recountCounters.isInternal).toBe(true);
  });
});

/** A course whose counters drift: lessonCount 5 (really 2), studentCount 0 (really 1), rating 2 (really 4). */
async function driftingCourse(world: World) {
  const courseId = await insertCourse(world.t, world.ids.instructor);
  await insertCurriculum(world.t, courseId, [{}, {}]);
  await insertEnrollment(world.t, world.ids.student, courseId, "active");
  await world.t.run(async (ctx) => {
    await ctx.db.insert("courseReviews", {
      courseId,
      userId: world.ids.student,
      userName: "Sam Student",
      rating: 4,
      content: "ok",
      createdAt: Date.now(),
    });
    await ctx.db.patch(courseId, { lessonCount: 5, reviewCount: 1, ratingSum: 2, rating: 2 });
  });
  return courseId;
}

describe("the widen stage: users holding only a legacy role", () => {
  const roleOnly = (t: TestConvex, email: string, role: Doc<"users">["role"]) =>
    t.run((ctx) => ctx.db.insert("users", { firstName: "R", lastName: "Only", email, role }));

  test("are valid rows, read with their role's rights, and migrate to the same rights", async () => {
    const { t, actingAs } = await setup();
    const admin = await roleOnly(t, "ra@example.com", "admin");
    const instructor = await roleOnly(t, "ri@example.com", "instructor");
    const student = await roleOnly(t, "rs@example.com", "student");
    const read = (id: Id<"users">) => actingAs(admin).query(api.users.get, { id });
    expect(await read(instructor)).toMatchObject({ isAdmin: false, isInstructor: true, role: "instructor" });
    expect(await read(admin)).toMatchObject({ isAdmin: true, isInstructor: false });
    await expectCode(actingAs(student).query(api.users.get, { id: admin }), "FORBIDDEN");
    await actingAs(instructor).mutation(api.courses.create, { title: "T", description: "D", category: "botox" });
    await expectCode(
      actingAs(student).mutation(api.courses.create, { title: "T", description: "D", category: "botox" }),
      "FORBIDDEN",
    );
    const before = await Promise.all([admin, instructor, student].map(read));
    await t.mutation(internal.migrations.usersRoleToBooleans, {});
    const after = await Promise.all([admin, instructor, student].map(read));
    expect(after.map((u) => [u?.isAdmin, u?.isInstructor, u?.role])).toEqual(
      before.map((u) => [u?.isAdmin, u?.isInstructor, undefined]),
    );
  });
});

describe("migrations:recountCounters", () => {
  test("reports course drift (ids, fields, expected vs found) without repairing", async () => {
    const world = await setup();
    const courseId = await driftingCourse(world);
    const healthy = await insertCourse(world.t, world.ids.instructor);
    const report = await world.t.mutation(internal.migrations.recountCounters, { table: "courses", repair: false });
    expect(report).toMatchObject({ table: "courses", checked: 2, repaired: false, done: true, cursor: null });
    expect(report.drift).toEqual([
      { id: courseId, field: "lessonCount", expected: 2, found: 5 },
      { id: courseId, field: "studentCount", expected: 1, found: 0 },
      { id: courseId, field: "ratingSum", expected: 4, found: 2 },
      { id: courseId, field: "rating", expected: 4, found: 2 },
    ]);
    expect(report.drift.some((d) => d.id === healthy)).toBe(false);
    expect(await world.t.run(async (ctx) => (await ctx.db.get(courseId))?.lessonCount)).toBe(5);
  });

  test("repairs drift with repair: true; a second run finds none", async () => {
    const world = await setup();
    const courseId = await driftingCourse(world);
    const report = await world.t.mutation(internal.migrations.recountCounters, { table: "courses", repair: true });
    expect(report.repaired).toBe(true);
    expect(await world.t.run((ctx) => ctx.db.get(courseId))).toMatchObject({
      lessonCount: 2,
      studentCount: 1,
      ratingSum: 4,
      rating: 4,
    });
    const again = await world.t.mutation(internal.migrations.recountCounters, { table: "courses", repair: true });
    expect(again).toMatchObject({ drift: [], repaired: false });
  });

  test("resources and discussions, across self-continuing batches", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const [resourceId, postId] = await world.t.run(async (ctx) => {
      const resource = await ctx.db.insert("resources", {
        title: "Chart",
        description: "Units per vial",
        type: "pdf",
        categories: [],
        tags: [],
        url: "https://files.example/chart.pdf",
        author: "Ines",
        dateAdded: new Date().toISOString(),
        featured: false,
        downloadCount: 3,
        favoriteCount: 0,
        rating: 0,
        reviewCount: 0,
        difficulty: "beginner",
        restricted: false,
      });
      await ctx.db.insert("favorites", { userId: world.ids.student, resourceId: resource, createdAt: Date.now() });
      const now = Date.now();
      const post = {
        courseId,
        userId: world.ids.student,
        userName: "Sam",
        content: "Hi",
        createdAt: now,
        updatedAt: now,
      };
      const root = await ctx.db.insert("courseDiscussions", { ...post, title: "Q", replyCount: 0 });
      await ctx.db.insert("courseDiscussions", { ...post, parentId: root, replyCount: 0 });
      await ctx.db.insert("courseDiscussions", { ...post, parentId: root, replyCount: 0, deletedAt: now });
      return [resource, root];
    });
    const resources = await world.t.mutation(internal.migrations.recountCounters, { table: "resources", repair: true });
    expect(resources.drift).toEqual([
      { id: resourceId, field: "favoriteCount", expected: 1, found: 0 },
      { id: resourceId, field: "downloadCount", expected: 0, found: 3 },
    ]);
    vi.useFakeTimers();
    const first = await world.t.mutation(internal.migrations.recountCounters, {
      table: "courseDiscussions",
      repair: true,
      batchSize: 1,
    });
    expect(first).toMatchObject({
      checked: 1,
      done: false,
      drift: [{ id: postId, field: "replyCount", expected: 1, found: 0 }],
    });
    await world.t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await world.t.run(async (ctx) => (await ctx.db.get(postId))?.replyCount)).toBe(1);
    const clean = await world.t.mutation(internal.migrations.recountCounters, {
      table: "courseDiscussions",
      repair: false,
    });
    expect(clean.drift).toEqual([]);
  });

  test("rejects a bad batch size", async () => {
    const { t } = await setup();
    await expectCode(
      t.mutation(internal.migrations.recountCounters, { table: "courses", repair: false, batchSize: 151 }),
      "VALIDATION",
    );
  });
});

describe("compliance backfills", () => {
  test("backfillQuizProgress: legacy quiz rows get bestScore and their passing attempt; a quiz completed without one stops counting", async () => {
    const world = await setup();
    const { courseId, quizId, videoId } = await insertLearningCourse(world);
    await insertEnrollment(world.t, world.ids.student, courseId);
    await insertEnrollment(world.t, world.ids.otherStudent, courseId);
    // What the code before the rule left: the student passed (row without quizAttemptId);
    // the other student marked the quiz complete with no attempt at all.
    const passedId = await world.t.run(async (ctx) => {
      const now = Date.now();
      const attempt = { lessonId: quizId, courseId, answers: [0], correctCount: 1, questionCount: 1, createdAt: now };
      await ctx.db.insert("quizAttempts", { ...attempt, userId: world.ids.student, answers: [1], correctCount: 0, score: 0, passed: false });
      const passed = await ctx.db.insert("quizAttempts", { ...attempt, userId: world.ids.student, score: 100, passed: true });
      for (const userId of [world.ids.student, world.ids.otherStudent]) {
        for (const lessonId of [videoId, quizId]) {
          await ctx.db.insert("lessonProgress", { userId, courseId, lessonId, completed: true, completedAt: now, timeSpent: 0, updatedAt: now });
        }
      }
      return passed;
    });
    const report = await world.t.mutation(internal.migrations.backfillQuizProgress, {});
    expect(report).toMatchObject({ processed: 4, updated: 1, done: true });
    const rows = await world.t.run((ctx) => ctx.db.query("lessonProgress").collect());
    expect(rows.find((r) => r.userId === world.ids.student && r.lessonId === quizId)).toMatchObject({ quizAttemptId: passedId, bestScore: 100 });
    expect(rows.find((r) => r.userId === world.ids.otherStudent && r.lessonId === quizId)?.quizAttemptId).toBeUndefined();
    expect((await world.as.student.query(api.lessonProgress.courseProgress, { courseId })).completedLessons).toBe(2);
    expect((await world.as.otherStudent.query(api.lessonProgress.courseProgress, { courseId })).completedLessons).toBe(1);
    expect(await world.t.mutation(internal.migrations.backfillQuizProgress, {})).toMatchObject({ updated: 0 });
  });

  test("backfillRevenue: counts each legacy sale and refund once; purchases counted since are left alone", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor, { price: 1000 });
    const at = Date.parse("2026-03-05T12:00:00Z");
    await world.t.run(async (ctx) => {
      const base = { courseId, amount: 1000, currency: "usd", createdAt: at, expiresAt: at, completedAt: at };
      await ctx.db.insert("purchases", { ...base, userId: world.ids.student, status: "complete" });
      await ctx.db.insert("purchases", { ...base, userId: world.ids.otherStudent, status: "refunded", refundedAt: at });
      await ctx.db.insert("purchases", { ...base, userId: world.ids.admin, status: "complete", revenueRecorded: "sale" });
      await ctx.db.insert("purchases", { ...base, userId: world.ids.instructor, status: "open" });
    });
    expect(await world.t.mutation(internal.migrations.backfillRevenue, {})).toMatchObject({ processed: 4, updated: 2 });
    expect(await world.t.mutation(internal.migrations.backfillRevenue, {})).toMatchObject({ updated: 0 });
    const report = await world.as.admin.query(api.reports.revenue, { since: Date.parse("2026-03-01"), paginationOpts: { numItems: 10, cursor: null } });
    expect(report.page).toEqual([expect.objectContaining({ purchases: 2, refunds: 1, grossCents: 2000, refundedCents: 1000, netCents: 1000 })]);
  });
});
