import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { setStudents, studentCount } from "../../convex/model/counters";
import { recountCourse } from "./recounts";
import {
  completeLessons,
  expectAllowed,
  expectCode,
  insertCourse,
  insertEnrollment,
  insertLearningCourse,
  seededWorld,
  settle,
  setup,
  useScheduler,
  type World,
} from "./fixtures";

useScheduler();

const page = { paginationOpts: { numItems: 10, cursor: null } };

async function freeCourse(world: World, overrides = {}) {
  return await insertCourse(world.t, world.ids.instructor, overrides);
}

/** The shards' sum is exact at once; `courses.studentCount` once the rollup ran. */
async function expectStudentsInStep(world: World, courseId: Id<"courses">, expected: number) {
  expect(await world.t.run((ctx) => studentCount(ctx, courseId))).toBe(expected);
  await settle(world.t);
  const [course, recount] = await world.t.run(
    async (ctx) => [await ctx.db.get(courseId), await recountCourse(ctx, courseId)] as const,
  );
  expect(course?.studentCount).toBe(expected);
  expect(recount.studentCount).toBe(expected);
}

describe("courseEnrollments:enrollFree", () => {
  test("enrolls the caller in a free public course and counts the student", async () => {
    const world = await setup();
    const courseId = await freeCourse(world);
    const enrollment = await world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId });
    expect(enrollment).toMatchObject({ userId: world.ids.student, courseId, status: "active", source: "free" });
    await expectStudentsInStep(world, courseId, 1);
    expect(await world.as.student.query(api.purchases.hasAccess, { courseId })).toBe(true);
  });

  test("a price of 0 is free too", async () => {
    const world = await setup();
    const courseId = await freeCourse(world, { price: 0 });
    await world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId });
    await expectStudentsInStep(world, courseId, 1);
  });

  test("paid, unpublished, archived and missing courses are refused", async () => {
    const world = await setup();
    const enroll = (courseId: Id<"courses">) =>
      world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId });
    await expectCode(enroll(await freeCourse(world, { price: 100 })), "INVALID_STATE");
    await expectCode(enroll(await freeCourse(world, { visibility: "draft" })), "INVALID_STATE");
    await expectCode(enroll(await freeCourse(world, { visibility: "private" })), "INVALID_STATE");
    await expectCode(enroll(await freeCourse(world, { archivedAt: Date.now() })), "INVALID_STATE");
    const gone = await freeCourse(world);
    await world.t.run((ctx) => ctx.db.delete(gone));
    await expectCode(enroll(gone), "NOT_FOUND");
    expect(await world.t.run(async (ctx) => (await ctx.db.query("courseEnrollments").collect()).length)).toBe(0);
  });

  test("enrolling twice is a conflict; a revoked student needs an admin grant", async () => {
    const world = await setup();
    const courseId = await freeCourse(world);
    const enrollment = await world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId });
    await expectCode(world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId }), "CONFLICT");
    await world.as.admin.mutation(api.courseEnrollments.revoke, { id: enrollment._id });
    await expectCode(world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId }), "INVALID_STATE");
    await expectStudentsInStep(world, courseId, 0);
  });

  test("the same idempotency key twice writes once", async () => {
    const world = await setup();
    const courseId = await freeCourse(world);
    const first = await world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId, idempotencyKey: "k" });
    const again = await world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId, idempotencyKey: "k" });
    expect(again).toEqual(first);
    await expectStudentsInStep(world, courseId, 1);
  });

  test("signed-in users enroll themselves; the service must act as a user", async () => {
    const seeded = seededWorld(freeCourse);
    await expectAllowed(
      ["student", "otherStudent", "instructor", "otherInstructor", "admin"],
      (client) => client.mutation(api.courseEnrollments.enrollFree, { courseId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("courseEnrollments:grant and revoke", () => {
  test("grant enrolls any user in any course; granting again changes nothing", async () => {
    const world = await setup();
    const courseId = await freeCourse(world, { visibility: "draft", price: 9900 });
    const granted = await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId });
    expect(granted).toMatchObject({ status: "active", source: "admin" });
    expect(
      await world.as.service.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId }),
    ).toEqual(granted);
    await expectStudentsInStep(world, courseId, 1);
  });

  test("revoke ends access with a reason; revoking again changes nothing; grant reactivates", async () => {
    const world = await setup();
    const courseId = await freeCourse(world);
    const { _id: id } = await world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId });
    const revoked = await world.as.admin.mutation(api.courseEnrollments.revoke, { id, reason: "Licence lapsed" });
    expect(revoked).toMatchObject({ status: "revoked", revokeReason: "Licence lapsed" });
    expect(await world.as.student.query(api.purchases.hasAccess, { courseId })).toBe(false);
    expect(await world.as.admin.mutation(api.courseEnrollments.revoke, { id })).toEqual(revoked);
    await expectStudentsInStep(world, courseId, 0);
    const back = await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId });
    expect(back).toMatchObject({ _id: id, status: "active", source: "admin" });
    expect(back.revokeReason).toBeUndefined();
    await expectStudentsInStep(world, courseId, 1);
  });

  test("a returning student who had finished every lesson is completed again on grant", async () => {
    const world = await setup();
    const { courseId, videoId, quizId } = await insertLearningCourse(world);
    const { _id: id } = await world.as.admin.mutation(api.courseEnrollments.grant, {
      userId: world.ids.student,
      courseId,
    });
    await completeLessons(world, world.as.student, [videoId, quizId]);
    await world.as.admin.mutation(api.courseEnrollments.revoke, { id });
    const back = await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId });
    expect(back.status).toBe("completed");
    await expectStudentsInStep(world, courseId, 1);
  });

  test("revoking a completed enrollment lowers studentCount too", async () => {
    const world = await setup();
    const courseId = await freeCourse(world);
    const id = await insertEnrollment(world.t, world.ids.student, courseId, "completed");
    await world.t.run((ctx) => setStudents(ctx, courseId, 1));
    await world.as.admin.mutation(api.courseEnrollments.revoke, { id });
    await expectStudentsInStep(world, courseId, 0);
  });

  test("validation: missing user or course, blank reason", async () => {
    const world = await setup();
    const courseId = await freeCourse(world);
    const gone = await freeCourse(world);
    await world.t.run((ctx) => ctx.db.delete(gone));
    await expectCode(
      world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId: gone }),
      "NOT_FOUND",
    );
    const ghost = await world.t.run(async (ctx) => {
      const id = await ctx.db.insert("users", {
        firstName: "G",
        lastName: "G",
        email: "g@example.com",
        isInstructor: false,
        isAdmin: false,
      });
      await ctx.db.delete(id);
      return id;
    });
    await expectCode(world.as.admin.mutation(api.courseEnrollments.grant, { userId: ghost, courseId }), "NOT_FOUND");
    const { _id: id } = await world.as.student.mutation(api.courseEnrollments.enrollFree, { courseId });
    await expectCode(world.as.admin.mutation(api.courseEnrollments.revoke, { id, reason: "  " }), "VALIDATION");
  });

  test("only admins and the service grant and revoke", async () => {
    const seeded = seededWorld(freeCourse);
    await expectAllowed(
      ["admin", "service"],
      (client, world) =>
        client.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId: seeded.value() }),
      seeded.prepare,
    );
    const enrolled = seededWorld(
      async (world) => await insertEnrollment(world.t, world.ids.student, await freeCourse(world)),
    );
    await expectAllowed(
      ["admin", "service"],
      (client) => client.mutation(api.courseEnrollments.revoke, { id: enrolled.value() }),
      enrolled.prepare,
    );
  });
});

