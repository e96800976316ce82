import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, post, type Harness } from "./harness.js";

let h: Harness;
let admin: Record<string, string>;

beforeAll(async () => {
  h = await startHarness();
  admin = { authorization: `Convex ${h.adminKey.value}` };
});

afterAll(async () => {
  await h.close();
});

const encoded = { "convex-client": "python-0.8.1" };

describe("function endpoints", () => {
  it("runs a query, a mutation and an action with Convex response shapes", async () => {
    const mutation = await post(`${h.url}/api/mutation`, { path: "counter:increment", args: { by: 2 }, format: "convex_encoded_json" });
    expect(mutation.status).toBe(200);
    expect(mutation.text).toBe('{"status":"success","value":2.0}');
    const query = await post(`${h.url}/api/query`, { path: "counter.js:get", args: [{}], format: "convex_encoded_json" });
    expect(query.body).toEqual({ status: "success", value: 2 });
    const action = await post(`${h.url}/api/action`, { path: "actions:echo", args: { x: "y" } });
    expect(action.body).toEqual({ status: "success", value: { x: "y" } });
  });

  it("defaults the format by Convex-Client and honours an explicit format", async () => {
    const clean = await post(`${h.url}/api/query`, { path: "values:special", args: {} });
    expect(clean.body.value.int).toBe("5");
    const legacy = await post(`${h.url}/api/query`, { path: "values:special", args: {} }, { "convex-client": "python-0.5.0" });
    expect(legacy.body.value.int).toEqual({ $integer: "BQAAAAAAAAA=" });
    const exported = await post(`${h.url}/api/query`, { path: "values:special", args: {}, format: "export_json" }, encoded);
    expect(exported.text).toContain('"int":5,');
  });

  it("serves GET /api/query, /api/run, query_ts, query_at_ts and query_batch", async () => {
    const args = encodeURIComponent(JSON.stringify({ a: 1 }));
    const get = await fetch(`${h.url}/api/query?path=values:echo&args=${args}&format=convex_encoded_json`);
    expect(await get.text()).toBe('{"status":"success","value":{"a":1.0}}');

    const run = await post(`${h.url}/api/run/values/special`, { args: {} });
    expect(run.body.value.int).toBe("5");

    const { body: ts } = await post(`${h.url}/api/query_ts`, "");
    await post(`${h.url}/api/mutation`, { path: "counter:increment", args: {} });
    const before = await post(`${h.url}/api/query_at_ts`, { path: "counter:get", args: {}, ts: ts.ts });
    const now = await post(`${h.url}/api/query`, { path: "counter:get", args: {} });
    expect(now.body.value).toBe(before.body.value + 1);

    const batch = await post(`${h.url}/api/query_batch`, {
      queries: [{ path: "counter:get", args: {} }, { path: "values:echo", args: { b: 2 }, format: "convex_encoded_json" }],
    });
    expect(batch.body.results).toEqual([{ status: "success", value: now.body.value }, { status: "success", value: { b: 2 } }]);
    const atTs = h.engine.calls.slice(-2).map((call) => call.atTs);
    expect(atTs[0]).toBeDefined();
    expect(atTs[0]).toBe(atTs[1]);
  });

  it("reports function errors as HTTP 200 with errorMessage and errorData", async () => {
    const convexError = await post(`${h.url}/api/mutation`, { path: "errors:convexError", args: {} });
    expect(convexError.status).toBe(200);
    expect(convexError.body).toMatchObject({ status: "error", errorData: { code: "NOT_FOUND", message: "missing" } });
    expect(convexError.body.errorMessage).toMatch(/^\[Request ID: [0-9a-f]+\] Server Error\nUncaught ConvexError/);

    const plain = await post(`${h.url}/api/mutation`, { path: "errors:plain", args: {} });
    expect(plain.body).toMatchObject({ status: "error" });
    expect(plain.body.errorData).toBeUndefined();

    const wrongKind = await post(`${h.url}/api/query`, { path: "counter:increment", args: {} });
    expect(wrongKind.body.errorMessage).toMatch(/defined as mutation/);
    const missing = await post(`${h.url}/api/query`, { path: "nope:nothing", args: {} });
    expect(missing.body.errorMessage).toMatch(/Could not find public function/);
  });

  it("uses the Convex-Request-Id header in error messages", async () => {
    const reply = await post(`${h.url}/api/mutation`, { path: "errors:plain", args: {} }, { "convex-request-id": "abc123" });
    expect(reply.body.errorMessage).toMatch(/^\[Request ID: abc123\]/);
  });

  it("turns an engine exception into a Server Error result without harming later requests", async () => {
    const crash = await post(`${h.url}/api/query`, { path: "errors:engineCrash", args: {} });
    expect(crash.status).toBe(200);
    expect(crash.body).toEqual({ status: "error", errorMessage: expect.stringMatching(/Server Error$/) });
    expect(h.errors.some((e) => e.includes("engine bug"))).toBe(true);
    expect((await post(`${h.url}/api/query`, { path: "counter:get", args: {} })).status).toBe(200);
  });
});

