/** Runtime semantics of queries and mutations, as Convex has them (docs/fidelity.md). */
import { afterAll, beforeAll, expect, test } from "vitest";
import { admin, errorOf, startEngine, type TestEngine } from "./helpers.js";

let t: TestEngine;
beforeAll(async () => (t = await startEngine()));
afterAll(async () => await t.dispose());

type Clock = { first: number; second: number; constructed?: number; created?: number[] };

test("Date.now() and new Date() are fixed for a query run", async () => {
  const clock = (await t.value("fidelity:clockInQuery")) as Clock;
  expect(clock.second).toBe(clock.first);
  expect(clock.constructed).toBe(clock.first);
});

test("Date.now() is fixed for a mutation run; _creationTime strictly increases within it", async () => {
  const clock = (await t.value("fidelity:clockInMutation")) as Clock;
  expect(clock.second).toBe(clock.first);
  const created = clock.created!;
  expect(created[0]! < created[1]! && created[1]! < created[2]!).toBe(true);
  // Consecutive floats: the transaction's creation time, incremented per insert, not the wall clock.
  expect(created[2]! - created[0]!).toBeLessThan(0.01);
});

type Readings = { first: number; second: number; date: number; origin: number };

test("performance.now() is fixed for a query run, at the run's start (Date.now() - timeOrigin)", async () => {
  const readings = (await t.value("fidelity:performanceInQuery")) as Readings;
  expect(readings.second).toBe(readings.first);
  expect(Math.abs(readings.origin + readings.first - readings.date)).toBeLessThan(1);
});

test("performance.now() starts there in a mutation run and moves on", async () => {
  const readings = (await t.value("fidelity:performanceInMutation")) as Readings;
  expect(readings.second).toBeGreaterThan(readings.first);
  expect(Math.abs(readings.origin + readings.first - readings.date)).toBeLessThan(1);
});

test("actions see the moving clock", async () => {
  const clock = (await t.value("fidelity:clockInAction")) as Clock;
  expect(clock.second).toBeGreaterThan(clock.first);
});

test("Math.random is seeded per run: values vary within and across runs", async () => {
  const first = (await t.value("fidelity:randomInQuery")) as number[];
  const second = (await t.value("fidelity:randomInQuery")) as number[];
  expect(new Set(first).size).toBe(3);
  expect(second).not.toEqual(first);
  for (const n of [...first, ...second]) expect(n >= 0 && n < 1).toBe(true);
});

test.each([
  ["fetch", "fetch()"],
  ["setTimeout", "setTimeout"],
  ["setInterval", "setInterval"],
])("%s is refused in a mutation with Convex's message and writes nothing", async (what, description) => {
  const error = errorOf(await t.call("fidelity:refused", { what }));
  expect(error.errorMessage).toContain(
    `Uncaught Error: Can't use ${description} in queries and mutations. Please consider using an action. See https://docs.convex.dev/functions/actions for more details.`,
  );
  expect(await t.value("counter:get", { name: "refused" }, { caller: admin })).toBeNull();
});

test("actions keep fetch, setTimeout and setInterval", async () => {
  expect(await t.value("fidelity:timersInAction")).toBe("function");
});
