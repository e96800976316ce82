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
  type World,
} from "./fixtures";

useScheduler();

const EDITORS = ["instructor", "admin", "service"] as const;

const modulesOf = (t: TestConvex, courseId: Id<"courses">) =>
  t.run((ctx) =>
    ctx.db
      .query("courseModules")
      .withIndex("by_course", (q) => q.eq("courseId", courseId))
      .collect(),
  );
const count = (
  t: TestConvex,
  table: "courseModules" | "lessons" | "quizQuestions" | "lessonProgress" | "quizAttempts",
) => t.run(async (ctx) => (await ctx.db.query(table).collect()).length);
const lessonCount = async (t: TestConvex, courseId: Id<"courses">) =>
  (await t.run((ctx) => ctx.db.get(courseId)))?.lessonCount;

/** The fixture course plus two more (empty) modules: Anatomy, Dosing, Safety. */
async function threeModules(world: World) {
  const ids = await createCourseWithCurriculum(world);
  const add = (title: string) =>
    world.as.instructor.mutation(api.courseModules.create, { courseId: ids.courseId, title });
  const dosing = await add("Dosing");
  const safety = await add("Safety");
  return { ...ids, dosingId: dosing._id, safetyId: safety._id };
}

const course = seededWorld(threeModules);

describe("courseModules:create", () => {
  test("appends with dense order; an empty description is dropped", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world);
    const second = await world.as.instructor.mutation(api.courseModules.create, {
      courseId,
      title: " Dosing ",
      description: "Units and dilution",
    });
    const third = await world.as.admin.mutation(api.courseModules.create, {
      courseId,
      title: "Safety",
      description: " ",
    });
    expect(second).toMatchObject({ title: "Dosing", description: "Units and dilution", order: 1, courseId });
    expect(third.order).toBe(2);
    expect(third.description).toBeUndefined();
  });

  test("rejects a bad title and writes nothing", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world);
    for (const title of ["", "x".repeat(201)]) {
      await expectCode(world.as.instructor.mutation(api.courseModules.create, { courseId, title }), "VALIDATION");
    }
    await expectCode(
      world.as.instructor.mutation(api.courseModules.create, { courseId, title: "ok", description: "x".repeat(2001) }),
      "VALIDATION",
    );
    expect(await count(world.t, "courseModules")).toBe(1);
  });

  test("NOT_FOUND for a missing course; LIMIT past 50 modules", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world);
    await world.t.run(async (ctx) => {
      for (let order = 1; order < 50; order++) {
        await ctx.db.insert("courseModules", { courseId, title: `M${order}`, order, createdAt: 0, updatedAt: 0 });
      }
    });
    await expectCode(world.as.instructor.mutation(api.courseModules.create, { courseId, title: "One more" }), "LIMIT");
    const draft = await world.as.instructor.mutation(api.courses.create, {
      title: "T",
      description: "D",
      category: "laser",
    });
    await world.t.run((ctx) => ctx.db.delete(draft._id));
    await expectCode(
      world.as.admin.mutation(api.courseModules.create, { courseId: draft._id, title: "M" }),
      "NOT_FOUND",
    );
  });

  test("the same idempotency key twice writes once", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world);
    const args = { courseId, title: "Dosing", idempotencyKey: "k" };
    const first = await world.as.instructor.mutation(api.courseModules.create, args);
    expect((await world.as.instructor.mutation(api.courseModules.create, args))._id).toBe(first._id);
    expect(await count(world.t, "courseModules")).toBe(2);
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.courseModules.create, { courseId: course.value().courseId, title: "More" }),
      course.prepare,
    );
  });
});

describe("courseModules:update", () => {
  test("edits title and description; an empty description removes it", async () => {
    const world = await setup();
    const { moduleId } = await createCourseWithCurriculum(world);
    const edited = await world.as.instructor.mutation(api.courseModules.update, {
      id: moduleId,
      title: "Facial anatomy",
      description: "Muscles",
    });
    expect(edited).toMatchObject({ title: "Facial anatomy", description: "Muscles", order: 0 });
    const cleared = await world.as.instructor.mutation(api.courseModules.update, { id: moduleId, description: "" });
    expect(cleared.description).toBeUndefined();
  });

  test("rejects an empty title and writes nothing", async () => {
    const world = await setup();
    const { moduleId } = await createCourseWithCurriculum(world);
    await expectCode(
      world.as.instructor.mutation(api.courseModules.update, { id: moduleId, title: " " }),
      "VALIDATION",
    );
    expect((await world.t.run((ctx) => ctx.db.get(moduleId)))?.title).toBe("Anatomy");
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.courseModules.update, { id: course.value().moduleId, title: "Renamed" }),
      course.prepare,
    );
  });
});

