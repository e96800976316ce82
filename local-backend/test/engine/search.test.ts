/**
 * The search index's ranking against a brute-force reference of Convex's rules (BM25 over
 * every matched term, exact matches weighing 1 and prefix matches of the last term 0.5, at
 * most 16 prefix matches, ties newest first), and its top-k being exactly the reference's
 * first k however early it stops.
 */
import { describe, expect, test } from "vitest";
import { makeRecord, type DocRecord } from "../../src/engine/store/document.js";
import { SearchIndex, tokenize, type SearchQuery } from "../../src/engine/store/search.js";

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

describe("search ranking", () => {
  test("top-k equals the brute-force ranking's first k, for one and several terms, prefixes and filters", () => {
    const next = random(7);
    const words = ["common", "rare", "course", "courses", "botox", "filler", "laser", "lase", "cert", "certificate", "x"];
    const bodies = Array.from({ length: 400 }, () =>
      Array.from({ length: 1 + Math.floor(next() * 8) }, () => words[Math.floor(next() * (next() < 0.5 ? 3 : words.length))]).join(" "),
    );
    const records = docs(bodies);
    const index = indexOf(records);
    const byId = new Map(records.map((r) => [r.id, r]));
    const queries: SearchQuery[] = [
      { terms: ["common"], filters: [] },
      { terms: ["rare"], filters: [] },
      { terms: ["cour"], filters: [] },
      { terms: ["botox", "las"], filters: [] },
      { terms: ["common", "rare", "laser"], filters: [] },
      { terms: ["filler", "c"], filters: [{ field: "channel", value: "a" }] },
      { terms: ["nothing"], filters: [] },
    ];
    for (const query of queries) {
      const expected = reference(records, query);
      for (const k of [1, 10, 100, 1024]) {
        const hits = index.search(query, (id) => byId.get(id), k);
        expect(hits.map((h) => h.record.id), JSON.stringify({ query, k })).toEqual(expected.slice(0, k).map((e) => e.id));
        hits.forEach((hit, i) => expect(hit.score).toBeCloseTo(expected[i]!.score, 9));
      }
    }
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
