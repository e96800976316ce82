import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import {
  expectAllowed,
  expectCode,
  insertCourse,
  insertCurriculum,
  insertLearningCourse,
  insertQuestions,
  seededWorld,
  setup,
  type World,
} from "./fixtures";

/** An enrolled student and a three-question quiz (answers 0, 1, 2) with the given pass mark. */
async function threeQuestionQuiz(world: World, passingScore?: number) {
  const courseId = await insertCourse(world.t, world.ids.instructor);
  const [quizId, otherId] = await insertCurriculum(world.t, courseId, [
    { type: "quiz", content: "", passingScore },
    {},
  ]);
  await insertQuestions(world.t, quizId, [
    { options: ["a", "b"], correctOption: 0, explanation: "first" },
    { options: ["a", "b", "c"], correctOption: 1 },
    { options: ["a", "b", "c", "d"], correctOption: 2, explanation: "third" },
  ]);
  await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId });
  return { courseId, quizId, otherId };
}

const submit = (world: World, lessonId: Id<"lessons">, answers: number[], idempotencyKey?: string) =>
  world.as.student.mutation(api.quizAttempts.submit, { lessonId, answers, idempotencyKey });

const lessonCompleted = (world: World, lessonId: Id<"lessons">) =>
  world.t.run(
    async (ctx) =>
      (
        await ctx.db
          .query("lessonProgress")
          .withIndex("by_user_lesson", (q) => q.eq("userId", world.ids.student).eq("lessonId", lessonId))
          .unique()
      )?.completed ?? false,
  );

describe("quizAttempts:submit", () => {
  test("grades on the server and reveals the answer key only in the result", async () => {
    const world = await setup();
    const { quizId } = await threeQuestionQuiz(world);
    const result = await submit(world, quizId, [0, 1, 0]);
    expect(result).toMatchObject({
      correctCount: 2,
      questionCount: 3,
      score: 66,
      passingScore: 70,
      passed: false,
      answers: [0, 1, 0],
    });
    expect(result.results.map((r) => [r.chosenOption, r.correctOption, r.correct, r.explanation])).toEqual([
      [0, 0, true, "first"],
      [1, 1, true, undefined],
      [0, 2, false, "third"],
    ]);
    expect(await lessonCompleted(world, quizId)).toBe(false);
  });

  test("passing (score >= passingScore) completes the lesson", async () => {
    const world = await setup();
    const { quizId } = await threeQuestionQuiz(world, 66);
    const result = await submit(world, quizId, [0, 1, 0]);
    expect(result).toMatchObject({ score: 66, passingScore: 66, passed: true });
    expect(await lessonCompleted(world, quizId)).toBe(true);
  });

  test("the default pass mark is 70", async () => {
    const world = await setup();
    const { quizId } = await threeQuestionQuiz(world);
    expect((await submit(world, quizId, [0, 1, 2])).passed).toBe(true);
    expect((await submit(world, quizId, [1, 1, 2])).passed).toBe(false);
    // A later failed attempt does not undo the completion.
    expect(await lessonCompleted(world, quizId)).toBe(true);
  });

  test("the last lesson passed by quiz completes the course", async () => {
    const world = await setup();
    const { courseId, videoId, quizId } = await insertLearningCourse(world, { certificateEnabled: true });
    await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId });
    await world.as.student.mutation(api.lessonProgress.complete, { lessonId: videoId });
    await submit(world, quizId, [0]);
    expect(await world.as.student.query(api.certificates.listMine, {})).toHaveLength(1);
  });

  test("answers: one per question, each an option index in range", async () => {
    const world = await setup();
    const { quizId } = await threeQuestionQuiz(world);
    for (const answers of [
      [0, 1],
      [0, 1, 2, 0],
      [0, 1, 4],
      [0, -1, 2],
      [0, 1.5, 2],
    ]) {
      await expectCode(submit(world, quizId, answers), "VALIDATION");
    }
    expect(await world.t.run(async (ctx) => (await ctx.db.query("quizAttempts").collect()).length)).toBe(0);
  });

  test("only quiz lessons with questions", async () => {
    const world = await setup();
    const { courseId, otherId } = await threeQuestionQuiz(world);
    await expectCode(submit(world, otherId, [0]), "INVALID_STATE");
    const [empty] = await insertCurriculum(world.t, courseId, [{ type: "quiz", content: "" }]);
    await expectCode(submit(world, empty, []), "INVALID_STATE");
    await world.t.run((ctx) => ctx.db.delete(empty));
    await expectCode(submit(world, empty, []), "NOT_FOUND");
  });

  test("the same idempotency key twice writes one attempt", async () => {
    const world = await setup();
    const { quizId } = await threeQuestionQuiz(world);
    const first = await submit(world, quizId, [0, 1, 2], "k");
    expect(await submit(world, quizId, [0, 1, 2], "k")).toEqual(first);
    expect(await world.t.run(async (ctx) => (await ctx.db.query("quizAttempts").collect()).length)).toBe(1);
    await expectCode(submit(world, quizId, [0, 0, 0], "k"), "CONFLICT");
  });

  test("authorization: enrolled students only (editors preview without submitting)", async () => {
    const seeded = seededWorld(async (world) => (await threeQuestionQuiz(world)).quizId);
    await expectAllowed(
      ["student"],
      (client) => client.mutation(api.quizAttempts.submit, { lessonId: seeded.value(), answers: [0, 1, 2] }),
      seeded.prepare,
    );
  });
});

