/**
 * An HTTP action inside the worker: a `Request` built from what the server received, routed
 * by `http.ts`'s `HttpRouter` exactly as Convex routes it (its own `lookup`: the exact path,
 * then the longest path prefix; `HEAD` as `GET`), and the handler's `Response` read back.
 * Without a matching route the answer is Convex's 404 `No HttpAction routed for <path>`.
 */
import type { HttpRouterLike } from "./modules.js";
import type { HttpActionRequest, HttpActionResponse } from "./protocol.js";

/** Convex's `HTTP_ACTION_BODY_LIMIT` (crates/udf/src/http_action.rs): requests and responses. */
export const HTTP_ACTION_BODY_LIMIT = 20 * 1024 * 1024;

/** A response over the limit: the backend's error, not the function's (no `Uncaught` prefix). */
export class HttpResponseTooLarge extends Error {
  constructor() {
    super("HttpResponseTooLarge: HTTP actions support responses up to 20 MiB");
  }
}

export async function runHttpRequest(router: HttpRouterLike, request: HttpActionRequest): Promise<string> {
  const body = request.body === null ? null : Buffer.from(request.body, "base64");
  const req = new Request(request.url, { method: request.method, headers: request.headers, body });
  const pathname = new URL(request.url).pathname;
  const match = router.lookup(pathname, request.method);
  const response = match === null ? new Response(`No HttpAction routed for ${pathname}`, { status: 404 }) : await match[0].invokeHttpAction(req);
  return JSON.stringify(await serialize(response));
}

async function serialize(response: unknown): Promise<HttpActionResponse> {
  if (!(response instanceof Response)) {
    throw new TypeError(`An HTTP action must return a Response, not ${response === null ? "null" : typeof response}`);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > HTTP_ACTION_BODY_LIMIT) throw new HttpResponseTooLarge();
  return { status: response.status, headers: [...response.headers], body: bytes.toString("base64") };
}
