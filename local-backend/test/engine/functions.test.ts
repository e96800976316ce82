import { afterAll, beforeAll, expect, test } from "vitest";
import { startEngine, type TestEngine } from "./helpers.js";

let t: TestEngine;
beforeAll(async () => {
  t = await startEngine();
});
afterAll(async () => await t.dispose());

test("the function list is built once per push, not per call", async () => {
  const first = t.engine.functions();
  await t.call("counter:get");
  // The server's lookup cache is keyed by this array's identity.
  expect(t.engine.functions()).toBe(first);
  expect(first.some((info) => info.path === "counter:get")).toBe(true);
});