describe("internal functions", () => {
  it("are invisible without the admin key and run with it", async () => {
    const refused = await post(`${h.url}/api/query`, { path: "secret:internalQuery", args: {} });
    expect(refused.body.errorMessage).toMatch(/Could not find public function for 'secret:internalQuery'/);
    expect(h.engine.calls.some((c) => c.path === "secret:internalQuery")).toBe(false);
    const allowed = await post(`${h.url}/api/query`, { path: "secret:internalQuery", args: {} }, admin);
    expect(allowed.body).toEqual({ status: "success", value: "secret" });
  });

  it("/api/function needs the admin key (403 without, 401 with a wrong one)", async () => {
    const body = { path: "secret:internalMutation", args: {}, format: "convex_encoded_json" };
    expect((await post(`${h.url}/api/function`, body)).status).toBe(403);
    expect((await post(`${h.url}/api/function`, body, { authorization: "Convex wrong" })).status).toBe(401);
    const ok = await post(`${h.url}/api/function`, body, { ...admin, "convex-client": "npm-cli-1.48.0" });
    expect(ok.body).toEqual({ status: "success", value: "done" });
    const component = await post(`${h.url}/api/function`, { ...body, componentPath: "sub" }, admin);
    expect(component.status).toBe(400);
  });

  it("passes the acting-as identity through with admin rights", async () => {
    const identity = Buffer.from(JSON.stringify({ subject: "u1", issuer: "https://convex.test", name: "Ann" })).toString("base64");
    const reply = await post(`${h.url}/api/query`, { path: "auth:whoami", args: {} }, { authorization: `Convex ${h.adminKey.value}:${identity}` });
    expect(reply.body.value).toEqual({ subject: "u1", issuer: "https://convex.test", tokenIdentifier: "https://convex.test|u1", name: "Ann" });
    expect(h.engine.calls.at(-1)?.caller.admin).toBe(true);
  });
});

describe("development tokens", () => {
  it("mints a token for the admin only, and the token authenticates", async () => {
    expect((await post(`${h.url}/_doctrina/dev_token`, { subject: "u" })).status).toBe(403);
    expect((await post(`${h.url}/_doctrina/dev_token`, { subject: "" }, admin)).status).toBe(400);
    expect((await post(`${h.url}/_doctrina/dev_token`, { subject: "u", expiresInSeconds: -1 }, admin)).status).toBe(400);
    expect((await post(`${h.url}/_doctrina/dev_token`, { subject: "u", claims: { iss: "x" } }, admin)).status).toBe(400);
    const minted = await post(`${h.url}/_doctrina/dev_token`, { subject: "user_9", claims: { email: "x@y.z" } }, admin);
    expect(Object.keys(minted.body)).toEqual(["token"]);
    const me = await post(`${h.url}/api/query`, { path: "auth:whoami", args: {} }, { authorization: `Bearer ${minted.body.token}` });
    expect(me.body.value).toMatchObject({ subject: "user_9", email: "x@y.z", issuer: "https://dev.doctrina.local" });
    const bad = await post(`${h.url}/api/query`, { path: "auth:whoami", args: {} }, { authorization: `Bearer ${minted.body.token}x` });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject({ code: "Unauthenticated" });
  });
});

describe("malformed requests", () => {
  const cases: Array<[string, string, unknown, Record<string, string>, number, string]> = [
    ["bad JSON", "/api/query", "{nope", {}, 400, "BadJsonBody"],
    ["non-object body", "/api/query", "[1,2]", {}, 400, "BadJsonBody"],
    ["missing path", "/api/query", { args: {} }, {}, 400, "BadJsonBody"],
    ["bad path", "/api/query", { path: "../x:y", args: {} }, {}, 400, "BadConvexFunctionIdentifier"],
    ["bad args", "/api/mutation", { path: "counter:increment", args: 5 }, {}, 400, "InvalidUdfArgs"],
    ["bad format", "/api/query", { path: "counter:get", args: {}, format: "yaml" }, {}, 400, "BadFormat"],
    ["bad client header", "/api/query", { path: "counter:get", args: {} }, { "convex-client": "garbage" }, 400, "InvalidVersion"],
    ["bad auth scheme", "/api/query", { path: "counter:get", args: {} }, { authorization: "Token abc" }, 400, "InvalidAdminKey"],
    ["bad query_at_ts", "/api/query_at_ts", { path: "counter:get", args: {}, ts: "x" }, {}, 400, "BadJsonBody"],
    ["bad batch", "/api/query_batch", { queries: 3 }, {}, 400, "BadJsonBody"],
    ["unknown route", "/api/nothing", {}, {}, 404, "NotFound"],
  ];

  it.each(cases)("%s -> %i", async (_name, path, body, headers, status, code) => {
    const reply = await post(`${h.url}${path}`, body, headers);
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ code, message: expect.any(String) });
  });

  it("refuses a wrong method with 405", async () => {
    const reply = await fetch(`${h.url}/api/mutation`);
    expect(reply.status).toBe(405);
  });

  it("refuses an oversized body with 413 and keeps serving", async () => {
    const huge = JSON.stringify({ path: "values:echo", args: { blob: "x".repeat(16 * 1024 * 1024 + 2000) } });
    const [reply, healthy] = await Promise.all([
      post(`${h.url}/api/query`, huge),
      post(`${h.url}/api/query`, { path: "counter:get", args: {} }),
    ]);
    expect(reply.status).toBe(413);
    expect(reply.body.code).toBe("PayloadTooLarge");
    expect(healthy.status).toBe(200);
  });

  it("survives a client that hangs up in the middle of its body", async () => {
    const port = Number(new URL(h.url).port);
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("POST /api/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pa");
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    const healthy = await post(`${h.url}/api/query`, { path: "counter:get", args: {} });
    expect(healthy.status).toBe(200);
  });

  it("serves /version", async () => {
    const reply = await fetch(`${h.url}/version`);
    expect(await reply.json()).toEqual({ name: "doctrina-local-backend", version: expect.any(String) });
  });
});
