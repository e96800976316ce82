import { describe, expect, test } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import { expectAllowed, expectCode, setup, type TestConvex } from "./fixtures";

const jane = { firstName: "Jane", lastName: "Doe", email: "Jane@Clinic.example" };

describe("users:create", () => {
  test("creates a student with a normalized email", async () => {
    const { as } = await setup();
    const user = await as.service.mutation(api.users.create, jane);
    expect(user).toMatchObject({ email: "jane@clinic.example", isInstructor: false, isAdmin: false });
  });

  test("rejects an empty first name and writes nothing", async () => {
    const { as, t } = await setup();
    await expectCode(as.service.mutation(api.users.create, { ...jane, firstName: " " }), "VALIDATION");
    expect(await t.run((ctx) => ctx.db.query("users").collect())).toHaveLength(5);
  });

  test("rejects a malformed email", async () => {
    const { as } = await setup();
    await expectCode(as.service.mutation(api.users.create, { ...jane, email: "jane" }), "VALIDATION");
  });

  test("rejects a second user with the same email, whatever its case", async () => {
    const { as } = await setup();
    await as.service.mutation(api.users.create, jane);
    await expectCode(as.service.mutation(api.users.create, { ...jane, email: "JANE@clinic.example" }), "CONFLICT");
  });

  test.each([
    ["a NUL", "jane\u0000@clinic.example"],
    ["a line break", "jane@clinic.example\nBcc: x@y.example"],
    ["no top-level domain", "jane@clinic"],
    ["two @", "jane@@clinic.example"],
    ["a space inside", "ja ne@clinic.example"],
  ])("rejects an email with %s and writes nothing", async (_, email) => {
    const { as, t } = await setup();
    await expectCode(as.service.mutation(api.users.create, { ...jane, email }), "VALIDATION");
    expect(await users(t)).toHaveLength(5);
  });

  test("refuses control characters in names and writes nothing", async () => {
    const { as, t } = await setup();
    await expectCode(as.service.mutation(api.users.create, { ...jane, firstName: "Ja\u0000ne" }), "VALIDATION");
    await expectCode(as.service.mutation(api.users.create, { ...jane, lastName: "Doe\u001b[31m" }), "VALIDATION");
    expect(await users(t)).toHaveLength(5);
  });

  test("decides email uniqueness on the NFC, lower-case form", async () => {
    const { as } = await setup();
    const decomposed = "Jose\u0301@clinic.example"; // "José" as e + combining acute accent
    const user = await as.service.mutation(api.users.create, { ...jane, email: decomposed });
    expect(user.email).toBe("jos\u00e9@clinic.example");
    await expectCode(as.service.mutation(api.users.create, { ...jane, email: "JOS\u00c9@clinic.example" }), "CONFLICT");
  });

  test("the same idempotency key twice creates one user", async () => {
    const { as, t } = await setup();
    const first = await as.service.mutation(api.users.create, { ...jane, idempotencyKey: "k1" });
    const again = await as.service.mutation(api.users.create, { ...jane, idempotencyKey: "k1" });
    expect(again._id).toBe(first._id);
    expect(await t.run((ctx) => ctx.db.query("users").collect())).toHaveLength(6);
    await expectCode(
      as.service.mutation(api.users.create, { ...jane, lastName: "X", idempotencyKey: "k1" }),
      "CONFLICT",
    );
  });

  test("only admins and the service may create users", async () => {
    await expectAllowed(["admin", "service"], (client) => client.mutation(api.users.create, jane));
  });
});

describe("users:get and users:getByEmail", () => {
  test("read by id and by email", async () => {
    const { as, ids } = await setup();
    expect(await as.service.query(api.users.get, { id: ids.student })).toMatchObject({ _id: ids.student });
    expect(await as.service.query(api.users.getByEmail, { email: "STUDENT@example.com" })).toMatchObject({
      _id: ids.student,
    });
    expect(await as.service.query(api.users.getByEmail, { email: "nobody@example.com" })).toBeNull();
  });

  test("a user reads only their own user", async () => {
    await expectAllowed(["student", "admin", "service"], (client, { ids }) =>
      client.query(api.users.get, { id: ids.student }),
    );
  });

  test("only admins and the service look users up by email", async () => {
    await expectAllowed(["admin", "service"], (client) =>
      client.query(api.users.getByEmail, { email: "student@example.com" }),
    );
  });
});

const page = { numItems: 10, cursor: null };
const ALL = ["anonymous", "student", "otherStudent", "instructor", "otherInstructor", "admin", "service"] as const;
const JWT_ISSUER = "https://dev.doctrina.local";
const users = (t: TestConvex) => t.run((ctx) => ctx.db.query("users").collect());