describe("quizAttempts:listMine", () => {
  test("the caller's attempts, newest first, limited", async () => {
    const world = await setup();
    const { quizId } = await threeQuestionQuiz(world);
    await submit(world, quizId, [1, 1, 1]);
    await submit(world, quizId, [0, 1, 2]);
    const attempts = await world.as.student.query(api.quizAttempts.listMine, { lessonId: quizId });
    expect(attempts.map((a) => a.score)).toEqual([100, 33]);
    expect(attempts[0]).not.toHaveProperty("results");
    expect(await world.as.student.query(api.quizAttempts.listMine, { lessonId: quizId, limit: 1 })).toHaveLength(1);
    expect(await world.as.otherStudent.query(api.quizAttempts.listMine, { lessonId: quizId })).toEqual([]);
    await expectCode(world.as.student.query(api.quizAttempts.listMine, { lessonId: quizId, limit: 0 }), "VALIDATION");
  });

  test("authorization: any signed-in user, for themselves", async () => {
    const seeded = seededWorld(async (world) => (await threeQuestionQuiz(world)).quizId);
    await expectAllowed(
      ["student", "otherStudent", "instructor", "otherInstructor", "admin"],
      (client) => client.query(api.quizAttempts.listMine, { lessonId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("quizAttempts:submit attempt limits and cool-down", () => {
  async function limitedQuiz(world: World, limits: { maxAttempts?: number; attemptCooldownMinutes?: number }) {
    const quiz = await threeQuestionQuiz(world);
    await world.t.run((ctx) => ctx.db.patch(quiz.quizId, limits));
    return quiz;
  }

  const attempts = (world: World) => world.t.run(async (ctx) => (await ctx.db.query("quizAttempts").collect()).length);

  test("maxAttempts: the attempt past the limit is LIMIT and writes nothing", async () => {
    const world = await setup();
    const { quizId } = await limitedQuiz(world, { maxAttempts: 2 });
    await submit(world, quizId, [1, 1, 1]);
    await submit(world, quizId, [1, 1, 1]);
    await expectCode(submit(world, quizId, [0, 1, 2]), "LIMIT");
    expect(await attempts(world)).toBe(2);
    expect(await lessonCompleted(world, quizId)).toBe(false);
  });

  test("cool-down: after a failed attempt the next waits (INVALID_STATE with retryAt); after it, or after a pass, not", async () => {
    const world = await setup();
    const { quizId } = await limitedQuiz(world, { attemptCooldownMinutes: 60 });
    const failed = await submit(world, quizId, [1, 1, 1]);
    const refused = await submit(world, quizId, [0, 1, 2]).catch((e: unknown) => e);
    expect(refused).toMatchObject({ data: { code: "INVALID_STATE", retryAt: failed.createdAt + 60 * 60_000 } });
    expect(await attempts(world)).toBe(1);
    // The hour passes (the attempt moves back in time rather than the clock forward).
    await world.t.run((ctx) => ctx.db.patch(failed._id, { createdAt: failed.createdAt - 60 * 60_000 }));
    expect((await submit(world, quizId, [0, 1, 2])).passed).toBe(true);
    expect((await submit(world, quizId, [0, 1, 2])).passed).toBe(true);
  });

  test("lessons: maxAttempts 1..100 and attemptCooldownMinutes 0..43200 on quiz lessons only", async () => {
    const world = await setup();
    const module = await world.as.instructor.mutation(api.courseModules.create, {
      courseId: await insertCourse(world.t, world.ids.instructor),
      title: "M",
    });
    const create = (extra: Record<string, unknown>) =>
      world.as.instructor.mutation(api.lessons.create, { moduleId: module._id, title: "Q", content: "", type: "quiz", ...extra });
    const quiz = await create({ maxAttempts: 3, attemptCooldownMinutes: 30 });
    expect(quiz).toMatchObject({ maxAttempts: 3, attemptCooldownMinutes: 30 });
    for (const bad of [{ maxAttempts: 0 }, { maxAttempts: 1.5 }, { maxAttempts: 101 }, { attemptCooldownMinutes: -1 }, { attemptCooldownMinutes: 43_201 }]) {
      await expectCode(create(bad), "VALIDATION");
    }
    await expectCode(create({ type: "video", maxAttempts: 3 }), "VALIDATION");
    const video = await world.as.instructor.mutation(api.lessons.update, { id: quiz._id, type: "video" });
    expect(video.maxAttempts).toBeUndefined();
    expect(video.attemptCooldownMinutes).toBeUndefined();
  });
});
