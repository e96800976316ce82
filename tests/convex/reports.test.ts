/**
 * `reports:*`: what each report returns, who may run it, and that one page stays
 * far inside Convex's per-transaction limits at the largest course and catalogue
 * the rules allow (metered with tests/convex/limits.ts).
 */
import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { QueryCtx } from "../../convex/_generated/server";
import { MAX_LESSONS_PER_COURSE } from "../../convex/model/curriculum";
import { QUIZ_STAT_SHARDS } from "../../convex/model/quizStats";
import * as Reports from "../../convex/model/reports";
import {
  completeLessons,
  expectAllowed,
  expectCode,
  insertCourse,
  insertCurriculum,
  insertEnrollment,
  insertLearningCourse,
  insertQuestions,
  seededWorld,
  setup,
  type World,
} from "./fixtures";
import { emptyUsage, meteredDb, overLimits } from "./limits";

const page = { paginationOpts: { numItems: 10, cursor: null } };
const CE = { ceCreditHours: 1.5, ceCreditType: "CNE" as const, ceAccreditationStatement: "Approved for 1.5 contact hours." };

/** The learning course with CE credits: the student finished it (licence RN1), the other student only started. */
async function rosterCourse(world: World) {
  const course = await insertLearningCourse(world, { certificateEnabled: true, ...CE });
  await world.as.student.mutation(api.users.update, { id: world.ids.student, licenseNumber: "RN1", profession: "registered_nurse" });
  await insertEnrollment(world.t, world.ids.student, course.courseId);
  await insertEnrollment(world.t, world.ids.otherStudent, course.courseId);
  await world.as.student.mutation(api.quizAttempts.submit, { lessonId: course.quizId, answers: [1] });
  await completeLessons(world, world.as.student, [course.videoId, course.quizId]);
  await world.as.otherStudent.mutation(api.quizAttempts.submit, { lessonId: course.quizId, answers: [2] });
  return course;
}

describe("reports:courseRoster", () => {
  test("one row per learner: progress, best quiz score, completion, certificate and CE credits", async () => {
    const world = await setup();
    const { courseId } = await rosterCourse(world);
    const roster = await world.as.instructor.query(api.reports.courseRoster, { courseId, ...page });
    const byUser = Object.fromEntries(roster.page.map((row) => [row.userId, row]));
    expect(byUser[world.ids.student]).toMatchObject({
      userName: "Sam Student",
      enrollmentStatus: "completed",
      completedLessons: 2,
      totalLessons: 2,
      percent: 100,
      quizScore: 100,
      certificateStatus: "valid",
      ceCreditHours: 1.5,
      ceCreditType: "CNE",
    });
    expect(byUser[world.ids.otherStudent]).toMatchObject({
      enrollmentStatus: "active",
      completedLessons: 0,
      percent: 0,
      quizScore: 0,
      certificateStatus: null,
      ceCreditHours: null,
    });
    expect(roster.page).toHaveLength(2);
  });

  test("pages hold at most 25 learners and continue from the cursor", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    await insertCurriculum(world.t, courseId, [{}]);
    await world.t.run(async (ctx) => {
      for (let i = 0; i < 30; i++) {
        const userId = await ctx.db.insert("users", { firstName: "L", lastName: `${i}`, email: `l${i}@example.com`, isInstructor: false, isAdmin: false });
        await ctx.db.insert("courseEnrollments", { userId, courseId, status: "active", source: "admin", enrolledAt: Date.now() });
      }
    });
    const first = await world.as.admin.query(api.reports.courseRoster, { courseId, paginationOpts: { numItems: 100, cursor: null } });
    expect(first.page).toHaveLength(Reports.ROSTER_PAGE_MAX);
    const rest = await world.as.admin.query(api.reports.courseRoster, {
      courseId,
      paginationOpts: { numItems: 100, cursor: first.continueCursor },
    });
    expect(rest.page).toHaveLength(30 - Reports.ROSTER_PAGE_MAX);
    expect(rest.isDone).toBe(true);
  });

  test("at scale: a page of 25 learners with 300 lessons of progress each stays under half of every limit", { timeout: 120_000 }, async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const lessons = await insertCurriculum(world.t, courseId, Array.from({ length: MAX_LESSONS_PER_COURSE }, () => ({})));
    await world.t.run(async (ctx) => {
      const now = Date.now();
      for (let i = 0; i < Reports.ROSTER_PAGE_MAX; i++) {
        const userId = await ctx.db.insert("users", { firstName: "L", lastName: `${i}`, email: `l${i}@example.com`, isInstructor: false, isAdmin: false });
        await ctx.db.insert("courseEnrollments", { userId, courseId, status: "active", source: "admin", enrolledAt: now });
        for (const lessonId of lessons) {
          await ctx.db.insert("lessonProgress", { userId, courseId, lessonId, completed: true, completedAt: now, timeSpent: 60, updatedAt: now });
        }
      }
    });
    const usage = emptyUsage();
    const result = await world.t.run((ctx) =>
      Reports.courseRoster({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as QueryCtx, courseId, page.paginationOpts),
    );
    expect(result.page).toHaveLength(10);
    const full = emptyUsage();
    await world.t.run((ctx) =>
      Reports.courseRoster({ ...ctx, db: meteredDb(ctx.db, full) } as unknown as QueryCtx, courseId, { numItems: 1000, cursor: null }),
    );
    expect(overLimits(full, 2), JSON.stringify(full)).toEqual([]);
    expect(full.docsScanned).toBeGreaterThan(Reports.ROSTER_PAGE_MAX * MAX_LESSONS_PER_COURSE);
  });

  test("authorization: the course's instructor, admins and the service", async () => {
    const seeded = seededWorld(async (world) => (await rosterCourse(world)).courseId);
    await expectAllowed(
      ["instructor", "admin", "service"],
      (client) => client.query(api.reports.courseRoster, { courseId: seeded.value(), ...page }),
      seeded.prepare,
    );
  });
});

