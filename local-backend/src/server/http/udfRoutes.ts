/** The public function API: /api/query, /api/mutation, /api/action, /api/run, /api/function, ... */
import type { Caller, JSONValue, UdfKind, UdfResult } from "../../engine/api.js";
import { defaultFormat, parseClientVersion } from "../clientVersion.js";
import { badRequest, HttpError } from "../errors.js";
import { decodeTs, encodeTs } from "../timestamp.js";
import { canonicalPath, normalizeArgs, pathFromRunRoute } from "../udfArgs.js";
import { encodeValue, parseFormat, type OutputFormat } from "../values.js";
import { readJsonObject } from "./body.js";
import { isSystemPath } from "../system/cliFunctions.js";
import { fromWire, type CallBody } from "./callBodies.js";
import { readCallBody } from "./callBodyPool.js";
import { callerOf, header, json, type HttpContext, type JsonReply, type Reply } from "./context.js";

/** `argsJson`: a large body's arguments, already checked (callBodies.ts); `args` is then `{}`, unread. */
type Call = { path: string; args: JSONValue; argsJson?: string; format: OutputFormat };

/** A function result as Convex's `UdfResponse`; `logLines` is omitted when empty. */
export function udfResponse(result: UdfResult, format: OutputFormat): Record<string, unknown> {
  const logLines = result.logLines.length > 0 ? result.logLines : undefined;
  if (result.status === "success") {
    return { status: "success", value: encodeValue(result.value, format), logLines };
  }
  const errorData = result.errorData === undefined ? undefined : encodeValue(result.errorData, format);
  return { status: "error", errorMessage: result.errorMessage, errorData, logLines };
}

function clientFormat(ctx: HttpContext): OutputFormat {
  return defaultFormat(parseClientVersion(header(ctx, "convex-client")));
}

/** `{path, args, format?}` from a body or a query string. */
function parseCall(fields: Record<string, unknown>, fallback: OutputFormat): Call {
  if (fields.path === undefined) throw badRequest("BadJsonBody", "Missing field `path`");
  return {
    path: canonicalPath(fields.path),
    args: normalizeArgs(fields.args),
    format: parseFormat(fields.format, fallback),
  };
}

/** `parseCall` of a body from `readCallBody`, with the same checks in the same order. */
function parseBodyCall(body: CallBody, fallback: OutputFormat, path?: string): Call {
  const fields = path === undefined ? body.fields : { ...body.fields, path };
  if (body.argsJson === undefined && body.argsError === undefined) return parseCall(fields, fallback);
  const call = parseCall({ ...fields, args: {} }, fallback);
  if (body.argsError !== undefined) throw fromWire(body.argsError);
  // System functions (the CLI's, admin only) read their arguments on this side.
  if (isSystemPath(call.path)) return { ...call, args: JSON.parse(body.argsJson!) as JSONValue };
  return { ...call, argsJson: body.argsJson };
}

async function execute(ctx: HttpContext, call: Call, kind: UdfKind | undefined, caller: Caller, atTs?: bigint): Promise<JsonReply> {
  const result = await ctx.deps.runner.run({
    path: call.path,
    args: call.args,
    argsJson: call.argsJson,
    kind,
    caller,
    requestId: ctx.requestId,
    atTs,
  });
  // A backend failure (OCC retries exhausted) is an HTTP error as in Convex: clients retry those.
  if (result.status === "error" && result.errorCode !== undefined) {
    throw new HttpError(503, result.errorCode, result.errorMessage.replace(/^\[Request ID: [^\]]*\] Server Error\n/, "").trimEnd());
  }
  return json(udfResponse(result, call.format));
}

export function postUdf(kind: UdfKind) {
  return async (ctx: HttpContext): Promise<Reply> => {
    const fallback = clientFormat(ctx);
    const call = parseBodyCall(await readCallBody(ctx.req), fallback);
    return execute(ctx, call, kind, await callerOf(ctx));
  };
}

