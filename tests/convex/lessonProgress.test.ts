import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { MutationCtx } from "../../convex/_generated/server";
import { MAX_LESSONS_PER_COURSE } from "../../convex/model/curriculum";
import { REEVALUATE_BATCH, reevaluateCourse } from "../../convex/model/progress";
import {
  expectAllowed,
  expectCode,
  insertCourse,
  insertCurriculum,
  insertEnrollment,
  insertLearningCourse,
  seededWorld,
  settle,
  setup,
  useScheduler,
  type World,
} from "./fixtures";
import { emptyUsage, meteredDb, overLimits } from "./limits";

const LEARNERS = ["student", "instructor", "admin"] as const;

async function enrolledCourse(world: World, overrides = {}) {
  const course = await insertLearningCourse(world, overrides);
  await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId: course.courseId });
  return course;
}

const complete = (world: World, lessonId: Id<"lessons">, timeSpent?: number) =>
  world.as.student.mutation(api.lessonProgress.complete, { lessonId, timeSpent });

/** Completes a quiz the only way it completes: a passing attempt (the learning course's answer is 0). */
const pass = (world: World, lessonId: Id<"lessons">) =>
  world.as.student.mutation(api.quizAttempts.submit, { lessonId, answers: [0] });

const count = (world: World, table: "lessonProgress" | "certificates" | "quizAttempts") =>
  world.t.run(async (ctx) => (await ctx.db.query(table).collect()).length);

const notifications = (world: World) =>
  world.t.run((ctx) =>
    ctx.db
      .query("notifications")
      .withIndex("by_user_created", (q) => q.eq("userId", world.ids.student))
      .collect(),
  );

