/**
 * The search index's ranking against a brute-force reference of Convex's rules (BM25 over
 * every matched term, exact matches weighing 1 and prefix matches of the last term 0.5, at
 * most 16 prefix matches, ties newest first), and its top-k being exactly the reference's
 * first k however early it stops: in memory, and over SQLite (overlay only, rows on disk
 * after a checkpoint, overlay updates and deletes shadowing disk rows, after a restart, and
 * backfilled from the stored documents).
 */
import { rm } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { Persistence } from "../../src/engine/durability/persistence.js";
import { parseSchema, type Schema } from "../../src/engine/schema.js";
import { Database } from "../../src/engine/store/database.js";
import { makeRecord, type DocRecord } from "../../src/engine/store/document.js";
import type { Write } from "../../src/engine/store/readset.js";
import { SearchIndex, type SearchQuery } from "../../src/engine/store/search.js";
import { tokenize } from "../../src/engine/store/searchTerms.js";
import { tempDir } from "./helpers.js";

const DEF = { name: "search_body", searchField: "body", filterFields: ["channel"] };

function docs(bodies: string[]): DocRecord[] {
  return bodies.map((body, i) =>
    makeRecord("articles", { _id: `id${String(i).padStart(6, "0")}`, _creationTime: 1_700_000_000_000 + i, body, channel: i % 3 === 0 ? "a" : "b" }, []),
  );
}

function indexOf(records: DocRecord[]): SearchIndex {
  const index = SearchIndex.over(DEF, null);
  for (const record of records) index.add(record, 0n);
  return index;
}

/** Scores every document the obvious way. */
function reference(records: DocRecord[], query: SearchQuery): { id: string; score: number }[] {
  const tokens = records.map((r) => tokenize(r.value.body as string));
  const vocabulary = [...new Set(tokens.flat())].sort();
  const matched = new Map<string, number>();
  const candidates: { term: string; prefix: boolean }[] = [];
  query.terms.forEach((term, i) => {
    if (vocabulary.includes(term)) candidates.push({ term, prefix: false });
    if (i === query.terms.length - 1) for (const t of vocabulary.filter((v) => v.startsWith(term) && v !== term).slice(0, 16)) candidates.push({ term: t, prefix: true });
  });
  candidates.sort((a, b) => Number(a.prefix) - Number(b.prefix) || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  for (const { term, prefix } of candidates) if (!matched.has(term) && matched.size < 64) matched.set(term, prefix ? 0.5 : 1);
  const n = records.length;
  const average = tokens.reduce((sum, t) => sum + t.length, 0) / n;
  const scored = records.map((record, i) => {
    let score = 0;
    let hit = false;
    for (const [term, boost] of matched) {
      const tf = tokens[i]!.filter((t) => t === term).length;
      if (tf === 0) continue;
      hit = true;
      const df = tokens.filter((t) => t.includes(term)).length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      score += boost * idf * ((tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * tokens[i]!.length) / Math.max(average, 1))));
    }
    const filtered = query.filters.every((f) => record.value[f.field] === f.value);
    return { id: record.id, score, time: record.value._creationTime as number, keep: hit && filtered };
  });
  return scored
    .filter((s) => s.keep)
    .sort((a, b) => b.score - a.score || b.time - a.time)
    .map(({ id, score }) => ({ id, score }));
}

/** A small deterministic generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

const WORDS = ["common", "rare", "course", "courses", "botox", "filler", "laser", "lase", "cert", "certificate", "x"];

function randomBodies(count: number, seed: number): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(next() * 8) }, () => WORDS[Math.floor(next() * (next() < 0.5 ? 3 : WORDS.length))]).join(" "),
  );
}

const QUERIES: SearchQuery[] = [
  { terms: ["common"], filters: [] },
  { terms: ["rare"], filters: [] },
  { terms: ["cour"], filters: [] },
  { terms: ["botox", "las"], filters: [] },
  { terms: ["common", "rare", "laser"], filters: [] },
  { terms: ["filler", "c"], filters: [{ field: "channel", value: "a" }] },
  { terms: ["nothing"], filters: [] },
];

/** Every query's top-k, for several k, equals the reference's over `records` (the documents the index holds). */
function expectReference(index: SearchIndex, records: DocRecord[], lookup: (id: string) => DocRecord | undefined, label: string): void {
  for (const query of QUERIES) {
    const expected = reference(records, query);
    for (const k of [1, 10, 100, 1024]) {
      const hits = index.search(query, lookup, k);
      expect(hits.map((h) => h.record.id), JSON.stringify({ label, query, k })).toEqual(expected.slice(0, k).map((e) => e.id));
      hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i]!.score, 9));
    }
  }
}

