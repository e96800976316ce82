/**
 * Property-based fuzzing of the HTTP API and the sync protocol against the real
 * backend running the project's functions: malformed bodies, headers, JSON,
 * values and message orders get a 4xx or a function error that says what went
 * wrong (never a bare "Server Error", never a 5xx), and the server keeps
 * answering another client throughout.
 */
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawSyncClient } from "../server/harness.js";
import { ROOT, startBackend, type Backend } from "./backend.js";

let backend: Backend;

beforeAll(async () => {
  backend = await startBackend(join(ROOT, "convex"));
}, 90_000);

afterAll(async () => {
  await backend.stop();
});

/** An error result whose message says nothing but "Server Error": an internal failure leaking out. */
const BARE_SERVER_ERROR = /^(\[Request ID: [^\]]+\] )?Server Error$/;

const FUNCTIONS = [
  "users:create",
  "users:me",
  "users:ensureCurrentUser",
  "users:get",
  "courses:list",
  "courses:create",
  "liveSessions:get",
  "lessons:get",
  "quizAttempts:submit",
  "resources:list",
  "users:createMany",
  "nope:missing",
  "../x:y",
];
const ROUTES = ["/api/query", "/api/mutation", "/api/action", "/api/function", "/api/query_batch", "/api/query_at_ts", "/api/run/users/me", "/_doctrina/dev_token"];

const jsonValue = fc.jsonValue({ maxDepth: 4 });
const convexValue = fc.oneof(
  jsonValue,
  fc.record({ $integer: fc.base64String() }),
  fc.record({ $float: fc.string() }),
  fc.record({ $bytes: fc.string() }),
  fc.dictionary(fc.string({ maxLength: 6 }), jsonValue, { maxKeys: 4 }),
);
const functionBody = fc.record(
  {
    path: fc.oneof(fc.constantFrom(...FUNCTIONS), fc.string(), jsonValue),
    args: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), convexValue, { maxKeys: 5 }), convexValue),
    format: fc.oneof(fc.constantFrom("json", "convex_encoded_json", "export_json"), fc.string()),
    ts: fc.oneof(fc.string(), fc.integer()),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  functionBody.map((fields) => JSON.stringify(fields)),
  fc.array(functionBody, { maxLength: 5 }).map((queries) => JSON.stringify({ queries })),
  jsonValue.map((value) => JSON.stringify(value)),
  fc.string(),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);
const headers = fc.record(
  {
    authorization: fc.oneof(
      headerValue,
      headerValue.map((v) => `Bearer ${v}`),
      headerValue.map((v) => `Convex ${v}`),
      fc.constant("admin"),
    ),
    "convex-client": fc.oneof(headerValue, fc.constantFrom("python-0.8.1", "npm-1.48.0", "npm-0.1")),
    "content-type": fc.oneof(headerValue, fc.constant("application/json")),
  },
  { requiredKeys: [] },
);

async function healthy(): Promise<void> {
  const version = await fetch(`${backend.url}/version`);
  expect(version.status).toBe(200);
}

describe("fuzzed HTTP requests", () => {
  it("get a 4xx or a function result, never a 5xx or a bare Server Error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), body, headers, async (route, text, given) => {
        const sent = { ...given };
        if (sent.authorization === "admin") sent.authorization = `Convex ${backend.adminKey}`;
        const response = await fetch(`${backend.url}${route}`, {
          method: "POST",
          headers: sent,
          body: text,
          signal: AbortSignal.timeout(20_000),
        });
        const reply = await response.text();
        expect(response.status, reply).toBeLessThan(500);
        const parsed: unknown = JSON.parse(reply);
        const results = route === "/api/query_batch" && response.status === 200 ? (parsed as { results: unknown[] }).results : [parsed];
        for (const result of results as Array<{ status?: string; errorMessage?: string }>) {
          if (result.status === "error") expect(result.errorMessage, reply).not.toMatch(BARE_SERVER_ERROR);
        }
        await healthy();
      }),
      { numRuns: 150 },
    );
  }, 240_000);
});

const syncMessage = fc.oneof(
  fc.record({
    type: fc.constant("Connect"),
    sessionId: fc.oneof(fc.uuid(), fc.string()),
    connectionCount: fc.oneof(fc.nat(), jsonValue),
    lastCloseReason: fc.string(),
  }),
  fc.record({
    type: fc.constant("ModifyQuerySet"),
    baseVersion: fc.oneof(fc.nat(3), jsonValue),
    newVersion: fc.oneof(fc.nat(3), jsonValue),
    modifications: fc.array(
      fc.record({
        type: fc.constantFrom("Add", "Remove", "Nope"),
        queryId: fc.oneof(fc.nat(5), jsonValue),
        udfPath: fc.oneof(fc.constantFrom(...FUNCTIONS), fc.string()),
        args: fc.oneof(fc.array(convexValue, { maxLength: 2 }), convexValue),
      }),
      { maxLength: 3 },
    ),
  }),
  fc.record({
    type: fc.constant("Mutation"),
    requestId: fc.oneof(fc.nat(5), jsonValue),
    udfPath: fc.oneof(fc.constantFrom(...FUNCTIONS), fc.string()),
    args: fc.oneof(fc.array(convexValue, { maxLength: 2 }), convexValue),
  }),
  fc.record({
    type: fc.constant("Authenticate"),
    baseVersion: fc.oneof(fc.nat(3), jsonValue),
    tokenType: fc.constantFrom("User", "Admin", "None", "Other"),
    value: fc.oneof(fc.string(), jsonValue),
  }),
  fc.record({ type: fc.constantFrom("Event", "Ping", "Pong", "Unknown"), event: jsonValue }),
  jsonValue,
);
const frame = fc.oneof(
  syncMessage.map((message) => JSON.stringify(message)),
  fc.string(),
);

function resultMessages(messages: Array<Record<string, any>>): Array<{ errorMessage?: unknown }> {
  const found: Array<{ errorMessage?: unknown }> = [];
  for (const message of messages) {
    if (message.type === "MutationResponse" && message.success === false) found.push({ errorMessage: message.result });
    if (message.type === "Transition") {
      for (const modification of message.modifications ?? []) {
        if (modification.type === "QueryFailed") found.push({ errorMessage: modification.errorMessage });
      }
    }
  }
  return found;
}

describe("fuzzed sync sessions", () => {
  it("end only the offending connection, never with a bare Server Error", async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(frame, { minLength: 1, maxLength: 6 }), async (connectFirst, frames) => {
        const client = await RawSyncClient.connect(backend.url, "/api/sync", connectFirst);
        for (const text of frames) {
          if (client.closed !== undefined) break;
          client.send(text);
        }
        // A round trip on a second connection: the server still answers while this one is handled.
        const other = await RawSyncClient.connect(backend.url);
        other.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "users:me", args: [{}] }] });
        expect((await other.nth("Transition", 0, 20_000)).modifications[0]).toMatchObject({ type: "QueryUpdated", value: null });
        other.close();
        for (const result of resultMessages(client.messages)) {
          expect(String(result.errorMessage)).not.toMatch(BARE_SERVER_ERROR);
        }
        client.close();
        await healthy();
      }),
      { numRuns: 40 },
    );
  }, 240_000);
});
