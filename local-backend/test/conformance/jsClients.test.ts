/** The official convex/browser clients, unmodified, against a spawned backend. */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { ConvexError } from "convex/values";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBackend, type Backend } from "./backend.js";

const getCounter = makeFunctionReference<"query", { name: string }, number | null>("counter:get");
const increment = makeFunctionReference<"mutation", { name: string }, number>("counter:increment");
const failWithData = makeFunctionReference<"mutation", { code: string }, null>("protocol:failWithData");
const whoami = makeFunctionReference<"query", Record<string, never>, { subject: string } | null>("protocol:whoami");
const echo = makeFunctionReference<"action", { value: unknown }, unknown>("protocol:echoAction");
const internalRead = makeFunctionReference<"query", Record<string, never>, string>("protocol:internalRead");

/** A counter no other test touches. */
const counter = () => ({ name: `js-${crypto.randomUUID()}` });

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
    const args = counter();
    expect(await client.query(getCounter, args)).toBeNull();
    expect(await client.mutation(increment, args)).toBe(1);
    expect(await client.query(getCounter, args)).toBe(1);
    const value = { big: 5n, bytes: new Uint8Array([1, 2]).buffer, list: [1.5, null] };
    expect(await client.action(echo, { value })).toEqual(value);
  });

  it("raises ConvexError with data and refuses internal functions without the admin key", async () => {
    const client = new ConvexHttpClient(backend.url);
    const error = await client.mutation(failWithData, { code: "NOT_FOUND" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data).toEqual({ code: "NOT_FOUND", message: "failed with NOT_FOUND" });
    await expect(client.query(internalRead, {})).rejects.toThrow(/Could not find public function/);
    (client as unknown as AdminAuth).setAdminAuth(backend.adminKey);
    expect(await client.query(internalRead, {})).toBe("internal only");
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
      const args = counter();
      const seen: Array<number | null> = [];
      await new Promise<void>((resolve) => watcher.onUpdate(getCounter, args, (value) => void (seen.push(value) === 1 && resolve())));
      expect(seen).toEqual([null]);
      expect(await writer.mutation(increment, args)).toBe(1);
      await expect.poll(() => seen.at(-1)).toBe(1);
      expect(await writer.mutation(increment, args)).toBe(2);
      await expect.poll(() => seen.at(-1)).toBe(2);
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it("reads its own writes, runs actions and surfaces ConvexError", async () => {
    const client = wsClient();
    try {
      const args = counter();
      expect(await client.mutation(increment, args)).toBe(1);
      expect(await client.query(getCounter, args)).toBe(1);
      expect(await client.action(echo, { value: { a: 1n } })).toEqual({ a: 1n });
      await expect(client.mutation(failWithData, { code: "X" })).rejects.toBeInstanceOf(ConvexError);
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
      expect(await admin.query(internalRead, {})).toBe("internal only");
    } finally {
      await user.close();
      await admin.close();
    }
  });
});
