import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { CHECKOUT_TTL_MS } from "../../convex/model/purchases";
import * as Purchases from "../../convex/purchases";
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

const PRICE = 49900;

async function paidCourse(world: World, overrides = {}) {
  return (await insertLearningCourse(world, { price: PRICE, ...overrides })).courseId;
}

async function openCheckout(world: World, courseId: Id<"courses">) {
  return await world.as.student.mutation(api.purchases.createCheckout, { courseId });
}

async function boughtCourse(world: World, overrides = {}) {
  const courseId = await paidCourse(world, overrides);
  const checkout = await openCheckout(world, courseId);
  await world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: "cs_1" });
  return { courseId, purchaseId: checkout._id };
}

const count = (world: World, table: "purchases" | "notifications" | "courseEnrollments" | "idempotencyKeys") =>
  world.t.run(async (ctx) => (await ctx.db.query(table).collect()).length);

/** `courses.studentCount` once the rollups ran. */
async function studentCount(world: World, courseId: Id<"courses">) {
  await settle(world.t);
  return await world.t.run(async (ctx) => (await ctx.db.get(courseId))?.studentCount);
}

describe("purchases:createCheckout", () => {
  test("opens a checkout at the course's price, in usd, expiring in 24 hours", async () => {
    const world = await setup();
    const courseId = await paidCourse(world);
    const before = Date.now();
    const checkout = await openCheckout(world, courseId);
    expect(checkout).toMatchObject({
      status: "open",
      amount: PRICE,
      currency: "usd",
      userId: world.ids.student,
      courseId,
    });
    expect(checkout.expiresAt).toBeGreaterThanOrEqual(before + CHECKOUT_TTL_MS);
  });

  test("reuses the open checkout for the same user and course", async () => {
    const world = await setup();
    const courseId = await paidCourse(world);
    const first = await openCheckout(world, courseId);
    const again = await openCheckout(world, courseId);
    expect(again._id).toBe(first._id);
    expect(await count(world, "purchases")).toBe(1);
  });

  test("replaces an open checkout whose price changed or that lapsed", async () => {
    const world = await setup();
    const courseId = await paidCourse(world);
    const first = await openCheckout(world, courseId);
    await world.t.run((ctx) => ctx.db.patch(courseId, { price: 59900 }));
    const repriced = await openCheckout(world, courseId);
    expect(repriced).toMatchObject({ amount: 59900, status: "open" });
    expect(repriced._id).not.toBe(first._id);
    await world.t.run((ctx) => ctx.db.patch(repriced._id, { expiresAt: Date.now() - 1 }));
    const fresh = await openCheckout(world, courseId);
    expect(fresh._id).not.toBe(repriced._id);
    const statuses = await world.t.run(async (ctx) => (await ctx.db.query("purchases").collect()).map((p) => p.status));
    expect(statuses).toEqual(["expired", "expired", "open"]);
  });

  test("only published paid courses are for sale", async () => {
    const world = await setup();
    await expectCode(openCheckout(world, await paidCourse(world, { visibility: "draft" })), "INVALID_STATE");
    await expectCode(openCheckout(world, await paidCourse(world, { archivedAt: Date.now() })), "INVALID_STATE");
    await expectCode(openCheckout(world, await paidCourse(world, { price: 0 })), "INVALID_STATE");
    await expectCode(openCheckout(world, await insertCourse(world.t, world.ids.instructor)), "INVALID_STATE");
    const gone = await paidCourse(world);
    await world.t.run((ctx) => ctx.db.delete(gone));
    await expectCode(openCheckout(world, gone), "NOT_FOUND");
    expect(await count(world, "purchases")).toBe(0);
  });

  test("an enrolled student cannot buy the course again", async () => {
    const world = await setup();
    const courseId = await paidCourse(world);
    await insertEnrollment(world.t, world.ids.student, courseId, "completed");
    await expectCode(openCheckout(world, courseId), "CONFLICT");
  });

  test("a student whose enrollment was revoked may buy again", async () => {
    const world = await setup();
    const courseId = await paidCourse(world);
    await insertEnrollment(world.t, world.ids.student, courseId, "revoked");
    expect(await openCheckout(world, courseId)).toMatchObject({ status: "open" });
  });

  test("the same idempotency key twice writes once", async () => {
    const world = await setup();
    const courseId = await paidCourse(world);
    const args = { courseId, idempotencyKey: "k1" };
    const first = await world.as.student.mutation(api.purchases.createCheckout, args);
    const again = await world.as.student.mutation(api.purchases.createCheckout, args);
    expect(again).toEqual(first);
    expect(await count(world, "purchases")).toBe(1);
    expect(await count(world, "idempotencyKeys")).toBe(1);
    const other = await paidCourse(world);
    await expectCode(
      world.as.student.mutation(api.purchases.createCheckout, { courseId: other, idempotencyKey: "k1" }),
      "CONFLICT",
    );
  });

  test("signed-in users buy for themselves; the service must act as a user", async () => {
    const seeded = seededWorld(paidCourse);
    await expectAllowed(
      ["student", "otherStudent", "instructor", "otherInstructor", "admin"],
      (client) => client.mutation(api.purchases.createCheckout, { courseId: seeded.value() }),
      seeded.prepare,
    );
  });
});

