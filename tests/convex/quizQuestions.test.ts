import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import {
  createCourseWithCurriculum,
  expectAllowed,
  expectCode,
  insertEnrollment,
  seededWorld,
  setup,
  type TestConvex,
} from "./fixtures";

const EDITORS = ["instructor", "admin", "service"] as const;

const questionsOf = (t: TestConvex, lessonId: Id<"lessons">) =>
  t.run((ctx) =>
    ctx.db
      .query("quizQuestions")
      .withIndex("by_lesson", (q) => q.eq("lessonId", lessonId))
      .collect(),
  );

/** The fixture course (published), `student` enrolled. */
const course = seededWorld(async (world) => {
  const ids = await createCourseWithCurriculum(world);
  await insertEnrollment(world.t, world.ids.student, ids.courseId);
  return ids;
});

const second = {
  question: "Which muscle forms vertical glabellar lines?",
  options: ["Corrugator", "Frontalis"],
  correctOption: 0,
};

describe("quizQuestions:create", () => {
  test("appends to a quiz lesson with dense order", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const question = await world.as.instructor.mutation(api.quizQuestions.create, {
      lessonId: ids.quizId,
      ...second,
      options: [" Corrugator ", "Frontalis"],
    });
    expect(question).toMatchObject({ ...second, lessonId: ids.quizId, courseId: ids.courseId, order: 1 });
  });

  test("only on quiz lessons", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    await expectCode(
      world.as.instructor.mutation(api.quizQuestions.create, { lessonId: ids.videoId, ...second }),
      "INVALID_STATE",
    );
    expect(await questionsOf(world.t, ids.videoId)).toHaveLength(0);
  });

  test.each([
    ["question", { question: " " }],
    ["question", { question: "x".repeat(1001) }],
    ["options", { options: ["Only one"] }],
    ["options", { options: Array.from({ length: 11 }, (_, i) => `Option ${i}`) }],
    ["options", { options: ["Corrugator", " "] }],
    ["options", { options: ["Corrugator", "corrugator"] }],
    ["correctOption", { correctOption: 2 }],
    ["correctOption", { correctOption: -1 }],
    ["correctOption", { correctOption: 0.5 }],
    ["explanation", { explanation: "x".repeat(2001) }],
  ])("rejects a bad %s and writes nothing", async (field, overrides) => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const error = await world.as.instructor
      .mutation(api.quizQuestions.create, { lessonId: ids.quizId, ...second, ...overrides })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { code: "VALIDATION", field } });
    expect(await questionsOf(world.t, ids.quizId)).toHaveLength(1);
  });

  test("ten options are fine; LIMIT past 50 questions", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const options = Array.from({ length: 10 }, (_, i) => `Option ${i}`);
    await world.as.instructor.mutation(api.quizQuestions.create, {
      lessonId: ids.quizId,
      ...second,
      options,
      correctOption: 9,
    });
    await world.t.run(async (ctx) => {
      for (let order = 2; order < 50; order++) {
        await ctx.db.insert("quizQuestions", { lessonId: ids.quizId, courseId: ids.courseId, ...second, order });
      }
    });
    await expectCode(
      world.as.instructor.mutation(api.quizQuestions.create, { lessonId: ids.quizId, ...second }),
      "LIMIT",
    );
  });

  test("the same idempotency key twice writes once", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const args = { lessonId: ids.quizId, ...second, idempotencyKey: "k" };
    const first = await world.as.instructor.mutation(api.quizQuestions.create, args);
    expect((await world.as.instructor.mutation(api.quizQuestions.create, args))._id).toBe(first._id);
    expect(await questionsOf(world.t, ids.quizId)).toHaveLength(2);
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.quizQuestions.create, { lessonId: course.value().quizId, ...second }),
      course.prepare,
    );
  });
});

