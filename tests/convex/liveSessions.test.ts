import { describe, expect, test, vi } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { expectAllowed, expectCode, insertCourse, seededWorld, setup, type Client, type World } from "./fixtures";

const HOUR = 60 * 60 * 1000;
const page = { numItems: 10, cursor: null };
const EVERYONE = ["anonymous", "student", "otherStudent", "instructor", "otherInstructor", "admin", "service"] as const;
const MANAGERS = ["instructor", "admin", "service"] as const;

const demo = () => ({
  title: "Live injection demo",
  description: "Q&A",
  scheduledFor: Date.now() + 72 * HOUR,
  duration: 60,
  maxParticipants: 12,
});

const schedule = async (client: Client, extra: Partial<ReturnType<typeof demo>> & { courseId?: Id<"courses"> } = {}) =>
  await client.mutation(api.liveSessions.schedule, { ...demo(), ...extra });

const sessions = (world: World) => world.t.run((ctx) => ctx.db.query("liveSessions").collect());

async function scheduledWorld(world: World): Promise<Id<"liveSessions">> {
  return (await schedule(world.as.instructor))._id;
}

async function liveWorld(world: World): Promise<Id<"liveSessions">> {
  const id = await scheduledWorld(world);
  await world.as.instructor.mutation(api.liveSessions.start, { id });
  return id;
}

describe("liveSessions:schedule", () => {
  test("an instructor schedules a session", async () => {
    const world = await setup();
    const session = await schedule(world.as.instructor, { title: "  Live injection demo " });
    expect(session).toMatchObject({
      title: "Live injection demo",
      instructorId: world.ids.instructor,
      status: "scheduled",
      isRecorded: false,
      duration: 60,
      maxParticipants: 12,
    });
  });

  test.each([
    ["title", { title: " " }],
    ["description", { description: "" }],
    ["scheduledFor", { scheduledFor: Date.now() - 1000 }],
    ["duration", { duration: 0 }],
    ["duration", { duration: 12.5 }],
    ["duration", { duration: 24 * 60 + 1 }],
    ["maxParticipants", { maxParticipants: -1 }],
    ["maxParticipants", { maxParticipants: 1.5 }],
    ["maxParticipants", { maxParticipants: 1001 }],
  ])("rejects a bad %s and writes nothing", async (field, change) => {
    const world = await setup();
    await expect(schedule(world.as.instructor, change)).rejects.toMatchObject({ data: { code: "VALIDATION", field } });
    expect(await sessions(world)).toHaveLength(0);
  });

  test("a course session only for a course the instructor teaches", async () => {
    const world = await setup();
    const courseId = await insertCourse(world.t, world.ids.instructor);
    await expectCode(
      world.as.otherInstructor.mutation(api.liveSessions.schedule, { ...demo(), courseId }),
      "FORBIDDEN",
    );
    expect(await world.as.instructor.mutation(api.liveSessions.schedule, { ...demo(), courseId })).toMatchObject({
      courseId,
    });
  });

  test("the same idempotency key twice schedules once", async () => {
    const world = await setup();
    const args = { ...demo(), idempotencyKey: "s1" };
    const first = await world.as.instructor.mutation(api.liveSessions.schedule, args);
    const again = await world.as.instructor.mutation(api.liveSessions.schedule, args);
    expect(again._id).toBe(first._id);
    expect(await sessions(world)).toHaveLength(1);
  });

  test("instructors only", async () => {
    await expectAllowed(["instructor", "otherInstructor"], (client) => schedule(client));
  });
});

