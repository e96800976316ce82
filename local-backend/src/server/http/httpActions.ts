/**
 * HTTP actions (`convex/http.ts`) as Convex serves them (crates/local_backend/src/http_actions.rs):
 * any path of the site URL, or `/http/<path>` of the deployment URL. The action gets the request
 * as sent: its URL as the client addressed it, every header, and the body except for GET, HEAD and
 * OPTIONS. An `Authorization` header naming a Convex identity (a user's JWT, the admin key) sets
 * `ctx.auth`; one that does not verify still reaches the action, whose `getUserIdentity` then throws,
 * because services put their own credentials in that header. No CORS headers are added: only
 * what the action's Response carries is sent, as with Convex.
 */
import type { Caller } from "../../engine/api.js";
import { ANONYMOUS } from "../auth/authenticator.js";
import { HttpError } from "../errors.js";
import { readBody } from "./body.js";
import { header, type HttpContext, type Reply } from "./context.js";

/** Convex's `HTTP_ACTION_BODY_LIMIT` for requests (axum `DefaultBodyLimit`): 20 MiB. */
export const HTTP_ACTION_REQUEST_LIMIT = 20 * 1024 * 1024;

/** What Convex routes to HTTP actions (axum get/post/put/patch/delete/options; get takes HEAD). */
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const BODYLESS = new Set(["GET", "HEAD", "OPTIONS"]);

export async function httpAction(ctx: HttpContext, path: string): Promise<Reply> {
  const run = ctx.deps.engine.runHttpAction?.bind(ctx.deps.engine);
  if (run === undefined) throw new HttpError(404, "NotFound", `No route for ${ctx.url.pathname}`);
  const method = ctx.req.method ?? "GET";
  if (!METHODS.has(method)) throw new HttpError(405, "MethodNotAllowed", `${method} is not allowed for HTTP actions`);
  const body = BODYLESS.has(method) ? null : await readBody(ctx.req, HTTP_ACTION_REQUEST_LIMIT);
  const scheme = header(ctx, "x-forwarded-proto") ?? "http";
  const url = `${scheme}://${header(ctx, "host") ?? "127.0.0.1"}${path}${ctx.url.search}`;
  const { caller, identityError } = await identify(ctx);
  const reply = await run({ method, url, headers: headerPairs(ctx.req.rawHeaders), body, caller, identityError, requestId: ctx.requestId });
  return { status: reply.status, raw: reply.body, headers: reply.headers };
}

async function identify(ctx: HttpContext): Promise<{ caller: Caller; identityError?: string }> {
  try {
    return { caller: (await ctx.deps.auth.fromHeader(header(ctx, "authorization"))).caller };
  } catch (error) {
    return { caller: ANONYMOUS, identityError: error instanceof Error ? error.message : String(error) };
  }
}

function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return pairs;
}