describe("courseEnrollments:get, listMine, listByCourse", () => {
  test("get: the student, the course's editors, admins; null when missing", async () => {
    const seeded = seededWorld(
      async (world) => await insertEnrollment(world.t, world.ids.student, await freeCourse(world)),
    );
    await expectAllowed(
      ["student", "instructor", "admin", "service"],
      (client) => client.query(api.courseEnrollments.get, { id: seeded.value() }),
      seeded.prepare,
    );
    const world = await setup();
    const id = await insertEnrollment(world.t, world.ids.student, await freeCourse(world));
    await world.t.run((ctx) => ctx.db.delete(id));
    expect(await world.as.student.query(api.courseEnrollments.get, { id })).toBeNull();
  });

  test("listMine pages the caller's enrollments, optionally by status", async () => {
    const world = await setup();
    await insertEnrollment(world.t, world.ids.student, await freeCourse(world), "active");
    await insertEnrollment(world.t, world.ids.student, await freeCourse(world), "completed");
    await insertEnrollment(world.t, world.ids.otherStudent, await freeCourse(world), "active");
    const mine = await world.as.student.query(api.courseEnrollments.listMine, page);
    expect(mine.page.map((e) => e.status).sort()).toEqual(["active", "completed"]);
    const completed = await world.as.student.query(api.courseEnrollments.listMine, { ...page, status: "completed" });
    expect(completed.page).toHaveLength(1);
    await expectAllowed(["student", "otherStudent", "instructor", "otherInstructor", "admin"], (client) =>
      client.query(api.courseEnrollments.listMine, page),
    );
  });

  test("listByCourse: the course's editors and admins", async () => {
    const world = await setup();
    const courseId = await freeCourse(world);
    await insertEnrollment(world.t, world.ids.student, courseId, "active");
    await insertEnrollment(world.t, world.ids.otherStudent, courseId, "revoked");
    const all = await world.as.instructor.query(api.courseEnrollments.listByCourse, { courseId, ...page });
    expect(all.page).toHaveLength(2);
    const active = await world.as.instructor.query(api.courseEnrollments.listByCourse, {
      courseId,
      status: "active",
      ...page,
    });
    expect(active.page.map((e) => e.userId)).toEqual([world.ids.student]);
    const seeded = seededWorld(freeCourse);
    await expectAllowed(
      ["instructor", "admin", "service"],
      (client) => client.query(api.courseEnrollments.listByCourse, { courseId: seeded.value(), ...page }),
      seeded.prepare,
    );
  });
});