describe("liveSessions status transitions", () => {
  test("scheduled -> live -> completed; everyone present leaves", async () => {
    const world = await setup();
    const id = await scheduledWorld(world);
    await world.as.student.mutation(api.sessionParticipants.join, { sessionId: id });
    const live = await world.as.instructor.mutation(api.liveSessions.start, { id });
    expect(live.status).toBe("live");
    expect(live.startedAt).toBeTypeOf("number");
    const done = await world.as.instructor.mutation(api.liveSessions.complete, {
      id,
      recordingUrl: "https://video.example/rec",
    });
    expect(done).toMatchObject({ status: "completed", recordingUrl: "https://video.example/rec" });
    const rows = await world.t.run((ctx) => ctx.db.query("sessionParticipants").collect());
    expect(rows[0].leftAt).toBe(done.endedAt);
  });

  test("every other transition is INVALID_STATE and writes nothing", async () => {
    const world = await setup();
    const id = await scheduledWorld(world);
    await expectCode(world.as.instructor.mutation(api.liveSessions.complete, { id }), "INVALID_STATE");
    await world.as.instructor.mutation(api.liveSessions.start, { id });
    await expectCode(world.as.instructor.mutation(api.liveSessions.start, { id }), "INVALID_STATE");
    await expectCode(world.as.instructor.mutation(api.liveSessions.cancel, { id }), "INVALID_STATE");
    await world.as.instructor.mutation(api.liveSessions.complete, { id });
    for (const fn of [api.liveSessions.start, api.liveSessions.complete, api.liveSessions.cancel]) {
      await expectCode(world.as.instructor.mutation(fn, { id }), "INVALID_STATE");
    }
    const cancelled = await scheduledWorld(world);
    await world.as.instructor.mutation(api.liveSessions.cancel, { id: cancelled });
    await expectCode(world.as.instructor.mutation(api.liveSessions.start, { id: cancelled }), "INVALID_STATE");
    expect((await sessions(world)).map((s) => s.status)).toEqual(["completed", "cancelled"]);
  });

  test("cancel notifies every present participant, and only them", async () => {
    const world = await setup();
    const id = await scheduledWorld(world);
    await world.as.student.mutation(api.sessionParticipants.join, { sessionId: id });
    await world.as.otherStudent.mutation(api.sessionParticipants.join, { sessionId: id });
    await world.as.otherStudent.mutation(api.sessionParticipants.leave, { sessionId: id });
    await world.as.admin.mutation(api.liveSessions.cancel, { id, reason: "Instructor is ill" });
    const notes = await world.t.run((ctx) => ctx.db.query("notifications").collect());
    expect(notes).toMatchObject([
      { userId: world.ids.student, type: "live_session", read: false, description: "Instructor is ill" },
    ]);
  });

  test("only the owner and admins manage a session", async () => {
    for (const [fn, seed] of [
      [api.liveSessions.start, scheduledWorld],
      [api.liveSessions.cancel, scheduledWorld],
      [api.liveSessions.complete, liveWorld],
    ] as const) {
      const seeded = seededWorld(seed);
      await expectAllowed(MANAGERS, (client) => client.mutation(fn, { id: seeded.value() }), seeded.prepare);
    }
  });
});

describe("liveSessions:update", () => {
  test("details change while scheduled; the recording once completed", async () => {
    const world = await setup();
    const id = await scheduledWorld(world);
    const later = Date.now() + 96 * HOUR;
    expect(
      await world.as.instructor.mutation(api.liveSessions.update, { id, scheduledFor: later, maxParticipants: 20 }),
    ).toMatchObject({ scheduledFor: later, maxParticipants: 20 });
    await expectCode(world.as.instructor.mutation(api.liveSessions.update, { id, duration: -5 }), "VALIDATION");
    await expectCode(
      world.as.instructor.mutation(api.liveSessions.update, { id, recordingUrl: "https://video.example/r" }),
      "INVALID_STATE",
    );
    await world.as.instructor.mutation(api.liveSessions.start, { id });
    await expectCode(world.as.instructor.mutation(api.liveSessions.update, { id, scheduledFor: later }), "INVALID_STATE");
    await world.as.instructor.mutation(api.liveSessions.complete, { id });
    await expectCode(world.as.instructor.mutation(api.liveSessions.update, { id, title: "x" }), "INVALID_STATE");
    const done = await world.as.instructor.mutation(api.liveSessions.update, { id, recordingUrl: "https://video.example/r" });
    expect(done.recordingUrl).toBe("https://video.example/r");
  });

  test("maxParticipants never below those present", async () => {
    const world = await setup();
    const id = await scheduledWorld(world);
    await world.as.student.mutation(api.sessionParticipants.join, { sessionId: id });
    await world.as.otherStudent.mutation(api.sessionParticipants.join, { sessionId: id });
    await expectCode(world.as.instructor.mutation(api.liveSessions.update, { id, maxParticipants: 1 }), "VALIDATION");
    expect((await sessions(world))[0].maxParticipants).toBe(12);
  });

  test("only the owner and admins", async () => {
    const seeded = seededWorld(scheduledWorld);
    await expectAllowed(
      MANAGERS,
      (client) => client.mutation(api.liveSessions.update, { id: seeded.value(), title: "New" }),
      seeded.prepare,
    );
  });
});

