/** What every HTTP route handler gets, and what it gives back. */
import type { IncomingMessage } from "node:http";
import type { Caller, Engine } from "../../engine/api.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { DevIssuer } from "../auth/devIssuer.js";
import type { FunctionRunner } from "../runner.js";
import type { CliDeps } from "./cli/context.js";

export type HttpDeps = {
  engine: Engine;
  runner: FunctionRunner;
  auth: Authenticator;
  devIssuer: DevIssuer;
  version: string;
  logError: (context: string, error: unknown) => void;
  /** The CLI's admin routes; absent when the engine is not a full deployment. */
  cli?: CliDeps;
};

export type HttpContext = {
  req: IncomingMessage;
  url: URL;
  requestId: string;
  deps: HttpDeps;
};

/** A JSON reply, or (`raw`) bytes sent as they are with their own headers: an HTTP action's Response. */
export type JsonReply = { status: number; body: unknown; headers?: Record<string, string>; raw?: undefined };
export type Reply = JsonReply | { status: number; raw: Buffer; headers: [string, string][] };

export function json(body: unknown, status = 200): JsonReply {
  return { status, body };
}

export function header(ctx: HttpContext, name: string): string | undefined {
  const value = ctx.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The caller named by the Authorization header (or the `adminKey` query parameter). */
export async function callerOf(ctx: HttpContext): Promise<Caller> {
  const adminKeyParam = ctx.url.searchParams.get("adminKey") ?? undefined;
  return (await ctx.deps.auth.fromHeader(header(ctx, "authorization"), adminKeyParam)).caller;
}
