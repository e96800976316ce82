/**
 * The audit trail and the event feed (model/audit.ts, model/events.ts): one
 * entry and one event per state change in the change's own transaction, the
 * actor as the identity says, filters served by indexes, cursors numbered after
 * commit, retention, and no code path that updates or deletes an audit entry.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { EVENT_OF, recordChange } from "../../convex/model/audit";
import { EVENT_RETENTION_DAYS } from "../../convex/model/events";
import { AUDIT_ACTIONS, EVENT_TYPES } from "../../convex/validators";
import {
  expectAllowed,
  expectCode,
  insertLearningCourse,
  settle,
  setup,
  useScheduler,
  type TestConvex,
  type World,
} from "./fixtures";

useScheduler();

const PAGE = { numItems: 50, cursor: null };
const entries = (t: TestConvex) => t.run((ctx) => ctx.db.query("auditLog").collect());
const allEvents = (t: TestConvex) => t.run((ctx) => ctx.db.query("events").collect());
const actions = async (t: TestConvex) => (await entries(t)).map((entry) => entry.action);

/** A free, certificate-enabled course (video + one-question quiz) with the student enrolled by the admin. */
async function enrolled(world: World) {
  const course = await insertLearningCourse(world, { certificateEnabled: true });
  const enrollment = await world.as.admin.mutation(api.courseEnrollments.grant, {
    userId: world.ids.student,
    courseId: course.courseId,
  });
  return { ...course, enrollmentId: enrollment._id };
}

