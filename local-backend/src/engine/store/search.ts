/**
 * Full-text search indexes: an inverted index (term -> documents) kept in a B-tree keyed by
 * `term NUL docId`, so it snapshots with the rest of the table (copy-on-write clone) and a
 * prefix query is a key range. Ranking is BM25 over term frequencies and document lengths.
 */
import { BTree } from "./btree.js";
import type { JSONValue } from "../api.js";
import type { SearchIndexDef } from "../schema.js";
import { valuesEqual, type JSONObject } from "../values.js";
import { fieldValue, type DocRecord } from "./document.js";

export const MAX_SEARCH_RESULTS = 1024;
export const MAX_QUERY_TERMS = 16;
const MAX_TERM_BYTES = 32;
const BM25_K1 = 1.2;
const BM25_B = 0.75;

export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Lowercased alphanumeric runs, as Convex's simple tokenizer. Over-long terms are dropped. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((term) => term.length > 0 && Buffer.byteLength(term, "utf8") <= MAX_TERM_BYTES);
}

function termKey(term: string): string {
  return Buffer.from(term, "utf8").toString("latin1") + "\x00";
}

export type SearchFilter = { field: string; value: JSONValue | undefined };
export type SearchQuery = { terms: string[]; filters: SearchFilter[] };
export type SearchHit = { record: DocRecord; score: number };

type Counts = { docs: number; totalLength: number };

export class SearchIndex {
  constructor(
    readonly def: SearchIndexDef,
    private readonly postings: BTree<string, number> = new BTree(undefined, compareKeys),
    private readonly lengths: BTree<string, number> = new BTree(undefined, compareKeys),
    private counts: Counts = { docs: 0, totalLength: 0 },
  ) {}

  clone(): SearchIndex {
    return new SearchIndex(this.def, this.postings.clone(), this.lengths.clone(), { ...this.counts });
  }

  private termsOf(record: DocRecord): string[] | null {
    const text = fieldValue(record.value, this.def.searchField);
    return typeof text === "string" ? tokenize(text) : null;
  }

  remove(record: DocRecord): void {
    const terms = this.termsOf(record);
    if (terms === null) return;
    for (const term of new Set(terms)) this.postings.delete(termKey(term) + record.id);
    this.lengths.delete(record.id);
    this.counts.docs -= 1;
    this.counts.totalLength -= terms.length;
  }

  add(record: DocRecord): void {
    const terms = this.termsOf(record);
    if (terms === null) return;
    const frequencies = new Map<string, number>();
    for (const term of terms) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
    for (const [term, count] of frequencies) this.postings.set(termKey(term) + record.id, count);
    this.lengths.set(record.id, terms.length);
    this.counts.docs += 1;
    this.counts.totalLength += terms.length;
  }

  /** Matching documents, best first, at most 1024. `lookup` resolves ids in the same snapshot. */
  search(query: SearchQuery, lookup: (id: string) => DocRecord | undefined): SearchHit[] {
    const scores = new Map<string, number>();
    query.terms.forEach((term, i) => {
      const prefix = i === query.terms.length - 1;
      for (const [postings, frequency] of this.postingsFor(term, prefix)) {
        const idf = Math.log(1 + (this.counts.docs - frequency + 0.5) / (frequency + 0.5));
        for (const [id, tf] of postings) {
          scores.set(id, (scores.get(id) ?? 0) + idf * this.termWeight(id, tf));
        }
      }
    });
    const hits: SearchHit[] = [];
    for (const [id, score] of scores) {
      const record = lookup(id);
      if (record !== undefined && matchesFilters(record.value, query.filters)) hits.push({ record, score });
    }
    hits.sort((a, b) => b.score - a.score || compareKeys(a.record.id, b.record.id));
    return hits.slice(0, MAX_SEARCH_RESULTS);
  }

  private termWeight(id: string, tf: number): number {
    const length = this.lengths.get(id) ?? 0;
    const average = this.counts.docs === 0 ? 1 : this.counts.totalLength / this.counts.docs;
    return (tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * length) / Math.max(average, 1)));
  }

  /** Posting lists per matching term: exact, or every term with that prefix. */
  private postingsFor(term: string, prefix: boolean): [Map<string, number>, number][] {
    const start = prefix ? termKey(term).slice(0, -1) : termKey(term);
    const byTerm = new Map<string, Map<string, number>>();
    for (const [key, tf] of this.postings.entries(start)) {
      if (!key.startsWith(start)) break;
      const split = key.indexOf("\x00");
      const termPart = key.slice(0, split);
      let postings = byTerm.get(termPart);
      if (!postings) byTerm.set(termPart, (postings = new Map()));
      postings.set(key.slice(split + 1), tf);
    }
    return [...byTerm.values()].map((postings) => [postings, postings.size]);
  }
}

export function matchesFilters(doc: JSONObject, filters: readonly SearchFilter[]): boolean {
  return filters.every((filter) => valuesEqual(fieldValue(doc, filter.field), filter.value));
}

/** Does `doc` match `query` (any term; the last as a prefix) and its filters? Used for read sets. */
export function documentMatches(def: SearchIndexDef, doc: JSONObject, query: SearchQuery): boolean {
  const text = fieldValue(doc, def.searchField);
  if (typeof text !== "string" || !matchesFilters(doc, query.filters)) return false;
  const terms = new Set(tokenize(text));
  return query.terms.some((term, i) =>
    i === query.terms.length - 1 ? [...terms].some((t) => t.startsWith(term)) : terms.has(term),
  );
}
