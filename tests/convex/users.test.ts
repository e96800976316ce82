import { convexTest } from "convex-test";
import { describe, expect, test } from "vitest";
import { api } from "../../convex/_generated/api";
import schema from "../../convex/schema";
import { SERVICE_ISSUER } from "../../convex/model/auth";

const modules = import.meta.glob("../../convex/**/*.*s");
const service = { issuer: SERVICE_ISSUER, subject: "service" };

describe("users", () => {
  test("the service creates a student and reads it back by id and email", async () => {
    const t = convexTest(schema, modules).withIdentity(service);
    const jane = await t.mutation(api.users.create, { firstName: "Jane", lastName: "Doe", email: "Jane@Clinic.example" });
    expect(jane).toMatchObject({ email: "jane@clinic.example", isInstructor: false, isAdmin: false });
    expect(await t.query(api.users.get, { id: jane._id })).toMatchObject({ _id: jane._id });
    expect(await t.query(api.users.getByEmail, { email: "jane@clinic.example" })).toMatchObject({ _id: jane._id });
  });
});
