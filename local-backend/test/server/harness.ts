/** Starts the protocol layer on a FakeEngine in a temporary data directory. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { AdminKey } from "../../src/server/auth/adminKey.js";
import { DevIssuer } from "../../src/server/auth/devIssuer.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import type { SessionTiming } from "../../src/server/sync/session.js";
import { FakeEngine } from "./fakeEngine.js";

export type Harness = {
  url: string;
  engine: FakeEngine;
  adminKey: AdminKey;
  devIssuer: DevIssuer;
  dataDir: string;
  errors: string[];
  server: RunningServer;
  close(): Promise<void>;
};

export async function startHarness(syncTiming?: SessionTiming): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), "doctrina-server-test-"));
  const engine = new FakeEngine();
  const adminKey = await AdminKey.loadOrCreate(dataDir);
  const devIssuer = await DevIssuer.loadOrCreate(dataDir);
  const errors: string[] = [];
  const server = await startServer({
    engine,
    adminKey,
    devIssuer,
    port: 0,
    syncTiming,
    logError: (context, error) => errors.push(`${context}: ${String(error)}`),
  });
  return {
    url: server.url,
    engine,
    adminKey,
    devIssuer,
    dataDir,
    errors,
    server,
    close: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type Json = Record<string, any>;

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Json; text: string }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : JSON.parse(text), text };
}

/** A raw sync-protocol client that records every server message. */
export class RawSyncClient {
  readonly messages: Json[] = [];
  readonly texts: string[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const text = data.toString();
      this.texts.push(text);
      this.messages.push(JSON.parse(text));
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static async connect(url: string, path = "/api/sync", connect = true, autoPong = true): Promise<RawSyncClient> {
    const ws = new WebSocket(url.replace(/^http/, "ws") + path, { autoPong });
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const client = new RawSyncClient(ws);
    if (connect) {
      client.send({ type: "Connect", sessionId: crypto.randomUUID(), connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: 0 });
    }
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Waits for the `index`-th message (0-based) of `type`, counting from the start. */
  async nth(type: string, index = 0, timeoutMs = 5000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.filter((m) => m.type === type);
      if (found.length > index) return found[index];
      if (this.closed !== undefined) throw new Error(`closed before ${type} #${index}: ${JSON.stringify(this.messages)}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${type} #${index}: ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.closed === undefined) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.closed;
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
