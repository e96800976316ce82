import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { decodeTs } from "../../src/server/timestamp.js";
import { post, RawSyncClient, startHarness, type Harness, type Json } from "./harness.js";

let h: Harness;
const clients: RawSyncClient[] = [];

beforeAll(async () => {
  h = await startHarness();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

afterAll(async () => {
  await h.close();
});

async function connect(path?: string, sendConnect?: boolean): Promise<RawSyncClient> {
  const client = await RawSyncClient.connect(h.url, path, sendConnect);
  clients.push(client);
  return client;
}

function add(baseVersion: number, queryId: number, udfPath: string, args: Json = {}): Json {
  return { type: "ModifyQuerySet", baseVersion, newVersion: baseVersion + 1, modifications: [{ type: "Add", queryId, udfPath, args: [args] }] };
}

/** Every Transition must start where the previous one ended, from {0,0,0}. */
function expectChained(messages: Json[]): void {
  let previous = { querySet: 0, identity: 0, ts: "AAAAAAAAAAA=" };
  for (const message of messages.filter((m) => m.type === "Transition")) {
    expect(message.startVersion).toEqual(previous);
    expect(decodeTs(message.endVersion.ts)! >= decodeTs(previous.ts)!).toBe(true);
    previous = message.endVersion;
  }
}

describe("queries and subscriptions", () => {
  it("answers ModifyQuerySet with a chained Transition and pushes changes after commits", async () => {
    const client = await connect();
    client.send(add(0, 1, "counter:get"));
    const first = await client.nth("Transition", 0);
    expect(first.endVersion.querySet).toBe(1);
    expect(first.modifications).toEqual([{ type: "QueryUpdated", queryId: 1, value: expect.any(Number), logLines: [], journal: null }]);
    const before = first.modifications[0].value;
    // The float is written with a decimal point on the wire.
    expect(client.texts.find((t) => t.includes("QueryUpdated"))).toMatch(/"value":\d+\.\d/);

    await post(`${h.url}/api/mutation`, { path: "counter:increment", args: {} });
    const pushed = await client.nth("Transition", 1);
    expect(pushed.modifications).toEqual([expect.objectContaining({ type: "QueryUpdated", queryId: 1, value: before + 1 })]);
    expect(decodeTs(pushed.endVersion.ts)).toBe(h.engine.latestTs());
    expectChained(client.messages);
  });

  it("re-runs only invalidated queries and sends only changed values", async () => {
    const client = await connect();
    client.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [
        { type: "Add", queryId: 1, udfPath: "counter:get", args: [{}] },
        { type: "Add", queryId: 2, udfPath: "counter:other", args: [{}] },
      ],
    });
    await client.nth("Transition", 0);
    const runs = () => h.engine.calls.filter((c) => c.path === "counter:other").length;
    const otherRuns = runs();
    await post(`${h.url}/api/mutation`, { path: "counter:increment", args: {} });
    const pushed = await client.nth("Transition", 1);
    expect(pushed.modifications.map((m: Json) => m.queryId)).toEqual([1]);
    expect(runs()).toBe(otherRuns);

    // Same value written again: the query re-runs but nothing new is sent.
    const transitions = client.messages.filter((m) => m.type === "Transition").length;
    await post(`${h.url}/api/mutation`, { path: "counter:setOther", args: { value: null } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs()).toBe(otherRuns + 1);
    expect(client.messages.filter((m) => m.type === "Transition").length).toBe(transitions);
  });

  it("runs every query of one Transition at one snapshot ts", async () => {
    const client = await connect();
    client.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [1, 2, 3].map((queryId) => ({ type: "Add", queryId, udfPath: "values:echo", args: [{ queryId }] })),
    });
    const transition = await client.nth("Transition", 0);
    const calls = h.engine.calls.filter((c) => c.path === "values:echo").slice(-3);
    expect(new Set(calls.map((c) => c.atTs)).size).toBe(1);
    expect(decodeTs(transition.endVersion.ts)).toBe(calls[0].atTs);
  });

  it("runs a query once for every connection watching it at the same snapshot", async () => {
    const watchers = await Promise.all([1, 2, 3, 4, 5].map(() => connect()));
    for (const watcher of watchers) watcher.send(add(0, 1, "counter:other"));
    await Promise.all(watchers.map((watcher) => watcher.nth("Transition", 0)));
    const runs = () => h.engine.calls.filter((c) => c.path === "counter:other").length;
    const before = runs();
    await post(`${h.url}/api/mutation`, { path: "counter:setOther", args: { value: "shared" } });
    const updates = await Promise.all(watchers.map((watcher) => watcher.nth("Transition", 1)));
    expect(updates.map((u) => u.modifications[0].value)).toEqual(Array(5).fill("shared"));
    expect(runs()).toBe(before + 1);
  });

  it("removes queries, reports QueryFailed with errorData, and accepts the `.js` path form", async () => {
    const client = await connect();
    client.send(add(0, 1, "errors.js:queryConvexError"));
    const failed = await client.nth("Transition", 0);
    expect(failed.modifications[0]).toMatchObject({ type: "QueryFailed", queryId: 1, logLines: [], errorData: { code: "FORBIDDEN" } });
    client.send({ type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [{ type: "Remove", queryId: 1 }] });
    const removed = await client.nth("Transition", 1);
    expect(removed.modifications).toEqual([{ type: "QueryRemoved", queryId: 1 }]);
    expect(removed.endVersion.querySet).toBe(2);
    expectChained(client.messages);
  });

  it("carries pagination journals from Add to the engine and back, and across re-runs", async () => {
    const client = await connect();
    client.send(add(0, 1, "pages:first"));
    const first = await client.nth("Transition", 0);
    expect(first.modifications[0].journal).toBe("page-end-1");
    await post(`${h.url}/api/mutation`, { path: "counter:increment", args: {} });
    await client.nth("Transition", 1);
    const runs = h.engine.calls.filter((c) => c.path === "pages:first");
    expect(runs.map((c) => c.journal)).toEqual([null, "page-end-1"]);

    const resumed = await connect();
    resumed.send({ ...add(0, 1, "pages:first"), modifications: [{ type: "Add", queryId: 1, udfPath: "pages:first", args: [{}], journal: "kept" }] });
    expect((await resumed.nth("Transition", 0)).modifications[0].journal).toBe("kept");
  });

  it("serves /api/<version>/sync like the JS client uses", async () => {
    const client = await connect("/api/1.48.0/sync");
    client.send(add(0, 1, "logs:chatty"));
    const transition = await client.nth("Transition", 0);
    expect(transition.modifications[0]).toMatchObject({ value: "ok", logLines: ["[LOG] 'hello'"] });
  });
});