describe("courseModules:remove", () => {
  test("cascades to lessons, questions, progress and attempts; lessonCount and order stay right", async () => {
    const world = await setup();
    const ids = await threeModules(world);
    await world.as.instructor.mutation(api.courses.publish, { id: ids.courseId });
    await insertEnrollment(world.t, world.ids.student, ids.courseId);
    const kept = await world.as.instructor.mutation(api.lessons.create, {
      moduleId: ids.safetyId,
      title: "Complications",
      type: "document",
      content: "Ptosis",
    });
    await world.t.run(async (ctx) => {
      const common = { userId: world.ids.student, courseId: ids.courseId, updatedAt: 1 };
      await ctx.db.insert("lessonProgress", { ...common, lessonId: ids.videoId, completed: true, timeSpent: 60 });
      await ctx.db.insert("lessonProgress", { ...common, lessonId: kept._id, completed: true, timeSpent: 60 });
      await ctx.db.insert("quizAttempts", {
        userId: world.ids.student,
        courseId: ids.courseId,
        lessonId: ids.quizId,
        answers: [0],
        correctCount: 1,
        questionCount: 1,
        score: 100,
        passed: true,
        createdAt: 1,
      });
    });
    expect(await lessonCount(world.t, ids.courseId)).toBe(3);
    await world.as.instructor.mutation(api.courseModules.remove, { id: ids.moduleId });
    // Out of the curriculum at once; its lessons go in scheduled batches.
    const outline = await world.as.instructor.query(api.courseModules.listByCourse, { courseId: ids.courseId });
    expect(outline.map((m) => [m.title, m.order])).toEqual([
      ["Dosing", 0],
      ["Safety", 1],
    ]);
    await expectCode(world.as.instructor.query(api.lessons.listByModule, { moduleId: ids.moduleId }), "NOT_FOUND");
    await settle(world.t);
    expect(await lessonCount(world.t, ids.courseId)).toBe(1);
    expect(await count(world.t, "lessons")).toBe(1);
    expect(await count(world.t, "quizQuestions")).toBe(0);
    expect(await count(world.t, "quizAttempts")).toBe(0);
    const progress = await world.t.run((ctx) => ctx.db.query("lessonProgress").collect());
    expect(progress.map((p) => p.lessonId)).toEqual([kept._id]);
    const modules = await modulesOf(world.t, ids.courseId);
    expect(modules.map((m) => [m.title, m.order])).toEqual([
      ["Dosing", 0],
      ["Safety", 1],
    ]);
  });

  test("NOT_FOUND once removed", async () => {
    const world = await setup();
    const { moduleId } = await createCourseWithCurriculum(world);
    await world.as.instructor.mutation(api.courseModules.remove, { id: moduleId });
    await expectCode(world.as.instructor.mutation(api.courseModules.remove, { id: moduleId }), "NOT_FOUND");
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => client.mutation(api.courseModules.remove, { id: course.value().moduleId }),
      course.prepare,
    );
  });
});

describe("courseModules:reorder", () => {
  test("takes a full permutation", async () => {
    const world = await setup();
    const ids = await threeModules(world);
    const reordered = await world.as.instructor.mutation(api.courseModules.reorder, {
      courseId: ids.courseId,
      moduleIds: [ids.safetyId, ids.moduleId, ids.dosingId],
    });
    expect(reordered.map((m) => [m.title, m.order])).toEqual([
      ["Safety", 0],
      ["Anatomy", 1],
      ["Dosing", 2],
    ]);
  });

  test("rejects anything but a permutation and writes nothing", async () => {
    const world = await setup();
    const ids = await threeModules(world);
    const foreign = (await createCourseWithCurriculum(world)).moduleId;
    for (const moduleIds of [
      [ids.safetyId, ids.moduleId],
      [ids.safetyId, ids.moduleId, ids.moduleId],
      [ids.safetyId, ids.moduleId, ids.dosingId, foreign],
      [ids.safetyId, ids.moduleId, foreign],
    ]) {
      await expectCode(
        world.as.instructor.mutation(api.courseModules.reorder, { courseId: ids.courseId, moduleIds }),
        "VALIDATION",
      );
    }
    expect((await modulesOf(world.t, ids.courseId)).map((m) => m.title)).toEqual(["Anatomy", "Dosing", "Safety"]);
  });

  test("the course's instructor, admins and the service", async () => {
    await expectAllowed(
      EDITORS,
      (client) => {
        const ids = course.value();
        return client.mutation(api.courseModules.reorder, {
          courseId: ids.courseId,
          moduleIds: [ids.dosingId, ids.safetyId, ids.moduleId],
        });
      },
      course.prepare,
    );
  });
});

describe("courseModules:listByCourse", () => {
  test("a visible course's modules in order", async () => {
    const world = await setup();
    const ids = await threeModules(world);
    await world.as.instructor.mutation(api.courses.publish, { id: ids.courseId });
    const modules = await world.as.anonymous.query(api.courseModules.listByCourse, { courseId: ids.courseId });
    expect(modules.map((m) => m.title)).toEqual(["Anatomy", "Dosing", "Safety"]);
  });

  test("a draft's modules: its editors and enrolled students only", async () => {
    const draft = seededWorld(async (world) => {
      const ids = await createCourseWithCurriculum(world, { publish: false });
      await insertEnrollment(world.t, world.ids.student, ids.courseId);
      return ids;
    });
    await expectAllowed(
      ["student", ...EDITORS],
      (client) => client.query(api.courseModules.listByCourse, { courseId: draft.value().courseId }),
      draft.prepare,
    );
  });

  test("anyone, for a public course", async () => {
    const pub = seededWorld((world) => createCourseWithCurriculum(world));
    await expectAllowed(
      ["anonymous", "student", "otherStudent", "instructor", "otherInstructor", "admin", "service"],
      (client) => client.query(api.courseModules.listByCourse, { courseId: pub.value().courseId }),
      pub.prepare,
    );
  });
});
