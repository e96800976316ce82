/** Serializability (OCC with retries), snapshot reads and read-set invalidation precision. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Commit, ReadSet, UdfResult } from "../../src/engine/index.js";
import { anonymous, startEngine, waitFor, type TestEngine } from "./helpers.js";

let t: TestEngine;
beforeAll(async () => (t = await startEngine()));
afterAll(async () => await t.dispose());

const OCC_TEXT = /\nDocuments read from or written to the "counters" table changed while this mutation was being run and on every subsequent retry\. See https:\/\/docs\.convex\.dev\/error#1\n/;

/** A call that lost to conflicts on all of Convex's retries: OCC text, backend error code, nothing written. */
function expectOccFailure(result: UdfResult): void {
  // The message names what failed instead when it is another error.
  expect(result, JSON.stringify(result)).toMatchObject({ status: "error", errorCode: "OptimisticConcurrencyControlFailure" });
  expect((result as { errorMessage: string }).errorMessage).toMatch(OCC_TEXT);
}

describe("serializable mutations", () => {
  test("8 concurrent clients x 200 read-modify-write increments: every success counted once, nothing else", async () => {
    let successes = 0;
    const client = async () => {
      for (let i = 0; i < 200; i++) {
        const result = await t.call("counter:increment", { name: "hot" });
        if (result.status === "success") successes++;
        else expectOccFailure(result);
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    expect(successes).toBeGreaterThan(0);
    expect(await t.value("counter:get", { name: "hot" })).toBe(successes);
  }, 120_000);

  test("a mutation conflicting on every retry fails with Convex's OCC error and writes nothing", async () => {
    await t.value("counter:increment", { name: "contended" });
    let done = false;
    let writes = 1;
    const writer = (async () => {
      for (let i = 0; i < 20_000 && !done; i++) {
        if ((await t.call("counter:increment", { name: "contended" })).status === "success") writes++;
      }
    })();
    const slow = await t.call("fidelity:slowIncrement", { name: "contended", holdMs: 40 });
    done = true;
    await writer;
    expectOccFailure(slow);
    expect(await t.value("counter:get", { name: "contended" })).toBe(writes);
  }, 60_000);

  test("a scheduled mutation losing to conflicts past those retries is retried by the scheduler until it commits", async () => {
    await t.value("counter:increment", { name: "scheduled-hot" });
    let writes = 1;
    const id = (await t.value("fidelity:scheduleSlowIncrement", { name: "scheduled-hot", holdMs: 40 })) as string;
    // Contention for longer than the runner's 4 retries last (their backoff totals at most 1.5 s), then none.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      if ((await t.call("counter:increment", { name: "scheduled-hot" })).status === "success") writes++;
    }
    const job = async () => (await t.value("scheduling:job", { id })) as { state: { kind: string } };
    expect((await waitFor(job, (j) => j.state.kind !== "pending", 30_000)).state.kind).toBe("success");
    expect(await t.value("counter:get", { name: "scheduled-hot" })).toBe(writes + 1000);
  }, 60_000);

  test("without contention the same mutation commits", async () => {
    await t.value("counter:increment", { name: "calm" });
    await t.value("fidelity:slowIncrement", { name: "calm", holdMs: 40 });
    expect(await t.value("counter:get", { name: "calm" })).toBe(1001);
  });

  test("concurrent transfers keep the total invariant, and every snapshot sees it", async () => {
    const names = ["p", "q", "r"];
    for (const name of names) await t.value("counter:increment", { name, by: 100 });
    const transfers = Array.from({ length: 150 }, (_, i) =>
      t.call("counter:transfer", { from: names[i % 3]!, to: names[(i + 1) % 3]!, amount: (i % 5) + 1 }),
    );
    const sums: number[] = [];
    const readers = Array.from({ length: 40 }, async () => sums.push((await t.value("counter:sum", { names })) as number));
    const results = await Promise.all(transfers);
    await Promise.all(readers);
    for (const result of results) if (result.status !== "success") expectOccFailure(result);
    expect(results.some((r) => r.status === "success")).toBe(true);
    expect(new Set(sums)).toEqual(new Set([300]));
    expect(await t.value("counter:sum", { names })).toBe(300);
  }, 60_000);
});

describe("read sets", () => {
  async function tracked(path: string, args: Record<string, unknown>): Promise<ReadSet> {
    const { result, readSet } = await t.engine.runQueryTracked({ path, args: args as never, caller: anonymous, requestId: "tracked" });
    expect(result.status).toBe("success");
    return readSet;
  }

  /** The commit of one mutation (the fixture's cron may commit concurrently). */
  async function commitOf(path: string, args: Record<string, unknown>): Promise<Commit> {
    const commits: Commit[] = [];
    const stop = t.engine.onCommit((c) => commits.push(c));
    const result = await t.call(path, args as never);
    stop();
    expect(result.status).toBe("success");
    const commit = commits.find((c) => c.ts === (result as { ts: bigint }).ts);
    expect(commit).toBeDefined();
    return commit!;
  }

  test("an index range is invalidated only by writes inside it", async () => {
    await t.value("messages:sendMany", { channel: "rs", count: 10 });
    const range = await tracked("messages:rankRange", { channel: "rs", min: 2, max: 5 });
    expect(range.isInvalidatedBy(await commitOf("messages:send", { channel: "rs", author: "x", body: "outside", rank: 8 }))).toBe(false);
    expect(range.isInvalidatedBy(await commitOf("messages:send", { channel: "other-rs", author: "x", body: "other", rank: 3 }))).toBe(false);
    expect(range.isInvalidatedBy(await commitOf("messages:send", { channel: "rs", author: "x", body: "inside", rank: 4 }))).toBe(true);
  });

  test("first() reads one entry: later documents in the range do not invalidate it", async () => {
    await t.value("messages:send", { channel: "firsts", author: "x", body: "one" });
    const first = await tracked("messages:first", { channel: "firsts" });
    expect(first.isInvalidatedBy(await commitOf("messages:send", { channel: "firsts", author: "x", body: "two" }))).toBe(false);
    const all = await tracked("messages:byChannel", { channel: "firsts" });
    expect(all.isInvalidatedBy(await commitOf("messages:send", { channel: "firsts", author: "x", body: "three" }))).toBe(true);
  });

  test("updates invalidate through the old or the new key; unrelated documents do not", async () => {
    const id = (await t.value("messages:send", { channel: "moves", author: "x", body: "m", rank: 1 })) as string;
    await t.value("messages:send", { channel: "stay", author: "x", body: "s", rank: 1 });
    const stay = await tracked("messages:byChannel", { channel: "stay" });
    expect(stay.isInvalidatedBy(await commitOf("messages:edit", { id, body: "edited" }))).toBe(false);
    const moves = await tracked("messages:byChannel", { channel: "moves" });
    expect(moves.isInvalidatedBy(await commitOf("messages:remove", { id }))).toBe(true);
  });

  test("a point read of a missing document is invalidated when it appears", async () => {
    const empty = await tracked("counter:get", { name: "appears" });
    expect(empty.isInvalidatedBy(await commitOf("counter:increment", { name: "elsewhere" }))).toBe(false);
    expect(empty.isInvalidatedBy(await commitOf("counter:increment", { name: "appears" }))).toBe(true);
  });

  test("search reads are invalidated by matching documents only", async () => {
    const search = await tracked("messages:search", { text: "platypus" });
    expect(search.isInvalidatedBy(await commitOf("messages:send", { channel: "s", author: "x", body: "a kangaroo" }))).toBe(false);
    expect(search.isInvalidatedBy(await commitOf("messages:send", { channel: "s", author: "x", body: "a platypus" }))).toBe(true);
  });

  test("commits the subscriber missed are available from commitsSince", async () => {
    const before = t.engine.latestTs();
    await t.value("counter:increment", { name: "since" });
    const missed = t.engine.commitsSince!(before);
    expect(missed?.length).toBeGreaterThanOrEqual(1);
    expect(missed!.every((c) => c.ts > before)).toBe(true);
  });
});

describe("snapshots", () => {
  test("queries can read at an earlier timestamp", async () => {
    await t.value("counter:increment", { name: "history" });
    const ts = t.engine.latestTs();
    await t.value("counter:increment", { name: "history" });
    const old = await t.engine.run({ path: "counter:get", args: { name: "history" }, caller: anonymous, requestId: "at", atTs: ts });
    expect(old).toMatchObject({ status: "success", value: 1, ts });
    expect(await t.value("counter:get", { name: "history" })).toBe(2);
  });

  test("timestamps are strictly increasing u64 nanoseconds", async () => {
    const a = (await t.call("counter:increment", { name: "ts" })) as { ts: bigint };
    const b = (await t.call("counter:increment", { name: "ts" })) as { ts: bigint };
    expect(b.ts).toBeGreaterThan(a.ts);
    expect(a.ts).toBeGreaterThan(BigInt(Date.now() - 60_000) * 1_000_000n);
  });
});
