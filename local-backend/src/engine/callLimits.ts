/**
 * Limits on what crosses a function boundary, with the Convex backend's numbers and texts:
 * value nesting (`crates/value`), argument and return value size (`FUNCTION_MAX_ARGS_SIZE`,
 * `FUNCTION_MAX_RESULT_SIZE`), and the warnings Convex logs near a limit
 * (`crates/udf/src/warnings.rs`, `add_warnings_to_log_lines` in `crates/isolate`).
 */
import type { JSONValue } from "./api.js";
import { kindOf, valueSize } from "./values.js";

export const MAX_VALUE_NESTING = 64;
export const MAX_ARGS_BYTES = 1 << 24;
export const MAX_RESULT_BYTES = 1 << 24;
const MAX_ARRAY_LENGTH = 8192;
const MAX_OBJECT_FIELDS = 1024;

const TOO_NESTED = `Value is too nested (nested ${MAX_VALUE_NESTING + 1} levels deep > maximum nesting ${MAX_VALUE_NESTING})`;

/** What Convex's value constructors refuse in any value (`crates/value`), with the error's code. */
export type ShapeError = { code: "TooNestedError" | "ArrayTooLong" | "TooManyFieldsError"; message: string };

function containerError(item: JSONValue[] | { [key: string]: JSONValue }): ShapeError | null {
  if (Array.isArray(item)) {
    if (item.length <= MAX_ARRAY_LENGTH) return null;
    return { code: "ArrayTooLong", message: `Array length is too long (${item.length} > maximum length ${MAX_ARRAY_LENGTH})` };
  }
  const fields = Object.keys(item).length;
  if (fields <= MAX_OBJECT_FIELDS) return null;
  return { code: "TooManyFieldsError", message: `Object has too many fields (${fields} > maximum number ${MAX_OBJECT_FIELDS})` };
}

/**
 * The first container sitting deeper than `maxLevels` (the root container is level 1), or
 * holding more than 8,192 items or 1,024 fields. Iterative, and it stops at the first
 * container too deep: a value nested 100,000 levels is refused without recursing.
 */
function shapeError(value: JSONValue, maxLevels: number): ShapeError | null {
  const stack: [JSONValue, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, level] = stack.pop()!;
    const kind = kindOf(item);
    if (kind !== "array" && kind !== "object") continue;
    if (level > maxLevels) return { code: "TooNestedError", message: TOO_NESTED };
    const container = item as JSONValue[] | { [key: string]: JSONValue };
    const error = containerError(container);
    if (error !== null) return error;
    for (const child of Array.isArray(container) ? container : Object.values(container)) stack.push([child, level + 1]);
  }
  return null;
}

/**
 * Convex builds a call's arguments as the array `[args]`, so the object may nest one
 * level less than a value. The backend fails at the first level over, hence always 65.
 */
export function argsShapeError(args: JSONValue): ShapeError | null {
  return shapeError(args, MAX_VALUE_NESTING - 1);
}

/** A return value, converted to a Convex value as the backend does. */
export function valueShapeError(value: JSONValue): ShapeError | null {
  return shapeError(value, MAX_VALUE_NESTING);
}

/** As the backend's `humansize` BINARY prints a size (`16 MiB`, `17.17 MiB`, `512 B`). */
export function humanSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 || Number.isInteger(value) ? String(value) : value.toFixed(2).replace(/\.?0+$/, "");
  return `${text} ${units[unit]}`;
}

/** Convex's size of a call's arguments: the value size of the array `[args]`. */
export function argsBytes(args: JSONValue): number {
  return valueSize([args]);
}

/** `users.js:create`-style path, as the backend names a function in these errors. */
export function argsSizeError(path: string, size: number): string | null {
  if (size <= MAX_ARGS_BYTES) return null;
  return `Arguments for ${path} are too large (actual: ${humanSize(size)}, limit: ${humanSize(MAX_ARGS_BYTES)})`;
}

export function resultSizeError(path: string, size: number): string | null {
  if (size <= MAX_RESULT_BYTES) return null;
  return `Function ${path} return value is too large (actual: ${humanSize(size)}, limit: ${humanSize(MAX_RESULT_BYTES)})`;
}