describe("users:create field rules", () => {
  test("accepts a picture URL and a phone number, rejects malformed ones", async () => {
    const { as } = await setup();
    const user = await as.service.mutation(api.users.create, {
      ...jane,
      image: "https://img.example/j.png",
      phone: "+1 555-0100",
    });
    expect(user).toMatchObject({ image: "https://img.example/j.png", phone: "+1 555-0100" });
    await expectCode(
      as.service.mutation(api.users.create, { ...jane, email: "a@b.example", image: "not a url" }),
      "VALIDATION",
    );
    await expectCode(
      as.service.mutation(api.users.create, { ...jane, email: "c@b.example", phone: "call me" }),
      "VALIDATION",
    );
  });

  test("rejects names longer than 100 characters", async () => {
    const { as } = await setup();
    await expectCode(as.service.mutation(api.users.create, { ...jane, lastName: "x".repeat(101) }), "VALIDATION");
  });
});

describe("users:getPublicProfile", () => {
  test("only name, picture and the instructor flag; null when missing", async () => {
    const { as, ids, t } = await setup();
    const profile = await as.anonymous.query(api.users.getPublicProfile, { id: ids.instructor });
    expect(profile).toEqual({ _id: ids.instructor, firstName: "Ines", lastName: "Instructor", isInstructor: true });
    await t.run((ctx) => ctx.db.delete(ids.otherStudent));
    expect(await as.anonymous.query(api.users.getPublicProfile, { id: ids.otherStudent })).toBeNull();
  });

  test("anyone may read a public profile", async () => {
    await expectAllowed(ALL, (client, { ids }) => client.query(api.users.getPublicProfile, { id: ids.student }));
  });
});

describe("users:ensureCurrentUser", () => {
  const claims = {
    issuer: JWT_ISSUER,
    subject: "user_abc",
    email: "New@Clinic.example",
    givenName: "Nora",
    familyName: "New",
  };

  test("a first JWT sign-in creates a student from the token's claims", async () => {
    const { t } = await setup();
    const user = await t.withIdentity(claims).mutation(api.users.ensureCurrentUser, {});
    expect(user).toMatchObject({
      firstName: "Nora",
      lastName: "New",
      email: "new@clinic.example",
      externalId: "user_abc",
      isInstructor: false,
      isAdmin: false,
    });
    expect(user.lastLogin).toBeTypeOf("string");
  });

  test("later sign-ins find the same user by subject and refresh lastLogin", async () => {
    const { t } = await setup();
    const first = await t.withIdentity(claims).mutation(api.users.ensureCurrentUser, {});
    await t.run((ctx) => ctx.db.patch(first._id, { lastLogin: "2020-01-01T00:00:00.000Z" }));
    const again = await t
      .withIdentity({ ...claims, email: "changed@clinic.example" })
      .mutation(api.users.ensureCurrentUser, {});
    expect(again._id).toBe(first._id);
    expect(again.lastLogin).not.toBe("2020-01-01T00:00:00.000Z");
    expect(await users(t)).toHaveLength(6);
  });

  test("links an existing user by the token's email", async () => {
    const { t, ids } = await setup();
    const identity = { issuer: JWT_ISSUER, subject: "user_sam", email: "STUDENT@example.com", emailVerified: true };
    const user = await t.withIdentity(identity).mutation(api.users.ensureCurrentUser, {});
    expect(user).toMatchObject({ _id: ids.student, externalId: "user_sam" });
    expect(await users(t)).toHaveLength(5);
  });

  test("refuses to link an email already linked to another sign-in, or not verified", async () => {
    const { t, ids } = await setup();
    await t.run((ctx) => ctx.db.patch(ids.student, { externalId: "user_other" }));
    const identity = { issuer: JWT_ISSUER, subject: "user_sam", email: "student@example.com" };
    await expectCode(t.withIdentity(identity).mutation(api.users.ensureCurrentUser, {}), "CONFLICT");
    const unverified = { ...identity, email: "otherstudent@example.com", emailVerified: false };
    await expectCode(t.withIdentity(unverified).mutation(api.users.ensureCurrentUser, {}), "CONFLICT");
    const rows = await users(t);
    expect(rows).toHaveLength(5);
    expect(rows.find((u) => u._id === ids.otherStudent)?.externalId).toBeUndefined();
  });

  test("a token whose email_verified claim is missing never claims an existing account, an admin's included", async () => {
    const { t, ids } = await setup();
    const missing = { issuer: JWT_ISSUER, subject: "attacker", email: "admin@example.com" };
    await expectCode(t.withIdentity(missing).mutation(api.users.ensureCurrentUser, {}), "CONFLICT");
    const rows = await users(t);
    expect(rows).toHaveLength(5);
    const admin = rows.find((u) => u._id === ids.admin);
    expect(admin?.externalId).toBeUndefined();
    expect(admin?.lastLogin).toBeUndefined();
  });

  test("a token without email cannot create a user; a single name leaves the last name empty", async () => {
    const { t } = await setup();
    await expectCode(
      t.withIdentity({ issuer: JWT_ISSUER, subject: "x" }).mutation(api.users.ensureCurrentUser, {}),
      "VALIDATION",
    );
    const cher = await t
      .withIdentity({ issuer: JWT_ISSUER, subject: "y", email: "cher@example.com", name: "Cher" })
      .mutation(api.users.ensureCurrentUser, {});
    expect(cher).toMatchObject({ firstName: "Cher", lastName: "" });
  });

  test("the service acting as a user gets that user, with lastLogin set", async () => {
    const { as, ids } = await setup();
    const user = await as.student.mutation(api.users.ensureCurrentUser, {});
    expect(user._id).toBe(ids.student);
    expect(user.lastLogin).toBeTypeOf("string");
  });

  test("signed-in users only: not anonymous, not the service itself", async () => {
    await expectAllowed(["student", "otherStudent", "instructor", "otherInstructor", "admin"], (client) =>
      client.mutation(api.users.ensureCurrentUser, {}),
    );
  });
});

