/** Raw sync-protocol behaviour against the real engine, beyond what the official clients show. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post, RawSyncClient } from "../server/harness.js";
import { startBackend, type Backend } from "./backend.js";

let backend: Backend;

beforeAll(async () => {
  backend = await startBackend();
}, 90_000);

afterAll(async () => {
  await backend.stop();
});

describe("paginated subscriptions", () => {
  it("keep their page bounds through the journal when rows are added in front", async () => {
    const channel = `journal-${crypto.randomUUID()}`;
    await post(`${backend.url}/api/mutation`, { path: "messages:sendMany", args: { channel, count: 4 } });
    const client = await RawSyncClient.connect(backend.url);
    const args = { channel, order: "desc", paginationOpts: { numItems: 2, cursor: null } };
    client.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 1, udfPath: "messages:list", args: [args] }] });
    const first = (await client.nth("Transition", 0)).modifications[0];
    expect(first.value.page.map((m: { body: string }) => m.body)).toEqual(["message 3", "message 2"]);
    expect(typeof first.journal).toBe("string");

    await post(`${backend.url}/api/mutation`, { path: "messages:send", args: { channel, author: "x", body: "newest" } });
    const update = (await client.nth("Transition", 1)).modifications[0];
    // Without the journal the page would slide to ["newest", "message 3"].
    expect(update.value.page.map((m: { body: string }) => m.body)).toEqual(["newest", "message 3", "message 2"]);
    client.close();
  });
});