/** `GET /api/query?path=...&args=<JSON>&format=...` */
export async function getQuery(ctx: HttpContext): Promise<Reply> {
  const params = ctx.url.searchParams;
  const fallback = clientFormat(ctx);
  const argsText = params.get("args");
  let args: unknown;
  try {
    args = argsText === null ? undefined : JSON.parse(argsText);
  } catch {
    throw badRequest("BadJsonBody", "The `args` query parameter is not JSON");
  }
  const call = parseCall({ path: params.get("path") ?? undefined, args, format: params.get("format") ?? undefined }, fallback);
  return execute(ctx, call, "query", await callerOf(ctx));
}

/** `POST /api/run/dir/mod/fn {args, format?}`: any kind; `format` defaults to clean JSON. */
export async function postRun(ctx: HttpContext, rest: string): Promise<Reply> {
  const path = pathFromRunRoute(decodeURIComponent(rest));
  const call = parseBodyCall(await readCallBody(ctx.req), "json", path);
  return execute(ctx, call, undefined, await callerOf(ctx));
}

/** `POST /api/function`: any kind, admin key required (what `npx convex run` uses). */
export async function postFunction(ctx: HttpContext): Promise<Reply> {
  const caller = await callerOf(ctx);
  if (!caller.admin) throw new HttpError(403, "BadDeployKey", "/api/function requires the deployment admin key");
  const body = await readCallBody(ctx.req);
  const { componentPath } = body.fields;
  if (componentPath !== undefined && componentPath !== null && componentPath !== "") {
    throw badRequest("ComponentsNotSupported", "This backend runs the root component only");
  }
  return execute(ctx, parseBodyCall(body, clientFormat(ctx)), undefined, caller);
}

export async function queryTs(ctx: HttpContext): Promise<Reply> {
  return json({ ts: encodeTs(ctx.deps.engine.latestTs()) });
}

/** `POST /api/query_at_ts {path, args, ts, format?}`, `ts` as returned by /api/query_ts. */
export async function queryAtTs(ctx: HttpContext): Promise<Reply> {
  const body = await readCallBody(ctx.req);
  const ts = decodeTs(body.fields.ts);
  if (ts === undefined) throw badRequest("BadJsonBody", "`ts` must be a timestamp from /api/query_ts");
  return execute(ctx, parseBodyCall(body, clientFormat(ctx)), "query", await callerOf(ctx), ts);
}

/**
 * The most queries one `/api/query_batch` may hold. Convex sets no number; this
 * backend does, so that one anonymous request cannot occupy it for seconds.
 */
export const MAX_BATCH_QUERIES = 1000;

/** Queries of one batch running at once: a few, so the function workers stay free for other callers. */
const BATCH_CONCURRENCY = 4;

/**
 * `POST /api/query_batch {queries: [...]}`: every query reads the same snapshot.
 * They run a few at a time, so other requests interleave with them instead of
 * queueing behind thousands of concurrent runs.
 */
export async function queryBatch(ctx: HttpContext): Promise<Reply> {
  const body = await readJsonObject(ctx.req);
  if (!Array.isArray(body.queries)) throw badRequest("BadJsonBody", "`queries` must be an array");
  if (body.queries.length > MAX_BATCH_QUERIES) {
    throw badRequest("TooManyQueries", `A query batch may hold at most ${MAX_BATCH_QUERIES} queries, not ${body.queries.length}`);
  }
  const fallback = clientFormat(ctx);
  const calls = body.queries.map((query: unknown) => {
    if (query === null || typeof query !== "object") throw badRequest("BadJsonBody", "Each query must be an object");
    return parseCall(query as Record<string, unknown>, fallback);
  });
  const caller = await callerOf(ctx);
  const ts = ctx.deps.engine.latestTs();
  const results: unknown[] = [];
  for (let start = 0; start < calls.length; start += BATCH_CONCURRENCY) {
    const chunk = calls.slice(start, start + BATCH_CONCURRENCY);
    const replies = await Promise.all(chunk.map((call) => execute(ctx, call, "query", caller, ts)));
    results.push(...replies.map((reply) => reply.body));
    await yieldToOtherRequests();
  }
  return json({ results });
}

/** A query answered from memory settles in microtasks; a macrotask turn lets I/O (other requests) in. */
const yieldToOtherRequests = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
