import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import {
  createCourseWithCurriculum,
  expectAllowed,
  expectCode,
  insertEnrollment,
  seededWorld,
  settle,
  setup,
  useScheduler,
  type TestConvex,
} from "./fixtures";

useScheduler();

const ALL = ["anonymous", "student", "otherStudent", "instructor", "otherInstructor", "admin", "service"] as const;
const EDITORS = ["instructor", "admin", "service"] as const;
const LEARNERS = ["student", ...EDITORS] as const;

const lessonsOf = (t: TestConvex, moduleId: Id<"courseModules">) =>
  t.run((ctx) =>
    ctx.db
      .query("lessons")
      .withIndex("by_module", (q) => q.eq("moduleId", moduleId))
      .collect(),
  );
const lessonCount = async (t: TestConvex, courseId: Id<"courses">) =>
  (await t.run((ctx) => ctx.db.get(courseId)))?.lessonCount;

/** The fixture course (published), `student` enrolled. */
const course = seededWorld(async (world) => {
  const ids = await createCourseWithCurriculum(world);
  await insertEnrollment(world.t, world.ids.student, ids.courseId);
  return ids;
});
/** The fixture course as a draft, `student` enrolled. */
const draft = seededWorld(async (world) => {
  const ids = await createCourseWithCurriculum(world, { publish: false });
  await insertEnrollment(world.t, world.ids.student, ids.courseId);
  return ids;
});

const newLesson = { title: "Reconstitution", type: "document" as const, content: "Use 2.5 ml saline" };

describe("lessons:create", () => {
  test("appends with dense order and counts the lesson on the course", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const lesson = await world.as.instructor.mutation(api.lessons.create, {
      moduleId: ids.moduleId,
      ...newLesson,
      duration: 5,
    });
    expect(lesson).toMatchObject({
      ...newLesson,
      duration: 5,
      order: 2,
      courseId: ids.courseId,
      moduleId: ids.moduleId,
    });
    expect(await lessonCount(world.t, ids.courseId)).toBe(3);
    const quiz = await world.as.instructor.mutation(api.lessons.create, {
      moduleId: ids.moduleId,
      title: "Final quiz",
      type: "quiz",
      content: "",
      passingScore: 80,
    });
    expect(quiz).toMatchObject({ passingScore: 80, order: 3 });
  });

  test.each([
    ["title", { title: " " }],
    ["title", { title: "x".repeat(201) }],
    ["duration", { duration: 0 }],
    ["duration", { duration: -3 }],
    ["duration", { duration: 1.5 }],
    ["passingScore", { passingScore: 70 }],
    ["passingScore", { type: "quiz" as const, passingScore: 101 }],
    ["passingScore", { type: "quiz" as const, passingScore: 50.5 }],
    ["content", { content: "x".repeat(100_001) }],
  ])("rejects a bad %s and writes nothing", async (field, overrides) => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const error = await world.as.instructor
      .mutation(api.lessons.create, { moduleId: ids.moduleId, ...newLesson, ...overrides })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { code: "VALIDATION", field } });
    expect(await lessonsOf(world.t, ids.moduleId)).toHaveLength(2);
    expect(await lessonCount(world.t, ids.courseId)).toBe(2);
  });

  test("LIMIT past 100 lessons in a module or 300 in a course", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    await world.t.run((ctx) => ctx.db.patch(ids.courseId, { lessonCount: 300 }));
    await expectCode(
      world.as.instructor.mutation(api.lessons.create, { moduleId: ids.moduleId, ...newLesson }),
      "LIMIT",
    );
    await world.t.run(async (ctx) => {
      await ctx.db.patch(ids.courseId, { lessonCount: 100 });
      for (let order = 2; order < 100; order++) {
        await ctx.db.insert("lessons", {
          ...newLesson,
          moduleId: ids.moduleId,
          courseId: ids.courseId,
          order,
          createdAt: 0,
          updatedAt: 0,
        });
      }
    });
    await expectCode(
      world.as.instructor.mutation(api.lessons.create, { moduleId: ids.moduleId, ...newLesson }),
      "LIMIT",
    );
    expect(await lessonCount(world.t, ids.courseId)).toBe(100);
  });

  test("the same idempotency key twice writes and counts once", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const args = { moduleId: ids.moduleId, ...newLesson, idempotencyKey: "k" };
    const first = await world.as.instructor.mutation(api.lessons.create, args);
    expect((await world.as.instructor.mutation(api.lessons.create, args))._id).toBe(first._id);
    expect(await lessonCount(world.t, ids.courseId)).toBe(3);
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.lessons.create, { moduleId: course.value().moduleId, ...newLesson }),
      course.prepare,
    );
  });
});

describe("lessons:update", () => {
  test("edits fields", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const lesson = await world.as.instructor.mutation(api.lessons.update, {
      id: ids.videoId,
      title: "Facial muscles, part 1",
      content: "https://video.example/2",
      duration: 15,
    });
    expect(lesson).toMatchObject({ title: "Facial muscles, part 1", content: "https://video.example/2", duration: 15 });
    expect(
      (await world.as.instructor.mutation(api.lessons.update, { id: ids.quizId, passingScore: 90 })).passingScore,
    ).toBe(90);
  });

  test("a quiz with questions keeps its type; without them it may change (dropping passingScore)", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    await world.as.instructor.mutation(api.lessons.update, { id: ids.quizId, passingScore: 90 });
    await expectCode(
      world.as.instructor.mutation(api.lessons.update, { id: ids.quizId, type: "video" }),
      "INVALID_STATE",
    );
    expect((await world.t.run((ctx) => ctx.db.get(ids.quizId)))?.type).toBe("quiz");
    await world.as.instructor.mutation(api.quizQuestions.remove, { id: ids.questionId });
    const video = await world.as.instructor.mutation(api.lessons.update, { id: ids.quizId, type: "video" });
    expect(video.type).toBe("video");
    expect(video.passingScore).toBeUndefined();
  });

  test("rejects bad fields and writes nothing", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const before = await world.t.run((ctx) => ctx.db.get(ids.videoId));
    await expectCode(
      world.as.instructor.mutation(api.lessons.update, { id: ids.videoId, title: "T", passingScore: 50 }),
      "VALIDATION",
    );
    await expectCode(world.as.instructor.mutation(api.lessons.update, { id: ids.videoId, duration: 0 }), "VALIDATION");
    expect(await world.t.run((ctx) => ctx.db.get(ids.videoId))).toEqual(before);
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.lessons.update, { id: course.value().videoId, title: "Renamed" }),
      course.prepare,
    );
  });
});