describe("purchases:complete", () => {
  test("completes the purchase, enrolls the buyer, counts the student and notifies", async () => {
    const world = await setup();
    const { courseId, purchaseId } = await boughtCourse(world);
    const purchase = await world.t.run((ctx) => ctx.db.get(purchaseId));
    expect(purchase).toMatchObject({ status: "complete", stripeCheckoutSessionId: "cs_1" });
    const enrollment = await world.t.run((ctx) => ctx.db.query("courseEnrollments").unique());
    expect(enrollment).toMatchObject({ status: "active", source: "purchase", purchaseId, userId: world.ids.student });
    expect(await studentCount(world, courseId)).toBe(1);
    expect(await world.as.student.query(api.purchases.hasAccess, { courseId })).toBe(true);
    expect(await count(world, "notifications")).toBe(1);
  });

  test("the same session again returns the same purchase and writes nothing", async () => {
    const world = await setup();
    const { courseId, purchaseId } = await boughtCourse(world);
    const before = await world.t.run((ctx) => ctx.db.get(purchaseId));
    const again = await world.t.mutation(internal.purchases.complete, {
      id: purchaseId,
      stripeCheckoutSessionId: "cs_1",
    });
    expect(again).toEqual(before);
    expect(await studentCount(world, courseId)).toBe(1);
    expect(await count(world, "notifications")).toBe(1);
    expect(await count(world, "courseEnrollments")).toBe(1);
  });

  test("another session for a completed purchase is a conflict", async () => {
    const world = await setup();
    const { purchaseId } = await boughtCourse(world);
    await expectCode(
      world.t.mutation(internal.purchases.complete, { id: purchaseId, stripeCheckoutSessionId: "cs_2" }),
      "CONFLICT",
    );
  });

  test("a session already used by another purchase is a conflict", async () => {
    const world = await setup();
    await boughtCourse(world);
    const other = await openCheckout(world, await paidCourse(world));
    await expectCode(
      world.t.mutation(internal.purchases.complete, { id: other._id, stripeCheckoutSessionId: "cs_1" }),
      "CONFLICT",
    );
  });

  test("an expired purchase cannot complete", async () => {
    const world = await setup();
    const checkout = await openCheckout(world, await paidCourse(world));
    await world.t.mutation(internal.purchases.expire, { id: checkout._id });
    await expectCode(
      world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: "cs_1" }),
      "INVALID_STATE",
    );
    expect(await count(world, "courseEnrollments")).toBe(0);
  });

  test("a refunded purchase replayed with its session stays refunded", async () => {
    const world = await setup();
    const { courseId, purchaseId } = await boughtCourse(world);
    await world.t.mutation(internal.purchases.refund, { id: purchaseId });
    const replay = await world.t.mutation(internal.purchases.complete, {
      id: purchaseId,
      stripeCheckoutSessionId: "cs_1",
    });
    expect(replay.status).toBe("refunded");
    expect(await world.as.student.query(api.purchases.hasAccess, { courseId })).toBe(false);
  });

  test("rejects an empty session id and a missing purchase", async () => {
    const world = await setup();
    const checkout = await openCheckout(world, await paidCourse(world));
    await expectCode(
      world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: " " }),
      "VALIDATION",
    );
    await world.t.run((ctx) => ctx.db.delete(checkout._id));
    await expectCode(
      world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: "cs_1" }),
      "NOT_FOUND",
    );
  });

  test("reactivates a revoked enrollment", async () => {
    const world = await setup();
    const courseId = await paidCourse(world);
    const enrollmentId = await insertEnrollment(world.t, world.ids.student, courseId, "revoked");
    const checkout = await openCheckout(world, courseId);
    await world.t.mutation(internal.purchases.complete, { id: checkout._id, stripeCheckoutSessionId: "cs_1" });
    const enrollment = await world.t.run((ctx) => ctx.db.get(enrollmentId));
    expect(enrollment).toMatchObject({ status: "active", source: "purchase", purchaseId: checkout._id });
    expect(enrollment?.revokedAt).toBeUndefined();
    expect(await studentCount(world, courseId)).toBe(1);
    expect(await count(world, "courseEnrollments")).toBe(1);
  });
});

