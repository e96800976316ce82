/**
 * The compliance rules of docs/compliance.md: CE credits on courses, learners'
 * licences, what certificates keep and what verification shows, and the
 * instructor licence watch.
 */
import { describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { isoDay } from "../../convex/model/instructorApplications";
import {
  completeLessons,
  createCourseWithCurriculum,
  expectAllowed,
  expectCode,
  insertCourse,
  insertCurriculum,
  seededWorld,
  settle,
  setup,
  type World,
} from "./fixtures";

const DAY_MS = 24 * 60 * 60 * 1000;
const page = { paginationOpts: { numItems: 10, cursor: null } };

const CE = {
  ceCreditHours: 2,
  ceCreditType: "CME" as const,
  ceAccreditationStatement: "Doctrina Academy designates this activity for a maximum of 2.0 credits.",
};

/** The fixture course, with CE credits and certificates on, the student granted it. */
async function ceCourse(world: World) {
  const ids = await createCourseWithCurriculum(world);
  await world.as.instructor.mutation(api.courses.update, { id: ids.courseId, certificateEnabled: true, ...CE });
  await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId: ids.courseId });
  return ids;
}

const finish = (world: World, ids: { videoId: Id<"lessons">; quizId: Id<"lessons"> }) =>
  completeLessons(world, world.as.student, [ids.videoId, ids.quizId]);

describe("CE credits on courses", () => {
  test("create and update take hours in quarter hours with a documented type and a statement", async () => {
    const world = await setup();
    const base = { title: "T", description: "D", category: "botox" };
    const course = await world.as.instructor.mutation(api.courses.create, { ...base, ...CE, ceCreditHours: 1.75 });
    expect(course).toMatchObject({ ...CE, ceCreditHours: 1.75 });
    for (const hours of [-1, 0.1, 100.25, Number.NaN]) {
      await expectCode(world.as.instructor.mutation(api.courses.create, { ...base, ...CE, ceCreditHours: hours }), "VALIDATION");
    }
    await expectCode(world.as.instructor.mutation(api.courses.create, { ...base, ceCreditHours: 2 }), "VALIDATION");
    const cleared = await world.as.instructor.mutation(api.courses.update, {
      id: course._id,
      ceCreditHours: 0,
      ceAccreditationStatement: "",
    });
    expect(cleared.ceCreditHours).toBeUndefined();
    expect(cleared.ceAccreditationStatement).toBeUndefined();
    expect(await world.t.run(async (ctx) => (await ctx.db.query("courses").collect()).length)).toBe(1);
  });
});

describe("learner licences and certificates", () => {
  test("users.update keeps licence number (normalized), state and profession; empty removes", async () => {
    const world = await setup();
    const user = await world.as.student.mutation(api.users.update, {
      id: world.ids.student,
      licenseNumber: " rn 998877 ",
      licenseState: "CA",
      profession: "registered_nurse",
    });
    expect(user).toMatchObject({ licenseNumber: "RN998877", licenseState: "CA", profession: "registered_nurse" });
    await expectCode(
      world.as.student.mutation(api.users.update, { id: world.ids.student, licenseNumber: "X".repeat(51) }),
      "VALIDATION",
    );
    await expectCode(
      world.as.otherStudent.mutation(api.users.update, { id: world.ids.student, licenseNumber: "Z1" }),
      "FORBIDDEN",
    );
    const removed = await world.as.student.mutation(api.users.update, { id: world.ids.student, licenseNumber: "" });
    expect(removed.licenseNumber).toBeUndefined();
  });

  test("a certificate keeps the credits, names and licence it was issued with; verify shows credits, never the licence", async () => {
    const world = await setup();
    const ids = await ceCourse(world);
    await world.as.student.mutation(api.users.update, {
      id: world.ids.student,
      licenseNumber: "RN998877",
      licenseState: "CA",
      profession: "registered_nurse",
    });
    await finish(world, ids);
    const [cert] = await world.as.student.query(api.certificates.listMine, {});
    expect(cert).toMatchObject({ ...CE, licenseNumber: "RN998877", licenseState: "CA", profession: "registered_nurse" });
    // The course and the holder change afterwards; the certificate does not.
    await world.as.instructor.mutation(api.courses.update, { id: ids.courseId, title: "Renamed", ceCreditHours: 5, ceCreditType: "CE" });
    await world.as.student.mutation(api.users.update, { id: world.ids.student, firstName: "Samuel", licenseNumber: "NEW1" });
    const again = await world.as.student.query(api.certificates.get, { id: cert._id });
    expect(again).toMatchObject({ ...CE, courseName: "Botox Foundations", userName: "Sam Student", licenseNumber: "RN998877" });
    const check = await world.as.anonymous.query(api.certificates.verify, { verificationCode: cert.verificationCode });
    expect(check).toMatchObject({ status: "valid", ...CE });
    expect(JSON.stringify(check)).not.toContain("RN998877");
    expect(Object.keys(check!)).not.toContain("licenseNumber");
  });
});