describe("search ranking", () => {
  test("top-k equals the brute-force ranking's first k, for one and several terms, prefixes and filters", () => {
    const records = docs(randomBodies(400, 7));
    const byId = new Map(records.map((r) => [r.id, r]));
    expectReference(indexOf(records), records, (id) => byId.get(id), "memory");
  });

  test("an exact match outranks a prefix match; equal scores come newest first", () => {
    const records = docs(["laser", "lasers", "laser", "lasers"]);
    const index = indexOf(records);
    const byId = new Map(records.map((r) => [r.id, r]));
    expect(index.search({ terms: ["laser"], filters: [] }, (id) => byId.get(id)).map((h) => h.record.value.body)).toEqual(["laser", "laser", "lasers", "lasers"]);
    expect(index.search({ terms: ["laser"], filters: [] }, (id) => byId.get(id)).map((h) => h.record.id)).toEqual(["id000002", "id000000", "id000003", "id000001"]);
  });

  test("a prefix matches at most 16 terms, the first in order", () => {
    const bodies = Array.from({ length: 20 }, (_, i) => `term${String.fromCharCode(97 + i)}`);
    const records = docs(bodies);
    const byId = new Map(records.map((r) => [r.id, r]));
    const hits = indexOf(records).search({ terms: ["term"], filters: [] }, (id) => byId.get(id));
    expect(hits.map((h) => h.record.value.body).sort()).toEqual(bodies.slice(0, 16));
  });

  test("removing a document removes it from every structure", () => {
    const records = docs(["common one", "common two"]);
    const index = indexOf(records);
    const byId = new Map(records.map((r) => [r.id, r]));
    index.remove(records[0]!, 0n);
    expect(index.search({ terms: ["common"], filters: [] }, (id) => byId.get(id)).map((h) => h.record.id)).toEqual(["id000001"]);
    expect(index.search({ terms: ["one"], filters: [] }, (id) => byId.get(id))).toEqual([]);
  });
});

function articlesSchema(withSearch: boolean): Schema {
  const searchIndexes = withSearch ? [{ indexDescriptor: DEF.name, searchField: DEF.searchField, filterFields: DEF.filterFields }] : [];
  return parseSchema(JSON.stringify({ tables: [{ tableName: "articles", indexes: [], searchIndexes, documentType: null }], schemaValidation: false }));
}

/** A store over a data directory, as the engine runs one: commits logged, then published; checkpoints on demand. */
async function openStore(dir: string, schema: Schema) {
  const persistence = await Persistence.open(dir);
  const db = new Database(schema, 0n);
  await persistence.load(db, dir);
  const table = () => db.published.tables.get("articles")!;
  return {
    db,
    persistence,
    index: () => table().search.get(DEF.name)!,
    lookup: (id: string) => table().get(id),
    async commit(writes: Write[]): Promise<void> {
      const { commit, snapshot } = db.apply(writes);
      await new Promise<void>((resolve, reject) => persistence.append(commit, resolve, reject));
      db.publish(commit, snapshot);
    },
  };
}

function articles(bodies: string[], from = 0): { id: string; body: string; channel: string; time: number }[] {
  return bodies.map((body, i) => ({ id: `id${String(from + i).padStart(6, "0")}`, body, channel: (from + i) % 3 === 0 ? "a" : "b", time: 1_700_000_000_000 + from + i }));
}

describe("search indexes on disk", () => {
  test("match the reference in the overlay, on disk after a checkpoint, with overlay updates and deletes shadowing disk rows, and after a restart", async () => {
    const dir = await tempDir();
    let store = await openStore(dir, articlesSchema(true));
    const current = new Map<string, DocRecord>();
    const put = (a: { id: string; body: string; channel: string; time: number }): Write => {
      const next = store.db.record("articles", { _id: a.id, _creationTime: a.time, body: a.body, channel: a.channel });
      const write = { table: "articles", id: a.id, old: undefined, next };
      current.set(a.id, next);
      return write;
    };
    const check = (label: string) => expectReference(store.index(), [...current.values()], store.lookup, label);

    await store.commit(articles(randomBodies(300, 7)).map(put));
    check("overlay");
    store.persistence.checkpoint();
    check("disk");

    const updates = articles(randomBodies(60, 11), 100);
    await store.commit(updates.map(put));
    const deleted = [...current.keys()].filter((_, i) => i % 7 === 0);
    await store.commit(deleted.map((id) => ({ table: "articles", id, old: undefined, next: undefined })));
    for (const id of deleted) current.delete(id);
    check("overlay over disk");

    store.persistence.close();
    store = await openStore(dir, articlesSchema(true));
    check("restart");
    await store.commit(articles(randomBodies(50, 13), 300).map(put));
    store.persistence.checkpoint();
    check("second checkpoint");
    store.persistence.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("a search index the stored data lacks is backfilled from the stored documents at load", async () => {
    const dir = await tempDir();
    const bulk = await Persistence.open(dir);
    const rows = articles(randomBodies(200, 5)).map((a) => ({ _id: a.id, _creationTime: a.time, body: a.body, channel: a.channel }));
    bulk.bulkLoad(articlesSchema(false).tables.get("articles")!, 10001, rows);
    bulk.close();
    const store = await openStore(dir, articlesSchema(true));
    const records = rows.map((row) => store.db.record("articles", row));
    expectReference(store.index(), records, store.lookup, "backfilled");
    store.persistence.close();
    await rm(dir, { recursive: true, force: true });
  });
});