describe("purchases:refund", () => {
  test("refunds, revokes the enrollment and the certificate, and lowers studentCount in one call", async () => {
    const world = await setup();
    const { courseId, purchaseId } = await boughtCourse(world, { certificateEnabled: true });
    const lessons = await world.t.run((ctx) => ctx.db.query("lessons").collect());
    await completeLessons(
      world,
      world.as.student,
      lessons.map((lesson) => lesson._id),
    );
    expect(await world.t.run(async (ctx) => (await ctx.db.query("certificates").unique())?.status)).toBe("valid");
    const refunded = await world.t.mutation(internal.purchases.refund, { id: purchaseId, reason: "Changed my mind" });
    expect(refunded).toMatchObject({ status: "refunded", refundReason: "Changed my mind" });
    const enrollment = await world.t.run((ctx) => ctx.db.query("courseEnrollments").unique());
    expect(enrollment).toMatchObject({ status: "revoked", revokeReason: "Changed my mind" });
    expect(await studentCount(world, courseId)).toBe(0);
    expect(await world.as.student.query(api.purchases.hasAccess, { courseId })).toBe(false);
    expect(await world.t.run(async (ctx) => (await ctx.db.query("certificates").unique())?.status)).toBe("revoked");
  });

  test("buying again after a refund restores access; finished lessons complete the course again", async () => {
    const world = await setup();
    const { courseId, purchaseId } = await boughtCourse(world, { certificateEnabled: true });
    const lessons = await world.t.run((ctx) => ctx.db.query("lessons").collect());
    await completeLessons(
      world,
      world.as.student,
      lessons.map((lesson) => lesson._id),
    );
    await world.t.mutation(internal.purchases.refund, { id: purchaseId });
    const again = await openCheckout(world, courseId);
    await world.t.mutation(internal.purchases.complete, { id: again._id, stripeCheckoutSessionId: "cs_2" });
    const enrollment = await world.t.run((ctx) => ctx.db.query("courseEnrollments").unique());
    expect(enrollment).toMatchObject({ status: "completed", purchaseId: again._id });
    expect(await studentCount(world, courseId)).toBe(1);
    // One certificate per user and course: the one revoked with the refund stays revoked.
    expect((await world.as.student.query(api.certificates.listMine, {})).map((c) => c.status)).toEqual(["revoked"]);
  });

  test("refunding twice changes nothing the second time", async () => {
    const world = await setup();
    const { courseId, purchaseId } = await boughtCourse(world);
    const first = await world.t.mutation(internal.purchases.refund, { id: purchaseId });
    expect(await world.t.mutation(internal.purchases.refund, { id: purchaseId })).toEqual(first);
    expect(await studentCount(world, courseId)).toBe(0);
  });

  test("only complete purchases can be refunded; the reason must not be blank", async () => {
    const world = await setup();
    const checkout = await openCheckout(world, await paidCourse(world));
    await expectCode(world.t.mutation(internal.purchases.refund, { id: checkout._id }), "INVALID_STATE");
    const { purchaseId } = await boughtCourse(world);
    await expectCode(world.t.mutation(internal.purchases.refund, { id: purchaseId, reason: " " }), "VALIDATION");
    expect(await world.t.run(async (ctx) => (await ctx.db.get(purchaseId))?.status)).toBe("complete");
  });
});