// ---------------------------------------------------------------- licence watch

/** An approved application for `userId` written directly (submit refuses past expiry dates). */
async function approvedLicense(world: World, userId: Id<"users">, licenseExpiry: string, extra: Partial<Doc<"instructorApplications">> = {}) {
  return await world.t.run((ctx) =>
    ctx.db.insert("instructorApplications", {
      userId,
      status: "approved",
      licenseNumber: "MD-1",
      licenseState: "CA",
      licenseExpiry,
      insuranceProvider: "MedPro",
      documents: ["https://files.example/licence.pdf"],
      submittedAt: Date.now() - 400 * DAY_MS,
      ...extra,
    }),
  );
}

const dayFromNow = (days: number) => isoDay(Date.now() + days * DAY_MS);

const licenceNotices = (world: World, userId: Id<"users">) =>
  world.t.run(async (ctx) =>
    (await ctx.db.query("notifications").withIndex("by_user_created", (q) => q.eq("userId", userId)).collect()).filter(
      (n) => n.title === "Your licence expires soon",
    ),
  );

describe("licence watch", () => {
  test("the daily cron tells an instructor 30 days ahead, once per licence, and no one else", async () => {
    const world = await setup();
    await approvedLicense(world, world.ids.instructor, dayFromNow(30));
    await approvedLicense(world, world.ids.otherInstructor, dayFromNow(31));
    await approvedLicense(world, world.ids.admin, dayFromNow(-2));
    expect(await world.t.mutation(internal.instructorApplications.notifyExpiring, {})).toEqual({ processed: 1, done: true });
    expect(await world.t.mutation(internal.instructorApplications.notifyExpiring, {})).toEqual({ processed: 0, done: true });
    expect(await licenceNotices(world, world.ids.instructor)).toHaveLength(1);
    expect(await licenceNotices(world, world.ids.otherInstructor)).toHaveLength(0);
    expect(await licenceNotices(world, world.ids.admin)).toHaveLength(0);
  });

  test("the cron works in batches that continue from a cursor until every instructor was told once", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    try {
      const world = await setup();
      const users = await world.t.run(async (ctx) =>
        Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            ctx.db.insert("users", { firstName: "I", lastName: `${i}`, email: `i${i}@example.com`, isInstructor: true, isAdmin: false }),
          ),
        ),
      );
      for (const userId of users) await approvedLicense(world, userId, dayFromNow(10));
      const first = await world.t.mutation(internal.instructorApplications.notifyExpiring, { batchSize: 2 });
      expect(first).toEqual({ processed: 2, done: false });
      await settle(world.t); // the batches it scheduled, each continuing from the last one's cursor
      for (const userId of users) expect(await licenceNotices(world, userId)).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  test("an expired licence stops publishing and scheduling (INVALID_STATE, nothing written) until a renewal is approved", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world, { publish: false });
    await approvedLicense(world, world.ids.instructor, dayFromNow(-1));
    await expectCode(world.as.instructor.mutation(api.courses.publish, { id: courseId }), "INVALID_STATE");
    await expectCode(world.as.admin.mutation(api.courses.publish, { id: courseId }), "INVALID_STATE");
    const session = { title: "Demo", description: "Q&A", scheduledFor: Date.now() + DAY_MS, duration: 60, maxParticipants: 10 };
    await expectCode(world.as.instructor.mutation(api.liveSessions.schedule, session), "INVALID_STATE");
    expect(await world.t.run(async (ctx) => [(await ctx.db.get(courseId))?.visibility, (await ctx.db.query("liveSessions").collect()).length])).toEqual(["draft", 0]);

    const renewal = await world.as.instructor.mutation(api.instructorApplications.submit, {
      licenseNumber: "MD-2",
      licenseState: "CA",
      licenseExpiry: dayFromNow(700),
      insuranceProvider: "MedPro",
      documents: ["https://files.example/renewed.pdf"],
    });
    // Pending is not enough.
    await expectCode(world.as.instructor.mutation(api.courses.publish, { id: courseId }), "INVALID_STATE");
    await world.as.admin.mutation(api.instructorApplications.approve, { id: renewal._id });
    expect((await world.as.instructor.mutation(api.courses.publish, { id: courseId })).visibility).toBe("public");
    expect((await world.as.instructor.mutation(api.liveSessions.schedule, session)).status).toBe("scheduled");
    // The old licence is superseded: no longer listed as expiring.
    const expiring = await world.as.admin.query(api.instructorApplications.listExpiring, { before: dayFromNow(1000), ...page });
    expect(expiring.page.map((a) => a.licenseNumber)).toEqual(["MD-2"]);
  });

  test("instructors without a licence on file (appointed by an admin) are not watched", async () => {
    const world = await setup();
    const { courseId } = await createCourseWithCurriculum(world, { publish: false });
    expect((await world.as.instructor.mutation(api.courses.publish, { id: courseId })).visibility).toBe("public");
  });

  test("listExpiring: current licences expiring before a day, soonest first, paginated; the day must be a date", async () => {
    const world = await setup();
    await approvedLicense(world, world.ids.instructor, dayFromNow(20), { licenseNumber: "B" });
    await approvedLicense(world, world.ids.otherInstructor, dayFromNow(-5), { licenseNumber: "A" });
    await approvedLicense(world, world.ids.admin, dayFromNow(90), { licenseNumber: "C" });
    const first = await world.as.admin.query(api.instructorApplications.listExpiring, {
      before: dayFromNow(30),
      paginationOpts: { numItems: 1, cursor: null },
    });
    expect(first.page.map((a) => a.licenseNumber)).toEqual(["A"]);
    const rest = await world.as.admin.query(api.instructorApplications.listExpiring, {
      before: dayFromNow(30),
      paginationOpts: { numItems: 10, cursor: first.continueCursor },
    });
    expect(rest.page.map((a) => a.licenseNumber)).toEqual(["B"]);
    await expectCode(world.as.admin.query(api.instructorApplications.listExpiring, { before: "soon", ...page }), "VALIDATION");
  });

  test("authorization: listExpiring is for admins and the service", async () => {
    await expectAllowed(["admin", "service"], (client) =>
      client.query(api.instructorApplications.listExpiring, { before: "2030-01-01", ...page }),
    );
  });
});

