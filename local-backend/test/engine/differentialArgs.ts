/**
 * Arguments for the differential test, built from a function's exported validator
 * (the `args` of the function spec) and a stream of choices drawn by fast-check.
 * Values are driver-neutral: an `Id` is a reference into the ids both backends have
 * returned so far (`{ $ref: n }`), resolved per backend when the call is made. Strings
 * and numbers come from small pools chosen by the field's name, so that most calls pass
 * validation and reach the function's rules; some are deliberately wrong. A validator
 * type this module does not know throws: a new function it cannot call fails the test.
 */
import type { JSONValue } from "../../src/engine/index.js";

export type Validator = { type: string; value?: unknown; tableName?: string; keys?: Validator; values?: { fieldType: Validator } };
type Field = { fieldType: Validator; optional: boolean };

/** Left out of its object or array: an id of a table nothing has been made in yet. */
const ABSENT = Symbol("absent");

/** A driver-neutral argument value: JSON with id references. */
export type Neutral = JSONValue | { $ref: number };

/** Deterministic choices: `pick(n)` is an integer in [0, n). */
export type Choices = { pick(n: number): number };

/** An id both backends returned, with its table (read from convex-test's `n;table` form). */
export type KnownId = { table: string; ours: string; oracle: string; gone?: boolean };

const FAR_FUTURE = "2031-06-01T00:00:00.000Z";

/** Strings by what a field holds; the first entries are valid, the last ones are not. */
const STRINGS: [RegExp, string[]][] = [
  [/email/i, ["student@example.com", "instructor@example.com", "new.learner@example.com", "not-an-email", "a\u0000@example.com"]],
  [/url|image|thumbnail|documents/i, ["https://example.com/files/a.pdf", "https://cdn.example.com/v.mp4", "ftp://x", ""]],
  [/expiry|date|scheduled|startTime|endTime|At$/i, [FAR_FUTURE, "2030-01-15", "2020-01-01T00:00:00.000Z", "yesterday"]],
  [/phone/i, ["+1 555 0100", "555-0199", "\u0007"]],
  [/licenseState/i, ["CA", "NY", ""]],
  [/category/i, ["botox", "fillers", "laser", "skincare", ""]],
  [/idempotencyKey/i, ["key-1", "key-2", "key-1"]],
  // Not "": convex-test takes it for the start, Convex and the engine refuse it.
  [/cursor/i, ["not-a-cursor"]],
  [/verificationCode/i, ["DOC-0000-0000", "nope"]],
  [/type/i, ["video", "pdf", "article", "document", ""]],
  [/.*/, ["Botox basics", "Dermal fillers", "Laser safety", "José", "  padded  ", "", "x".repeat(300), "bell\u0007"]],
];

const NUMBERS: [RegExp, number[]][] = [
  [/rating/i, [5, 4, 1, 0, 6, 2.5]],
  [/numItems|limit|batchSize/i, [2, 5, 1, 0, 100_000]],
  [/price/i, [0, 199, -5]],
  [/correctOption|answers|order/i, [0, 1, 2, -1, 7]],
  [/seconds|timeSpent|duration/i, [30, 600, -1, 0]],
  [/passingScore|score/i, [70, 100, 0, 101]],
  [/scheduledFor|At$|startTime|endTime/, [4102444800000, 4102448400000, 1_000_000_000_000]],
  [/cutoff|before|time/i, [0, 4102444800000, 1_000_000_000_000]],
  [/.*/, [1, 2, 0, 3, -1, 1.5, 10]],
];

/** Seven times in eight one of the pool's first two (valid) entries, else any. */
const from = <T>(pools: [RegExp, T[]][], name: string, choices: Choices): T => {
  const pool = pools.find(([pattern]) => pattern.test(name))![1];
  return pool[choices.pick(8) > 0 ? choices.pick(Math.min(2, pool.length)) : choices.pick(pool.length)]!;
};

/** One value for `validator` at field `name` (the nearest enclosing field's name). */
export function argumentFor(validator: Validator, name: string, ids: KnownId[], choices: Choices, depth = 0): Neutral {
  const value = valueFor(validator, name, ids, choices, depth);
  return value === ABSENT ? "not-an-id" : value;
}

