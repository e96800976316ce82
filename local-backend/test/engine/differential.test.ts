/// <reference types="vite/client" />
/**
 * Differential tests with convex-test as the oracle over the fixture project: the same call
 * sequences run on this engine and on convex-test must give the same values and the same
 * errors (ConvexError data). The real `convex/` is differential.project.test.ts's. IDs, creation times and
 * wall-clock values are normalized; known convex-test gaps (visibility, search ranking,
 * `isDone` on an exactly full last page, and `.filter()` comparisons across types, which
 * the real backend orders like index keys but convex-test compares as JS values) are avoided.
 */
import { convexTest } from "convex-test";
import { makeFunctionReference } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex, type Value } from "convex/values";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { JSONValue, UserIdentity } from "../../src/engine/index.js";
import { decodeId } from "../../src/engine/ids.js";
import fixtureSchema from "../fixtures/convex/schema";
import { startEngine, type TestEngine } from "./helpers.js";

type Kind = "query" | "mutation" | "action";
type Outcome = { ok: true; value: JSONValue } | { ok: false; data: JSONValue | undefined };
type Identity = { issuer: string; subject: string } | null;

interface Driver {
  call(kind: Kind, path: string, args: JSONValue, identity?: Identity): Promise<Outcome>;
}

function engineDriver(t: TestEngine): Driver {
  return {
    async call(kind, path, args, identity = null) {
      const user: UserIdentity | null = identity && { ...identity, tokenIdentifier: `${identity.issuer}|${identity.subject}` };
      const result = await t.call(path, args, { kind, caller: { identity: user, admin: true } });
      return result.status === "success" ? { ok: true, value: result.value } : { ok: false, data: result.errorData };
    },
  };
}

function convexTestDriver(schema: unknown, modules: Record<string, () => Promise<unknown>>): Driver {
  const t = convexTest(schema as never, modules);
  return {
    async call(kind, path, args, identity = null) {
      const client = identity ? t.withIdentity(identity) : t;
      const reference = makeFunctionReference(path);
      try {
        const run = client[kind] as unknown as (ref: unknown, args: unknown) => Promise<unknown>;
        const value = await run(reference, jsonToConvex(args));
        return { ok: true, value: convexToJson((value ?? null) as Value) };
      } catch (error) {
        return { ok: false, data: error instanceof ConvexError ? convexToJson(error.data as Value) : undefined };
      }
    },
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const CONVEX_TEST_ID = /^\d+;?[A-Za-z_]+$/;

/** Replaces ids by their order of appearance and drops clock-dependent values. */
function normalize(value: JSONValue, ids: Map<string, string>): JSONValue {
  if (typeof value === "string") {
    if (decodeId(value) !== null || (CONVEX_TEST_ID.test(value) && value.length >= 20)) {
      if (!ids.has(value)) ids.set(value, `<id ${ids.size}>`);
      return ids.get(value)!;
    }
    return ISO_DATE.test(value) ? "<date>" : value;
  }
  if (typeof value === "number") return value > 1e12 && value < 1e13 ? "<time>" : value;
  if (Array.isArray(value)) return value.map((v) => normalize(v, ids));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== "_creationTime" && key !== "continueCursor" && key !== "splitCursor")
        .map(([key, v]) => [key, normalize(v, ids)]),
    );
  }
  return value;
}

type Step = { kind: Kind; path: string; args?: JSONValue; as?: Identity; useId?: (ids: string[]) => JSONValue };

/** Runs `steps` on both drivers and compares normalized outcomes step by step. */
async function compare(ours: Driver, oracle: Driver, steps: Step[]): Promise<void> {
  const idsOurs = new Map<string, string>();
  const idsOracle = new Map<string, string>();
  const seenOurs: string[] = [];
  const seenOracle: string[] = [];
  for (const [index, step] of steps.entries()) {
    const argsOurs = step.useId ? step.useId(seenOurs) : (step.args ?? {});
    const argsOracle = step.useId ? step.useId(seenOracle) : (step.args ?? {});
    const a = await ours.call(step.kind, step.path, argsOurs, step.as);
    const b = await oracle.call(step.kind, step.path, argsOracle, step.as);
    const label = `step ${index}: ${step.kind} ${step.path}`;
    expect(a.ok, `${label} ours=${JSON.stringify(a)} oracle=${JSON.stringify(b)}`).toBe(b.ok);
    if (a.ok && b.ok) {
      collectIds(a.value, seenOurs);
      collectIds(b.value, seenOracle);
      expect(normalize(a.value, idsOurs), label).toEqual(normalize(b.value, idsOracle));
    } else if (!a.ok && !b.ok) {
      expect(normalize(a.data ?? null, idsOurs), label).toEqual(normalize(b.data ?? null, idsOracle));
    }
  }
}

