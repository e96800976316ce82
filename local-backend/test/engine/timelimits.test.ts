/** A function that loops forever is stopped at the time limit; other calls keep running. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { errorOf, startEngine, type TestEngine } from "./helpers.js";

let t: TestEngine;
beforeAll(async () => (t = await startEngine({ queryMutationTimeoutMs: 500, maxWorkers: 4 })));
afterAll(async () => await t.dispose());

test("infinite loops time out with the backend's message while other calls succeed", async () => {
  const started = Date.now();
  let loopsRunning = true;
  const loops = [t.call("errors:loop"), t.call("errors:loop")];
  void Promise.all(loops).then(() => (loopsRunning = false));
  // Ordering, not timing: calls made while both loops hold a worker complete.
  let doneWhileLooping = 0;
  const work = (async () => {
    for (let i = 0; i < 40; i++) {
      expect(await t.value("counter:increment", { name: "alive" })).toBe(i + 1);
      if (loopsRunning) doneWhileLooping++;
    }
  })();
  const [first, second] = await Promise.all(loops);
  await work;
  for (const result of [first!, second!]) {
    expect(errorOf(result).errorMessage).toMatch(/\nFunction execution timed out \(maximum duration: 500ms\)\n$/);
  }
  const elapsed = Date.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(500);
  expect(doneWhileLooping).toBeGreaterThan(0);
  expect(await t.value("counter:get", { name: "alive" })).toBe(40);
});

test("after terminating workers the pool still serves calls", async () => {
  for (let i = 0; i < 3; i++) errorOf(await t.call("errors:loop"));
  expect(await t.value("counter:get", { name: "alive" })).toBe(40);
});
