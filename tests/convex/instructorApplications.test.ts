import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { expectAllowed, expectCode, seededWorld, setup, type Client, type TestConvex } from "./fixtures";

const page = { numItems: 10, cursor: null };
const nextYear = `${new Date().getUTCFullYear() + 1}-01-31`;
const form = {
  licenseNumber: "RN123456",
  licenseState: "CA",
  licenseExpiry: nextYear,
  insuranceProvider: "MedPro",
  documents: ["https://files.example/license.pdf"],
};

const submit = (client: Client, overrides = {}) =>
  client.mutation(api.instructorApplications.submit, { ...form, ...overrides });

const applications = (t: TestConvex) => t.run((ctx) => ctx.db.query("instructorApplications").collect());
const notificationsOf = (t: TestConvex, userId: Id<"users">) =>
  t.run((ctx) =>
    ctx.db
      .query("notifications")
      .withIndex("by_user_created", (q) => q.eq("userId", userId))
      .collect(),
  );

/** A pending application by `student`. */
const pending = seededWorld(async (world) => (await submit(world.as.student))._id);

describe("instructorApplications:submit", () => {
  test("creates a pending application for the caller", async () => {
    const { as, ids } = await setup();
    const app = await submit(as.student, { licenseNumber: " RN123456 " });
    expect(app).toMatchObject({ ...form, userId: ids.student, status: "pending" });
    expect(app.submittedAt).toBeTypeOf("number");
  });

  test.each([
    ["licenseNumber", { licenseNumber: "  " }],
    ["licenseState", { licenseState: "" }],
    ["insuranceProvider", { insuranceProvider: "x".repeat(201) }],
    ["documents", { documents: [] }],
    ["documents", { documents: [" "] }],
    ["licenseExpiry", { licenseExpiry: "2030-02-30" }],
    ["licenseExpiry", { licenseExpiry: "31/01/2030" }],
    ["licenseExpiry", { licenseExpiry: "2030-1-31" }],
    ["licenseExpiry", { licenseExpiry: "2001-01-31" }],
    ["licenseExpiry", { licenseExpiry: new Date().toISOString().slice(0, 10) }],
  ])("rejects a bad %s and writes nothing", async (field, overrides) => {
    const { as, t } = await setup();
    const error = await submit(as.student, overrides).catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { code: "VALIDATION", field } });
    expect(await applications(t)).toHaveLength(0);
  });

  test("one pending application at a time; a new one after a rejection", async () => {
    const { as, t } = await setup();
    const first = await submit(as.student);
    await expectCode(submit(as.student), "CONFLICT");
    expect(await applications(t)).toHaveLength(1);
    await as.admin.mutation(api.instructorApplications.reject, { id: first._id, reason: "Expired licence" });
    expect((await submit(as.student)).status).toBe("pending");
  });

  test("instructors may apply again: a renewal of their licence", async () => {
    const { as } = await setup();
    expect((await submit(as.instructor)).status).toBe("pending");
  });

  test("the same idempotency key twice writes once", async () => {
    const { as, t } = await setup();
    const first = await submit(as.student, { idempotencyKey: "k" });
    const again = await submit(as.student, { idempotencyKey: "k" });
    expect(again._id).toBe(first._id);
    expect(await applications(t)).toHaveLength(1);
  });

  test("signed-in users who do not teach yet (instructors get INVALID_STATE above)", async () => {
    for (const role of ["anonymous", "student", "otherStudent", "admin", "service"] as const) {
      const { as } = await setup();
      if (role === "anonymous") await expectCode(submit(as.anonymous), "UNAUTHENTICATED");
      else if (role === "service") await expectCode(submit(as.service), "FORBIDDEN");
      else expect((await submit(as[role])).status).toBe("pending");
    }
  });
});