function valueFor(validator: Validator, name: string, ids: KnownId[], choices: Choices, depth: number): Neutral | typeof ABSENT {
  switch (validator.type) {
    case "string":
      return from(STRINGS, name, choices);
    case "number":
      return from(NUMBERS, name, choices);
    case "boolean":
      return choices.pick(2) === 0;
    case "null":
      return null;
    case "literal":
      return validator.value as JSONValue;
    case "id":
      return idFor(validator.tableName!, ids, choices);
    case "array":
      return arrayOf(validator.value as Validator, name, ids, choices, depth);
    case "object":
      return objectOf(validator.value as Record<string, Field>, ids, choices, depth);
    case "union": {
      const members = validator.value as Validator[];
      return valueFor(members[choices.pick(members.length)]!, name, ids, choices, depth);
    }
    case "any":
      return from(STRINGS, name, choices);
    default:
      throw new Error(`differentialArgs: no generator for validator type "${validator.type}" (field ${name}): add one`);
  }
}

function arrayOf(item: Validator, name: string, ids: KnownId[], choices: Choices, depth: number): Neutral {
  const length = depth > 2 ? 0 : [0, 1, 2, 3, 4][choices.pick(5)]!;
  const items = Array.from({ length }, () => valueFor(item, name, ids, choices, depth + 1));
  return items.filter((value) => value !== ABSENT) as JSONValue;
}

/** Optional fields are present about two times in three; a required field is left out now and then. */
function objectOf(fields: Record<string, Field>, ids: KnownId[], choices: Choices, depth: number): Neutral {
  const out: Record<string, Neutral> = {};
  for (const [key, field] of Object.entries(fields)) {
    if (key === "paginationOpts") out[key] = { numItems: from(NUMBERS, "numItems", choices), cursor: null };
    else if (field.optional ? choices.pick(3) > 0 : choices.pick(40) > 0) {
      const value = valueFor(field.fieldType, key, ids, choices, depth + 1);
      if (value !== ABSENT) out[key] = value;
    }
  }
  return out as JSONValue;
}

/**
 * Mostly an id of the table not known to be gone, the newest more often; sometimes any
 * id, of another table (a validation error) or gone (NOT_FOUND). Without any id of the table, mostly ABSENT (an optional field is then
 * left out, a required one too: a validation error either way).
 */
function idFor(table: string, ids: KnownId[], choices: Choices): Neutral | typeof ABSENT {
  const own = ids.flatMap((id, index) => (id.table === table && id.gone !== true ? [index] : []));
  const roll = choices.pick(12);
  if (own.length > 0 && roll > 0) {
    return { $ref: roll < 6 ? own[own.length - 1]! : own[choices.pick(own.length)]! };
  }
  if (ids.length > 0 && (own.length > 0 || roll < 3)) return { $ref: choices.pick(ids.length) };
  return ABSENT;
}

/** How many id fields a validator holds: the first pass calls functions with fewer first. */
export function idFields(validator: Validator): number {
  if (validator.type === "id") return 1;
  if (validator.type === "array" || validator.type === "union") {
    const members = validator.type === "array" ? [validator.value as Validator] : (validator.value as Validator[]);
    return Math.max(0, ...members.map(idFields));
  }
  if (validator.type === "object") {
    return Object.values(validator.value as Record<string, Field>).reduce((total, field) => total + idFields(field.fieldType), 0);
  }
  return 0;
}

/** `neutral` with each reference replaced by that backend's id. */
export function resolve(neutral: Neutral, ids: KnownId[], side: "ours" | "oracle"): JSONValue {
  if (Array.isArray(neutral)) return neutral.map((v) => resolve(v as Neutral, ids, side));
  if (neutral !== null && typeof neutral === "object") {
    if ("$ref" in neutral && typeof neutral.$ref === "number") return ids[neutral.$ref]![side];
    return Object.fromEntries(Object.entries(neutral).map(([k, v]) => [k, resolve(v as Neutral, ids, side)]));
  }
  return neutral;
}

/** The tables of a function's required top-level id arguments. */
export function requiredTables(args: Validator): string[] {
  const fields = Object.values((args.value ?? {}) as Record<string, Field>);
  return fields.flatMap((field) => (!field.optional && field.fieldType.type === "id" ? [field.fieldType.tableName!] : []));
}
