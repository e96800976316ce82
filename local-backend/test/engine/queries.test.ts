/** Index ranges, order, filters, pagination, search and counts through real function calls. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { JSONValue } from "../../src/engine/index.js";
import { anonymous, errorOf, startEngine, type TestEngine } from "./helpers.js";

let t: TestEngine;

beforeAll(async () => {
  t = await startEngine();
  await t.value("messages:sendMany", { channel: "general", count: 25 });
  await t.value("messages:sendMany", { channel: "random", count: 5 });
});
afterAll(async () => await t.dispose());

type Page = { page: { rank: number; _id: string }[]; isDone: boolean; continueCursor: string };

async function allPages(channel: string, numItems: number, order: "asc" | "desc" = "asc"): Promise<number[][]> {
  const pages: number[][] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page = (await t.value("messages:list", { channel, order, paginationOpts: { numItems, cursor } })) as unknown as Page;
    pages.push(page.page.map((m) => m.rank));
    if (page.isDone) break;
    cursor = page.continueCursor;
  }
  return pages;
}

describe("index ranges and order", () => {
  test("eq prefix, ascending and descending", async () => {
    const asc = (await t.value("messages:byChannel", { channel: "random" })) as { rank: number }[];
    expect(asc.map((m) => m.rank)).toEqual([0, 1, 2, 3, 4]);
    const desc = (await t.value("messages:byChannel", { channel: "random", order: "desc" })) as { rank: number }[];
    expect(desc.map((m) => m.rank)).toEqual([4, 3, 2, 1, 0]);
  });

  test("gt/lte bounds on the field after the eq prefix", async () => {
    expect(await t.value("messages:rankRange", { channel: "general", min: 3, max: 7 })).toEqual([4, 5, 6, 7]);
    expect(await t.value("messages:rankRange", { channel: "general", min: 3, max: 7, order: "desc" })).toEqual([7, 6, 5, 4]);
    expect(await t.value("messages:rankRange", { channel: "general", min: 30, max: 40 })).toEqual([]);
  });

  test("first() and filter().take(n)", async () => {
    const first = (await t.value("messages:first", { channel: "general" })) as { rank: number };
    expect(first.rank).toBe(0);
    expect(await t.value("messages:first", { channel: "nowhere" })).toBeNull();
    expect(await t.value("messages:takeByAuthor", { channel: "general", author: "a1", n: 3 })).toEqual([1, 4, 7]);
  });

  test("index fields out of order are rejected with the backend's message", async () => {
    const error = errorOf(await t.call("messages:badIndexRange"));
    expect(error.errorMessage).toContain("Tried to query index messages.by_channel_rank but the query didn't use the index fields in order.");
  });
});

describe("pagination", () => {
  test("pages cover the range once, in order, with cursors", async () => {
    const pages = await allPages("general", 10);
    expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(pages[0]).toHaveLength(10);
    const desc = await allPages("general", 7, "desc");
    expect(desc.flat()).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
  });

  test("cursors are stable under inserts and deletes elsewhere in the range", async () => {
    const first = (await t.value("messages:list", { channel: "stable", paginationOpts: { numItems: 2, cursor: null } })) as unknown as Page;
    expect(first.page).toEqual([]);
    for (let i = 0; i < 6; i++) await t.value("messages:send", { channel: "stable", author: "x", body: `b${i}`, rank: i });
    const page1 = (await t.value("messages:list", { channel: "stable", paginationOpts: { numItems: 3, cursor: null } })) as unknown as Page;
    expect(page1.page.map((m) => m.rank)).toEqual([0, 1, 2]);
    await t.value("messages:remove", { id: page1.page[0]!._id });
    await t.value("messages:send", { channel: "stable", author: "x", body: "late", rank: 99 });
    const page2 = (await t.value("messages:list", { channel: "stable", paginationOpts: { numItems: 3, cursor: page1.continueCursor } })) as unknown as Page;
    expect(page2.page.map((m) => m.rank)).toEqual([3, 4, 5]);
    const page3 = (await t.value("messages:list", { channel: "stable", paginationOpts: { numItems: 3, cursor: page2.continueCursor } })) as unknown as Page;
    expect(page3.page.map((m) => m.rank)).toEqual([99]);
    expect(page3.isDone).toBe(true);
  });

  test("a journal keeps a re-run page ending where it ended (reactive pagination)", async () => {
    for (let i = 0; i < 5; i++) await t.value("messages:send", { channel: "journal", author: "x", body: `j${i}`, rank: i });
    const args = { channel: "journal", order: "desc", paginationOpts: { numItems: 3, cursor: null } };
    const first = await t.engine.run({ path: "messages:list", args, caller: anonymous, requestId: "j1" });
    expect(first.status === "success" && first.journal).toBeTruthy();
    const journal = (first as { journal: string }).journal;
    await t.value("messages:send", { channel: "journal", author: "x", body: "newest", rank: 9 });
    const again = await t.engine.run({ path: "messages:list", args, caller: anonymous, requestId: "j2", journal });
    expect(((again as unknown as { value: Page }).value.page).map((m) => m.rank)).toEqual([9, 4, 3, 2]);
    const fresh = await t.engine.run({ path: "messages:list", args, caller: anonymous, requestId: "j3" });
    expect(((fresh as unknown as { value: Page }).value.page).map((m) => m.rank)).toEqual([9, 4, 3]);
  });

  test("maximumRowsRead splits a page", async () => {
    const page = (await t.value("messages:list", {
      channel: "general",
      paginationOpts: { numItems: 20, cursor: null, maximumRowsRead: 4 },
    })) as unknown as Page & { pageStatus: string; splitCursor: string | null };
    expect(page.page).toHaveLength(4);
    expect(page.pageStatus).toBe("SplitRequired");
    expect(page.isDone).toBe(false);
    expect(page.splitCursor).not.toBeNull();
  });
});

describe("values across types", () => {
  test("index order and ranges follow Convex's type order", async () => {
    const inserts: [string, JSONValue][] = [
      ["string", "a"],
      ["int", { $integer: "BQAAAAAAAAA=" }],
      ["null", null],
      ["float", 2.5],
      ["array", [1]],
      ["bool", true],
      ["object", { k: 1 }],
      ["bytes", { $bytes: "AQI=" }],
      ["negFloat", -1],
    ];
    for (const [label, value] of inserts) await t.value("values:insert", { label, value });
    expect(await t.value("values:ordered", {})).toEqual(["null", "int", "negFloat", "float", "bool", "string", "bytes", "array", "object"]);
    expect(await t.value("values:ordered", { order: "desc" })).toEqual(["object", "array", "bytes", "string", "bool", "float", "negFloat", "int", "null"]);
    expect(await t.value("values:between", { lo: -10, hi: 10 })).toEqual(["negFloat", "float"]);
    // A filter compares across types too (creation order: a full table scan).
    expect(await t.value("values:filtered", { min: 0 })).toEqual(["string", "float", "array", "bool", "object", "bytes"]);
  });

  test("edge values round-trip (int64, bytes, NaN, infinities, -0)", async () => {
    const value = (await t.value("values:edgeValues")) as Record<string, JSONValue>;
    expect(value.int).toEqual({ $integer: "AQAAAAAAIAA=" });
    expect(value.bytes).toEqual({ $bytes: "AAH+/w==" });
    expect(value.negZero).toEqual({ $float: "AAAAAAAAAIA=" });
    expect(await t.value("values:echo", { value })).toEqual(value);
  });
});

describe("search", () => {
  beforeAll(async () => {
    const docs = [
      ["search", "the quick brown fox jumps"],
      ["search", "a quick quick quick reply"],
      ["search", "lazy dogs sleep all day"],
      ["other", "quick thinking elsewhere"],
      ["search", "foxes are quicker than dogs"],
    ];
    for (const [channel, body] of docs) await t.value("messages:send", { channel: channel!, author: "s", body: body! });
  });

  test("ranks matches by relevance, prefix-matches the last term, filters by filter fields", async () => {
    const hits = (await t.value("messages:search", { text: "quick", channel: "search" })) as string[];
    expect(hits[0]).toBe("a quick quick quick reply");
    expect(hits).toContain("the quick brown fox jumps");
    expect(hits).toContain("foxes are quicker than dogs");
    expect(hits).not.toContain("quick thinking elsewhere");
    expect(await t.value("messages:search", { text: "quick", channel: "other" })).toEqual(["quick thinking elsewhere"]);
    expect(await t.value("messages:search", { text: "lazy do", channel: "search" })).toEqual(["lazy dogs sleep all day", "foxes are quicker than dogs"]);
    expect(await t.value("messages:search", { text: "zebra" })).toEqual([]);
  });

  test("sees updates and deletes", async () => {
    const id = (await t.value("messages:send", { channel: "search", author: "s", body: "unique zanzibar" })) as string;
    expect(await t.value("messages:search", { text: "zanzibar" })).toEqual(["unique zanzibar"]);
    await t.value("messages:edit", { id, body: "renamed" });
    expect(await t.value("messages:search", { text: "zanzibar" })).toEqual([]);
  });
});

describe("ids and normalizeId", () => {
  test("documents get real-format ids; normalizeId checks the table", async () => {
    const id = (await t.value("messages:send", { channel: "ids", author: "x", body: "y" })) as string;
    expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{32}$/);
    expect(await t.value("values:normalize", { table: "messages", id })).toBe(id);
    expect(await t.value("values:normalize", { table: "counters", id })).toBeNull();
    expect(await t.value("values:normalize", { table: "messages", id: "nonsense" })).toBeNull();
  });
});
