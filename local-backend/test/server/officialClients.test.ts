/** The official convex/browser clients, unmodified, against the protocol layer on the fake engine. */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { ConvexError } from "convex/values";
import { makeFunctionReference } from "convex/server";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./harness.js";

const getCounter = makeFunctionReference<"query", Record<string, never>, number>("counter:get");
const increment = makeFunctionReference<"mutation", { by?: number }, number>("counter:increment");
const convexError = makeFunctionReference<"mutation", Record<string, never>, null>("errors:convexError");
const whoami = makeFunctionReference<"query", Record<string, never>, { subject: string } | null>("auth:whoami");
const echo = makeFunctionReference<"action", { x: number }, { x: number }>("actions:echo");
const internalQuery = makeFunctionReference<"query", Record<string, never>, string>("secret:internalQuery");
const special = makeFunctionReference<"query", Record<string, never>, Record<string, unknown>>("values:special");

type AdminAuth = { setAdminAuth(key: string): void };

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

function wsClient(): ConvexClient {
  return new ConvexClient(h.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket });
}

describe("ConvexHttpClient", () => {
  it("queries, mutates, runs actions and decodes special values", async () => {
    const client = new ConvexHttpClient(h.url);
    const before = await client.query(getCounter, {});
    expect(await client.mutation(increment, { by: 3 })).toBe(before + 3);
    expect(await client.action(echo, { x: 1 })).toEqual({ x: 1 });
    const values = await client.query(special, {});
    expect(values.int).toBe(5n);
    expect(values.bytes).toBeInstanceOf(ArrayBuffer);
    expect(Number.isNaN(values.nan)).toBe(true);
  });

  it("raises ConvexError with data and hides internal functions from non-admins", async () => {
    const client = new ConvexHttpClient(h.url);
    const error = await client.mutation(convexError, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data.code).toBe("NOT_FOUND");
    await expect(client.query(internalQuery, {})).rejects.toThrow(/Could not find public function/);
    (client as unknown as AdminAuth).setAdminAuth(h.adminKey.value);
    expect(await client.query(internalQuery, {})).toBe("secret");
  });

  it("authenticates with a development token", async () => {
    const client = new ConvexHttpClient(h.url);
    client.setAuth(await h.devIssuer.mint({ subject: "js_user", claims: {}, expiresInSeconds: 60 }));
    expect(await client.query(whoami, {})).toMatchObject({ subject: "js_user" });
  });
});

describe("ConvexClient (WebSocket)", () => {
  it("subscribes and receives another client's mutation", async () => {
    const watcher = wsClient();
    const writer = wsClient();
    try {
      const seen: number[] = [];
      const first = new Promise<void>((resolve) => {
        watcher.onUpdate(getCounter, {}, (value) => {
          seen.push(value);
          if (seen.length === 1) resolve();
        });
      });
      await first;
      const written = await writer.mutation(increment, {});
      await expect.poll(() => seen.at(-1)).toBe(written);
    } finally {
      await watcher.close();
      await writer.close();
    }
  });

  it("sees its own write in a query right after the mutation resolves", async () => {
    const client = wsClient();
    try {
      const value = await client.mutation(increment, { by: 1 });
      expect(await client.query(getCounter, {})).toBe(value);
      expect(await client.action(echo, { x: 2 })).toEqual({ x: 2 });
      await expect(client.mutation(convexError, {})).rejects.toBeInstanceOf(ConvexError);
    } finally {
      await client.close();
    }
  });

  it("authenticates with setAuth and with setAdminAuth", async () => {
    const client = wsClient();
    try {
      const token = await h.devIssuer.mint({ subject: "ws_user", claims: {}, expiresInSeconds: 60 });
      client.setAuth(async () => token);
      await expect.poll(() => client.query(whoami, {})).toMatchObject({ subject: "ws_user" });
    } finally {
      await client.close();
    }
    const admin = wsClient();
    try {
      // setAdminAuth is marked internal in the typings; `npx convex` tooling uses it.
      (admin as unknown as AdminAuth).setAdminAuth(h.adminKey.value);
      expect(await admin.query(internalQuery, {})).toBe("secret");
    } finally {
      await admin.close();
    }
  });
});