describe("lessonProgress:complete", () => {
  test("completes a lesson with the time spent", async () => {
    const world = await setup();
    const { videoId } = await enrolledCourse(world);
    const progress = await complete(world, videoId, 720);
    expect(progress).toMatchObject({ userId: world.ids.student, lessonId: videoId, completed: true, timeSpent: 720 });
    expect(progress.completedAt).toBeTypeOf("number");
  });

  test("is idempotent: completing again changes nothing, not even timeSpent", async () => {
    const world = await setup();
    const { videoId } = await enrolledCourse(world);
    const first = await complete(world, videoId, 720);
    expect(await complete(world, videoId, 300)).toEqual(first);
    expect(await world.t.run(async (ctx) => (await ctx.db.query("lessonProgress").collect()).length)).toBe(1);
  });

  test("keeps time recorded before completion", async () => {
    const world = await setup();
    const { videoId } = await enrolledCourse(world);
    await world.as.student.mutation(api.lessonProgress.recordTime, { lessonId: videoId, seconds: 60 });
    expect(await complete(world, videoId, 30)).toMatchObject({ completed: true, timeSpent: 90 });
  });

  test("completing every lesson completes the enrollment and issues one certificate", async () => {
    const world = await setup();
    const { courseId, videoId, quizId } = await enrolledCourse(world, { certificateEnabled: true });
    await complete(world, videoId);
    expect(await world.t.run(async (ctx) => (await ctx.db.query("certificates").collect()).length)).toBe(0);
    await pass(world, quizId);
    const enrollment = await world.t.run((ctx) => ctx.db.query("courseEnrollments").unique());
    expect(enrollment).toMatchObject({ status: "completed" });
    const [certificate] = await world.as.student.query(api.certificates.listMine, {});
    expect(certificate).toMatchObject({
      userId: world.ids.student,
      courseId,
      userName: "Sam Student",
      courseName: "Botox Foundations",
      instructorName: "Ines Instructor",
      templateId: "default",
      status: "valid",
    });
    expect(certificate.verificationCode).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/);
    expect(Date.parse(certificate.issueDate)).toBeLessThanOrEqual(Date.now());
    expect((await notifications(world)).map((n) => n.type)).toContain("certificate");
    // Passing again issues nothing more.
    await pass(world, quizId);
    expect(await world.t.run(async (ctx) => (await ctx.db.query("certificates").collect()).length)).toBe(1);
  });

  test("without certificates, completion sends a milestone notification", async () => {
    const world = await setup();
    const { videoId, quizId } = await enrolledCourse(world);
    await complete(world, videoId);
    await pass(world, quizId);
    expect((await notifications(world)).map((n) => n.type)).toEqual(["milestone"]);
    expect(await world.t.run(async (ctx) => (await ctx.db.query("certificates").collect()).length)).toBe(0);
  });

  test("a quiz lesson completes only by a passing attempt: complete() is INVALID_STATE and writes nothing", async () => {
    const world = await setup();
    const { quizId } = await enrolledCourse(world, { certificateEnabled: true });
    await expectCode(complete(world, quizId, 60), "INVALID_STATE");
    expect(await count(world, "lessonProgress")).toBe(0);
    await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [1] });
    expect(await world.t.run((ctx) => ctx.db.query("lessonProgress").unique())).toMatchObject({
      completed: false,
      bestScore: 0,
    });
    const passed = await pass(world, quizId);
    expect(await world.t.run((ctx) => ctx.db.query("lessonProgress").unique())).toMatchObject({
      completed: true,
      quizAttemptId: passed._id,
      bestScore: 100,
    });
    await expectCode(complete(world, quizId), "INVALID_STATE");
  });

  test("a quiz marked complete without a passing attempt (legacy row) counts for nothing and issues nothing", async () => {
    const world = await setup();
    const { courseId, videoId, quizId } = await enrolledCourse(world, { certificateEnabled: true });
    const now = Date.now();
    await world.t.run((ctx) =>
      ctx.db.insert("lessonProgress", {
        userId: world.ids.student,
        courseId,
        lessonId: quizId,
        completed: true,
        completedAt: now,
        timeSpent: 0,
        updatedAt: now,
      }),
    );
    await complete(world, videoId);
    expect(await world.as.student.query(api.lessonProgress.courseProgress, { courseId })).toMatchObject({
      completedLessons: 1,
      completed: false,
    });
    expect(await count(world, "certificates")).toBe(0);
    await pass(world, quizId);
    expect(await count(world, "certificates")).toBe(1);
  });

  test("editors may record progress but do not complete courses", async () => {
    const world = await setup();
    const { videoId, quizId } = await insertLearningCourse(world, { certificateEnabled: true });
    await world.as.instructor.mutation(api.lessonProgress.complete, { lessonId: videoId });
    await expectCode(world.as.instructor.mutation(api.lessonProgress.complete, { lessonId: quizId }), "INVALID_STATE");
    expect(await world.t.run(async (ctx) => (await ctx.db.query("certificates").collect()).length)).toBe(0);
  });

  test("needs access, an existing lesson and a sane timeSpent", async () => {
    const world = await setup();
    const { courseId, videoId } = await insertLearningCourse(world);
    await expectCode(complete(world, videoId), "FORBIDDEN");
    await insertEnrollment(world.t, world.ids.student, courseId, "revoked");
    await expectCode(complete(world, videoId), "FORBIDDEN");
    const other = await enrolledCourse(world);
    await expectCode(complete(world, other.videoId, -1), "VALIDATION");
    await expectCode(complete(world, other.videoId, 1.5), "VALIDATION");
    await expectCode(complete(world, other.videoId, 86_401), "VALIDATION");
    await world.t.run((ctx) => ctx.db.delete(other.videoId));
    await expectCode(complete(world, other.videoId), "NOT_FOUND");
    expect(await world.t.run(async (ctx) => (await ctx.db.query("lessonProgress").collect()).length)).toBe(0);
  });

  test("authorization: enrolled students and the course's editors", async () => {
    const seeded = seededWorld(async (world) => (await enrolledCourse(world)).videoId);
    await expectAllowed(
      LEARNERS,
      (client) => client.mutation(api.lessonProgress.complete, { lessonId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("lessonProgress:recordTime", () => {
  test("accumulates seconds without completing", async () => {
    const world = await setup();
    const { videoId } = await enrolledCourse(world);
    await world.as.student.mutation(api.lessonProgress.recordTime, { lessonId: videoId, seconds: 60 });
    const progress = await world.as.student.mutation(api.lessonProgress.recordTime, { lessonId: videoId, seconds: 45 });
    expect(progress).toMatchObject({ completed: false, timeSpent: 105 });
  });

  test("seconds must be a whole number in 1..86400", async () => {
    const world = await setup();
    const { videoId } = await enrolledCourse(world);
    for (const seconds of [0, -5, 2.5, 86_401]) {
      await expectCode(
        world.as.student.mutation(api.lessonProgress.recordTime, { lessonId: videoId, seconds }),
        "VALIDATION",
      );
    }
  });

  test("authorization: enrolled students and the course's editors", async () => {
    const seeded = seededWorld(async (world) => (await enrolledCourse(world)).videoId);
    await expectAllowed(
      LEARNERS,
      (client) => client.mutation(api.lessonProgress.recordTime, { lessonId: seeded.value(), seconds: 10 }),
      seeded.prepare,
    );
  });
});

describe("lessonProgress:courseProgress", () => {
  test("counts the course's current lessons; percent is an integer", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const lessons = await insertCurriculum(world.t, courseId, [{}, {}, {}]);
    await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId });
    expect(await world.as.student.query(api.lessonProgress.courseProgress, { courseId })).toEqual({
      courseId,
      completedLessons: 0,
      totalLessons: 3,
      percent: 0,
      completedLessonIds: [],
      completed: false,
    });
    await complete(world, lessons[0]);
    expect(await world.as.student.query(api.lessonProgress.courseProgress, { courseId })).toMatchObject({
      completedLessons: 1,
      percent: 33,
      completedLessonIds: [lessons[0]],
    });
    await world.t.run((ctx) => ctx.db.delete(lessons[0]));
    expect(await world.as.student.query(api.lessonProgress.courseProgress, { courseId })).toMatchObject({
      completedLessons: 0,
      totalLessons: 2,
      percent: 0,
    });
  });

  test("the tour: a video and a passed quiz make 2/2 and 100%", async () => {
    const world = await setup();
    const { courseId, videoId, quizId } = await enrolledCourse(world);
    await complete(world, videoId, 720);
    const attempt = await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [0] });
    expect(attempt.passed).toBe(true);
    expect(await world.as.student.query(api.lessonProgress.courseProgress, { courseId })).toMatchObject({
      completedLessons: 2,
      totalLessons: 2,
      percent: 100,
      completed: true,
    });
  });

  test("a course completed before lessons were added stays completed", async () => {
    const world = await setup();
    const { courseId, videoId, quizId } = await enrolledCourse(world);
    await complete(world, videoId);
    await pass(world, quizId);
    await insertCurriculum(world.t, courseId, [{}]);
    expect(await world.as.student.query(api.lessonProgress.courseProgress, { courseId })).toMatchObject({
      completedLessons: 2,
      totalLessons: 3,
      percent: 66,
      completed: true,
    });
  });

  test("hidden and missing courses are not found", async () => {
    const world = await setup();
    const draft = await insertCourse(world.t, world.ids.instructor, { visibility: "draft" });
    await expectCode(world.as.student.query(api.lessonProgress.courseProgress, { courseId: draft }), "NOT_FOUND");
    await world.t.run((ctx) => ctx.db.delete(draft));
    await expectCode(world.as.instructor.query(api.lessonProgress.courseProgress, { courseId: draft }), "NOT_FOUND");
  });

  test("authorization: any signed-in user, for themselves", async () => {
    const seeded = seededWorld(async (world) => (await insertLearningCourse(world)).courseId);
    await expectAllowed(
      ["student", "otherStudent", "instructor", "otherInstructor", "admin"],
      (client) => client.query(api.lessonProgress.courseProgress, { courseId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("lessonProgress:reevaluate (after lessons leave a course)", () => {
  useScheduler();

  test("deleting the one lesson a learner had left completes them and issues the certificate", async () => {
    const world = await setup();
    const { courseId, videoId, quizId } = await enrolledCourse(world, { certificateEnabled: true });
    await complete(world, videoId);
    await world.as.instructor.mutation(api.lessons.remove, { id: quizId });
    await settle(world.t);
    const enrollment = await world.t.run((ctx) => ctx.db.query("courseEnrollments").unique());
    expect(enrollment).toMatchObject({ status: "completed" });
    expect((await world.as.student.query(api.certificates.listMine, {})).map((c) => c.courseId)).toEqual([courseId]);
  });

  test("deleting a module re-evaluates too; learners with other lessons left stay active", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    const [kept] = await insertCurriculum(world.t, courseId, [{}]);
    const [gone] = await insertCurriculum(world.t, courseId, [{}]);
    await insertEnrollment(world.t, world.ids.student, courseId);
    await insertEnrollment(world.t, world.ids.otherStudent, courseId);
    await complete(world, kept);
    const moduleId = await world.t.run(async (ctx) => (await ctx.db.get(gone))!.moduleId);
    await world.as.instructor.mutation(api.courseModules.remove, { id: moduleId });
    await settle(world.t);
    const statuses = await world.t.run(async (ctx) =>
      Object.fromEntries((await ctx.db.query("courseEnrollments").collect()).map((e) => [e.userId, e.status])),
    );
    expect(statuses).toEqual({ [world.ids.student]: "completed", [world.ids.otherStudent]: "active" });
  });

  test("at scale: 300 lessons, 70 learners who all finish; every batch under half of Convex's limits", { timeout: 120_000 }, async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor, { certificateEnabled: true });
    const lessons = await insertCurriculum(world.t, courseId, Array.from({ length: MAX_LESSONS_PER_COURSE }, () => ({})));
    const done = lessons.slice(1);
    await world.t.run(async (ctx) => {
      const now = Date.now();
      for (let i = 0; i < 70; i++) {
        const userId = await ctx.db.insert("users", { firstName: "L", lastName: `${i}`, email: `l${i}@example.com`, isInstructor: false, isAdmin: false });
        await ctx.db.insert("courseEnrollments", { userId, courseId, status: "active", source: "admin", enrolledAt: now });
        for (const lessonId of done) {
          await ctx.db.insert("lessonProgress", { userId, courseId, lessonId, completed: true, completedAt: now, timeSpent: 0, updatedAt: now });
        }
      }
      await ctx.db.delete(lessons[0]);
    });
    let cursor: string | null = null;
    let batches = 0;
    do {
      const usage = emptyUsage();
      const from: string | null = cursor;
      cursor = await world.t.run((ctx) =>
        reevaluateCourse({ ...ctx, db: meteredDb(ctx.db, usage) } as unknown as MutationCtx, courseId, from),
      );
      expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
      batches += 1;
    } while (cursor !== null);
    expect(batches).toBe(Math.ceil(70 / REEVALUATE_BATCH));
    expect(await count(world, "certificates")).toBe(70);
  });
});