describe("reports:ceTranscript", () => {
  test("every certificate issued under a licence number, with its credits, however the number is written", async () => {
    const world = await setup();
    const { courseId } = await rosterCourse(world);
    const transcript = await world.as.service.query(api.reports.ceTranscript, { licenseNumber: " rn1 ", ...page });
    expect(transcript.page).toEqual([
      expect.objectContaining({
        courseId,
        userId: world.ids.student,
        courseName: "Botox Foundations",
        status: "valid",
        licenseNumber: "RN1",
        profession: "registered_nurse",
        ...CE,
      }),
    ]);
    // The holder's later number does not rewrite history.
    await world.as.student.mutation(api.users.update, { id: world.ids.student, licenseNumber: "RN2" });
    expect((await world.as.admin.query(api.reports.ceTranscript, { licenseNumber: "RN2", ...page })).page).toEqual([]);
    expect((await world.as.admin.query(api.reports.ceTranscript, { licenseNumber: "RN1", ...page })).page).toHaveLength(1);
    await expectCode(world.as.admin.query(api.reports.ceTranscript, { licenseNumber: "  ", ...page }), "VALIDATION");
  });

  test("authorization: admins and the service", async () => {
    await expectAllowed(["admin", "service"], (client) =>
      client.query(api.reports.ceTranscript, { licenseNumber: "RN1", ...page }),
    );
  });
});

describe("reports:revenue", () => {
  async function sold(world: World) {
    const courseId = await insertCourse(world.t, world.ids.instructor, { price: 4900 });
    await insertCurriculum(world.t, courseId, [{}]);
    for (const [who, session] of [["student", "cs_1"], ["otherStudent", "cs_2"]] as const) {
      const checkout = await world.as[who].mutation(api.purchases.createCheckout, { courseId });
      await world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: session });
      if (who === "otherStudent") await world.t.mutation(internal.purchases.refund, { id: checkout._id });
    }
    return courseId;
  }

  test("per course: purchases, refunds and net cents since a day; courses without sales are left out", async () => {
    const world = await setup();
    const courseId = await sold(world);
    await insertCourse(world.t, world.ids.instructor, { title: "Unsold" });
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    const report = await world.as.admin.query(api.reports.revenue, { since: today, ...page });
    expect(report.page).toEqual([
      { courseId, courseTitle: "Botox Foundations", purchases: 2, refunds: 1, grossCents: 9800, refundedCents: 4900, netCents: 4900 },
    ]);
    const tomorrow = today + 24 * 60 * 60 * 1000;
    expect((await world.as.admin.query(api.reports.revenue, { since: tomorrow, ...page })).page).toEqual([]);
    await expectCode(world.as.admin.query(api.reports.revenue, { since: Number.NaN, ...page }), "VALIDATION");
  });

  test("sums the rest of the since-day's month by day and later months whole", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const bucket = (granularity: "day" | "month", period: string, grossCents: number) =>
      world.t.run((ctx) =>
        ctx.db.insert("revenueBuckets", { courseId, granularity, period, purchases: 1, refunds: 0, grossCents, refundedCents: 0 }),
      );
    await bucket("day", "2026-01-14", 1);
    await bucket("day", "2026-01-15", 10);
    await bucket("day", "2026-01-31", 100);
    await bucket("month", "2026-01", 111);
    await bucket("day", "2026-02-01", 1000);
    await bucket("month", "2026-02", 1000);
    const report = await world.as.admin.query(api.reports.revenue, { since: Date.parse("2026-01-15T10:00:00Z"), ...page });
    expect(report.page[0]).toMatchObject({ purchases: 3, grossCents: 1110, netCents: 1110 });
  });

  test("at scale: a page of 10 courses with a month of days and ten years of months stays under half of every limit", { timeout: 60_000 }, async () => {
    const world = await setup();
    await world.t.run(async (ctx) => {
      for (let c = 0; c < Reports.REVENUE_PAGE_MAX; c++) {
        const now = Date.now();
        const courseId = await ctx.db.insert("courses", {
          title: `C${c}`, description: "d", instructorId: world.ids.instructor, category: "botox", tags: [], visibility: "public",
          certificateEnabled: false, discussionEnabled: false, lessonCount: 0, studentCount: 0, createdAt: now, updatedAt: now,
        });
        const row = { courseId, purchases: 1, refunds: 0, grossCents: 100, refundedCents: 0 };
        for (let d = 1; d <= 31; d++) await ctx.db.insert("revenueBuckets", { ...row, granularity: "day", period: `2016-01-${String(d).padStart(2, "0")}` });
        for (let m = 0; m < 120; m++) {
          const period = `${2016 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, "0")}`;
          await ctx.db.insert("revenueBuckets", { ...row, granularity: "month", period });
        }
      }
    });
    const usage = emptyUsage();
    const report = await world.t.run((ctx) =>
      Reports.revenue({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as QueryCtx, "2016-01-01", { numItems: 1000, cursor: null }),
    );
    expect(report.page).toHaveLength(Reports.REVENUE_PAGE_MAX);
    expect(report.page[0]).toMatchObject({ purchases: 31 + 119, grossCents: 15000 });
    expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
  });

  test("authorization: admins and the service", async () => {
    await expectAllowed(["admin", "service"], (client) => client.query(api.reports.revenue, { since: 0, ...page }));
  });
});

