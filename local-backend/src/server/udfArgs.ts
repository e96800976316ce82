/**
 * Function paths and arguments as clients send them, checked and canonicalized
 * before they reach the engine.
 */
import type { JSONValue } from "../engine/api.js";
import { argsShapeError } from "../engine/callLimits.js";
import { badRequest } from "./errors.js";

const SEGMENT = "[A-Za-z0-9_][A-Za-z0-9_.\\-]*";
const PATH = new RegExp(`^(${SEGMENT}(?:/${SEGMENT})*)(?::([A-Za-z_$][A-Za-z0-9_$]*))?$`);
const MAX_PATH_LENGTH = 1024;

/**
 * `dir/mod.js:fn` -> `dir/mod:fn`; no colon means the default export. The
 * Rust client re-sends subscriptions as `mod.js:fn` after a reconnect.
 */
export function canonicalPath(raw: unknown): string {
  const match = typeof raw === "string" && raw.length <= MAX_PATH_LENGTH ? PATH.exec(raw) : null;
  if (match === null) {
    throw badRequest("BadConvexFunctionIdentifier", `Invalid function path: ${JSON.stringify(raw)}`);
  }
  const modulePath = match[1].replace(/\.js$/, "");
  return `${modulePath}:${match[2] ?? "default"}`;
}

/** `/api/run/dir/mod/fn` names `dir/mod:fn`. */
export function pathFromRunRoute(rest: string): string {
  const slash = rest.lastIndexOf("/");
  if (slash <= 0) throw badRequest("BadConvexFunctionIdentifier", `Invalid function path: "${rest}"`);
  return canonicalPath(`${rest.slice(0, slash)}:${rest.slice(slash + 1)}`);
}

/** Accepts `{...}` and the legacy `[{...}]`; a missing value means no arguments. */
export function normalizeArgs(raw: unknown): JSONValue {
  if (raw === undefined) return {};
  const args = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    throw badRequest("InvalidUdfArgs", "Function arguments must be an object or a one-element array [object]");
  }
  // JSON.parse is iterative, nearly everything after it recurses: refuse deep values here
  // (and, as Convex's value parsing does, over-long arrays and objects with too many fields).
  const shape = argsShapeError(args as JSONValue);
  if (shape !== null) throw badRequest(shape.code, shape.message);
  return args as JSONValue;
}
