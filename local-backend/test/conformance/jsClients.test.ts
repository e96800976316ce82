/** The official convex/browser clients, unmodified, against a spawned backend. */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackend, type Backend } from "./backend.js";

const getCounter = makeFunctionReference<"query", Record<string, never>, number>("counter:get");
const increment = makeFunctionReference<"mutation", Record<string, never>, number>("counter:increment");
const convexError = makeFunctionReference<"mutation", Record<string, never>, null>("errors:convexError");
const whoami = makeFunctionReference<"query", Record<string, never>, { subject: string } | null>("auth:whoami");
const echo = makeFunctionReference<"action", Record<string, unknown>, Record<string, unknown>>("actions:echo");
const internalQuery = makeFunctionReference<"query", Record<string, never>, string>("secret:internalQuery");

type AdminAuth = { setAdminAuth(key: string): void };

let backend: Backend;

beforeAll(async () => {
  backend = await startBackend();
}, 90_000);

afterAll(async () => {
  expect(await backend.stop()).toBe(0);
});

function wsClient(): ConvexClient {
  return new ConvexClient(backend.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket });
}

async function devToken(subject: string): Promise<string> {
  const response = await fetch(`${backend.url}/_doctrina/dev_token`, {
    method: "POST",
    headers: { authorization: `Convex ${backend.adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ subject }),
  });
  return ((await response.json()) as { token: string }).token;
}

describe("ConvexHttpClient", () => {
  it("queries, mutates and runs actions", async () => {
    const client = new ConvexHttpClient(backend.url);
    const before = await client.query(getCounter, {});
    expect(await client.mutation(increment, {})).toBe(before + 1);
    expect(await client.action(echo, { big: 5n, bytes: new Uint8Array([1, 2]).buffer })).toEqual({
      big: 5n,
      bytes: new Uint8Array([1, 2]).buffer,
    });
  });

  it("raises ConvexError with data and refuses internal functions without the admin key", async () => {
    const client = new ConvexHttpClient(backend.url);
    const error = await client.mutation(convexError, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data).toMatchObject({ code: "NOT_FOUND" });
    await expect(client.query(internalQuery, {})).rejects.toThrow(/Could not find public function/);
    (client as unknown as AdminAuth).setAdminAuth(backend.adminKey);
    expect(await client.query(internalQuery, {})).toBe("secret");
  });

  it("authenticates with a development token", async () => {
    const client = new ConvexHttpClient(backend.url);
    client.setAuth(await devToken("js-http-user"));
    expect(await client.query(whoami, {})).toMatchObject({ subject: "js-http-user" });
  });
});

describe("ConvexClient over the WebSocket", () => {
  it("pushes another client's mutation to a subscriber", async () => {
    const watcher = wsClient();
    const writer = wsClient();
    try {
      const seen: number[] = [];
      await new Promise<void>((resolve) => watcher.onUpdate(getCounter, {}, (value) => void (seen.push(value) === 1 && resolve())));
      const written = await writer.mutation(increment, {});
      await expect.poll(() => seen.at(-1)).toBe(written);
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it("reads its own writes, runs actions and surfaces ConvexError", async () => {
    const client = wsClient();
    try {
      const written = await client.mutation(increment, {});
      expect(await client.query(getCounter, {})).toBeGreaterThanOrEqual(written);
      expect(await client.action(echo, { a: 1 })).toEqual({ a: 1 });
      await expect(client.mutation(convexError, {})).rejects.toBeInstanceOf(ConvexError);
    } finally {
      await client.close();
    }
  });

  it("authenticates with setAuth and setAdminAuth", async () => {
    const user = wsClient();
    const admin = wsClient();
    try {
      const token = await devToken("js-ws-user");
      user.setAuth(async () => token);
      await expect.poll(() => user.query(whoami, {})).toMatchObject({ subject: "js-ws-user" });
      (admin as unknown as AdminAuth).setAdminAuth(backend.adminKey);
      expect(await admin.query(internalQuery, {})).toBe("secret");
    } finally {
      await user.close();
      await admin.close();
    }
  });
});
