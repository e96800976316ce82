/**
 * Errors a caller can act on. Every one is a `ConvexError` whose data is
 * `{ code, message, ...details }`; the Python SDK maps `code` to an exception
 * class (docs/errors.md). Throwing rolls the whole transaction back, so a
 * rejected call never writes anything.
 */
import { ConvexError, type Value } from "convex/values";
import type { Doc, Id, TableNames } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

export const ERROR_CODES = [
  "VALIDATION", // bad input: fix the arguments
  "UNAUTHENTICATED", // no (known) caller where one is needed
  "FORBIDDEN", // the caller may not do this
  "NOT_FOUND", // the target does not exist (or is not visible to the caller)
  "CONFLICT", // clashes with existing data: duplicate email, review, idempotency key reuse
  "LIMIT", // a capacity or size limit: session full, batch too large
  "INVALID_STATE", // not allowed in the target's current state: publish without lessons
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Record<string, Value>;

export function fail(code: ErrorCode, message: string, details: ErrorDetails = {}): never {
  throw new ConvexError({ ...details, code, message });
}

export const invalid = (message: string, field?: string): never =>
  fail("VALIDATION", message, field === undefined ? {} : { field });
export const unauthenticated = (message = "Sign in first"): never => fail("UNAUTHENTICATED", message);
export const forbidden = (message: string): never => fail("FORBIDDEN", message);
export const notFound = (what: string, id?: string): never =>
  fail("NOT_FOUND", `${what} not found`, id === undefined ? {} : { id });
export const conflict = (message: string, details: ErrorDetails = {}): never =>
  fail("CONFLICT", message, details);
export const limit = (message: string, details: ErrorDetails = {}): never => fail("LIMIT", message, details);
export const invalidState = (message: string, details: ErrorDetails = {}): never =>
  fail("INVALID_STATE", message, details);

/** The document with this id, or NOT_FOUND naming it (`what`) with the id. */
export async function mustGet<T extends TableNames>(ctx: QueryCtx, id: Id<T>, what: string): Promise<Doc<T>> {
  return (await ctx.db.get(id)) ?? notFound(what, id);
}