function collectIds(value: JSONValue, out: string[]): void {
  if (typeof value === "string" && (decodeId(value) !== null || CONVEX_TEST_ID.test(value))) out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectIds(v, out));
  else if (value !== null && typeof value === "object") {
    for (const [key, v] of Object.entries(value)) if (key === "_id") collectIds(v, out);
  }
}

const page = (numItems: number, cursor: string | null = null) => ({ numItems, cursor });

describe("fixture project vs convex-test", () => {
  let t: TestEngine;
  beforeAll(async () => (t = await startEngine()));
  afterAll(async () => await t?.dispose());
  const oracle = () => convexTestDriver(fixtureSchema, import.meta.glob("../fixtures/convex/**/*.*s"));

  test("counters, errors and rollbacks", async () => {
    await compare(engineDriver(t), oracle(), [
      { kind: "query", path: "counter:get", args: { name: "d1" } },
      { kind: "mutation", path: "counter:increment", args: { name: "d1" } },
      { kind: "mutation", path: "counter:increment", args: { name: "d1", by: 5 } },
      { kind: "query", path: "counter:get", args: { name: "d1" } },
      { kind: "mutation", path: "counter:increment", args: { name: "d2", by: 10 } },
      { kind: "mutation", path: "counter:transfer", args: { from: "d2", to: "d1", amount: 3 } },
      { kind: "query", path: "counter:sum", args: { names: ["d1", "d2"] } },
      { kind: "mutation", path: "counter:transfer", args: { from: "d2", to: "missing", amount: 1 } },
      { kind: "query", path: "errors:convexError", args: { code: "NOT_FOUND" } },
      { kind: "query", path: "errors:stringConvexError" },
      { kind: "query", path: "errors:plainError" },
      { kind: "mutation", path: "errors:writeThenThrow", args: { name: "d3" } },
      { kind: "query", path: "counter:get", args: { name: "d3" } },
      { kind: "mutation", path: "errors:schemaViolation" },
      { kind: "mutation", path: "counter:increment", args: { name: 7 } },
      { kind: "query", path: "errors:badReturn" },
      { kind: "mutation", path: "actions:nested", args: { name: "d4" } },
      { kind: "action", path: "actions:incrementTwice", args: { name: "d5" } },
      { kind: "action", path: "actions:catchesConvexError" },
      { kind: "mutation", path: "actions:nestedQueryError" },
    ]);
  });

  test("index ranges, order, filters and pagination", async () => {
    const steps: Step[] = [
      { kind: "mutation", path: "messages:sendMany", args: { channel: "p", count: 23 } },
      { kind: "mutation", path: "messages:sendMany", args: { channel: "q", count: 4 } },
      { kind: "query", path: "messages:byChannel", args: { channel: "q", order: "desc" } },
      { kind: "query", path: "messages:rankRange", args: { channel: "p", min: 5, max: 11 } },
      { kind: "query", path: "messages:rankRange", args: { channel: "p", min: 5, max: 11, order: "desc" } },
      { kind: "query", path: "messages:first", args: { channel: "p" } },
      { kind: "query", path: "messages:takeByAuthor", args: { channel: "p", author: "a2", n: 4 } },
      { kind: "query", path: "messages:list", args: { channel: "p", paginationOpts: page(10) } },
      { kind: "query", path: "messages:list", args: { channel: "nobody", paginationOpts: page(10) } },
      { kind: "mutation", path: "values:insert", args: { label: "i", value: { $integer: "AgAAAAAAAAA=" } } },
      { kind: "mutation", path: "values:insert", args: { label: "f", value: 1.5 } },
      { kind: "mutation", path: "values:insert", args: { label: "s", value: "text" } },
      { kind: "mutation", path: "values:insert", args: { label: "n", value: null } },
      { kind: "mutation", path: "values:insert", args: { label: "b", value: false } },
      { kind: "mutation", path: "values:insert", args: { label: "a", value: [1, 2] } },
      { kind: "query", path: "values:ordered", args: {} },
      { kind: "query", path: "values:ordered", args: { order: "desc" } },
      { kind: "query", path: "values:between", args: { lo: null, hi: "zzz" } },
      { kind: "query", path: "values:edgeValues" },
    ];
    await compare(engineDriver(t), oracle(), steps);
  });

  test("pagination walks the same pages", async () => {
    const ours = engineDriver(t);
    const theirs = oracle();
    for (const driver of [ours, theirs]) await driver.call("mutation", "messages:sendMany", { channel: "walk", count: 17 });
    const walk = async (driver: Driver) => {
      const ranks: number[][] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const result = await driver.call("query", "messages:list", { channel: "walk", order: "desc", paginationOpts: page(5, cursor) });
        if (!result.ok) throw new Error("page failed");
        const value = result.value as { page: { rank: number }[]; isDone: boolean; continueCursor: string };
        if (value.page.length > 0) ranks.push(value.page.map((m) => m.rank));
        if (value.isDone) break;
        cursor = value.continueCursor;
      }
      return ranks;
    };
    expect(await walk(ours)).toEqual(await walk(theirs));
  });
});