describe("lessons:remove", () => {
  test("deletes the lesson with its questions, progress and attempts; counts and order stay right", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const third = await world.as.instructor.mutation(api.lessons.create, { moduleId: ids.moduleId, ...newLesson });
    await world.t.run(async (ctx) => {
      await ctx.db.insert("lessonProgress", {
        userId: world.ids.student,
        courseId: ids.courseId,
        lessonId: ids.quizId,
        completed: true,
        timeSpent: 1,
        updatedAt: 1,
      });
      await ctx.db.insert("quizAttempts", {
        userId: world.ids.student,
        courseId: ids.courseId,
        lessonId: ids.quizId,
        answers: [1],
        correctCount: 0,
        questionCount: 1,
        score: 0,
        passed: false,
        createdAt: 1,
      });
    });
    await world.as.instructor.mutation(api.lessons.remove, { id: ids.quizId });
    await settle(world.t);
    expect(await lessonCount(world.t, ids.courseId)).toBe(2);
    expect((await lessonsOf(world.t, ids.moduleId)).map((l) => [l._id, l.order])).toEqual([
      [ids.videoId, 0],
      [third._id, 1],
    ]);
    for (const table of ["quizQuestions", "lessonProgress", "quizAttempts"] as const) {
      expect(await world.t.run((ctx) => ctx.db.query(table).collect()), table).toHaveLength(0);
    }
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.lessons.remove, { id: course.value().quizId }),
      course.prepare,
    );
  });
});

describe("lessons:reorder", () => {
  test("takes a full permutation; rejects anything else and writes nothing", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const other = await createCourseWithCurriculum(world);
    const reordered = await world.as.instructor.mutation(api.lessons.reorder, {
      moduleId: ids.moduleId,
      lessonIds: [ids.quizId, ids.videoId],
    });
    expect(reordered.map((l) => [l._id, l.order])).toEqual([
      [ids.quizId, 0],
      [ids.videoId, 1],
    ]);
    for (const lessonIds of [[ids.quizId], [ids.quizId, ids.quizId], [ids.quizId, other.videoId]]) {
      await expectCode(
        world.as.instructor.mutation(api.lessons.reorder, { moduleId: ids.moduleId, lessonIds }),
        "VALIDATION",
      );
    }
    expect((await lessonsOf(world.t, ids.moduleId)).map((l) => l._id)).toEqual([ids.quizId, ids.videoId]);
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) =>
        client.mutation(api.lessons.reorder, {
          moduleId: course.value().moduleId,
          lessonIds: [course.value().quizId, course.value().videoId],
        }),
      course.prepare,
    );
  });
});

describe("lessons:get and lessons:listByModule", () => {
  test("content only for those who can learn", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    await insertEnrollment(world.t, world.ids.student, ids.courseId);
    for (const role of ALL) {
      const learner = (LEARNERS as readonly string[]).includes(role);
      const lesson = await world.as[role].query(api.lessons.get, { id: ids.videoId });
      expect(lesson?.title, role).toBe("Facial muscles");
      expect(lesson?.content, role).toBe(learner ? "https://video.example/1" : undefined);
      const listed = await world.as[role].query(api.lessons.listByModule, { moduleId: ids.moduleId });
      expect(
        listed.map((l) => l._id),
        role,
      ).toEqual([ids.videoId, ids.quizId]);
      expect(listed[0].content, role).toBe(learner ? "https://video.example/1" : undefined);
    }
  });

  test("a draft's lessons read as missing to the public; NOT_FOUND for a missing module", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world, { publish: false });
    expect(await world.as.anonymous.query(api.lessons.get, { id: ids.videoId })).toBeNull();
    expect(await world.as.otherInstructor.query(api.lessons.get, { id: ids.videoId })).toBeNull();
    await world.as.instructor.mutation(api.courseModules.remove, { id: ids.moduleId });
    expect(await world.as.instructor.query(api.lessons.get, { id: ids.videoId })).toBeNull();
    await expectCode(world.as.instructor.query(api.lessons.listByModule, { moduleId: ids.moduleId }), "NOT_FOUND");
  });

  test("anyone reads a public course's lessons", async () => {
    await expectAllowed(ALL, (client) => client.query(api.lessons.get, { id: course.value().videoId }), course.prepare);
    await expectAllowed(
      ALL,
      (client) => client.query(api.lessons.listByModule, { moduleId: course.value().moduleId }),
      course.prepare,
    );
  });

  test("a draft's lessons are listed for its editors and enrolled students only", async () => {
    await expectAllowed(
      LEARNERS,
      (client) => client.query(api.lessons.listByModule, { moduleId: draft.value().moduleId }),
      draft.prepare,
    );
  });
});
