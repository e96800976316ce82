/** Request limits: batch size, per-route body size, oversized headers, and a server that stays responsive. */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LARGE_CALL_BODY_BYTES } from "../../src/server/http/callBodies.js";
import { MAX_HEADER_BYTES } from "../../src/server/http/clientError.js";
import { MAX_BATCH_QUERIES } from "../../src/server/http/udfRoutes.js";
import { post, startHarness, type Harness } from "./harness.js";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
});

const counterGet = { path: "counter:get", args: {} };

describe("large function-call bodies (parsed on a worker thread)", () => {
  const big = "x".repeat(LARGE_CALL_BODY_BYTES + 10);

  it("answer as small ones do: a value, legacy [args], /api/run and /api/function", async () => {
    const nested = { text: big, list: [1, { deep: [null, true] }] };
    for (const [route, body, headers] of [
      ["/api/query", { path: "values:echo", args: { value: nested } }, {}],
      ["/api/query", { path: "values:echo", args: [{ value: nested }] }, {}],
      ["/api/run/values/echo", { args: { value: nested } }, {}],
      ["/api/function", { path: "values:echo", args: { value: nested } }, { authorization: `Convex ${h.adminKey.value}` }],
    ] as const) {
      const reply = await post(`${h.url}${route}`, body, headers);
      expect(reply.status, `${route} ${reply.text.slice(0, 200)}`).toBe(200);
      expect(reply.body, `${route} ${reply.text.slice(0, 300)}`).toMatchObject({ status: "success", value: { value: nested } });
    }
  });

  it("are refused as small ones are, path first, and write nothing", async () => {
    const counter = async () => (await post(`${h.url}/api/query`, { path: "counter:get", args: {} })).body;
    const before = await counter();
    const missingPath = await post(`${h.url}/api/mutation`, { args: { name: big } });
    expect(missingPath).toMatchObject({ status: 400, body: { code: "BadJsonBody", message: "Missing field `path`" } });
    const badArgs = await post(`${h.url}/api/mutation`, { path: "counter:increment", args: big });
    expect(badArgs).toMatchObject({ status: 400, body: { code: "InvalidUdfArgs" } });
    const deep = `{"path":"counter:increment","args":{"name":"${big}","x":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
    expect(await post(`${h.url}/api/mutation`, deep)).toMatchObject({ status: 400, body: { code: "TooNestedError" } });
    const notJson = await post(`${h.url}/api/query`, `{"path":"values:echo","args":"${big}`);
    expect(notJson).toMatchObject({ status: 400, body: { code: "BadJsonBody" } });
    expect(await counter()).toEqual(before);
  });
});

describe("query batches", () => {
  it(`refuses more than ${MAX_BATCH_QUERIES} queries with 400 TooManyQueries`, async () => {
    const reply = await post(`${h.url}/api/query_batch`, { queries: Array(MAX_BATCH_QUERIES + 1).fill(counterGet) });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ code: "TooManyQueries", message: expect.stringContaining(`${MAX_BATCH_QUERIES}`) });
  });

  it(`answers a batch of ${MAX_BATCH_QUERIES} in order`, async () => {
    await post(`${h.url}/api/mutation`, { path: "counter:increment", args: { by: 3 } });
    const reply = await post(`${h.url}/api/query_batch`, { queries: Array(MAX_BATCH_QUERIES).fill(counterGet) });
    expect(reply.status).toBe(200);
    expect(reply.body.results).toHaveLength(MAX_BATCH_QUERIES);
    expect(new Set(reply.body.results.map((r: { value: unknown }) => r.value))).toEqual(new Set([3]));
  });

  it("lets the health check through while a long batch runs", async () => {
    const slow = { path: "slow:query", args: { ms: 5 } };
    let batchDone = false;
    const batch = post(`${h.url}/api/query_batch`, { queries: Array(MAX_BATCH_QUERIES).fill(slow) }).then((reply) => {
      batchDone = true;
      return reply;
    });
    for (let i = 0; i < 3; i++) {
      const version = await fetch(`${h.url}/version`);
      expect(version.status).toBe(200);
    }
    // Three health checks answered while the batch (at least 5 ms x 1000 / 4 at a time) still runs.
    expect(batchDone).toBe(false);
    expect((await batch).status).toBe(200);
  });
});

describe("body size per route", () => {
  it("refuses a development-token request over 64 KiB with 413", async () => {
    const admin = { authorization: `Convex ${h.adminKey.value}` };
    const reply = await post(`${h.url}/_doctrina/dev_token`, { subject: "x".repeat(70 * 1024) }, admin);
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({ code: "PayloadTooLarge", message: expect.stringContaining("65536") });
  });
});

/** Sends one raw HTTP request and reads the whole answer (the server closes the connection). */
function rawRequest(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(h.url).port), "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error("no answer in 10 s")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString()));
    socket.end(request);
  });
}

const counter = async () => (await post(`${h.url}/api/query`, counterGet)).body.value;

describe("oversized and malformed HTTP", () => {
  it("answers a 200 KB Authorization header with 431, every time, and writes nothing", async () => {
    const before = await counter();
    const body = JSON.stringify({ path: "counter:increment", args: {} });
    const bearer = "Bearer " + "a".repeat(200 * 1024);
    for (let i = 0; i < 20; i++) {
      const reply = await fetch(`${h.url}/api/mutation`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: bearer },
        body,
      });
      expect(reply.status).toBe(431);
      expect(await reply.json()).toMatchObject({ code: "RequestHeaderFieldsTooLarge" });
    }
    expect(await counter()).toBe(before);
  });

  it(`accepts headers just under ${MAX_HEADER_BYTES} bytes`, async () => {
    const reply = await post(`${h.url}/api/query`, counterGet, { "x-padding": "p".repeat(MAX_HEADER_BYTES - 1024) });
    expect(reply.status).toBe(200);
  });

  it("answers a malformed request line with 400 and a JSON body", async () => {
    const answer = await rawRequest("NOT HTTP AT ALL\r\n\r\n");
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"code":"BadRequest"');
  });
});
