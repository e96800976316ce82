/**
 * Idempotent writes. A mutation that creates something takes an optional
 * `idempotencyKey`; the first call stores its result under
 * (`<function>|<caller>`, key), and a repeat with the same key returns that result
 * without writing again. A repeat with different arguments is a CONFLICT (the
 * key was reused for another request). The SDK attaches a fresh key to every
 * such call and reuses it across retries, which makes retrying safe even when
 * a response was lost after the commit. Keys expire after `IDEMPOTENCY_TTL_MS`
 * (cron `idempotency keys cleanup`).
 */
import { convexToJson, type Value } from "convex/values";
import type { MutationCtx } from "../_generated/server";
import { batchOf, type BatchResult } from "./batches";
import { conflict, invalid } from "./errors";

export const IDEMPOTENCY_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

export async function idempotent<T extends Value>(
  ctx: MutationCtx,
  options: { fn: string; caller: string; key: string | undefined; args: Record<string, unknown> },
  run: () => Promise<T>,
): Promise<T> {
  const { key } = options;
  if (key === undefined) return await run();
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    return invalid(`idempotencyKey must be 1..${MAX_KEY_LENGTH} characters`, "idempotencyKey");
  }
  const scope = `${options.fn}|${options.caller}`;
  const argsHash = hashArgs(options.args);
  const previous = await ctx.db
    .query("idempotencyKeys")
    .withIndex("by_scope_key", (q) => q.eq("scope", scope).eq("key", key))
    .unique();
  if (previous !== null) {
    if (previous.argsHash !== argsHash) {
      return conflict("This idempotencyKey was already used with different arguments", { key });
    }
    return previous.result as T;
  }
  const result = await run();
  await ctx.db.insert("idempotencyKeys", { scope, key, argsHash, result, createdAt: Date.now() });
  return result;
}

/** Deletes up to `size` keys created before `cutoff`. */
export async function deleteExpired(ctx: MutationCtx, cutoff: number, size: number): Promise<BatchResult> {
  const expired = await ctx.db
    .query("idempotencyKeys")
    .withIndex("by_created", (q) => q.lt("createdAt", cutoff))
    .take(size);
  for (const row of expired) await ctx.db.delete(row._id);
  return batchOf(expired.length, size);
}

/** FNV-1a (64-bit) over canonical JSON of the arguments, minus the key itself. */
export function hashArgs(args: Record<string, unknown>): string {
  const { idempotencyKey: _ignored, ...rest } = args;
  const text = canonicalJson(convexToJson(rest as Value));
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, "0");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