describe("users:me", () => {
  test("the caller's user, or null when there is none", async () => {
    const { as, ids, t } = await setup();
    expect((await as.student.query(api.users.me, {}))?._id).toBe(ids.student);
    expect(await as.anonymous.query(api.users.me, {})).toBeNull();
    expect(await as.service.query(api.users.me, {})).toBeNull();
    expect(await t.withIdentity({ issuer: JWT_ISSUER, subject: "nobody" }).query(api.users.me, {})).toBeNull();
  });

  test("anyone may ask", async () => {
    await expectAllowed(ALL, (client) => client.query(api.users.me, {}));
  });
});

describe("users:update", () => {
  test("edits the profile; an empty image or phone removes it", async () => {
    const { as, ids } = await setup();
    await as.student.mutation(api.users.update, {
      id: ids.student,
      image: "https://img.example/s.png",
      phone: "555 0100",
    });
    const user = await as.student.mutation(api.users.update, { id: ids.student, firstName: " Samuel ", image: "" });
    expect(user).toMatchObject({ firstName: "Samuel", lastName: "Student", phone: "555 0100" });
    expect(user.image).toBeUndefined();
  });

  test("rejects bad fields and writes nothing", async () => {
    const { as, ids, t } = await setup();
    const before = await t.run((ctx) => ctx.db.get(ids.student));
    await expectCode(
      as.student.mutation(api.users.update, { id: ids.student, lastName: "Ok", firstName: "" }),
      "VALIDATION",
    );
    await expectCode(as.student.mutation(api.users.update, { id: ids.student, phone: "12" }), "VALIDATION");
    await expectCode(
      as.student.mutation(api.users.update, { id: ids.student, image: "ftp://x.example/a" }),
      "VALIDATION",
    );
    expect(await t.run((ctx) => ctx.db.get(ids.student))).toEqual(before);
  });

  test("NOT_FOUND for a missing user", async () => {
    const { as, ids, t } = await setup();
    await t.run((ctx) => ctx.db.delete(ids.otherStudent));
    await expectCode(as.admin.mutation(api.users.update, { id: ids.otherStudent, firstName: "X" }), "NOT_FOUND");
  });

  test("the user themself, admins and the service", async () => {
    await expectAllowed(["student", "admin", "service"], (client, { ids }) =>
      client.mutation(api.users.update, { id: ids.student, firstName: "S" }),
    );
  });
});

