/** Errors as clients see them: validators, ConvexError, visibility, kinds, schema and limits. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { admin, errorOf, startEngine, type TestEngine } from "./helpers.js";

let t: TestEngine;
beforeAll(async () => (t = await startEngine()));
afterAll(async () => await t.dispose());

describe("function errors", () => {
  test("ConvexError: Uncaught ConvexError message, data in errorData, request id header", async () => {
    const error = errorOf(await t.call("errors:convexError", { code: "NOT_FOUND" }));
    expect(error.errorMessage).toMatch(/^\[Request ID: test-\d+\] Server Error\nUncaught ConvexError: \{"code":"NOT_FOUND","message":"failed with NOT_FOUND"\}\n/);
    expect(error.errorData).toEqual({ code: "NOT_FOUND", message: "failed with NOT_FOUND" });
    const plain = errorOf(await t.call("errors:stringConvexError"));
    expect(plain.errorData).toBe("plain message");
  });

  test("plain errors have no errorData and show user stack frames", async () => {
    const error = errorOf(await t.call("errors:plainError"));
    expect(error.errorMessage).toContain("Server Error\nUncaught Error: boom\n    at handler (../convex/errors.ts:");
    expect(error.errorData).toBeUndefined();
  });

  test("a failed mutation writes nothing", async () => {
    errorOf(await t.call("errors:writeThenThrow", { name: "ghost" }));
    expect(await t.value("counter:get", { name: "ghost" })).toBeNull();
  });
});

describe("validators", () => {
  test("argument validation", async () => {
    const error = errorOf(await t.call("counter:increment", { name: 3 }));
    expect(error.errorMessage).toBe(
      `${error.errorMessage.split("\n")[0]}\nArgumentValidationError: Value does not match validator.\nPath: .name\nValue: 3.0\nValidator: v.string()\n`,
    );
    const extra = errorOf(await t.call("counter:increment", { name: "x", extra: true }));
    expect(extra.errorMessage).toContain("ArgumentValidationError: Object contains extra field `extra` that is not in the validator.");
    const missing = errorOf(await t.call("counter:increment", {}));
    expect(missing.errorMessage).toContain("ArgumentValidationError: Object is missing the required field `name`.");
  });

  test("v.id checks the table", async () => {
    const messageId = await t.value("messages:send", { channel: "c", author: "a", body: "b" });
    const error = errorOf(await t.call("messages:remove", { id: "notanid" }));
    expect(error.errorMessage).toContain('Value: "notanid"\nValidator: v.id("messages")');
    const counterId = ((await t.value("counter:list")) as unknown[]).length;
    expect(counterId).toBeGreaterThanOrEqual(0);
    const wrongTable = errorOf(await t.call("values:insertTyped", {
      count: { $integer: "AQAAAAAAAAA=" },
      ratio: 1,
      data: { $bytes: "" },
      tags: [],
      owner: messageId,
    }));
    expect(wrongTable.errorMessage).toContain(`Found ID "${messageId as string}" from table \`messages\`, which does not match the table name in validator \`v.id("counters")\`.Path: .owner`);
  });

  test("return value validation", async () => {
    const error = errorOf(await t.call("errors:badReturn"));
    expect(error.errorMessage).toContain("ReturnsValidationError: Value does not match validator.\n\nValue: 42.0\nValidator: v.string()");
  });

  test("schema validation of written documents", async () => {
    const error = errorOf(await t.call("errors:schemaViolation"));
    expect(error.errorMessage).toContain('Failed to insert or update a document in table "counters" because it does not match the schema: Value does not match validator.\nPath: .value\nValue: "not a number"\nValidator: v.float64()');
  });

  test("typed values pass through validators and storage", async () => {
    const doc = (await t.value("values:insertTyped", {
      count: { $integer: "BwAAAAAAAAA=" },
      ratio: { $float: "AAAAAAAA+H8=" },
      data: { $bytes: "AQID" },
      tags: ["a"],
    })) as Record<string, unknown>;
    expect(doc).toMatchObject({ count: { $integer: "BwAAAAAAAAA=" }, ratio: { $float: "AAAAAAAA+H8=" }, data: { $bytes: "AQID" }, tags: ["a"] });
    const wrongType = errorOf(await t.call("values:insertTyped", { count: 7, ratio: 1, data: { $bytes: "" }, tags: [] }));
    expect(wrongType.errorMessage).toContain("Path: .count\nValue: 7.0\nValidator: v.int64()");
  });
});

describe("limits", () => {
  test("documents over 1 MiB are rejected", async () => {
    const error = errorOf(await t.call("errors:tooLarge"));
    expect(error.errorMessage).toMatch(/Value is too large \(1\.\d+ MiB > maximum size 1 MiB\)/);
  });
});

describe("function resolution", () => {
  test("unknown and internal functions are not found for public callers", async () => {
    const missing = errorOf(await t.call("counter:nope", {}, { kind: "query" }));
    expect(missing.errorMessage).toBe(
      `${missing.errorMessage.split("\n")[0]}\nCould not find public function for 'counter:nope'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?\n`,
    );
    const internal = errorOf(await t.call("errors:secret", {}, { kind: "query" }));
    expect(internal.errorMessage).toContain("Could not find public function for 'errors:secret'.");
    expect(await t.value("errors:secret", {}, { caller: admin, kind: "query" })).toBe("internal only");
    expect(await t.value("errors.js:secret", {}, { caller: admin })).toBe("internal only");
  });

  test("kind mismatch", async () => {
    const error = errorOf(await t.call("counter:increment", { name: "k" }, { kind: "query" }));
    expect(error.errorMessage).toContain("Trying to execute counter.js:increment as Query, but it is defined as Mutation.");
  });
});

describe("logs and identity", () => {
  test("console output comes back as logLines", async () => {
    const result = await t.call("logging:everyLevel", { text: "hi" });
    expect(result.logLines).toEqual(["[LOG] 'hi'", "[INFO] 'info' 1", "[WARN] {\n  a: 1,\n  b: 'two'\n}", "[ERROR] [ 1, 2, 3 ]", "[DEBUG] null undefined true"]);
    const many = await t.call("logging:many", { count: 300 });
    expect(many.logLines).toHaveLength(256);
    expect(many.logLines[255]).toBe("[ERROR] Log overflow (maximum 256). Remaining log lines omitted.");
  });

  test("ctx.auth sees the caller's identity, in queries and actions", async () => {
    const identity = { issuer: "https://issuer.test", subject: "u1", tokenIdentifier: "https://issuer.test|u1", email: "u@x" };
    expect(await t.value("actions:whoami", {}, { caller: { identity, admin: false } })).toEqual(identity);
    expect(await t.value("actions:identity", {}, { caller: { identity, admin: false } })).toEqual(identity);
    expect(await t.value("actions:whoami")).toBeNull();
  });
});

describe("actions and nested calls", () => {
  test("actions run queries and mutations; their logs are kept", async () => {
    const result = await t.call("actions:incrementTwice", { name: "act" });
    expect(result).toMatchObject({ status: "success", value: 2, logLines: ["[LOG] 'incremented'"] });
  });

  test("ConvexError crosses runQuery into the action; actions may call internal functions", async () => {
    expect(await t.value("actions:catchesConvexError")).toBe("NOT_FOUND");
    expect(await t.value("actions:callsInternal")).toBe("internal only");
  });

  test("ctx.runAction runs another action with the same identity; logs are kept in order", async () => {
    const identity = { issuer: "https://issuer.test", subject: "u2", tokenIdentifier: "https://issuer.test|u2" };
    const result = await t.call("actions:callsAction", { name: "nested-action" }, { caller: { identity, admin: false } });
    expect(result).toMatchObject({ status: "success", value: { count: 2, identity }, logLines: ["[LOG] 'outer'", "[LOG] 'incremented'"] });
  });

  test("ConvexError data survives a nested runQuery inside a mutation", async () => {
    expect(await t.value("actions:nestedQueryError")).toEqual({ code: "NESTED", message: "failed with NESTED" });
  });

  test("a failing nested runMutation rolls back only its own writes", async () => {
    expect(await t.value("actions:nested", { name: "outer" })).toEqual({ caught: "child failed", childVisible: false, count: 1 });
    expect(await t.value("counter:get", { name: "outer" })).toBe(1);
    expect(await t.value("counter:get", { name: "outer-child" })).toBeNull();
  });
});
