/**
 * Function-call bodies. Convex takes up to 16 MiB of arguments, and decoding, parsing and
 * re-serializing that much takes hundreds of milliseconds: on the server's event loop it would
 * hold every other request (the health check included) meanwhile. So a body over
 * LARGE_CALL_BODY_BYTES is handled on a worker thread (callBodyWorker.ts), which hands back
 * the other fields and the arguments as the JSON the engine passes to its function worker:
 * the event loop never parses or serializes them. `readCallBody` (callBodyPool.ts) decides.
 */
import { HttpError } from "../errors.js";
import { normalizeArgs } from "../udfArgs.js";
import { parseJsonObject } from "./body.js";

/** Bodies up to this size are parsed on the event loop (a few milliseconds at most). */
export const LARGE_CALL_BODY_BYTES = 1024 * 1024;

/** An error as it crosses the worker boundary. */
export type WireError = { status: number; code: string; message: string };

/**
 * A call body. Small: `fields` holds everything, `args` included. Large: `fields` holds the
 * rest, and `argsJson` the arguments checked by `normalizeArgs`, or `argsError` its refusal
 * (thrown only after the path is checked, in the order small bodies are checked in).
 */
export type CallBody = { fields: Record<string, unknown>; argsJson?: string; argsError?: WireError };

export const toWire = (error: unknown): WireError =>
  error instanceof HttpError
    ? { status: error.status, code: error.code, message: error.message }
    : { status: 400, code: "BadJsonBody", message: String(error) };

export const fromWire = (error: WireError): HttpError => new HttpError(error.status, error.code, error.message);

/** What the worker runs on a large body; a body that is not a JSON object throws (`parseJsonObject`). */
export function parseLargeCallBody(body: Buffer): CallBody {
  const { args, ...fields } = parseJsonObject(body);
  try {
    return { fields, argsJson: JSON.stringify(normalizeArgs(args)) };
  } catch (error) {
    return { fields, argsError: toWire(error) };
  }
}
