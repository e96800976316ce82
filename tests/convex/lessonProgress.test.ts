import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import {
  expectAllowed,
  expectCode,
  insertCourse,
  insertCurriculum,
  insertEnrollment,
  insertLearningCourse,
  seededWorld,
  setup,
  type World,
} from "./fixtures";

const LEARNERS = ["student", "instructor", "admin"] as const;

async function enrolledCourse(world: World, overrides = {}) {
  const course = await insertLearningCourse(world, overrides);
  await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId: course.courseId });
  return course;
}

const complete = (world: World, lessonId: Id<"lessons">, timeSpent?: number) =>
  world.as.student.mutation(api.lessonProgress.complete, { lessonId, timeSpent });

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
    await complete(world, quizId);
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
    // Completing again issues nothing more.
    await complete(world, quizId);
    expect(await world.t.run(async (ctx) => (await ctx.db.query("certificates").collect()).length)).toBe(1);
  });

  test("without certificates, completion sends a milestone notification", async () => {
    const world = await setup();
    const { videoId, quizId } = await enrolledCourse(world);
    await complete(world, videoId);
    await complete(world, quizId);
    expect((await notifications(world)).map((n) => n.type)).toEqual(["milestone"]);
    expect(await world.t.run(async (ctx) => (await ctx.db.query("certificates").collect()).length)).toBe(0);
  });

  test("editors may record progress but do not complete courses", async () => {
    const world = await setup();
    const { videoId, quizId } = await insertLearningCourse(world, { certificateEnabled: true });
    await world.as.instructor.mutation(api.lessonProgress.complete, { lessonId: videoId });
    await world.as.instructor.mutation(api.lessonProgress.complete, { lessonId: quizId });
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
    await world.t.run((ctx) => ctx.db.delete(other.quizId));
    await expectCode(complete(world, other.quizId), "NOT_FOUND");
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
    await complete(world, quizId);
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
