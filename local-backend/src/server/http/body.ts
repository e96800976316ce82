/** Request bodies: size-limited per route (function calls like Convex's public API), then parsed as JSON. */
import type { IncomingMessage } from "node:http";
import { badRequest, HttpError } from "../errors.js";

/** Convex's MAX_BACKEND_PUBLIC_API_REQUEST_SIZE: 16 MiB + 2000 bytes. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024 + 2000;

/** Routes that take a few small fields (development tokens) need no more than this. */
export const MAX_SMALL_BODY_BYTES = 64 * 1024;

function tooLarge(limit: number): HttpError {
  return new HttpError(413, "PayloadTooLarge", `The request body exceeds the limit of ${limit} bytes`);
}

/** Bodies up to this size are read to the end before the 413, so the client sees the answer. */
const DRAIN_LIMIT_BYTES = 4 * MAX_BODY_BYTES;

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > DRAIN_LIMIT_BYTES) {
      req.pause();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > DRAIN_LIMIT_BYTES) {
        req.pause();
        reject(tooLarge(limit));
      }
    });
    req.on("end", () => (size > limit ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
    // A client that hangs up mid-body never sends "end"; settle instead of leaking the request.
    req.on("close", () => {
      if (!req.complete) reject(new HttpError(408, "ClientDisconnect", "The client closed the connection"));
    });
  });
}

/** An empty body counts as `{}`; anything else must be a JSON object. */
export async function readJsonObject(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  return parseJsonObject(await readBody(req, limit));
}

/** The body rule of `readJsonObject`, for bodies read (and decoded) some other way. */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw badRequest("BadJsonBody", `Failed to parse the JSON body: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw badRequest("BadJsonBody", "The JSON body must be an object");
  }
  return parsed as Record<string, unknown>;
}