describe("recordChange", () => {
  test("a change writes one entry and one pending event, with actor, target and details", async () => {
    const world = await setup();
    await world.as.admin.mutation(api.users.setRoles, { id: world.ids.student, isInstructor: true });
    const [entry] = await entries(world.t);
    expect(await entries(world.t)).toHaveLength(1);
    expect(entry).toMatchObject({
      action: "users.setRoles",
      actorKind: "service",
      actorId: world.ids.admin,
      targetTable: "users",
      targetId: world.ids.student,
      details: { isInstructor: true },
    });
    const events = await allEvents(world.t);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "user.rolesChanged", targetId: world.ids.student });
    expect(events[0].cursor).toBeUndefined();
  });

  test("a refused change writes neither entry nor event", async () => {
    const world = await setup();
    await expectCode(
      world.as.admin.mutation(api.users.setRoles, { id: world.ids.admin, isAdmin: false }),
      "FORBIDDEN",
    );
    await expectCode(world.as.student.mutation(api.users.setRoles, { id: world.ids.student, isAdmin: true }), "FORBIDDEN");
    expect(await entries(world.t)).toEqual([]);
    expect(await allEvents(world.t)).toEqual([]);
  });

  test("the actor: a signed-in user, the service itself, the system", async () => {
    const world = await setup();
    await world.t.run((ctx) => ctx.db.patch(world.ids.admin, { externalId: "admin-sub" }));
    const signedIn = world.t.withIdentity({ issuer: "https://dev.doctrina.local", subject: "admin-sub" });
    await signedIn.mutation(api.users.setRoles, { id: world.ids.student, isInstructor: true });
    await world.as.service.mutation(api.users.setRoles, { id: world.ids.student, isInstructor: false });
    const { courseId } = await insertLearningCourse(world, { price: 1000 });
    const checkout = await world.as.student.mutation(api.purchases.createCheckout, { courseId });
    await world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: "cs_1" });
    const actors = (await entries(world.t)).map((e) => [e.action, e.actorKind, e.actorId]);
    expect(actors).toEqual([
      ["users.setRoles", "user", world.ids.admin],
      ["users.setRoles", "service", undefined],
      ["purchases.complete", "system", undefined],
      ["courseEnrollments.enroll", "system", undefined],
    ]);
  });

  test("learning: progress, attempts, completion and the certificate, each recorded once", async () => {
    const world = await setup();
    const { videoId, quizId } = await enrolled(world);
    await world.as.student.mutation(api.lessonProgress.complete, { lessonId: videoId });
    await world.as.student.mutation(api.lessonProgress.complete, { lessonId: videoId }); // no change: no record
    await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [1] });
    await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [0] });
    expect(await actions(world.t)).toEqual([
      "courseEnrollments.grant",
      "lessonProgress.complete",
      "quizAttempts.submit",
      "quizAttempts.submit",
      "lessonProgress.complete",
      "courseEnrollments.complete",
      "certificates.issue",
    ]);
    const events = (await allEvents(world.t)).map((e) => e.type);
    expect(events).toEqual((await entries(world.t)).map((e) => EVENT_OF[e.action]));
  });

  test("refunds, revocations and certificate changes", async () => {
    const world = await setup();
    const { courseId, quizId, videoId, enrollmentId } = await enrolled(world);
    await world.as.student.mutation(api.lessonProgress.complete, { lessonId: videoId });
    await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [0] });
    const [certificate] = await world.t.run((ctx) => ctx.db.query("certificates").collect());
    const before = (await entries(world.t)).length;
    await world.as.admin.mutation(api.certificates.setExpiry, { id: certificate._id, expiryDate: "2099-01-01" });
    await expectCode(
      world.as.admin.mutation(api.certificates.setExpiry, { id: certificate._id, expiryDate: "1999-01-01" }),
      "VALIDATION",
    );
    await world.as.admin.mutation(api.certificates.revoke, { id: certificate._id, reason: "Fraud" });
    await world.as.admin.mutation(api.courseEnrollments.revoke, { id: enrollmentId, reason: "Left" });
    await world.as.admin.mutation(api.courseEnrollments.revoke, { id: enrollmentId }); // already revoked
    const added = (await entries(world.t)).slice(before);
    expect(added.map((e) => [e.action, e.targetId])).toEqual([
      ["certificates.setExpiry", certificate._id],
      ["certificates.revoke", certificate._id],
      ["courseEnrollments.revoke", enrollmentId],
    ]);
    expect(added[1].details).toMatchObject({ reason: "Fraud", userId: world.ids.student, courseId });
  });

  test("purchases, expiry by the scheduler and courses", async () => {
    const world = await setup();
    const { courseId } = await insertLearningCourse(world, { price: 1000, certificateEnabled: true });
    const checkout = await world.as.student.mutation(api.purchases.createCheckout, { courseId });
    await world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: "cs_1" });
    await world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: "cs_1" }); // redelivery
    await world.t.mutation(internal.purchases.refund, { id: checkout._id, reason: "Changed mind" });
    await world.as.instructor.mutation(api.courses.unpublish, { id: courseId, visibility: "draft" });
    await world.as.instructor.mutation(api.courses.publish, { id: courseId });
    await world.as.instructor.mutation(api.courses.archive, { id: courseId });
    expect(await actions(world.t)).toEqual([
      "purchases.complete",
      "courseEnrollments.enroll",
      "purchases.refund",
      "courseEnrollments.revoke",
      "courses.unpublish",
      "courses.publish",
      "courses.archive",
    ]);
    const refund = (await entries(world.t))[2];
    expect(refund.details).toMatchObject({ amount: 1000, currency: "usd", reason: "Changed mind" });
  });

  test("removing a course is recorded once, with its title; a refused removal records nothing", async () => {
    const world = await setup();
    const kept = await enrolled(world);
    await expectCode(world.as.instructor.mutation(api.courses.remove, { id: kept.courseId }), "INVALID_STATE");
    const before = (await entries(world.t)).length;
    const { courseId } = await insertLearningCourse(world, { title: "Never taught" });
    await world.as.instructor.mutation(api.courses.remove, { id: courseId });
    await expectCode(world.as.instructor.mutation(api.courses.remove, { id: courseId }), "NOT_FOUND");
    const added = (await entries(world.t)).slice(before);
    expect(added.map((entry) => [entry.action, entry.targetTable, entry.targetId, entry.actorId])).toEqual([
      ["courses.remove", "courses", courseId, world.ids.instructor],
    ]);
    expect(added[0].details).toEqual({ title: "Never taught" });
    expect((await allEvents(world.t)).slice(before).map((event) => [event.type, event.targetId])).toEqual([
      ["course.removed", courseId],
    ]);
  });

  test("a certificate expired by the scheduled job is recorded as the system's", async () => {
    const world = await setup();
    const { videoId, quizId } = await enrolled(world);
    await world.as.student.mutation(api.lessonProgress.complete, { lessonId: videoId });
    await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [0] });
    const [certificate] = await world.t.run((ctx) => ctx.db.query("certificates").collect());
    await world.t.run((ctx) => ctx.db.patch(certificate._id, { expiryDate: "2000-01-01T00:00:00.000Z" }));
    await world.t.mutation(internal.certificates.expireDue, {});
    const last = (await entries(world.t)).at(-1);
    expect(last).toMatchObject({ action: "certificates.expire", actorKind: "system", targetId: certificate._id });
  });

  test("instructor applications: approve and reject", async () => {
    const world = await setup();
    const submit = (who: "student" | "otherStudent") =>
      world.as[who].mutation(api.instructorApplications.submit, {
        licenseNumber: "RN1",
        licenseState: "CA",
        licenseExpiry: "2099-01-01",
        insuranceProvider: "MedPro",
        documents: ["https://files.example/l.pdf"],
      });
    const first = await submit("student");
    const second = await submit("otherStudent");
    await world.as.admin.mutation(api.instructorApplications.approve, { id: first._id });
    await world.as.admin.mutation(api.instructorApplications.reject, { id: second._id, reason: "Expired insurance" });
    const recorded = (await entries(world.t)).map((e) => [e.action, e.targetId, e.details.userId]);
    expect(recorded).toEqual([
      ["instructorApplications.approve", first._id, world.ids.student],
      ["instructorApplications.reject", second._id, world.ids.otherStudent],
    ]);
  });

  test("every audit action emits its own event type", () => {
    expect(Object.keys(EVENT_OF).sort()).toEqual([...AUDIT_ACTIONS].sort());
    expect(new Set(Object.values(EVENT_OF))).toEqual(new Set(EVENT_TYPES));
  });
});

