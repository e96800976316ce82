/**
 * Shared setup for the convex/ test suites: a fresh database per test and the
 * seven callers of the authorization matrix.
 */
import { convexTest } from "convex-test";
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, expect, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { SERVICE_ISSUER, SERVICE_SUBJECT } from "../../convex/model/auth";
import { addLessons } from "../../convex/model/counters";
import { recountResource } from "./recounts";
import type { ErrorCode } from "../../convex/model/errors";
import schema from "../../convex/schema";

export const modules = import.meta.glob("../../convex/**/*.*s");

const makeTest = () => convexTest(schema, modules);
export type TestConvex = ReturnType<typeof makeTest>;
export type Client = ReturnType<TestConvex["withIdentity"]> | TestConvex;

export const ROLES = [
  "anonymous",
  "student",
  "otherStudent",
  "instructor",
  "otherInstructor",
  "admin",
  "service",
] as const;
export type Role = (typeof ROLES)[number];

export type World = {
  t: TestConvex;
  as: Record<Role, Client>;
  ids: Record<Exclude<Role, "anonymous" | "service">, Id<"users">>;
  /** A client acting as an arbitrary user id (what `service.acting_as(id)` does). */
  actingAs: (userId: Id<"users">) => Client;
};

const PEOPLE = {
  student: { firstName: "Sam", lastName: "Student" },
  otherStudent: { firstName: "Olga", lastName: "Other" },
  instructor: { firstName: "Ines", lastName: "Instructor", isInstructor: true },
  otherInstructor: { firstName: "Omar", lastName: "Teacher", isInstructor: true },
  admin: { firstName: "Ada", lastName: "Admin", isAdmin: true },
} as const;

export async function setup(): Promise<World> {
  const t = makeTest();
  const actingAs = (userId: Id<"users">) => t.withIdentity({ issuer: SERVICE_ISSUER, subject: userId });
  const service = t.withIdentity({ issuer: SERVICE_ISSUER, subject: SERVICE_SUBJECT });
  const ids = {} as World["ids"];
  for (const [role, person] of Object.entries(PEOPLE) as [keyof typeof PEOPLE, (typeof PEOPLE)[keyof typeof PEOPLE]][]) {
    const user = await service.mutation(api.users.create, {
      firstName: person.firstName,
      lastName: person.lastName,
      email: `${role.toLowerCase()}@example.com`,
    });
    const roles = { isInstructor: "isInstructor" in person, isAdmin: "isAdmin" in person };
    await t.run((ctx) => ctx.db.patch(user._id, roles));
    ids[role] = user._id;
  }
  const as = {
    anonymous: t,
    service,
    ...Object.fromEntries(Object.entries(ids).map(([role, id]) => [role, actingAs(id)])),
  } as Record<Role, Client>;
  return { t, as, ids, actingAs };
}

/** Asserts that `call` fails with a ConvexError carrying `code`. */
/**
 * Fake timers for the tests of the enclosing block, so `settle` can run the
 * scheduled functions (cascade batches, student-count rollups) at once.
 * Only the timer functions are faked: `Date.now()` stays real.
 */