describe("purchases:expire and purchases:expireStale", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("expire: open -> expired, again is a no-op, complete cannot expire", async () => {
    const world = await setup();
    const checkout = await openCheckout(world, await paidCourse(world));
    expect((await world.t.mutation(internal.purchases.expire, { id: checkout._id })).status).toBe("expired");
    expect((await world.t.mutation(internal.purchases.expire, { id: checkout._id })).status).toBe("expired");
    const { purchaseId } = await boughtCourse(world);
    await expectCode(world.t.mutation(internal.purchases.expire, { id: purchaseId }), "INVALID_STATE");
  });

  test("expireStale expires only open checkouts past expiresAt, in batches that continue themselves", async () => {
    const world = await setup();
    const ids: Id<"purchases">[] = [];
    for (let i = 0; i < 5; i++) ids.push((await openCheckout(world, await paidCourse(world)))._id);
    await world.t.run(async (ctx) => {
      for (const id of ids.slice(0, 4)) await ctx.db.patch(id, { expiresAt: Date.now() - 1000 });
    });
    vi.useFakeTimers();
    const first = await world.t.mutation(internal.purchases.expireStale, { batchSize: 3 });
    expect(first).toEqual({ processed: 3, done: false });
    await world.t.finishAllScheduledFunctions(vi.runAllTimers);
    const statuses = await world.t.run(async (ctx) =>
      Promise.all(ids.map(async (id) => (await ctx.db.get(id))?.status)),
    );
    expect(statuses).toEqual(["expired", "expired", "expired", "expired", "open"]);
  });

  test("expireStale rejects a bad batch size", async () => {
    const world = await setup();
    await expectCode(world.t.mutation(internal.purchases.expireStale, { batchSize: 0 }), "VALIDATION");
  });

  test("system operations are internal functions", () => {
    for (const fn of [Purchases.complete, Purchases.expire, Purchases.refund, Purchases.expireStale]) {
      expect(fn.isInternal).toBe(true);
    }
    expect(Purchases.createCheckout.isPublic).toBe(true);
  });
});

describe("purchases:hasAccess, get, listMine", () => {
  test("hasAccess follows the enrollment, not the purchase", async () => {
    const world = await setup();
    const courseId = await paidCourse(world);
    expect(await world.as.student.query(api.purchases.hasAccess, { courseId })).toBe(false);
    await openCheckout(world, courseId);
    expect(await world.as.student.query(api.purchases.hasAccess, { courseId })).toBe(false);
    await insertEnrollment(world.t, world.ids.student, courseId);
    expect(await world.as.student.query(api.purchases.hasAccess, { courseId })).toBe(true);
    expect(await world.as.otherStudent.query(api.purchases.hasAccess, { courseId })).toBe(false);
  });

  test("hasAccess is asked by a signed-in user", async () => {
    const seeded = seededWorld(paidCourse);
    await expectAllowed(
      ["student", "otherStudent", "instructor", "otherInstructor", "admin"],
      (client) => client.query(api.purchases.hasAccess, { courseId: seeded.value() }),
      seeded.prepare,
    );
  });

  test("get: the buyer, admins and the service; null when missing", async () => {
    const seeded = seededWorld(async (world) => (await openCheckout(world, await paidCourse(world)))._id);
    await expectAllowed(
      ["student", "admin", "service"],
      (client) => client.query(api.purchases.get, { id: seeded.value() }),
      seeded.prepare,
    );
    const world = await setup();
    const checkout = await openCheckout(world, await paidCourse(world));
    await world.t.run((ctx) => ctx.db.delete(checkout._id));
    expect(await world.as.student.query(api.purchases.get, { id: checkout._id })).toBeNull();
  });

  test("listMine pages through the caller's purchases only, filtered by status", async () => {
    const world = await setup();
    for (let i = 0; i < 3; i++) await openCheckout(world, await paidCourse(world));
    await world.as.otherStudent.mutation(api.purchases.createCheckout, { courseId: await paidCourse(world) });
    const first = await world.as.student.query(api.purchases.listMine, {
      paginationOpts: { numItems: 2, cursor: null },
    });
    expect(first.page).toHaveLength(2);
    const rest = await world.as.student.query(api.purchases.listMine, {
      paginationOpts: { numItems: 2, cursor: first.continueCursor },
    });
    expect(rest.page).toHaveLength(1);
    expect([...first.page, ...rest.page].every((p) => p.userId === world.ids.student)).toBe(true);
    const complete = await world.as.student.query(api.purchases.listMine, {
      status: "complete",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(complete.page).toHaveLength(0);
    await expectAllowed(["student", "otherStudent", "instructor", "otherInstructor", "admin"], (client) =>
      client.query(api.purchases.listMine, { paginationOpts: { numItems: 10, cursor: null } }),
    );
  });
});
