/**
 * Limits on what crosses a function boundary, with the Convex backend's numbers and texts:
 * value nesting (`crates/value`), argument and return value size (`FUNCTION_MAX_ARGS_SIZE`,
 * `FUNCTION_MAX_RESULT_SIZE`).
 */
import type { JSONValue } from "./api.js";
import { kindOf, valueSize } from "./values.js";

export const MAX_VALUE_NESTING = 64;
export const MAX_ARGS_BYTES = 1 << 24;
export const MAX_RESULT_BYTES = 1 << 24;

const TOO_NESTED = `Value is too nested (nested ${MAX_VALUE_NESTING + 1} levels deep > maximum nesting ${MAX_VALUE_NESTING})`;

/**
 * Whether a container sits deeper than `maxLevels` (the root container is level 1).
 * Iterative, and it stops at the first container too deep: a value nested 100,000 levels
 * is refused without recursing.
 */
function deeperThan(value: JSONValue, maxLevels: number): boolean {
  const stack: [JSONValue, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, level] = stack.pop()!;
    const kind = kindOf(item);
    if (kind !== "array" && kind !== "object") continue;
    if (level > maxLevels) return true;
    const children = Array.isArray(item) ? item : Object.values(item as { [key: string]: JSONValue });
    for (const child of children) stack.push([child, level + 1]);
  }
  return false;
}

/**
 * Convex builds a call's arguments as the array `[args]`, so the object may nest one
 * level less than a value. The backend fails at the first level over, hence always 65.
 */
export function argsNestingError(args: JSONValue): string | null {
  return deeperThan(args, MAX_VALUE_NESTING - 1) ? TOO_NESTED : null;
}

export function valueNestingError(value: JSONValue): string | null {
  return deeperThan(value, MAX_VALUE_NESTING) ? TOO_NESTED : null;
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

/** `users.js:create`-style path, as the backend names a function in these errors. */
export function argsSizeError(path: string, args: JSONValue): string | null {
  const size = valueSize([args]);
  if (size <= MAX_ARGS_BYTES) return null;
  return `Arguments for ${path} are too large (actual: ${humanSize(size)}, limit: ${humanSize(MAX_ARGS_BYTES)})`;
}

export function resultSizeError(path: string, result: JSONValue): string | null {
  const size = valueSize(result);
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

const WARNING_RATIO = 0.8;

/**
 * Convex's `approaching_limit_warning` as its log line: over 80% of a limit (and not over
 * it, which is an error instead) a run gets `[WARN] <what> (actual: n, limit: m).`.
 */
export function approachingLimitWarning(actual: number, limit: number, what: string, unit = "", suffix?: string): string | null {
  if (actual <= Math.floor(WARNING_RATIO * limit) || actual > limit) return null;
  return `[WARN] ${what} (actual: ${actual}${unit}, limit: ${limit}${unit}).${suffix === undefined ? "" : ` ${suffix}`}`;
}