describe("auditLog:list", () => {
  test("admins and the service only", async () => {
    await expectAllowed(["admin", "service"], (client) =>
      client.query(api.auditLog.list, { paginationOpts: PAGE }),
    );
  });

  test("filters by target, actor, action and time, each through an index, oldest first", async () => {
    const world = await setup();
    await world.as.admin.mutation(api.users.setRoles, { id: world.ids.student, isInstructor: true });
    await world.as.service.mutation(api.users.setRoles, { id: world.ids.otherStudent, isInstructor: true });
    const { courseId } = await insertLearningCourse(world);
    await world.as.instructor.mutation(api.courses.archive, { id: courseId });
    const all = await entries(world.t);
    const list = async (args: Record<string, unknown>) =>
      (await world.as.service.query(api.auditLog.list, { paginationOpts: PAGE, ...args })).page.map((e) => e._id);
    expect(await list({})).toEqual(all.map((e) => e._id));
    expect(await list({ order: "desc" })).toEqual(all.map((e) => e._id).reverse());
    expect(await list({ targetId: world.ids.student })).toEqual([all[0]._id]);
    expect(await list({ actorId: world.ids.instructor })).toEqual([all[2]._id]);
    expect(await list({ action: "users.setRoles" })).toEqual([all[0]._id, all[1]._id]);
    expect(await list({ since: all[2].at })).toEqual(all.filter((e) => e.at >= all[2].at).map((e) => e._id));
    expect(await list({ targetId: courseId, until: all[2].at })).toEqual([]);
  });

  test("pages through the trail", async () => {
    const world = await setup();
    for (const isInstructor of [true, false, true]) {
      await world.as.admin.mutation(api.users.setRoles, { id: world.ids.student, isInstructor });
    }
    const first = await world.as.admin.query(api.auditLog.list, { paginationOpts: { numItems: 2, cursor: null } });
    const rest = await world.as.admin.query(api.auditLog.list, {
      paginationOpts: { numItems: 2, cursor: first.continueCursor },
    });
    expect(first.page).toHaveLength(2);
    expect(rest.page).toHaveLength(1);
    expect(rest.isDone).toBe(true);
  });

  test("VALIDATION for two keyed filters at once or an empty time range", async () => {
    const world = await setup();
    await expectCode(
      world.as.admin.query(api.auditLog.list, { paginationOpts: PAGE, targetId: "x", action: "courses.publish" }),
      "VALIDATION",
    );
    await expectCode(world.as.admin.query(api.auditLog.list, { paginationOpts: PAGE, since: 10, until: 10 }), "VALIDATION");
  });
});

describe("append-only", () => {
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === "_generated" ? [] : sources(path);
      return entry.name.endsWith(".ts") ? [path] : [];
    });

  test("only model/audit.ts names the table; it and auditLog.ts never patch or delete; no code holds an entry id", () => {
    const convexDir = join(__dirname, "../../convex");
    const files = new Map(sources(convexDir).map((path) => [path.slice(convexDir.length + 1), readFileSync(path, "utf8")]));
    const naming = [...files].filter(([, code]) => code.includes('"auditLog"')).map(([path]) => path);
    expect(naming.sort()).toEqual(["model/audit.ts", "validators.ts"]);
    for (const path of ["model/audit.ts", "auditLog.ts"]) {
      expect(files.get(path), path).not.toMatch(/\.(patch|replace|delete)\(/);
    }
    for (const [path, code] of files) expect(code, path).not.toMatch(/v\.id\("auditLog"\)|Id<"auditLog">/);
  });
});