describe("mutations and actions", () => {
  it("follows every MutationResponse with a Transition at or after its commit ts", async () => {
    const client = await connect();
    client.send({ type: "Mutation", requestId: 0, udfPath: "counter:increment", args: [{}] });
    client.send({ type: "Mutation", requestId: 1, udfPath: "errors:convexError", args: [{}] });
    client.send({ type: "Mutation", requestId: 2, udfPath: "errors:plain", args: [{}] });
    await client.nth("Transition", 2);
    const kinds = client.messages.map((m) => `${m.type}${m.requestId ?? ""}`);
    expect(kinds).toEqual(["MutationResponse0", "Transition", "MutationResponse1", "Transition", "MutationResponse2", "Transition"]);
    const [ok, convexError, plain] = client.messages.filter((m) => m.type === "MutationResponse");
    expect(ok).toMatchObject({ success: true, logLines: [] });
    expect(decodeTs(client.messages[1].endVersion.ts)! >= decodeTs(ok.ts)!).toBe(true);
    expect(convexError).toMatchObject({ success: false, ts: null, errorData: { code: "NOT_FOUND" } });
    expect(plain).toMatchObject({ success: false, logLines: [] });
    expect(plain.errorData).toBeUndefined();
    expectChained(client.messages);
  });

  it("runs one connection's mutations one at a time, in order", async () => {
    const client = await connect();
    const start = (await post(`${h.url}/api/query`, { path: "counter:get", args: {} })).body.value;
    for (let requestId = 0; requestId < 10; requestId++) {
      client.send({ type: "Mutation", requestId, udfPath: "counter:slowIncrement", args: [{}] });
    }
    await client.nth("MutationResponse", 9);
    const results = client.messages.filter((m) => m.type === "MutationResponse");
    expect(results.map((m) => m.requestId)).toEqual([...Array(10).keys()]);
    expect(results.map((m) => m.result)).toEqual([...Array(10).keys()].map((i) => start + i + 1));
  });

  it("runs actions concurrently and answers with ActionResponse", async () => {
    const client = await connect();
    client.send({ type: "Action", requestId: 0, udfPath: "actions:slow", args: [{ ms: 300 }] });
    client.send({ type: "Action", requestId: 1, udfPath: "actions:echo", args: [{ a: 1 }] });
    const first = await client.nth("ActionResponse", 0);
    expect(first).toEqual({ type: "ActionResponse", requestId: 1, success: true, result: { a: 1 }, logLines: [] });
    expect(await client.nth("ActionResponse", 1)).toMatchObject({ requestId: 0, result: "slept" });
  });

  it("dedupes a mutation re-sent with the same (sessionId, requestId)", async () => {
    const sessionId = crypto.randomUUID();
    const send = async () => {
      const client = await connect("/api/sync", false);
      client.send({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: "InitialConnect" });
      client.send({ type: "Mutation", requestId: 7, udfPath: "counter:increment", args: [{}] });
      return (await client.nth("MutationResponse", 0)).result;
    };
    const first = await send();
    const second = await send();
    expect(second).toBe(first);
  });

  it("pushes updates caused by commits from outside any client (scheduled work)", async () => {
    const client = await connect();
    client.send(add(0, 1, "counter:other"));
    await client.nth("Transition", 0);
    h.engine.commitExternally("other", "from the scheduler");
    const pushed = await client.nth("Transition", 1);
    expect(pushed.modifications[0]).toMatchObject({ queryId: 1, value: "from the scheduler" });
  });
});

