/**
 * HTTP actions end to end on the real engine over the fixture's convex/http.ts: served at the site
 * URL and under /http/ of the deployment URL, routed as convex/server's HttpRouter routes, with
 * ctx.runQuery/runMutation/scheduler, ctx.auth from the Authorization header, deployment env vars,
 * Convex's 404 and 500 bodies, the 20 MiB limits, and no CORS headers the router did not set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminKey } from "../../src/server/auth/adminKey.js";
import { DevIssuer } from "../../src/server/auth/devIssuer.js";
import { bindListeners, listenerUrls, startServer, type RunningServer } from "../../src/server/server.js";
import type { FunctionLogEntry } from "../../src/engine/index.js";
import { startEngine, waitFor, type TestEngine } from "../engine/helpers.js";

let engine: TestEngine;
let server: RunningServer;
let site: string;
let devIssuer: DevIssuer;
let adminKey: AdminKey;
const logs: FunctionLogEntry[] = [];

beforeAll(async () => {
  const listeners = await bindListeners(0, 0);
  const urls = listenerUrls(listeners);
  const systemEnv = { CONVEX_CLOUD_URL: urls.url, CONVEX_SITE_URL: urls.siteUrl! };
  engine = await startEngine({ env: { FIXTURE_SECRET: "s3cret" }, systemEnv });
  adminKey = await AdminKey.loadOrCreate(engine.dataDir);
  devIssuer = await DevIssuer.loadOrCreate(engine.dataDir);
  const deployment = engine.engine as unknown as import("../../src/engine/index.js").Deployment;
  deployment.onFunctionLog((entry) => logs.push(entry));
  server = await startServer({ engine: engine.engine, deployment, adminKey, devIssuer, port: 0, listeners });
  site = server.siteUrl!;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await engine?.dispose();
});

describe("routing", () => {
  it("serves the same action at the site URL and under /http/ of the deployment URL", async () => {
    for (const base of [site, `${server.url}/http`]) {
      const response = await fetch(`${base}/echo?x=1`, { method: "POST", body: "hello", headers: { "x-test": "t" } });
      expect(response.status).toBe(201);
      expect(response.headers.get("x-echo")).toBe("yes");
      const host = new URL(base).host;
      expect(await response.json()).toEqual({ method: "POST", url: `http://${host}/echo?x=1`, body: "hello", test: "t" });
    }
  });

  it("prefers the exact path, then the longest prefix; HEAD runs the GET route", async () => {
    expect(await (await fetch(`${site}/files/exact`)).text()).toBe("exact");
    expect(await (await fetch(`${site}/files/a/b`)).text()).toBe("prefix /files/a/b");
    const head = await fetch(`${site}/files/exact`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("answers an unrouted path or method with Convex's 404 text", async () => {
    const missing = await fetch(`${site}/nowhere`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("No HttpAction routed for /nowhere");
    const wrongMethod = await fetch(`${site}/echo`, { method: "PUT", body: "x" });
    expect(wrongMethod.status).toBe(404);
    expect(await wrongMethod.text()).toBe("No HttpAction routed for /echo");
  });

  it("adds no CORS headers: a preflight without an OPTIONS route is the router's 404", async () => {
    const preflight = await fetch(`${site}/echo`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(404);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const post = await fetch(`${site}/echo`, { method: "POST", body: "", headers: { origin: "https://app.example" } });
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keeps repeated response headers", async () => {
    const response = await fetch(`${site}/cookies`);
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
  });

  it("names the site URL where the Convex CLI asks for it (CONVEX_SITE_URL)", async () => {
    const response = await fetch(`${server.url}/api/v1/get_canonical_urls`, { headers: { authorization: `Convex ${adminKey.value}` } });
    expect(await response.json()).toEqual({ convexCloudUrl: server.url, convexSiteUrl: site });
  });

  it("lists the router's routes from the analyze step", () => {
    const routes = engine.engine.httpRoutes!()!;
    expect(routes).toContainEqual({ path: "/echo", method: "POST" });
    expect(routes).toContainEqual({ path: "/files/*", method: "GET" });
  });
});

describe("ctx", () => {
  it("runs mutations, queries, actions and the scheduler", async () => {
    const response = await fetch(`${site}/counter`, { method: "POST", body: JSON.stringify({ name: "http-counter" }) });
    expect(await response.json()).toEqual({ value: 1, read: 1, twice: 3 });
    expect(await engine.value("counter:get", { name: "http-counter" })).toBe(3);
    const events = await waitFor(
      () => engine.value("scheduling:events", { source: "http" }),
      (value) => Array.isArray(value) && value.includes("http-counter"),
    );
    expect(events).toContain("http-counter");
  });

  it("reads the identity of a verified token, none without a header, and throws for a bad one", async () => {
    const token = await devIssuer.mint({ subject: "user_42", claims: {}, expiresInSeconds: 60 });
    const signedIn = await fetch(`${site}/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(await signedIn.json()).toEqual({ subject: "user_42" });
    expect(await (await fetch(`${site}/whoami`)).json()).toEqual({ subject: null });
    const forged = await fetch(`${site}/whoami`, { headers: { authorization: "Bearer not.a.jwt" } });
    expect(forged.status).toBe(401);
    expect(await forged.text()).toMatch(/^identity refused: /);
  });

  it("sees the deployment's environment variables", async () => {
    expect(await (await fetch(`${site}/env`)).text()).toBe("s3cret");
  });

  it("sees Convex's system variables, which env list and env set leave alone", async () => {
    expect(await (await fetch(`${site}/urls`)).json()).toEqual({ cloud: server.url, site });
    const deployment = engine.engine as unknown as import("../../src/engine/index.js").Deployment;
    expect(Object.keys(deployment.environmentVariables())).toEqual(["FIXTURE_SECRET"]);
    await deployment.updateEnvironmentVariables([{ name: "EXTRA", value: "1" }]);
    expect(deployment.environmentVariables()).toEqual({ FIXTURE_SECRET: "s3cret", EXTRA: "1" });
    expect(await (await fetch(`${site}/urls`)).json()).toEqual({ cloud: server.url, site });
    await deployment.updateEnvironmentVariables([{ name: "EXTRA", value: null }]);
  });
});

describe("starting", () => {
  it("answers 503 on sockets bound before the engine is ready, then serves", async () => {
    const early = await bindListeners(0, 0);
    const { url, siteUrl } = listenerUrls(early);
    for (const base of [url, siteUrl!]) {
      const response = await fetch(`${base}/version`);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
    }
    const late = await startServer({ engine: engine.engine, adminKey, devIssuer, port: 0, listeners: early });
    expect((await fetch(`${late.url}/version`)).status).toBe(200);
    expect(await (await fetch(`${late.siteUrl}/files/exact`)).text()).toBe("exact");
    await late.close();
  });
});

describe("failures", () => {
  it("answers a throwing action with Convex's 500 JSON and logs it", async () => {
    const response = await fetch(`${site}/throws`, { method: "POST", headers: { "convex-request-id": "req-throws" } });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { code: string; trace: string };
    expect(body.code).toBe("[Request ID: req-throws] Server Error: Uncaught Error: webhook exploded");
    expect(body.trace).toMatch(/^Uncaught Error: webhook exploded/);
    const entry = logs.find((log) => log.requestId === "req-throws")!;
    expect(entry).toMatchObject({ kind: "httpAction", path: "POST /throws", error: "Uncaught Error: webhook exploded" });
    expect(entry.logLines.join("\n")).toContain("about to throw");
  });

  it("passes a ConvexError's data in the 500 body", async () => {
    const response = await fetch(`${site}/convexError`, { method: "POST" });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ data: { code: "BAD_INPUT" } });
  });

  it("refuses request bodies over 20 MiB with 413 and responses over 20 MiB with 500", async () => {
    const tooBig = await fetch(`${site}/echo`, { method: "POST", body: new Uint8Array(20 * 1024 * 1024 + 1) });
    expect(tooBig.status).toBe(413);
    const atLimit = await fetch(`${site}/big?bytes=${20 * 1024 * 1024}`);
    expect(atLimit.status).toBe(200);
    expect((await atLimit.arrayBuffer()).byteLength).toBe(20 * 1024 * 1024);
    const overLimit = await fetch(`${site}/big?bytes=${20 * 1024 * 1024 + 1}`);
    expect(overLimit.status).toBe(500);
    expect(((await overLimit.json()) as { code: string }).code).toMatch(/Server Error: HttpResponseTooLarge: HTTP actions support responses up to 20 MiB$/);
  }, 60_000);

  it("refuses methods Convex does not route", async () => {
    const response = await fetch(`${site}/echo`, { method: "PROPFIND" });
    expect(response.status).toBe(405);
  });
});