describe("instructorApplications:approve", () => {
  test("approves, makes the applicant an instructor and notifies them", async () => {
    const { as, ids, t } = await setup();
    const app = await submit(as.student);
    const approved = await as.admin.mutation(api.instructorApplications.approve, { id: app._id });
    expect(approved).toMatchObject({ status: "approved", reviewedBy: ids.admin });
    expect(approved.reviewedAt).toBeTypeOf("number");
    expect((await t.run((ctx) => ctx.db.get(ids.student)))?.isInstructor).toBe(true);
    const [note] = await notificationsOf(t, ids.student);
    expect(note).toMatchObject({ type: "milestone", read: false, metadata: { applicationId: app._id } });
  });

  test("the service approves without a reviewer user", async () => {
    const { as } = await setup();
    const app = await submit(as.student);
    const approved = await as.service.mutation(api.instructorApplications.approve, { id: app._id });
    expect(approved.status).toBe("approved");
    expect(approved.reviewedBy).toBeUndefined();
  });

  test("only pending applications can be approved; nothing changes otherwise", async () => {
    const { as, ids, t } = await setup();
    const app = await submit(as.student);
    await as.admin.mutation(api.instructorApplications.reject, { id: app._id, reason: "No" });
    await expectCode(as.admin.mutation(api.instructorApplications.approve, { id: app._id }), "INVALID_STATE");
    expect((await t.run((ctx) => ctx.db.get(ids.student)))?.isInstructor).toBe(false);
    expect(await notificationsOf(t, ids.student)).toHaveLength(1);
  });

  test("NOT_FOUND for a missing application", async () => {
    const { as, t } = await setup();
    const app = await submit(as.student);
    await t.run((ctx) => ctx.db.delete(app._id));
    await expectCode(as.admin.mutation(api.instructorApplications.approve, { id: app._id }), "NOT_FOUND");
  });

  test("admins and the service only", async () => {
    await expectAllowed(
      ["admin", "service"],
      (client) => client.mutation(api.instructorApplications.approve, { id: pending.value() }),
      pending.prepare,
    );
  });
});

describe("instructorApplications:reject", () => {
  test("rejects with the reason and notifies the applicant", async () => {
    const { as, ids, t } = await setup();
    const app = await submit(as.student);
    const rejected = await as.admin.mutation(api.instructorApplications.reject, {
      id: app._id,
      reason: " Licence could not be verified ",
    });
    expect(rejected).toMatchObject({ status: "rejected", rejectionReason: "Licence could not be verified" });
    expect((await t.run((ctx) => ctx.db.get(ids.student)))?.isInstructor).toBe(false);
    const [note] = await notificationsOf(t, ids.student);
    expect(note).toMatchObject({ type: "message", description: "Licence could not be verified" });
  });

  test("a reason is required; nothing is written without one", async () => {
    const { as, t } = await setup();
    const app = await submit(as.student);
    await expectCode(as.admin.mutation(api.instructorApplications.reject, { id: app._id, reason: " " }), "VALIDATION");
    expect((await applications(t))[0].status).toBe("pending");
    expect(await t.run((ctx) => ctx.db.query("notifications").collect())).toHaveLength(0);
  });

  test("admins and the service only", async () => {
    await expectAllowed(
      ["admin", "service"],
      (client) => client.mutation(api.instructorApplications.reject, { id: pending.value(), reason: "No" }),
      pending.prepare,
    );
  });
});

describe("instructorApplications reads", () => {
  test("get: the applicant and admins; null when missing", async () => {
    const { as, t } = await setup();
    const app = await submit(as.student);
    expect((await as.student.query(api.instructorApplications.get, { id: app._id }))?._id).toBe(app._id);
    await t.run((ctx) => ctx.db.delete(app._id));
    expect(await as.admin.query(api.instructorApplications.get, { id: app._id })).toBeNull();
  });

  test("get authorization", async () => {
    await expectAllowed(
      ["student", "admin", "service"],
      (client) => client.query(api.instructorApplications.get, { id: pending.value() }),
      pending.prepare,
    );
  });

  test("listMine: the caller's own, newest first", async () => {
    const { as } = await setup();
    const first = await submit(as.student);
    await as.admin.mutation(api.instructorApplications.reject, { id: first._id, reason: "No" });
    const second = await submit(as.student);
    await submit(as.otherStudent);
    const mine = await as.student.query(api.instructorApplications.listMine, { paginationOpts: page });
    expect(mine.page.map((a) => a._id)).toEqual([second._id, first._id]);
  });

  test("listByStatus: admins see one status, oldest first", async () => {
    const { as } = await setup();
    const a = await submit(as.student);
    const b = await submit(as.otherStudent);
    const queue = await as.admin.query(api.instructorApplications.listByStatus, {
      status: "pending",
      paginationOpts: page,
    });
    expect(queue.page.map((x) => x._id)).toEqual([a._id, b._id]);
    await as.admin.mutation(api.instructorApplications.approve, { id: a._id });
    const approved = await as.service.query(api.instructorApplications.listByStatus, {
      status: "approved",
      paginationOpts: page,
    });
    expect(approved.page.map((x) => x._id)).toEqual([a._id]);
  });

  test("list authorization", async () => {
    await expectAllowed(["student", "otherStudent", "instructor", "otherInstructor", "admin"], (client) =>
      client.query(api.instructorApplications.listMine, { paginationOpts: page }),
    );
    await expectAllowed(["admin", "service"], (client) =>
      client.query(api.instructorApplications.listByStatus, { status: "pending", paginationOpts: page }),
    );
  });
});
