/// <reference types="vite/client" />
/**
 * The differential test over the real `convex/`: random call sequences (fast-check, seeded)
 * run on this engine and on convex-test, and every step must give the same value, or the
 * same error: ConvexError data (code and message) and, for other errors, the same text.
 *
 * - Functions come from the engine's function spec (the analyze step, what
 *   `npx convex function-spec` prints), so a function added later is covered without an
 *   edit here. Each sequence calls every function PASSES times, each pass in a random order (the first
 *   one with functions taking fewer ids first, so that later calls find ids to use), then
 *   a tail of calls to functions whose required ids have a table something was made in, so
 *   that deeper state (modules, lessons, questions, enrolments, attempts) is reached. Arguments come from each function's exported validator
 *   (differentialArgs.ts) with ids drawn from what earlier steps returned; a validator type
 *   the generator does not know fails the test.
 * - Callers: anonymous, a student, an instructor and an admin (verified sign-in identities of
 *   the development issuer, linked through `users:ensureCurrentUser`), and the service (admin
 *   key with the service identity). Internal functions are called with the admin key only,
 *   as the service or with no identity (`npx convex run`), since only an admin key may call
 *   them.
 * - Convex's transaction limits are on in both (convex-test's `transactionLimits`).
 * - After every mutation or action, both run their due scheduled functions to completion,
 *   so cascades (`runAfter(0)`) have finished before the next step.
 *
 * Normalized, because the two differ by design and not in behaviour: ids (replaced by their
 * order of appearance), `_creationTime`, timestamps and ISO dates (wall clock), cursors (each
 * backend's own encoding), and `studentCount`: it is rolled up by a scheduled job one second
 * after an enrolment (model/counters.ts), so which backend has run it at a given step is a
 * matter of timing; its exactness is `tests/convex/counters.property.test.ts`'s subject.
 */
import { convexTest } from "convex-test";
import fc from "fast-check";
import { makeFunctionReference } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex, type Value } from "convex/values";
import { expect, test } from "vitest";
import type { Caller, FunctionInfo, JSONValue, UdfKind, UserIdentity } from "../../src/engine/index.js";
import { decodeId } from "../../src/engine/ids.js";
import projectSchema from "../../../convex/schema";
import { argumentFor, idFields, requiredTables, resolve, type Choices, type KnownId, type Neutral, type Validator } from "./differentialArgs.js";
import { PROJECT, startEngine, type TestEngine } from "./helpers.js";

const DEV_ISSUER = "https://dev.doctrina.local";
const SERVICE = { issuer: "https://service.doctrina.invalid", subject: "service" };
const RUNS = 3;
const PASSES = 3;
const TAIL_STEPS = 250;

type Role = "anonymous" | "student" | "instructor" | "admin" | "service" | "adminKey";
/** The instructor twice: most of what builds state (courses, modules, lessons) is theirs to do. */
const PUBLIC_ROLES: Role[] = ["anonymous", "student", "instructor", "instructor", "admin", "service"];
const INTERNAL_ROLES: Role[] = ["service", "adminKey"];

const signIn = (name: string) => ({
  issuer: DEV_ISSUER,
  subject: `user_${name}`,
  email: `${name}@example.com`,
  emailVerified: true,
  name: `${name[0]!.toUpperCase()}${name.slice(1)} Example`,
});

const IDENTITIES: Record<Role, { issuer: string; subject: string; [claim: string]: JSONValue } | null> = {
  anonymous: null,
  student: signIn("student"),
  instructor: signIn("instructor"),
  admin: signIn("admin"),
  service: SERVICE,
  adminKey: null,
};

/**
 * Refusals of Convex's that convex-test does not make or words itself, each with Convex's
 * text, which the engine reproduces (docs/fidelity.md). Where the engine refuses a call with
 * one of these, convex-test's answer is compared only in being a refusal too, or, for a
 * query (which writes nothing), not at all.
 */
const ORACLE_GAPS: [RegExp, string][] = [
  [/^Must request at least 1 document while paginating$/, "convex-test accepts paginationOpts.numItems below 1"],
  [/^Requested too many items: \d+$/, "convex-test does not bound paginationOpts.numItems (Convex: 32,000)"],
  [/^Failed to parse cursor$/, "convex-test's cursors are JSON: a malformed one fails in JSON.parse with V8's text"],
];

type Outcome = { ok: true; value: JSONValue } | { ok: false; data: JSONValue | null; message: string };

interface Driver {
  call(kind: UdfKind, path: string, args: JSONValue, role: Role): Promise<Outcome>;
  /** Runs the scheduled functions that are due, until none is left. */
  settle(): Promise<void>;
}