describe("liveSessions queries", () => {
  test("listUpcoming: scheduled and not yet due, soonest first; listLive; listByInstructor", async () => {
    vi.useFakeTimers();
    try {
      const world = await setup();
      const soon = await schedule(world.as.instructor, { title: "Soon", scheduledFor: Date.now() + HOUR });
      const later = await schedule(world.as.otherInstructor, { title: "Later", scheduledFor: Date.now() + 3 * HOUR });
      const live = await schedule(world.as.instructor, { title: "Live", scheduledFor: Date.now() + 2 * HOUR });
      await world.as.instructor.mutation(api.liveSessions.start, { id: live._id });
      const upcoming = async (after?: number) =>
        (await world.as.anonymous.query(api.liveSessions.listUpcoming, { paginationOpts: page, after })).page.map(
          (s) => s.title,
        );
      const liveTitles = async () =>
        (await world.as.anonymous.query(api.liveSessions.listLive, { paginationOpts: page })).page.map((s) => s.title);
      expect(await upcoming(Date.now())).toEqual(["Soon", "Later"]);
      expect(await liveTitles()).toEqual(["Live"]);

      // The query reads no clock: the caller's `after` decides, so a cached result is never stale.
      vi.advanceTimersByTime(2 * HOUR);
      expect(await upcoming(Date.now())).toEqual(["Later"]);
      expect(await upcoming()).toEqual(["Soon", "Later"]);

      const mine = await world.as.anonymous.query(api.liveSessions.listByInstructor, {
        instructorId: world.ids.instructor,
        paginationOpts: page,
      });
      expect(mine.page.map((s) => s._id)).toEqual([live._id, soon._id]);
      expect(await world.as.anonymous.query(api.liveSessions.get, { id: later._id })).toMatchObject({ title: "Later" });
    } finally {
      vi.useRealTimers();
    }
  });

  test("anyone may read sessions", async () => {
    const seeded = seededWorld(scheduledWorld);
    await expectAllowed(EVERYONE, (client) => client.query(api.liveSessions.get, { id: seeded.value() }), seeded.prepare);
    await expectAllowed(EVERYONE, (client) => client.query(api.liveSessions.listUpcoming, { paginationOpts: page }));
    await expectAllowed(EVERYONE, (client) => client.query(api.liveSessions.listLive, { paginationOpts: page }));
    await expectAllowed(EVERYONE, (client, { ids }) =>
      client.query(api.liveSessions.listByInstructor, { instructorId: ids.instructor, paginationOpts: page }),
    );
  });
});

describe("liveSessions: what each role sees of a recording", () => {
  const RECORDING = "https://video.example/recording.mp4";
  // The student is enrolled in the instructor's course; the other student is not.
  const SEES_COURSE_RECORDING = ["student", "instructor", "admin", "service"];

  async function recordedSessions(world: World) {
    const courseId = await insertCourse(world.t, world.ids.instructor);
    await world.t.run((ctx) =>
      ctx.db.insert("courseEnrollments", { userId: world.ids.student, courseId, status: "active", source: "admin", enrolledAt: Date.now() }),
    );
    const finish = async (id: Id<"liveSessions">) => {
      await world.as.instructor.mutation(api.liveSessions.start, { id });
      await world.as.instructor.mutation(api.liveSessions.complete, { id, recordingUrl: RECORDING });
      return id;
    };
    return {
      course: await finish((await schedule(world.as.instructor, { courseId }))._id),
      open: await finish((await schedule(world.as.instructor))._id),
    };
  }

  test.each(EVERYONE)("%s", async (role) => {
    const world = await setup();
    const ids = await recordedSessions(world);
    const expected = SEES_COURSE_RECORDING.includes(role) ? RECORDING : undefined;
    const session = await world.as[role].query(api.liveSessions.get, { id: ids.course });
    expect(session?.recordingUrl).toBe(expected);
    const listed = await world.as[role].query(api.liveSessions.listByInstructor, { instructorId: world.ids.instructor, paginationOpts: page });
    const byId = new Map(listed.page.map((s) => [s._id, s]));
    expect(byId.get(ids.course)?.recordingUrl).toBe(expected);
    expect(byId.get(ids.open)?.recordingUrl).toBe(RECORDING);
  });
});