describe("users:setRoles", () => {
  test("grants and withdraws roles", async () => {
    const { as, ids } = await setup();
    expect(await as.admin.mutation(api.users.setRoles, { id: ids.student, isInstructor: true })).toMatchObject({
      isInstructor: true,
      isAdmin: false,
    });
    const other = await as.service.mutation(api.users.setRoles, {
      id: ids.instructor,
      isAdmin: true,
      isInstructor: false,
    });
    expect(other).toMatchObject({ isInstructor: false, isAdmin: true });
    expect(await as.admin.mutation(api.users.setRoles, { id: ids.instructor, isAdmin: false })).toMatchObject({
      isAdmin: false,
    });
  });

  test("an admin cannot drop their own admin role", async () => {
    const { as, ids, t } = await setup();
    await expectCode(as.admin.mutation(api.users.setRoles, { id: ids.admin, isAdmin: false }), "FORBIDDEN");
    expect((await t.run((ctx) => ctx.db.get(ids.admin)))?.isAdmin).toBe(true);
    expect(await as.admin.mutation(api.users.setRoles, { id: ids.admin, isInstructor: true })).toMatchObject({
      isAdmin: true,
      isInstructor: true,
    });
  });

  test("admins and the service only", async () => {
    await expectAllowed(["admin", "service"], (client, { ids }) =>
      client.mutation(api.users.setRoles, { id: ids.student, isInstructor: true }),
    );
  });
});

describe("users:listInstructors and users:listAdmins", () => {
  test("instructors as public profiles, page by page", async () => {
    const { as, ids } = await setup();
    const first = await as.anonymous.query(api.users.listInstructors, {
      paginationOpts: { numItems: 1, cursor: null },
    });
    expect(first.isDone).toBe(false);
    const rest = await as.anonymous.query(api.users.listInstructors, {
      paginationOpts: { numItems: 10, cursor: first.continueCursor },
    });
    const all = [...first.page, ...rest.page];
    expect(all.map((p) => p._id).sort()).toEqual([ids.instructor, ids.otherInstructor].sort());
    expect(all[0]).not.toHaveProperty("email");
  });

  test("admins as users", async () => {
    const { as, ids } = await setup();
    const admins = await as.admin.query(api.users.listAdmins, { paginationOpts: page });
    expect(admins.page.map((u) => u._id)).toEqual([ids.admin]);
  });

  test("anyone lists instructors; only admins and the service list admins", async () => {
    await expectAllowed(ALL, (client) => client.query(api.users.listInstructors, { paginationOpts: page }));
    await expectAllowed(["admin", "service"], (client) => client.query(api.users.listAdmins, { paginationOpts: page }));
  });
});

describe("users:createMany", () => {
  const rows = [
    { firstName: "A", lastName: "One", email: "a1@example.com" },
    { firstName: "B", lastName: "Two", email: "not-an-email" },
    { firstName: "C", lastName: "Three", email: "STUDENT@example.com" },
    { firstName: "D", lastName: "Four", email: "A1@example.com" },
    { firstName: "", lastName: "Five", email: "e5@example.com" },
  ];

  test("reports each row and never fails the batch for one bad row", async () => {
    const { t, ids } = await setup();
    const { results } = await t.mutation(internal.users.createMany, { rows });
    expect(results.map((r) => r.status)).toEqual(["created", "invalid", "exists", "exists", "invalid"]);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    expect(results[2].id).toBe(ids.student);
    expect(results[3].id).toBe(results[0].id);
    expect(results[1].error).toMatch(/email/);
    expect(results[4].error).toMatch(/firstName/);
    expect(await users(t)).toHaveLength(6);
  });

  test("re-running a batch reports its users as existing", async () => {
    const { t } = await setup();
    const first = await t.mutation(internal.users.createMany, { rows: rows.slice(0, 1) });
    const again = await t.mutation(internal.users.createMany, { rows: rows.slice(0, 1) });
    expect(again.results).toEqual([{ index: 0, status: "exists", id: first.results[0].id }]);
  });

  test("the same idempotency key twice writes once and returns the first result", async () => {
    const { t } = await setup();
    const first = await t.mutation(internal.users.createMany, { rows, idempotencyKey: "batch-1" });
    const again = await t.mutation(internal.users.createMany, { rows, idempotencyKey: "batch-1" });
    expect(again).toEqual(first);
    expect(await users(t)).toHaveLength(6);
  });

  test("more than 500 rows is a LIMIT error and writes nothing", async () => {
    const { t } = await setup();
    const many = Array.from({ length: 501 }, (_, i) => ({
      firstName: "S",
      lastName: `${i}`,
      email: `s${i}@example.com`,
    }));
    await expectCode(t.mutation(internal.users.createMany, { rows: many }), "LIMIT");
    expect(await users(t)).toHaveLength(5);
  });

  test("500 rows fit in one call", async () => {
    const { t } = await setup();
    const many = Array.from({ length: 500 }, (_, i) => ({
      firstName: "S",
      lastName: `${i}`,
      email: `s${i}@example.com`,
    }));
    const { results } = await t.mutation(internal.users.createMany, { rows: many });
    expect(results.every((r) => r.status === "created")).toBe(true);
  });
});
