import { describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import {
  expectAllowed,
  expectCode,
  insertCourse,
  insertEnrollment,
  seededWorld,
  setup,
  type World,
} from "./fixtures";

const page = { numItems: 10, cursor: null };
const USERS = ["student", "otherStudent", "instructor", "otherInstructor", "admin"] as const;

const scheduleSession = async (world: World, extra: { maxParticipants?: number; courseId?: Id<"courses"> } = {}) =>
  (
    await world.as.instructor.mutation(api.liveSessions.schedule, {
      title: "Live injection demo",
      description: "Q&A",
      scheduledFor: Date.now() + 24 * 60 * 60 * 1000,
      duration: 60,
      maxParticipants: 12,
      ...extra,
    })
  )._id;

const participantRows = (world: World) => world.t.run((ctx) => ctx.db.query("sessionParticipants").collect());

describe("sessionParticipants:join", () => {
  test("joins once; joining again returns the same row", async () => {
    const world = await setup();
    const sessionId = await scheduleSession(world);
    const row = await world.as.student.mutation(api.sessionParticipants.join, { sessionId });
    expect(row).toMatchObject({ sessionId, userId: world.ids.student });
    expect(row.leftAt).toBeUndefined();
    const again = await world.as.student.mutation(api.sessionParticipants.join, { sessionId });
    expect(again._id).toBe(row._id);
    expect(await participantRows(world)).toHaveLength(1);
  });

  test("rejoining after leaving clears leftAt and keeps one row", async () => {
    const world = await setup();
    const sessionId = await scheduleSession(world);
    await world.as.student.mutation(api.sessionParticipants.join, { sessionId });
    await world.as.student.mutation(api.sessionParticipants.leave, { sessionId });
    expect((await participantRows(world))[0].leftAt).toBeTypeOf("number");
    const back = await world.as.student.mutation(api.sessionParticipants.join, { sessionId });
    expect(back.leftAt).toBeUndefined();
    expect(await participantRows(world)).toHaveLength(1);
  });

  test("never above maxParticipants present (LIMIT); a seat frees when someone leaves", async () => {
    const world = await setup();
    const sessionId = await scheduleSession(world, { maxParticipants: 2 });
    await world.as.student.mutation(api.sessionParticipants.join, { sessionId });
    await world.as.otherStudent.mutation(api.sessionParticipants.join, { sessionId });
    await expectCode(world.as.admin.mutation(api.sessionParticipants.join, { sessionId }), "LIMIT");
    expect(await participantRows(world)).toHaveLength(2);
    await world.as.otherStudent.mutation(api.sessionParticipants.leave, { sessionId });
    await world.as.admin.mutation(api.sessionParticipants.join, { sessionId });
    await expectCode(world.as.otherStudent.mutation(api.sessionParticipants.join, { sessionId }), "LIMIT");
    expect((await participantRows(world)).find((r) => r.userId === world.ids.otherStudent)?.leftAt).toBeTypeOf(
      "number",
    );
  });

  test("only scheduled or live sessions", async () => {
    const world = await setup();
    const live = await scheduleSession(world);
    await world.as.instructor.mutation(api.liveSessions.start, { id: live });
    await world.as.student.mutation(api.sessionParticipants.join, { sessionId: live });
    await world.as.instructor.mutation(api.liveSessions.complete, { id: live });
    await expectCode(world.as.otherStudent.mutation(api.sessionParticipants.join, { sessionId: live }), "INVALID_STATE");
    const cancelled = await scheduleSession(world);
    await world.as.instructor.mutation(api.liveSessions.cancel, { id: cancelled });
    await expectCode(world.as.student.mutation(api.sessionParticipants.join, { sessionId: cancelled }), "INVALID_STATE");
    expect(await participantRows(world)).toHaveLength(1);
  });

  test("a course's session is for those who can learn the course", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    await insertEnrollment(world.t, world.ids.student, courseId);
    const sessionId = await scheduleSession(world, { courseId });
    await expectCode(world.as.otherStudent.mutation(api.sessionParticipants.join, { sessionId }), "FORBIDDEN");
    expect(await world.as.student.mutation(api.sessionParticipants.join, { sessionId })).toMatchObject({ sessionId });
  });

  test("signed-in users (the service acts as a user)", async () => {
    const seeded = seededWorld((world) => scheduleSession(world));
    await expectAllowed(
      USERS,
      (client) => client.mutation(api.sessionParticipants.join, { sessionId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("sessionParticipants:leave", () => {
  test("sets leftAt once; leaving a session never joined is NOT_FOUND", async () => {
    const world = await setup();
    const sessionId = await scheduleSession(world);
    await expectCode(world.as.student.mutation(api.sessionParticipants.leave, { sessionId }), "NOT_FOUND");
    await world.as.student.mutation(api.sessionParticipants.join, { sessionId });
    await world.as.student.mutation(api.sessionParticipants.leave, { sessionId });
    const leftAt = (await participantRows(world))[0].leftAt;
    await world.as.student.mutation(api.sessionParticipants.leave, { sessionId });
    expect((await participantRows(world))[0].leftAt).toBe(leftAt);
  });

  test("signed-in users who joined", async () => {
    const seeded = seededWorld(async (world) => {
      const sessionId = await scheduleSession(world);
      for (const role of USERS) await world.as[role].mutation(api.sessionParticipants.join, { sessionId });
      return sessionId;
    });
    await expectAllowed(
      USERS,
      (client) => client.mutation(api.sessionParticipants.leave, { sessionId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("sessionParticipants:listBySession and listMine", () => {
  test("in the order they joined, present and past (the tour's participants call)", async () => {
    vi.useFakeTimers();
    try {
      const world = await setup();
      const sessionId = await scheduleSession(world);
      for (const role of ["otherStudent", "student", "admin"] as const) {
        vi.advanceTimersByTime(1000);
        await world.as[role].mutation(api.sessionParticipants.join, { sessionId });
      }
      await world.as.student.mutation(api.sessionParticipants.leave, { sessionId });
      const list = await world.as.instructor.query(api.sessionParticipants.listBySession, {
        sessionId,
        paginationOpts: page,
      });
      expect(list.page.map((p) => p.userId)).toEqual([world.ids.otherStudent, world.ids.student, world.ids.admin]);
      const first = await world.as.instructor.query(api.sessionParticipants.listBySession, {
        sessionId,
        paginationOpts: { numItems: 2, cursor: null },
      });
      expect(first.isDone).toBe(false);
      const mine = await world.as.student.query(api.sessionParticipants.listMine, { paginationOpts: page });
      expect(mine.page.map((p) => p.sessionId)).toEqual([sessionId]);
    } finally {
      vi.useRealTimers();
    }
  });

  test("listBySession: the session's owner, admins and participants", async () => {
    const seeded = seededWorld(async (world) => {
      const sessionId = await scheduleSession(world);
      await world.as.student.mutation(api.sessionParticipants.join, { sessionId });
      return sessionId;
    });
    await expectAllowed(
      ["student", "instructor", "admin", "service"],
      (client) => client.query(api.sessionParticipants.listBySession, { sessionId: seeded.value(), paginationOpts: page }),
      seeded.prepare,
    );
  });

  test("listMine: signed-in users", async () => {
    await expectAllowed(USERS, (client) => client.query(api.sessionParticipants.listMine, { paginationOpts: page }));
  });
});
