/**
 * HTTP actions on the engine side: the replies Convex gives around the router's own
 * (crates/application/src/application_function_runner/http_routing.rs, redaction.rs).
 */
import type { HttpActionReply } from "./api.js";
import type { Outcome } from "./runner.js";
import type { HttpActionResponse } from "./worker/protocol.js";

/** Convex's 404 for a deployment whose code has no `http.js` router. */
export const NO_HTTP_ACTIONS = "This Convex deployment does not have HTTP actions enabled.";

export function textReply(status: number, text: string): HttpActionReply {
  return { status, headers: [["content-type", "text/plain;charset=UTF-8"]], body: Buffer.from(text) };
}

/**
 * The action's Response, or for a throw Convex's 500 JSON (not redacted: a development
 * deployment shows the message): `{code: "[Request ID: x] Server Error: <message>", trace, data?}`.
 */
export function replyFromOutcome(requestId: string, outcome: Outcome): HttpActionReply {
  if (outcome.ok) {
    const response = JSON.parse(outcome.value) as HttpActionResponse;
    return { status: response.status, headers: response.headers, body: Buffer.from(response.body, "base64") };
  }
  const { message, frames, data } = outcome.error;
  const body: Record<string, unknown> = {
    code: `[Request ID: ${requestId}] Server Error: ${message}`,
    trace: frames === undefined ? message : `${message}\n${frames}`,
  };
  if (data !== undefined) body.data = JSON.parse(data);
  return { status: 500, headers: [["content-type", "application/json"]], body: Buffer.from(JSON.stringify(body)) };
}