describe("reports:quizItemStats", () => {
  async function answeredQuiz(world: World) {
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const [quizId, videoId] = await insertCurriculum(world.t, courseId, [{ type: "quiz", content: "" }, {}]);
    await insertQuestions(world.t, quizId, [
      { options: ["a", "b"], correctOption: 0 },
      { options: ["a", "b", "c"], correctOption: 2 },
    ]);
    await insertEnrollment(world.t, world.ids.student, courseId);
    await insertEnrollment(world.t, world.ids.otherStudent, courseId);
    const submit = (who: "student" | "otherStudent", answers: number[]) =>
      world.as[who].mutation(api.quizAttempts.submit, { lessonId: quizId, answers });
    await submit("student", [0, 1]);
    await submit("student", [0, 2]);
    await submit("otherStudent", [1, 2]);
    return { quizId, videoId };
  }

  test("per question: answers, correct share and per-option counts over every attempt", async () => {
    const world = await setup();
    const { quizId, videoId } = await answeredQuiz(world);
    const stats = await world.as.instructor.query(api.reports.quizItemStats, { lessonId: quizId });
    expect(stats.attempts).toBe(3);
    expect(stats.items.map(({ order, answered, correct, correctRate, optionCounts }) => ({ order, answered, correct, correctRate, optionCounts }))).toEqual([
      { order: 0, answered: 3, correct: 2, correctRate: 2 / 3, optionCounts: [2, 1] },
      { order: 1, answered: 3, correct: 2, correctRate: 2 / 3, optionCounts: [0, 1, 2] },
    ]);
    await expectCode(world.as.instructor.query(api.reports.quizItemStats, { lessonId: videoId }), "INVALID_STATE");
  });

  test("the tallies are exact over many attempts, however they spread over the shards", async () => {
    const world = await setup();
    const { quizId } = await answeredQuiz(world);
    for (let i = 0; i < 40; i++) {
      await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [i % 2, 2] });
    }
    const stats = await world.as.admin.query(api.reports.quizItemStats, { lessonId: quizId });
    expect(stats.attempts).toBe(43);
    expect(stats.items[0]).toMatchObject({ answered: 43, correct: 22, optionCounts: [22, 21] });
    const shards = await world.t.run(async (ctx) => (await ctx.db.query("quizItemStatShards").collect()).length);
    expect(shards).toBeLessThanOrEqual(QUIZ_STAT_SHARDS);
  });

  test("authorization: the course's instructor, admins and the service", async () => {
    const seeded = seededWorld(async (world) => (await answeredQuiz(world)).quizId);
    await expectAllowed(
      ["instructor", "admin", "service"],
      (client) => client.query(api.reports.quizItemStats, { lessonId: seeded.value() as Id<"lessons"> }),
      seeded.prepare,
    );
  });
});