describe("authentication", () => {
  it("bumps the identity version and re-runs queries as the new user", async () => {
    const client = await connect();
    client.send(add(0, 1, "auth:whoami"));
    expect((await client.nth("Transition", 0)).modifications[0].value).toBeNull();
    const token = await h.devIssuer.mint({ subject: "user_5", claims: {}, expiresInSeconds: 60 });
    client.send({ type: "Authenticate", baseVersion: 0, tokenType: "User", value: token });
    const second = await client.nth("Transition", 1);
    expect(second.endVersion.identity).toBe(1);
    expect(second.modifications[0].value).toMatchObject({ subject: "user_5" });
    client.send({ type: "Authenticate", baseVersion: 1, tokenType: "None" });
    const third = await client.nth("Transition", 2);
    expect(third.endVersion.identity).toBe(2);
    expect(third.modifications[0].value).toBeNull();
    expectChained(client.messages);
  });

  it("accepts Admin with acting_as (Rust) and impersonating (JS), and opens internal functions", async () => {
    for (const field of ["acting_as", "impersonating"]) {
      const client = await connect();
      client.send({ type: "Authenticate", baseVersion: 0, tokenType: "Admin", value: h.adminKey.value, [field]: { subject: "svc", issuer: "https://service.doctrina.invalid" } });
      client.send(add(0, 1, "auth:whoami"));
      client.send(add(1, 2, "secret:internalQuery"));
      await client.nth("Transition", 1);
      const values = client.messages.filter((m) => m.type === "Transition").flatMap((m) => m.modifications.map((x: Json) => x.value));
      expect(values).toContainEqual(expect.objectContaining({ subject: "svc" }));
      expect(values).toContain("secret");
    }
  });

  it("accepts the header form <key>:<base64 identity> as the Admin value (Python's set_admin_auth)", async () => {
    const client = await connect();
    const identity = Buffer.from(JSON.stringify({ subject: "u7", issuer: "https://service.doctrina.invalid" })).toString("base64");
    client.send({ type: "Authenticate", baseVersion: 0, tokenType: "Admin", value: `${h.adminKey.value}:${identity}` });
    client.send(add(0, 1, "auth:whoami"));
    // The Authenticate and the ModifyQuerySet may each get their own Transition.
    await expect.poll(() => client.messages.flatMap((m) => m.modifications ?? []).at(-1)?.value).toMatchObject({ subject: "u7" });
    const wrong = await connect();
    wrong.send({ type: "Authenticate", baseVersion: 0, tokenType: "Admin", value: `wrong:${identity}` });
    await wrong.nth("AuthError", 0);
  });

  it("keeps internal functions from users", async () => {
    const client = await connect();
    client.send(add(0, 1, "secret:internalQuery"));
    const transition = await client.nth("Transition", 0);
    expect(transition.modifications[0]).toMatchObject({ type: "QueryFailed", errorMessage: expect.stringMatching(/Could not find public function/) });
  });

  it("answers a bad token or admin key with AuthError and closes", async () => {
    for (const message of [
      { type: "Authenticate", baseVersion: 0, tokenType: "User", value: "not-a-jwt" },
      { type: "Authenticate", baseVersion: 0, tokenType: "Admin", value: "wrong-key" },
    ]) {
      const client = await connect();
      client.send(message);
      expect(await client.nth("AuthError", 0)).toMatchObject({ baseVersion: 0, authUpdateAttempted: true, error: expect.any(String) });
      await client.waitClosed();
    }
  });
});

