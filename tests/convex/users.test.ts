import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import { expectAllowed, expectCode, setup } from "./fixtures";

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

  test("the same idempotency key twice creates one user", async () => {
    const { as, t } = await setup();
    const first = await as.service.mutation(api.users.create, { ...jane, idempotencyKey: "k1" });
    const again = await as.service.mutation(api.users.create, { ...jane, idempotencyKey: "k1" });
    expect(again._id).toBe(first._id);
    expect(await t.run((ctx) => ctx.db.query("users").collect())).toHaveLength(6);
    await expectCode(as.service.mutation(api.users.create, { ...jane, lastName: "X", idempotencyKey: "k1" }), "CONFLICT");
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
