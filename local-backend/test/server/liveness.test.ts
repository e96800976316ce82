/** Sync-connection timers, on a server with shortened timing. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawSyncClient, startHarness, type Harness } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ heartbeatMs: 50, appPingAfterMs: 200, clientSilenceLimitMs: 600, authExpiryLeewayMs: 0 });
});

afterAll(async () => {
  await h.close();
});

describe("liveness", () => {
  it("sends an app-level Ping when it has been silent, and keeps an answering client", async () => {
    const client = await RawSyncClient.connect(h.url);
    expect(await client.nth("Ping", 0)).toEqual({ type: "Ping" });
    // Past the silence limit: the client answered the WebSocket pings, so it stays.
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect(client.closed).toBeUndefined();
    client.close();
  });

  it("drops a client that answers nothing", async () => {
    const client = await RawSyncClient.connect(h.url, "/api/sync", true, false);
    expect((await client.waitClosed(3000)).code).toBe(1006);
  });

  it("sends AuthError (not attempted) when a JWT identity expires, then closes", async () => {
    const client = await RawSyncClient.connect(h.url);
    const token = await h.devIssuer.mint({ subject: "short-lived", claims: {}, expiresInSeconds: 1 });
    client.send({ type: "Authenticate", baseVersion: 0, tokenType: "User", value: token });
    const error = await client.nth("AuthError", 0, 5000);
    expect(error).toMatchObject({ baseVersion: 0, authUpdateAttempted: false });
    await client.waitClosed();
  });
});
