import { afterEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import * as Certificates from "../../convex/certificates";
import { SERVICE_ISSUER } from "../../convex/model/auth";
import { newVerificationCode } from "../../convex/model/certificates";
import { emptyUsage, meteredDb, overLimits } from "./limits";
import { expectAllowed, expectCode, insertLearningCourse, ROLES, seededWorld, setup, type World } from "./fixtures";

const DAY = 24 * 60 * 60 * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

/** Issues the student's certificate the way the tour does: enroll, complete every lesson. */
async function earnedCertificate(world: World): Promise<Doc<"certificates">> {
  const { courseId, videoId, quizId } = await insertLearningCourse(world, { certificateEnabled: true });
  await world.as.admin.mutation(api.courseEnrollments.grant, { userId: world.ids.student, courseId });
  await world.as.student.mutation(api.lessonProgress.complete, { lessonId: videoId });
  await world.as.student.mutation(api.quizAttempts.submit, { lessonId: quizId, answers: [0] });
  const [certificate] = await world.as.student.query(api.certificates.listMine, {});
  return certificate;
}

/** A certificate row written directly (e.g. an imported one), with chosen dates and status. */
async function insertCertificate(world: World, fields: Partial<Doc<"certificates">>): Promise<Id<"certificates">> {
  const { courseId } = await insertLearningCourse(world);
  return await world.t.run((ctx) =>
    ctx.db.insert("certificates", {
      userId: world.ids.student,
      userName: "Sam Student",
      courseId,
      courseName: "Botox Foundations",
      instructorId: world.ids.instructor,
      instructorName: "Ines Instructor",
      issueDate: iso(Date.now() - 10 * DAY),
      verificationCode: newVerificationCode(),
      templateId: "default",
      status: "valid",
      ...fields,
    }),
  );
}

type ListMine = (ctx: object, args: object) => Promise<Doc<"certificates">[]>;

const stored = (world: World, id: Id<"certificates">) => world.t.run((ctx) => ctx.db.get(id));

describe("certificates:verify", () => {
  test("anyone verifies a code and sees only status, names, course and dates", async () => {
    const world = await setup();
    const certificate = await earnedCertificate(world);
    const check = await world.as.anonymous.query(api.certificates.verify, {
      verificationCode: certificate.verificationCode,
    });
    expect(check).toEqual({
      status: "valid",
      userName: "Sam Student",
      courseName: "Botox Foundations",
      instructorName: "Ines Instructor",
      issueDate: certificate.issueDate,
    });
  });

  test("codes are matched case-insensitively; unknown codes return null", async () => {
    const world = await setup();
    const certificate = await earnedCertificate(world);
    const lower = certificate.verificationCode.toLowerCase();
    expect(await world.as.anonymous.query(api.certificates.verify, { verificationCode: ` ${lower} ` })).not.toBeNull();
    expect(await world.as.anonymous.query(api.certificates.verify, { verificationCode: "NOPE-NOPE" })).toBeNull();
  });

  test("expires at its expiry moment through the function setExpiry scheduled; reads never consult the clock", async () => {
    vi.useFakeTimers(); // Date too: running the timers moves the clock to the expiry moment
    try {
      const world = await setup();
      const id = await insertCertificate(world, {});
      const expiryDate = iso(Date.now() + 60_000);
      await world.as.admin.mutation(api.certificates.setExpiry, { id, expiryDate });
      const { verificationCode } = (await stored(world, id))!;
      const verify = () => world.as.anonymous.query(api.certificates.verify, { verificationCode });
      expect(await verify()).toMatchObject({ status: "valid", expiryDate });
      await world.t.finishAllScheduledFunctions(vi.runAllTimers);
      expect(await verify()).toMatchObject({ status: "expired", expiryDate });
      expect((await stored(world, id))?.status).toBe("expired");
    } finally {
      vi.useRealTimers();
    }
  });

  test("a date set another way (an import) reads as stored until the cron expires it", async () => {
    const world = await setup();
    const expiryDate = iso(Date.now() - DAY);
    const id = await insertCertificate(world, { expiryDate });
    const { verificationCode } = (await stored(world, id))!;
    const verify = () => world.as.anonymous.query(api.certificates.verify, { verificationCode });
    expect(await verify()).toMatchObject({ status: "valid", expiryDate });
    await world.t.mutation(internal.certificates.expireDue, {});
    expect(await verify()).toMatchObject({ status: "expired", expiryDate });
  });

  test("a revoked certificate shows as revoked with its date", async () => {
    const world = await setup();
    const certificate = await earnedCertificate(world);
    await world.as.admin.mutation(api.certificates.revoke, { id: certificate._id, reason: "Licence suspended" });
    const check = await world.as.anonymous.query(api.certificates.verify, {
      verificationCode: certificate.verificationCode,
    });
    expect(check?.status).toBe("revoked");
    expect(check?.revokedAt).toBeTypeOf("string");
    expect(check).not.toHaveProperty("revocationReason");
  });

  test("anyone may verify, signed in or not", async () => {
    const seeded = seededWorld(
      async (world) => (await stored(world, await insertCertificate(world, {})))!.verificationCode,
    );
    await expectAllowed(
      ROLES,
      (client) => client.query(api.certificates.verify, { verificationCode: seeded.value() }),
      seeded.prepare,
    );
  });

  test("codes are unique and unguessable", () => {
    const codes = new Set(Array.from({ length: 2000 }, newVerificationCode));
    expect(codes.size).toBe(2000);
  });
});

describe("certificates:listMine and get", () => {
  test("listMine: the caller's own certificates, with the stored status", async () => {
    const world = await setup();
    await insertCertificate(world, { expiryDate: iso(Date.now() - DAY), status: "expired" });
    expect((await world.as.student.query(api.certificates.listMine, {})).map((c) => c.status)).toEqual(["expired"]);
    expect(await world.as.otherStudent.query(api.certificates.listMine, {})).toEqual([]);
    await expectAllowed(["student", "otherStudent", "instructor", "otherInstructor", "admin"], (client) =>
      client.query(api.certificates.listMine, {}),
    );
  });

  test("listMine at scale: the newest 1,000 of 1,001, within Convex's read limits", async () => {
    const world = await setup();
    const { courseId } = await insertLearningCourse(world);
    const ids = await world.t.run(async (ctx) => {
      const base = { userId: world.ids.student, userName: "Sam Student", courseId, courseName: "Botox Foundations" };
      const rows: Id<"certificates">[] = [];
      for (let i = 0; i < 1001; i++) {
        rows.push(
          await ctx.db.insert("certificates", {
            ...base,
            instructorId: world.ids.instructor,
            instructorName: "Ines Instructor",
            issueDate: iso(Date.now()),
            verificationCode: newVerificationCode(),
            templateId: "default",
            status: "valid",
          }),
        );
      }
      return rows;
    });
    const usage = emptyUsage();
    const handler = (Certificates.listMine as unknown as { _handler: ListMine })._handler;
    const student = world.t.withIdentity({ issuer: SERVICE_ISSUER, subject: world.ids.student });
    const listed = await student.run((ctx) => handler({ ...ctx, db: meteredDb(ctx.db, usage) }, {}));
    expect(listed).toHaveLength(1000);
    expect(listed[0]!._id).toBe(ids.at(-1));
    expect(overLimits(usage, 2), JSON.stringify(usage)).toEqual([]);
  });

  test("get: the holder, admins and the service; null when missing", async () => {
    const seeded = seededWorld((world) => insertCertificate(world, {}));
    await expectAllowed(
      ["student", "admin", "service"],
      (client) => client.query(api.certificates.get, { id: seeded.value() }),
      seeded.prepare,
    );
    const world = await setup();
    const id = await insertCertificate(world, {});
    await world.t.run((ctx) => ctx.db.delete(id));
    expect(await world.as.student.query(api.certificates.get, { id })).toBeNull();
  });
});

describe("certificates:revoke", () => {
  test("revokes with a reason and notifies the holder; revoking again changes nothing", async () => {
    const world = await setup();
    const id = await insertCertificate(world, {});
    const revoked = await world.as.admin.mutation(api.certificates.revoke, { id, reason: "Licence suspended" });
    expect(revoked).toMatchObject({ status: "revoked", revocationReason: "Licence suspended" });
    expect(await world.as.service.mutation(api.certificates.revoke, { id, reason: "Other" })).toEqual(revoked);
    const notes = await world.t.run((ctx) => ctx.db.query("notifications").collect());
    expect(notes.map((n) => n.type)).toEqual(["certificate"]);
  });

  test("needs a non-empty reason and an existing certificate", async () => {
    const world = await setup();
    const id = await insertCertificate(world, {});
    await expectCode(world.as.admin.mutation(api.certificates.revoke, { id, reason: " " }), "VALIDATION");
    expect((await stored(world, id))?.status).toBe("valid");
    await world.t.run((ctx) => ctx.db.delete(id));
    await expectCode(world.as.admin.mutation(api.certificates.revoke, { id, reason: "x" }), "NOT_FOUND");
  });

  test("only admins and the service revoke", async () => {
    const seeded = seededWorld((world) => insertCertificate(world, {}));
    await expectAllowed(
      ["admin", "service"],
      (client) => client.mutation(api.certificates.revoke, { id: seeded.value(), reason: "x" }),
      seeded.prepare,
    );
  });
});

describe("certificates:setExpiry", () => {
  test("sets an expiry after the issue date, or clears it", async () => {
    const world = await setup();
    const id = await insertCertificate(world, {});
    const later = await world.as.admin.mutation(api.certificates.setExpiry, { id, expiryDate: "2099-01-31" });
    expect(later).toMatchObject({ expiryDate: "2099-01-31T00:00:00.000Z", status: "valid" });
    const past = await world.as.admin.mutation(api.certificates.setExpiry, { id, expiryDate: iso(Date.now() - DAY) });
    expect(past.status).toBe("expired");
    const cleared = await world.as.admin.mutation(api.certificates.setExpiry, { id, expiryDate: null });
    expect(cleared.status).toBe("valid");
    expect(cleared.expiryDate).toBeUndefined();
  });

  test("rejects dates that are malformed or not after the issue date; revoked certificates are final", async () => {
    const world = await setup();
    const id = await insertCertificate(world, {});
    const issueDate = (await stored(world, id))!.issueDate;
    for (const expiryDate of ["soon", "31/01/2099", issueDate, iso(Date.parse(issueDate) - DAY)]) {
      await expectCode(world.as.admin.mutation(api.certificates.setExpiry, { id, expiryDate }), "VALIDATION");
    }
    await world.as.admin.mutation(api.certificates.revoke, { id, reason: "x" });
    await expectCode(
      world.as.admin.mutation(api.certificates.setExpiry, { id, expiryDate: "2099-01-31" }),
      "INVALID_STATE",
    );
  });

  test("only admins and the service", async () => {
    const seeded = seededWorld((world) => insertCertificate(world, {}));
    await expectAllowed(
      ["admin", "service"],
      (client) => client.mutation(api.certificates.setExpiry, { id: seeded.value(), expiryDate: "2099-01-31" }),
      seeded.prepare,
    );
  });
});

describe("certificates:expireDue", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("stores expired on valid certificates past expiry only, in self-continuing batches", async () => {
    const world = await setup();
    const due = [];
    for (let i = 0; i < 3; i++)
      due.push(await insertCertificate(world, { expiryDate: iso(Date.now() - (i + 1) * DAY) }));
    const future = await insertCertificate(world, { expiryDate: iso(Date.now() + DAY) });
    const forever = await insertCertificate(world, {});
    const revoked = await insertCertificate(world, { expiryDate: iso(Date.now() - DAY), status: "revoked" });
    vi.useFakeTimers();
    expect(await world.t.mutation(internal.certificates.expireDue, { batchSize: 2 })).toEqual({
      processed: 2,
      done: false,
    });
    await world.t.finishAllScheduledFunctions(vi.runAllTimers);
    for (const id of due) expect((await stored(world, id))?.status).toBe("expired");
    expect((await stored(world, future))?.status).toBe("valid");
    expect((await stored(world, forever))?.status).toBe("valid");
    expect((await stored(world, revoked))?.status).toBe("revoked");
  });

  test("is internal", () => {
    expect(Certificates.expireDue.isInternal).toBe(true);
    expect(Certificates.verify.isPublic).toBe(true);
  });
});