describe("protocol violations end only the offending connection", () => {
  const violations: Array<[string, unknown, boolean]> = [
    ["not JSON", "{{", true],
    ["unknown type", { type: "Bogus" }, true],
    ["missing fields", { type: "Mutation", udfPath: "counter:get" }, true],
    ["query set base version mismatch", add(5, 1, "counter:get"), true],
    ["identity base version mismatch", { type: "Authenticate", baseVersion: 3, tokenType: "None" }, true],
    ["bad path", add(0, 1, "../../x:y"), true],
    ["message before Connect", add(0, 1, "counter:get"), false],
  ];

  it.each(violations)("%s -> FatalError and close", async (_name, message, sendConnect) => {
    const healthy = await connect();
    healthy.send(add(0, 1, "counter:get"));
    await healthy.nth("Transition", 0);
    const bad = await connect("/api/sync", sendConnect);
    bad.send(message);
    expect(await bad.nth("FatalError", 0)).toEqual({ type: "FatalError", error: expect.any(String) });
    await bad.waitClosed();
    await post(`${h.url}/api/mutation`, { path: "counter:increment", args: {} });
    expect((await healthy.nth("Transition", 1)).modifications[0].queryId).toBe(1);
  });

  it("a binary frame is fatal", async () => {
    const client = await connect();
    client.ws.send(Buffer.from([1, 2, 3]));
    expect((await client.nth("FatalError", 0)).error).toMatch(/Binary/);
    await client.waitClosed();
  });

  it("removing an unknown query or adding a duplicate id is fatal", async () => {
    const client = await connect();
    client.send(add(0, 1, "counter:get"));
    client.send(add(1, 1, "counter:get"));
    expect((await client.nth("FatalError", 0)).error).toMatch(/already subscribed/);
  });

  it("refuses upgrades on other paths", async () => {
    await expect(RawSyncClient.connect(h.url, "/api/elsewhere")).rejects.toThrow(/404/);
  });

  it("a slow subscription on one connection does not hold up another", async () => {
    const slow = await connect();
    slow.send(add(0, 1, "slow:query", { ms: 1500 }));
    const fast = await connect();
    const started = Date.now();
    fast.send({ type: "Mutation", requestId: 0, udfPath: "counter:increment", args: [{}] });
    await fast.nth("Transition", 0);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