export function useScheduler(): void {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Runs every scheduled function, and those they schedule, to completion (needs `useScheduler`). */
export async function settle(t: TestConvex): Promise<void> {
  await t.finishAllScheduledFunctions(vi.runAllTimers, 1000);
}

export async function expectCode(call: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ${code} error`).toBeInstanceOf(ConvexError);
  expect((error as ConvexError<{ code: string }>).data.code).toBe(code);
}

/**
 * The authorization matrix: runs `call` as each role and checks that exactly the
 * `allowed` roles succeed and every other role gets UNAUTHENTICATED (anonymous)
 * or FORBIDDEN. `call` must be repeatable (fresh state per role via `prepare`).
 */
export async function expectAllowed(
  allowed: readonly Role[],
  call: (client: Client, world: World) => Promise<unknown>,
  prepare: () => Promise<World> = setup,
): Promise<void> {
  for (const role of ROLES) {
    const world = await prepare();
    const attempt = call(world.as[role], world);
    if (allowed.includes(role)) {
      await expect(attempt, `${role} should be allowed`).resolves.not.toThrow();
    } else {
      await expectCode(attempt, role === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN");
    }
  }
}

/** Inserts a course directly (public, discussions on); override any field. */
export async function insertCourse(
  t: TestConvex,
  instructorId: Id<"users">,
  overrides: Partial<Doc<"courses">> = {},
): Promise<Id<"courses">> {
  const now = Date.now();
  return await t.run((ctx) =>
    ctx.db.insert("courses", {
      title: "Botox Foundations",
      description: "Safe neurotoxin practice",
      instructorId,
      category: "botox",
      tags: [],
      visibility: "public",
      certificateEnabled: false,
      discussionEnabled: true,
      lessonCount: 0,
      studentCount: 0,
      createdAt: now,
      updatedAt: now,
      ...overrides,
    }),
  );
}

/** Inserts an enrollment directly (what a completed purchase or free enrollment leaves behind). */
export async function insertEnrollment(
  t: TestConvex,
  userId: Id<"users">,
  courseId: Id<"courses">,
  status: Doc<"courseEnrollments">["status"] = "active",
): Promise<Id<"courseEnrollments">> {
  return await t.run((ctx) =>
    ctx.db.insert("courseEnrollments", { userId, courseId, status, source: "admin", enrolledAt: Date.now() }),
  );
}

/**
 * A `prepare` for `expectAllowed` that seeds rows into each fresh world;
 * `value()` returns what the latest seed returned (ids the call needs).
 */
export function seededWorld<T>(seed: (world: World) => Promise<T>): { prepare: () => Promise<World>; value: () => T } {
  let latest: { value: T } | undefined;
  return {
    prepare: async () => {
      const world = await setup();
      latest = { value: await seed(world) };
      return world;
    },
    value: () => {
      if (latest === undefined) throw new Error("seededWorld: prepare() has not run yet");
      return latest.value;
    },
  };
}

/** Asserts a resource's `favoriteCount`/`downloadCount` equal a recount of their rows. */
export async function expectResourceCountersInStep(t: TestConvex, resourceId: Id<"resources">): Promise<void> {
  const [resource, recount] = await t.run(async (ctx) => [
    await ctx.db.get(resourceId),
    await recountResource(ctx, resourceId),
  ] as const);
  expect(resource).toMatchObject(recount);
}

// ---- learning fixtures (purchases, enrollments, progress, quizzes, certificates, reviews)

/** A course with one module of lessons, written directly; `lessonCount` kept in step. */
export async function insertCurriculum(
  t: TestConvex,
  courseId: Id<"courses">,
  lessons: Array<Partial<Doc<"lessons">>>,
): Promise<Id<"lessons">[]> {
  return await t.run(async (ctx) => {
    const now = Date.now();
    const moduleId = await ctx.db.insert("courseModules", { courseId, title: "Module", order: 0, createdAt: now, updatedAt: now });
    const ids: Id<"lessons">[] = [];
    for (const [order, lesson] of lessons.entries()) {
      ids.push(
        await ctx.db.insert("lessons", {
          moduleId,
          courseId,
          title: `Lesson ${order + 1}`,
          type: "video",
          content: "https://video.example/1",
          order,
          createdAt: now,
          updatedAt: now,
          ...lesson,
        }),
      );
    }
    await addLessons(ctx, courseId, ids.length);
    return ids;
  });
}

/** Quiz questions for a quiz lesson, in order. */
export async function insertQuestions(
  t: TestConvex,
  lessonId: Id<"lessons">,
  questions: Array<{ options: string[]; correctOption: number; explanation?: string }>,
): Promise<Id<"quizQuestions">[]> {
  return await t.run(async (ctx) => {
    const lesson = await ctx.db.get(lessonId);
    if (lesson === null) throw new Error("insertQuestions: no such lesson");
    const ids: Id<"quizQuestions">[] = [];
    for (const [order, question] of questions.entries()) {
      ids.push(
        await ctx.db.insert("quizQuestions", { lessonId, courseId: lesson.courseId, question: `Q${order + 1}?`, order, ...question }),
      );
    }
    return ids;
  });
}

/** A published course by the fixture instructor: a video lesson and a one-question quiz (answer 0). */
export async function insertLearningCourse(
  world: World,
  overrides: Partial<Doc<"courses">> = {},
): Promise<{ courseId: Id<"courses">; videoId: Id<"lessons">; quizId: Id<"lessons"> }> {
  const courseId = await insertCourse(world.t, world.ids.instructor, overrides);
  const [videoId, quizId] = await insertCurriculum(world.t, courseId, [{}, { type: "quiz", content: "" }]);
  await insertQuestions(world.t, quizId, [{ options: ["Frontalis", "Procerus", "Masseter"], correctOption: 0, explanation: "The frontalis elevates the brow." }]);
  return { courseId, videoId, quizId };
}

/**
 * Completes lessons as `client` the only ways they complete: a quiz by a
 * passing attempt (every correct option), any other lesson by `lessonProgress:complete`.
 */
export async function completeLessons(world: World, client: Client, lessonIds: Id<"lessons">[]): Promise<void> {
  for (const lessonId of lessonIds) {
    const { lesson, answers } = await world.t.run(async (ctx) => {
      const questions = await ctx.db
        .query("quizQuestions")
        .withIndex("by_lesson", (q) => q.eq("lessonId", lessonId))
        .collect();
      return { lesson: await ctx.db.get(lessonId), answers: questions.map((question) => question.correctOption) };
    });
    if (lesson?.type === "quiz") await client.mutation(api.quizAttempts.submit, { lessonId, answers });
    else await client.mutation(api.lessonProgress.complete, { lessonId });
  }
}

// ---------------------------------------------------------------- courses and curriculum

export type CourseIds = {
  courseId: Id<"courses">;
  moduleId: Id<"courseModules">;
  videoId: Id<"lessons">;
  quizId: Id<"lessons">;
  questionId: Id<"quizQuestions">;
};

/**
 * A course by `world.ids.instructor`, built through the public functions: one
 * module with a video lesson and a one-question quiz. Published unless
 * `publish: false`; other course fields can be overridden.
 */
export async function createCourseWithCurriculum(
  world: World,
  options: { publish?: boolean; price?: number; category?: string; tags?: string[]; title?: string } = {},
): Promise<CourseIds> {
  const { publish = true, ...fields } = options;
  const as = world.as.instructor;
  const course = await as.mutation(api.courses.create, {
    title: "Botox Foundations",
    description: "Safe neurotoxin practice",
    category: "botox",
    level: "beginner",
    ...fields,
  });
  const module = await as.mutation(api.courseModules.create, { courseId: course._id, title: "Anatomy" });
  const video = await as.mutation(api.lessons.create, {
    moduleId: module._id,
    title: "Facial muscles",
    type: "video",
    content: "https://video.example/1",
    duration: 12,
  });
  const quiz = await as.mutation(api.lessons.create, {
    moduleId: module._id,
    title: "Check yourself",
    type: "quiz",
    content: "",
  });
  const question = await as.mutation(api.quizQuestions.create, {
    lessonId: quiz._id,
    question: "Which muscle raises the brow?",
    options: ["Frontalis", "Procerus", "Masseter"],
    correctOption: 0,
    explanation: "The frontalis elevates the brow.",
  });
  if (publish) await as.mutation(api.courses.publish, { id: course._id });
  return { courseId: course._id, moduleId: module._id, videoId: video._id, quizId: quiz._id, questionId: question._id };
}