describe("quizQuestions:update", () => {
  test("edits; an empty explanation removes it", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const edited = await world.as.instructor.mutation(api.quizQuestions.update, {
      id: ids.questionId,
      options: ["Procerus", "Frontalis"],
      correctOption: 1,
      explanation: "",
    });
    expect(edited).toMatchObject({ options: ["Procerus", "Frontalis"], correctOption: 1 });
    expect(edited.explanation).toBeUndefined();
  });

  test("the answer must stay within the options; nothing is written otherwise", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    await world.as.instructor.mutation(api.quizQuestions.update, { id: ids.questionId, correctOption: 2 });
    const before = await world.t.run((ctx) => ctx.db.get(ids.questionId));
    await expectCode(
      world.as.instructor.mutation(api.quizQuestions.update, { id: ids.questionId, options: ["A", "B"] }),
      "VALIDATION",
    );
    await expectCode(
      world.as.instructor.mutation(api.quizQuestions.update, { id: ids.questionId, correctOption: 3 }),
      "VALIDATION",
    );
    expect(await world.t.run((ctx) => ctx.db.get(ids.questionId))).toEqual(before);
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.quizQuestions.update, { id: course.value().questionId, question: "Reworded?" }),
      course.prepare,
    );
  });
});

describe("quizQuestions:remove and reorder", () => {
  test("remove renumbers the rest; reorder takes a full permutation", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    const b = await world.as.instructor.mutation(api.quizQuestions.create, { lessonId: ids.quizId, ...second });
    const c = await world.as.instructor.mutation(api.quizQuestions.create, {
      lessonId: ids.quizId,
      ...second,
      question: "Third?",
    });
    const reordered = await world.as.instructor.mutation(api.quizQuestions.reorder, {
      lessonId: ids.quizId,
      questionIds: [c._id, ids.questionId, b._id],
    });
    expect(reordered.map((q) => q._id)).toEqual([c._id, ids.questionId, b._id]);
    await expectCode(
      world.as.instructor.mutation(api.quizQuestions.reorder, { lessonId: ids.quizId, questionIds: [c._id, b._id] }),
      "VALIDATION",
    );
    await world.as.instructor.mutation(api.quizQuestions.remove, { id: ids.questionId });
    expect((await questionsOf(world.t, ids.quizId)).map((q) => [q._id, q.order])).toEqual([
      [c._id, 0],
      [b._id, 1],
    ]);
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.quizQuestions.remove, { id: course.value().questionId }),
      course.prepare,
    );
    await expectAllowed(
      EDITORS,
      (client) =>
        client.mutation(api.quizQuestions.reorder, {
          lessonId: course.value().quizId,
          questionIds: [course.value().questionId],
        }),
      course.prepare,
    );
  });
});

describe("quizQuestions:listForLesson and listForEditing", () => {
  test("students get questions without answers or explanations; editors get everything", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    await insertEnrollment(world.t, world.ids.student, ids.courseId);
    const [question] = await world.as.student.query(api.quizQuestions.listForLesson, { lessonId: ids.quizId });
    expect(question).toMatchObject({ _id: ids.questionId, options: ["Frontalis", "Procerus", "Masseter"], order: 0 });
    expect(question).not.toHaveProperty("correctOption");
    expect(question).not.toHaveProperty("explanation");
    const [full] = await world.as.instructor.query(api.quizQuestions.listForEditing, { lessonId: ids.quizId });
    expect(full).toMatchObject({ correctOption: 0, explanation: "The frontalis elevates the brow." });
  });

  test("a non-quiz lesson has no questions; NOT_FOUND for a missing lesson", async () => {
    const world = await setup();
    const ids = await createCourseWithCurriculum(world);
    expect(await world.as.instructor.query(api.quizQuestions.listForLesson, { lessonId: ids.videoId })).toEqual([]);
    await world.as.instructor.mutation(api.lessons.remove, { id: ids.videoId });
    await expectCode(
      world.as.instructor.query(api.quizQuestions.listForLesson, { lessonId: ids.videoId }),
      "NOT_FOUND",
    );
  });

  test("those who can learn take quizzes; only editors see the answer key", async () => {
    await expectAllowed(
      ["student", ...EDITORS],
      (client) => client.query(api.quizQuestions.listForLesson, { lessonId: course.value().quizId }),
      course.prepare,
    );
    await expectAllowed(
      EDITORS,
      (client) => client.query(api.quizQuestions.listForEditing, { lessonId: course.value().quizId }),
      course.prepare,
    );
  });
});