const BYTE_UNITS: [number, string][] = [
  [2 ** 30, "GiB"],
  [1e9, "GB"],
  [2 ** 20, "MiB"],
  [1e6, "MB"],
  [2 ** 10, "KiB"],
  [1e3, "KB"],
];

/** The backend's `common::fmt::format_bytes`: the unit that divides most cleanly. */
export function formatBytes(n: number): string {
  if (n === 0) return "0 bytes";
  for (const [unit, name] of BYTE_UNITS) {
    if (n < unit) continue;
    if (n % unit === 0) return `${n / unit} ${name}`;
    if ((n * 10) % unit === 0) return `${Math.floor(n / unit)}.${Math.floor((n * 10) / unit) % 10} ${name}`;
  }
  return `${n} bytes`;
}

/** Convex's `MAX_SCHEDULED_JOB_ARGUMENT_SIZE_BYTES`: only warned about, not enforced, in Convex too. */
export const MAX_SCHEDULED_JOB_ARGS_BYTES = 4 << 20;

const WARNING_RATIO = 0.8;

/** `FUNCTION_LIMIT_WARNING_RATIO` of a limit, truncated as Convex's `as usize` does. */
const warningThreshold = (limit: number): number => Math.floor(WARNING_RATIO * limit);

function warningLine(what: string, actual: number, limit: number, unit: string, suffix?: string): string {
  return `[WARN] ${what} (actual: ${actual}${unit}, limit: ${limit}${unit}).${suffix === undefined ? "" : ` ${suffix}`}`;
}

/**
 * Convex's `approaching_limit_warning` as its log line: over 80% of a limit (and not over
 * it, which is an error instead) a run gets `[WARN] <what> (actual: n, limit: m).`.
 */
export function approachingLimitWarning(actual: number, limit: number, what: string, unit = "", suffix?: string): string | null {
  if (actual <= warningThreshold(limit) || actual > limit) return null;
  return warningLine(what, actual, limit, unit, suffix);
}

/** What a query or mutation run's arguments and result weighed, and how long its own code ran. */
export type RunUsage = { argsBytes: number; resultBytes: number; userMs: number };

export function argsWarning(size: number): string | null {
  return approachingLimitWarning(size, MAX_ARGS_BYTES, "Large size of the function arguments", " bytes");
}

export function resultWarning(size: number): string | null {
  return approachingLimitWarning(size, MAX_RESULT_BYTES, "Large size of the function return value", " bytes");
}

/** Convex's `scheduled_arg_size_warning`: the largest single job's arguments, warned about even over the limit. */
export function scheduledArgsWarning(size: number): string | null {
  if (size <= warningThreshold(MAX_SCHEDULED_JOB_ARGS_BYTES)) return null;
  const what = "Large arguments for a single scheduled function from this mutation";
  const text = size > MAX_SCHEDULED_JOB_ARGS_BYTES ? `${what}. This will become a hard error in the future` : what;
  return warningLine(text, size, MAX_SCHEDULED_JOB_ARGS_BYTES, " bytes");
}

/** Convex's `approaching_duration_limit_warning`. */
export function durationWarning(actualMs: number, limitMs: number): string | null {
  if (actualMs <= WARNING_RATIO * limitMs || actualMs > limitMs) return null;
  return `[WARN] Function execution took a long time. (maximum duration: ${formatDuration(limitMs)}, actual duration: ${formatDuration(actualMs)}).`;
}

const DURATION_UNITS: [number, string][] = [
  [1e9, "s"],
  [1e6, "ms"],
  [1e3, "µs"],
  [1, "ns"],
];

/** As Rust's `Debug` prints a `Duration`: the largest unit, every nonzero digit (`1s`, `1.5s`, `850.25ms`). */
export function formatDuration(ms: number): string {
  const nanos = Math.round(ms * 1e6);
  const [unit, name] = DURATION_UNITS.find(([size]) => nanos >= size) ?? [1, "ns"];
  const digits = String(unit).length - 1;
  const fraction = String(nanos % unit).padStart(digits, "0").replace(/0+$/, "");
  return `${Math.floor(nanos / unit)}${fraction === "" ? "" : `.${fraction}`}${name}`;
}
