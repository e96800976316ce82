/** Routes requests to handlers and turns failures into `{code, message}` replies. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "../errors.js";
import { newRequestId } from "../runner.js";
import { stringify } from "../values.js";
import { CLI_ROUTES } from "./cli/routes.js";
import { header, json, type HttpContext, type HttpDeps, type Reply } from "./context.js";
import { postDevToken } from "./devToken.js";
import { httpAction } from "./httpActions.js";
import { getSnapshotJob, postSnapshotJob } from "./snapshotJobs.js";
import { getQuery, postFunction, postRun, postUdf, queryAtTs, queryBatch, queryTs } from "./udfRoutes.js";

type Handler = (ctx: HttpContext, rest: string) => Promise<Reply>;
type Route = { path: string | RegExp; methods: Partial<Record<string, Handler>> };

const ROUTES: Route[] = [
  { path: "/api/query", methods: { POST: postUdf("query"), GET: getQuery } },
  { path: "/api/mutation", methods: { POST: postUdf("mutation") } },
  { path: "/api/action", methods: { POST: postUdf("action") } },
  { path: "/api/function", methods: { POST: postFunction } },
  { path: /^\/api\/run\/(.+)$/, methods: { POST: postRun } },
  { path: "/api/query_ts", methods: { POST: queryTs, GET: queryTs } },
  { path: "/api/query_at_ts", methods: { POST: queryAtTs } },
  { path: "/api/query_batch", methods: { POST: queryBatch } },
  { path: "/_doctrina/dev_token", methods: { POST: postDevToken } },
  { path: "/_doctrina/snapshot", methods: { POST: postSnapshotJob, GET: getSnapshotJob } },
  ...CLI_ROUTES,
  { path: "/version", methods: { GET: version } },
  { path: "/instance_version", methods: { GET: version } },
  { path: "/", methods: { GET: home } },
];

async function version(ctx: HttpContext): Promise<Reply> {
  return json({ name: "doctrina-local-backend", version: ctx.deps.version });
}

async function home(): Promise<Reply> {
  return json({ message: "This Doctrina local backend is running." });
}

function findRoute(pathname: string): { route: Route; rest: string } | undefined {
  for (const route of ROUTES) {
    if (typeof route.path === "string") {
      if (route.path === pathname) return { route, rest: "" };
    } else {
      const match = route.path.exec(pathname);
      if (match !== null) return { route, rest: match[1] };
    }
  }
  return undefined;
}

const HTTP_ACTION_PREFIX = "/http/";

function newContext(req: IncomingMessage, deps: HttpDeps): HttpContext {
  let url: URL;
  try {
    url = new URL(req.url ?? "/", "http://127.0.0.1");
  } catch {
    throw new HttpError(400, "BadRequest", "Malformed request URL");
  }
  const ctx: HttpContext = { req, url, requestId: "", deps };
  ctx.requestId = header(ctx, "convex-request-id") ?? newRequestId();
  return ctx;
}

async function dispatch(req: IncomingMessage, deps: HttpDeps): Promise<Reply> {
  const ctx = newContext(req, deps);
  const { url } = ctx;
  // Convex serves HTTP actions under `/http/` of the deployment URL too, outside its API routes.
  if (url.pathname.startsWith(HTTP_ACTION_PREFIX)) return httpAction(ctx, url.pathname.slice(HTTP_ACTION_PREFIX.length - 1));
  const found = findRoute(url.pathname);
  if (found === undefined) throw new HttpError(404, "NotFound", `No route for ${url.pathname}`);
  const handler = found.route.methods[req.method ?? ""];
  if (handler === undefined) throw new HttpError(405, "MethodNotAllowed", `${req.method} is not allowed on ${url.pathname}`);
  return handler(ctx, found.rest);
}

function failureReply(error: unknown, deps: HttpDeps): Reply {
  if (error instanceof HttpError) {
    // After a 413 the rest of the body is not worth keeping the connection for.
    const headers = error.status === 413 ? { connection: "close" } : undefined;
    return { status: error.status, body: { code: error.code, message: error.message }, headers };
  }
  deps.logError("handling an HTTP request", error);
  return json({ code: "InternalServerError", message: "Your request couldn't be completed. Try again later." }, 500);
}

/** The site URL's server: every path is an HTTP action's (Convex's site origin, port 3211 self-hosted). */
async function dispatchSite(req: IncomingMessage, deps: HttpDeps): Promise<Reply> {
  const ctx = newContext(req, deps);
  return httpAction(ctx, ctx.url.pathname);
}

export function httpHandler(deps: HttpDeps, site = false): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    (site ? dispatchSite : dispatch)(req, deps)
      .catch((error: unknown) => failureReply(error, deps))
      .then((reply) => send(res, reply))
      .catch((error: unknown) => deps.logError("writing an HTTP response", error));
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  if (reply.raw !== undefined) return sendRaw(res, reply.status, reply.headers, reply.raw);
  // Bytes (a snapshot export download) go as they are, with the route's content type.
  const body = reply.body instanceof Uint8Array ? reply.body : stringify(reply.body);
  res.writeHead(reply.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...reply.headers,
  });
  res.end(body);
}

/** An HTTP action's Response: its status, its headers (repeated ones such as set-cookie kept), its body. */
function sendRaw(res: ServerResponse, status: number, headers: [string, string][], body: Buffer): void {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  grouped.delete("content-length");
  grouped.delete("transfer-encoding");
  for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? values[0]! : values);
  res.setHeader("content-length", body.length);
  res.writeHead(status);
  res.end(body);
}
