/**
 * Client -> server messages of the sync protocol (convex-protocol.md §2.2),
 * checked field by field: a malformed message is a protocol error, never a crash.
 */
import type { JSONValue } from "../../engine/api.js";
import { HttpError } from "../errors.js";
import { decodeTs } from "../timestamp.js";
import { canonicalPath, normalizeArgs } from "../udfArgs.js";

export class ProtocolError extends Error {}

export type QuerySetChange =
  | { type: "Add"; queryId: number; udfPath: string; args: JSONValue; journal: string | null }
  | { type: "Remove"; queryId: number };

export type AuthenticateMessage = {
  type: "Authenticate";
  baseVersion: number;
  tokenType: string;
  value?: unknown;
  acting_as?: unknown;
  impersonating?: unknown;
};

export type ClientMessage =
  | { type: "Connect"; sessionId: string; connectionCount: number; maxObservedTimestamp?: bigint }
  | { type: "ModifyQuerySet"; baseVersion: number; newVersion: number; modifications: QuerySetChange[] }
  | { type: "Mutation" | "Action"; requestId: number; udfPath: string; args: JSONValue }
  | AuthenticateMessage
  | { type: "Event" };

type Fields = Record<string, unknown>;

export function parseClientMessage(text: string): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError("Message is not JSON");
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ProtocolError("Message is not an object");
  const fields = raw as Fields;
  switch (fields.type) {
    case "Connect":
      return parseConnect(fields);
    case "ModifyQuerySet":
      return parseModifyQuerySet(fields);
    case "Mutation":
    case "Action":
      return { type: fields.type, requestId: u32(fields, "requestId"), ...udfCall(fields) };
    case "Authenticate":
      return parseAuthenticate(fields);
    case "Event":
      return { type: "Event" };
    default:
      throw new ProtocolError(`Unknown message type ${JSON.stringify(fields.type)}`);
  }
}

function parseConnect(fields: Fields): ClientMessage {
  if (typeof fields.sessionId !== "string") throw new ProtocolError("Connect needs a string `sessionId`");
  const observed = fields.maxObservedTimestamp;
  const maxObservedTimestamp = observed === undefined || observed === null ? undefined : decodeTs(observed);
  if (observed !== undefined && observed !== null && maxObservedTimestamp === undefined) {
    throw new ProtocolError("Invalid `maxObservedTimestamp`");
  }
  return { type: "Connect", sessionId: fields.sessionId, connectionCount: u32(fields, "connectionCount"), maxObservedTimestamp };
}

function parseModifyQuerySet(fields: Fields): ClientMessage {
  if (!Array.isArray(fields.modifications)) throw new ProtocolError("ModifyQuerySet needs `modifications`");
  const modifications = fields.modifications.map((change: unknown): QuerySetChange => {
    if (change === null || typeof change !== "object") throw new ProtocolError("Invalid query set modification");
    const entry = change as Fields;
    if (entry.type === "Add") {
      return { type: "Add", queryId: u32(entry, "queryId"), ...udfCall(entry), journal: journal(entry.journal) };
    }
    if (entry.type === "Remove") return { type: "Remove", queryId: u32(entry, "queryId") };
    throw new ProtocolError(`Unknown query set modification ${JSON.stringify(entry.type)}`);
  });
  return {
    type: "ModifyQuerySet",
    baseVersion: u32(fields, "baseVersion"),
    newVersion: u32(fields, "newVersion"),
    modifications,
  };
}

function parseAuthenticate(fields: Fields): AuthenticateMessage {
  if (typeof fields.tokenType !== "string") throw new ProtocolError("Authenticate needs a `tokenType`");
  return {
    type: "Authenticate",
    baseVersion: u32(fields, "baseVersion"),
    tokenType: fields.tokenType,
    value: fields.value,
    acting_as: fields.acting_as,
    impersonating: fields.impersonating,
  };
}

/** `udfPath` + `args` (`[{...}]`); only the root component exists here. */
function udfCall(fields: Fields): { udfPath: string; args: JSONValue } {
  if (fields.componentPath !== undefined && fields.componentPath !== null && fields.componentPath !== "") {
    throw new ProtocolError("Only the root component is supported");
  }
  try {
    return { udfPath: canonicalPath(fields.udfPath), args: normalizeArgs(fields.args) };
  } catch (error) {
    throw new ProtocolError(error instanceof HttpError ? error.message : "Invalid function call");
  }
}

/** A paginated subscription's journal from an earlier run (re-sent after reconnecting). */
function journal(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new ProtocolError("`journal` must be a string or null");
  return value;
}

function u32(fields: Fields, name: string): number {
  const value = fields[name];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new ProtocolError(`\`${name}\` must be a u32`);
  }
  return value;
}