describe("events:list and the sequencer", () => {
  test("admins and the service only", async () => {
    await expectAllowed(["admin", "service"], (client) => client.query(api.events.list, {}));
  });

  async function changes(world: World, count: number) {
    for (let i = 0; i < count; i++) {
      await world.as.admin.mutation(api.users.setRoles, { id: world.ids.student, isInstructor: i % 2 === 0 });
    }
  }

  test("pending events are invisible until sequenced; cursors are 1..n in creation order", async () => {
    const world = await setup();
    await changes(world, 3);
    expect(await world.as.service.query(api.events.list, {})).toEqual([]);
    await settle(world.t);
    const listed = await world.as.service.query(api.events.list, {});
    expect(listed.map((e) => e.cursor)).toEqual([1, 2, 3]);
    const stored = await allEvents(world.t);
    expect(listed.map((e) => e._id)).toEqual(stored.map((e) => e._id));
    expect(await world.t.run((ctx) => ctx.db.query("feedCounters").collect())).toMatchObject([{ lastCursor: 3 }]);
  });

  test("a consumer resuming from its cursor gets exactly the rest; later changes continue the sequence", async () => {
    const world = await setup();
    await changes(world, 4);
    await settle(world.t);
    const seen = (await world.as.service.query(api.events.list, { limit: 2 })).map((e) => e.cursor);
    expect(seen).toEqual([1, 2]);
    await changes(world, 2);
    await settle(world.t);
    const rest = (await world.as.service.query(api.events.list, { after: 2 })).map((e) => e.cursor);
    expect(rest).toEqual([3, 4, 5, 6]);
    expect(await world.as.service.query(api.events.list, { after: 6 })).toEqual([]);
  });

  test("a transaction recording many changes schedules one sequencer run, which numbers them all", async () => {
    const world = await setup();
    const { courseId } = await insertLearningCourse(world);
    const scheduled = () =>
      world.t.run(async (ctx) =>
        (await ctx.db.system.query("_scheduled_functions").collect()).filter((job) => job.name.startsWith("events")),
      );
    const before = (await scheduled()).length;
    await world.t.run(async (ctx) => {
      for (let i = 0; i < 5; i++) await recordChange(ctx, { action: "courses.publish", targetId: courseId });
    });
    expect((await scheduled()).length - before).toBe(1);
    await settle(world.t);
    const cursors = (await allEvents(world.t)).map((e) => e.cursor);
    expect(cursors).toEqual(cursors.map((_, i) => i + 1));
  });

  test("a second sequencer run numbers nothing twice", async () => {
    const world = await setup();
    await changes(world, 2);
    expect(await world.t.mutation(internal.events.sequence, {})).toEqual({ processed: 2, done: true });
    expect(await world.t.mutation(internal.events.sequence, {})).toEqual({ processed: 0, done: true });
    const cursors = (await allEvents(world.t)).map((e) => e.cursor);
    expect(cursors).toEqual([1, 2]);
  });

  test("VALIDATION for a bad limit, a bad cursor or one past the last", async () => {
    const world = await setup();
    await changes(world, 1);
    await settle(world.t);
    for (const args of [{ limit: 0 }, { limit: 1001 }, { after: -1 }, { after: 0.5 }, { after: 2 }]) {
      await expectCode(world.as.service.query(api.events.list, args), "VALIDATION");
    }
  });

  test("prune deletes only events past retention, in batches; a cursor behind them is INVALID_STATE", async () => {
    // convex-test's creation times only grow, so the whole world starts in the past.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
    const now = Date.now();
    vi.setSystemTime(now - (EVENT_RETENTION_DAYS + 1) * 24 * 60 * 60 * 1000);
    const world = await setup();
    await changes(world, 3);
    await settle(world.t);
    vi.setSystemTime(now);
    await changes(world, 2);
    await settle(world.t);
    expect(await world.t.mutation(internal.events.prune, { batchSize: 2 })).toEqual({ processed: 2, done: false });
    await settle(world.t);
    const left = (await allEvents(world.t)).map((e) => e.cursor);
    expect(left).toEqual([4, 5]);
    await expectCode(world.as.service.query(api.events.list, { after: 1 }), "INVALID_STATE");
    expect((await world.as.service.query(api.events.list, { after: 3 })).map((e) => e.cursor)).toEqual([4, 5]);
  });
});