describe("certificates:listByCourse", () => {
  async function issued(world: World) {
    const courseId = await insertCourse(world.t, world.ids.instructor, { certificateEnabled: true });
    await insertCurriculum(world.t, courseId, [{}]);
    const dates = ["2026-01-10T00:00:00.000Z", "2026-02-10T00:00:00.000Z", "2026-03-10T00:00:00.000Z"];
    await world.t.run(async (ctx) => {
      for (const [i, issueDate] of dates.entries()) {
        await ctx.db.insert("certificates", {
          userId: world.ids.student,
          userName: "Sam Student",
          courseId,
          courseName: "Botox Foundations",
          instructorId: world.ids.instructor,
          instructorName: "Ines Instructor",
          issueDate,
          verificationCode: `CODE-${i}`,
          templateId: "default",
          status: "valid",
        });
      }
    });
    return courseId;
  }

  test("a course's certificates issued in a date range, oldest first", async () => {
    const world = await setup();
    const courseId = await issued(world);
    const list = (fromDate?: string, toDate?: string) =>
      world.as.instructor.query(api.certificates.listByCourse, { courseId, fromDate, toDate, ...page });
    expect((await list()).page.map((c) => c.verificationCode)).toEqual(["CODE-0", "CODE-1", "CODE-2"]);
    expect((await list("2026-02-01", "2026-03-10")).page.map((c) => c.verificationCode)).toEqual(["CODE-1"]);
    expect((await list("2026-02-11")).page.map((c) => c.verificationCode)).toEqual(["CODE-2"]);
    await expectCode(list("yesterday"), "VALIDATION");
    await expectCode(list("2026-03-01", "2026-02-01"), "VALIDATION");
  });

  test("authorization: the course's instructor, admins and the service", async () => {
    const seeded = seededWorld(issued);
    await expectAllowed(
      ["instructor", "admin", "service"],
      (client) => client.query(api.certificates.listByCourse, { courseId: seeded.value(), ...page }),
      seeded.prepare,
    );
  });
});