/**
 * The text of an error without what each backend wraps it in (request id, "Uncaught", stack).
 * An argument validation error is compared by its kind only: convex-test words these itself
 * (`Validator error: Expected ID for table "x", got ...`) and checks fields in declaration
 * order, where Convex (and the engine) check them in sorted order and say
 * `ArgumentValidationError: Found ID "..." from table \`users\`, which does not match ...`.
 */
function errorText(message: string): string {
  if (/ArgumentValidationError: |^Validator error: /.test(message)) return "ArgumentValidationError";
  return message
    .replace(/^\[Request ID: [^\]]*\] Server Error\n/, "")
    .replace(/^Uncaught (?=\w*Error)/, "")
    .replace(/^(\w*Error): /, "")
    .split("\n    at ")[0]!
    .trim();
}

function engineDriver(t: TestEngine): Driver {
  return {
    async call(kind, path, args, role) {
      const claims = IDENTITIES[role];
      const identity: UserIdentity | null = claims && { ...claims, tokenIdentifier: `${claims.issuer}|${claims.subject}` };
      const caller: Caller = { identity, admin: role === "service" || role === "adminKey" };
      const result = await t.call(path, args, { kind, caller });
      if (result.status === "success") return { ok: true, value: result.value };
      return { ok: false, data: result.errorData ?? null, message: errorText(result.errorMessage) };
    },
    async settle() {
      for (;;) {
        const jobs = t.engine.tableDocuments("_scheduled_functions", "desc", null, 500).page as {
          state: { kind: string };
          scheduledTime: number;
        }[];
        const due = jobs.filter((job) => ["pending", "inProgress"].includes(job.state.kind) && job.scheduledTime <= Date.now());
        if (due.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}

function convexTestDriver(): Driver {
  const t = convexTest({ schema: projectSchema, modules: import.meta.glob("../../../convex/**/*.*s"), transactionLimits: true });
  return {
    async call(kind, path, args, role) {
      const claims = IDENTITIES[role];
      const client = claims ? t.withIdentity(claims) : t;
      const run = client[kind] as unknown as (ref: unknown, args: unknown) => Promise<unknown>;
      try {
        const value = await run(makeFunctionReference(path), jsonToConvex(args));
        return { ok: true, value: convexToJson((value ?? null) as Value) };
      } catch (error) {
        const data = error instanceof ConvexError ? convexToJson(error.data as Value) : null;
        return { ok: false, data, message: errorText(error instanceof Error ? error.message : String(error)) };
      }
    },
    async settle() {
      await t.finishAllScheduledFunctions(() => {});
    },
  };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** convex-test's ids: a counter, then the table name. */
const CONVEX_TEST_ID = /^(?=.{24,})\d+;?([A-Za-z_]+)$/;
const DROPPED = new Set(["_creationTime", "continueCursor", "splitCursor", "cursor", "studentCount"]);

const isId = (value: string): boolean => decodeId(value) !== null || CONVEX_TEST_ID.test(value);

/** By key: the two backends need not order a document's fields alike, and ids are numbered in this order. */
const sortedEntries = (value: { [key: string]: JSONValue }): [string, JSONValue][] =>
  Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Ids by order of appearance; wall-clock values and backend encodings dropped. */
function normalize(value: JSONValue, ids: Map<string, string>): JSONValue {
  if (typeof value === "string") {
    if (isId(value)) {
      if (!ids.has(value)) ids.set(value, `<id ${ids.size}>`);
      return ids.get(value)!;
    }
    return ISO_DATE.test(value) ? "<date>" : value.replace(/\b\d{13}\b/g, "<time>");
  }
  if (typeof value === "number") return value > 1e12 && value < 1e13 ? "<time>" : value;
  if (Array.isArray(value)) return value.map((v) => normalize(v, ids));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      sortedEntries(value)
        .filter(([key]) => !DROPPED.has(key))
        .map(([key, v]) => [key, normalize(v, ids)]),
    );
  }
  return value;
}

/** The ids in `value`, in traversal order, once each. */
function idsIn(value: JSONValue, out: string[] = []): string[] {
  if (typeof value === "string" && isId(value) && !out.includes(value)) out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => idsIn(v, out));
  else if (value !== null && typeof value === "object") sortedEntries(value).forEach(([, v]) => idsIn(v, out));
  return out;
}

/** A small PRNG (mulberry32) so that one fast-check integer decides all of a step's choices. */
function choicesFrom(seed: number): Choices {
  let state = seed >>> 0;
  return {
    pick(n) {
      state = (state + 0x6d2b79f5) >>> 0;
      let x = Math.imul(state ^ (state >>> 15), 1 | state);
      x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
      return (((x ^ (x >>> 14)) >>> 0) % n) | 0;
    },
  };
}

type Step = { fn: FunctionInfo; seed: number };

class Sequence {
  readonly known: KnownId[] = [];
  private readonly names = { ours: new Map<string, string>(), oracle: new Map<string, string>() };
  private readonly log: string[] = [];

  constructor(
    private readonly ours: Driver,
    private readonly oracle: Driver,
  ) {}

  /** Calls `fn` on both backends and asserts the same outcome. */
  async step({ fn, seed }: Step): Promise<void> {
    await this.callWith(fn, choicesFrom(seed));
  }

  /**
   * Calls one of `functions` whose required ids all have a table something was made in, as
   * one caller after another (from a random one on) until a call succeeds: state deepens
   * faster than with one random caller, and every attempt is compared.
   */
  async stepReady(functions: FunctionInfo[], seed: number): Promise<void> {
    const tables = new Set(this.known.filter((id) => id.gone !== true).map((id) => id.table));
    const ready = functions.filter((fn) => requiredTables(fn.args as unknown as Validator).every((table) => tables.has(table)));
    const choices = choicesFrom(seed);
    // Mutations three times in four: they are what makes state for the next steps.
    const mutations = ready.filter((fn) => fn.kind === "mutation" && fn.visibility === "public");
    const pool = choices.pick(4) > 0 && mutations.length > 0 ? mutations : ready;
    const fn = pool[choices.pick(pool.length)]!;
    const roles = fn.visibility === "internal" ? INTERNAL_ROLES : PUBLIC_ROLES;
    const first = choices.pick(roles.length);
    const neutral: Neutral = argumentFor(fn.args as unknown as Validator, "args", this.known, choices);
    for (let i = 0; i < roles.length; i++) {
      if ((await this.run(fn.kind, fn.path, neutral, roles[(first + i) % roles.length]!)).ok) return;
    }
  }

  private async callWith(fn: FunctionInfo, choices: Choices): Promise<void> {
    const roles = fn.visibility === "internal" ? INTERNAL_ROLES : PUBLIC_ROLES;
    const role = roles[choices.pick(roles.length)]!;
    const neutral: Neutral = argumentFor(fn.args as unknown as Validator, "args", this.known, choices);
    await this.run(fn.kind, fn.path, neutral, role);
  }

  async run(kind: UdfKind, path: string, neutral: Neutral, role: Role): Promise<Outcome> {

    const a = await this.ours.call(kind, path, resolve(neutral, this.known, "ours"), role);
    const b = await this.oracle.call(kind, path, resolve(neutral, this.known, "oracle"), role);
    this.log.push(`${this.log.length}: ${role} ${kind} ${path} ${JSON.stringify(neutral)} -> ${a.ok ? "ok" : JSON.stringify(a.data ?? a.message)}`);
    if (!a.ok && a.data === null && ORACLE_GAPS.some(([gap]) => gap.test(a.message)) && (kind === "query" || !b.ok)) return a;
    if (a.ok && b.ok) {
      fullPagesUndone(neutral, a.value, b.value);
      fullBatchesUndone(a.value, b.value);
    }
    const label = `differs at\n${this.log.slice(-12).join("\n")}\nours=${JSON.stringify(a)}\noracle=${JSON.stringify(b)}`;
    expect(this.view(a, "ours"), label).toEqual(this.view(b, "oracle"));
    if (a.ok && b.ok) this.learn(a.value, b.value);
    else if (!a.ok) this.forget(a.data);
    if (kind !== "query") await Promise.all([this.ours.settle(), this.oracle.settle()]);
    return a;
  }

  private view(outcome: Outcome, side: "ours" | "oracle"): JSONValue {
    const ids = this.names[side];
    if (outcome.ok) return { ok: true, value: normalize(outcome.value, ids) };
    return { ok: false, error: outcome.data === null ? normalize(outcome.message, ids) : normalize(outcome.data, ids) };
  }

  /** A NOT_FOUND naming a known id: later steps mostly pick others. */
  private forget(data: JSONValue | null): void {
    const { code, id } = (data ?? {}) as { code?: string; id?: string };
    const known = code === "NOT_FOUND" ? this.known.find((entry) => entry.ours === id) : undefined;
    if (known) known.gone = true;
  }

  private learn(ours: JSONValue, oracle: JSONValue): void {
    const [a, b] = [idsIn(ours), idsIn(oracle)];
    for (const [index, id] of a.entries()) {
      if (this.known.some((known) => known.ours === id)) continue;
      this.known.push({ ours: id, oracle: b[index]!, table: CONVEX_TEST_ID.exec(b[index]!)![1]! });
    }
  }
}

/**
 * A page holding exactly its page size: Convex (and the engine) say `isDone: false` without
 * looking further, convex-test looks ahead and may say `true`. Both are then set false, which is
 * what a client must assume of a full page anyway. The page size is `numItems`, or what the
 * function clamps it to (reports cap it, and raise 0 to 1), and a function may drop rows of the
 * page it read (`reports:revenue` leaves out courses without sales, down to none), so a page on
 * which only convex-test says done, with the same rows on both sides, counts as full too.
 */
function fullPagesUndone(args: Neutral, ours: JSONValue, oracle: JSONValue): void {
  const numItems = (args as { paginationOpts?: { numItems?: number } } | null)?.paginationOpts?.numItems;
  const a = ours as { page?: unknown[]; isDone?: boolean } | null;
  const b = oracle as { page?: unknown[]; isDone?: boolean } | null;
  if (!Array.isArray(a?.page) || !Array.isArray(b?.page)) return;
  const full = (page: unknown[]) => page.length === numItems;
  const clamped = a.isDone === false && b.isDone === true && JSON.stringify(a.page) === JSON.stringify(b.page);
  if (full(a.page) || clamped) a.isDone = false;
  if (full(b.page) || clamped) b.isDone = false;
}

/**
 * The same look-ahead in a migration batch's report (`{ done, cursor, checked | processed }`,
 * `done` being its page's `isDone`): a non-empty batch only convex-test calls done, the rest of
 * the report equal, was a full page; both then say not done, with our cursor.
 */
function fullBatchesUndone(ours: JSONValue, oracle: JSONValue): void {
  type Report = { done?: unknown; cursor?: unknown; checked?: unknown; processed?: unknown };
  const a = ours as Report | null;
  const b = oracle as Report | null;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return;
  const size = (report: Report) => (typeof report.checked === "number" ? report.checked : report.processed);
  const rest = (report: Report) => JSON.stringify({ ...report, done: undefined, cursor: undefined });
  if (a.done === false && b.done === true && typeof size(a) === "number" && (size(a) as number) > 0 && rest(a) === rest(b)) {
    b.done = false;
    b.cursor = a.cursor;
  }
}

/** Signs the three users in and gives the instructor and the admin their roles. */
async function signInUsers(sequence: Sequence): Promise<void> {
  for (const role of ["student", "instructor", "admin"] as const) {
    await sequence.run("mutation", "users:ensureCurrentUser", {}, role);
  }
  const users = sequence.known.flatMap((id, index) => (id.table === "users" ? [index] : []));
  expect(users).toHaveLength(3);
  await sequence.run("mutation", "users:setRoles", { id: { $ref: users[1]! }, isInstructor: true }, "service");
  await sequence.run("mutation", "users:setRoles", { id: { $ref: users[2]! }, isAdmin: true }, "service");
}

test("every function of convex/, every caller: the engine and convex-test agree", { timeout: 600_000 }, async () => {
  const probe = await startEngine({ functionsDir: PROJECT, defaultEnv: { CLERK_JWT_ISSUER_DOMAIN: DEV_ISSUER } });
  const functions = probe.engine.functions();
  await probe.dispose();
  expect(functions.length).toBeGreaterThan(50);
  const indexes = functions.map((_, i) => i);
  const weight = functions.map((fn) => idFields(fn.args as unknown as Validator));
  // A stable sort: the shuffled order stays within functions of equal weight.
  const byIdFields = (pass: number[]) => [...pass].sort((x, y) => weight[x]! - weight[y]!);
  const pass = fc.shuffledSubarray(indexes, { minLength: indexes.length, maxLength: indexes.length });
  const sequence = fc.record({
    order: fc.tuple(pass, pass, pass).map(([first, ...rest]) => [...byIdFields(first), ...rest.flat()]),
    seeds: fc.array(fc.integer(), { minLength: PASSES * indexes.length, maxLength: PASSES * indexes.length }),
    tail: fc.array(fc.integer(), { minLength: TAIL_STEPS, maxLength: TAIL_STEPS }),
  });
  await fc.assert(
    fc.asyncProperty(sequence, async ({ order, tail, seeds }) => {
      const t = await startEngine({ functionsDir: PROJECT, defaultEnv: { CLERK_JWT_ISSUER_DOMAIN: DEV_ISSUER } });
      try {
        const run = new Sequence(engineDriver(t), convexTestDriver());
        await signInUsers(run);
        for (const [i, index] of order.entries()) await run.step({ fn: functions[index]!, seed: seeds[i]! });
        for (const seed of tail) await run.stepReady(functions, seed);
      } finally {
        await t.dispose();
      }
    }),
    { numRuns: RUNS, seed: 20261203, endOnFailure: true },
  );
});

test("a validator type the argument generator does not know fails the test, not skips the function", () => {
  const args = { type: "object", value: { data: { fieldType: { type: "bytes" }, optional: false } } };
  expect(() => argumentFor(args, "args", [], choicesFrom(1))).toThrow('no generator for validator type "bytes" (field data)');
});
