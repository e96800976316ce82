/**
 * Full-text search indexes, kept in copy-on-write B-trees so they snapshot with the rest of
 * the table (an O(1) clone per commit):
 *   - `postings`: `term NUL id` -> term frequency (random access: a document's frequency);
 *   - `impacts`: `term NUL tf len -creationTime id` -> id, so a term's postings come grouped by
 *     (frequency, length), the two things its BM25 contribution depends on, each group
 *     newest first. A query visits a term's groups best first and stops after top-k;
 *   - `lengths`: id -> number of terms.
 * Ranking as Convex's (crates/search): BM25 (k1 1.2, b 0.75) summed over the matched terms,
 * an exact match weighing 1 and a prefix match of the last query term 0.5, at most 16 prefix
 * matches per query term and 64 distinct terms; ties newest first. Top-k is exact: one term
 * is a merge of its groups; several use Fagin's threshold algorithm (stop once the k-th score
 * beats the sum of the terms' next possible contributions).
 */
import { BTree } from "./btree.js";
import type { JSONValue } from "../api.js";
import type { SearchIndexDef } from "../schema.js";
import { encodeKey, valuesEqual, type JSONObject } from "../values.js";
import { fieldValue, type DocRecord } from "./document.js";
import { peekable } from "./peekable.js";

export const MAX_SEARCH_RESULTS = 1024;
export const MAX_QUERY_TERMS = 16;
const MAX_TERM_BYTES = 32;
const MAX_PREFIX_MATCHES_PER_TERM = 16;
const MAX_UNIQUE_TERMS = 64;
const PREFIX_BOOST = 0.5;
const BM25_K1 = 1.2;
const BM25_B = 0.75;
/** Above every character of an impact key (bytes as latin1 chars, ASCII ids). */
const ABOVE = "\uffff";

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

function u32(n: number): string {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function readU32(s: string, at: number): number {
  return ((s.charCodeAt(at) << 24) | (s.charCodeAt(at + 1) << 16) | (s.charCodeAt(at + 2) << 8) | s.charCodeAt(at + 3)) >>> 0;
}

const GROUP_CHARS = 8;

export type SearchFilter = { field: string; value: JSONValue | undefined };
export type SearchQuery = { terms: string[]; filters: SearchFilter[] };
export type SearchHit = { record: DocRecord; score: number };

type Counts = { docs: number; totalLength: number };
/** One matched index term: its key prefix and its BM25 weight (boost x idf). */
type MatchedTerm = { key: string; weight: number };
type Candidate = { id: string; score: number; order: string };
/** A term's postings best contribution first: the next posting's upper bound, and the posting. */
type Stream = { peek(): { impact: number; id: string; order: string } | undefined; take(): void };

export class SearchIndex {
  constructor(
    readonly def: SearchIndexDef,
    private readonly postings: BTree<string, number> = new BTree(undefined, compareKeys),
    private readonly impacts: BTree<string, string> = new BTree(undefined, compareKeys),
    private readonly lengths: BTree<string, number> = new BTree(undefined, compareKeys),
    /** `term NUL` -> how many documents hold the term (BM25's document frequency). */
    private readonly frequencies: BTree<string, number> = new BTree(undefined, compareKeys),
    private counts: Counts = { docs: 0, totalLength: 0 },
  ) {}

  /** An index of `records`, each tree filled in key order (several times faster than adding them one by one). */
  static build(def: SearchIndexDef, records: Iterable<DocRecord>): SearchIndex {
    const index = new SearchIndex(def);
    const postings: [string, number][] = [];
    const impacts: [string, string][] = [];
    const lengths: [string, number][] = [];
    const frequencies = new Map<string, number>();
    for (const record of records) {
      const terms = index.termsOf(record);
      if (terms === null) continue;
      let length = 0;
      for (const tf of terms.values()) length += tf;
      for (const [term, tf] of terms) {
        postings.push([termKey(term) + record.id, tf]);
        impacts.push([index.impactKey(term, tf, length, record), record.id]);
        frequencies.set(termKey(term), (frequencies.get(termKey(term)) ?? 0) + 1);
      }
      lengths.push([record.id, length]);
      index.counts.docs += 1;
      index.counts.totalLength += length;
    }
    const byKey = (a: [string, unknown], b: [string, unknown]) => compareKeys(a[0], b[0]);
    for (const [key, tf] of postings.sort(byKey)) index.postings.set(key, tf);
    for (const [key, id] of impacts.sort(byKey)) index.impacts.set(key, id);
    for (const [id, length] of lengths.sort(byKey)) index.lengths.set(id, length);
    for (const [key, count] of [...frequencies].sort(byKey)) index.frequencies.set(key, count);
    return index;
  }

  clone(): SearchIndex {
    return new SearchIndex(this.def, this.postings.clone(), this.impacts.clone(), this.lengths.clone(), this.frequencies.clone(), { ...this.counts });
  }

  private countTerm(key: string, delta: number): void {
    const count = (this.frequencies.get(key) ?? 0) + delta;
    if (count === 0) this.frequencies.delete(key);
    else this.frequencies.set(key, count);
  }

  private termsOf(record: DocRecord): Map<string, number> | null {
    const text = fieldValue(record.value, this.def.searchField);
    if (typeof text !== "string") return null;
    const frequencies = new Map<string, number>();
    for (const term of tokenize(text)) frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
    return frequencies;
  }

  private impactKey(term: string, tf: number, length: number, record: DocRecord): string {
    return termKey(term) + u32(tf) + u32(length) + encodeKey(-(record.value._creationTime as number)) + record.id;
  }

  remove(record: DocRecord): void {
    const terms = this.termsOf(record);
    if (terms === null) return;
    const length = this.lengths.get(record.id) ?? 0;
    for (const [term, tf] of terms) {
      this.postings.delete(termKey(term) + record.id);
      this.impacts.delete(this.impactKey(term, tf, length, record));
      this.countTerm(termKey(term), -1);
    }
    this.lengths.delete(record.id);
    this.counts.docs -= 1;
    this.counts.totalLength -= length;
  }

  add(record: DocRecord): void {
    const terms = this.termsOf(record);
    if (terms === null) return;
    let length = 0;
    for (const tf of terms.values()) length += tf;
    for (const [term, tf] of terms) {
      this.postings.set(termKey(term) + record.id, tf);
      this.impacts.set(this.impactKey(term, tf, length, record), record.id);
      this.countTerm(termKey(term), 1);
    }
    this.lengths.set(record.id, length);
    this.counts.docs += 1;
    this.counts.totalLength += length;
  }

  /** The best `limit` (at most 1024) matching documents, best first. `lookup` resolves ids in the same snapshot. */
  search(query: SearchQuery, lookup: (id: string) => DocRecord | undefined, limit = MAX_SEARCH_RESULTS): SearchHit[] {
    const k = Math.min(limit, MAX_SEARCH_RESULTS);
    const terms = this.matchedTerms(query.terms);
    if (terms.length === 0 || k <= 0) return [];
    const records = new Map<string, DocRecord | null>();
    const accept = (id: string): boolean => {
      if (!records.has(id)) {
        const record = lookup(id);
        records.set(id, record !== undefined && matchesFilters(record.value, query.filters) ? record : null);
      }
      return records.get(id) !== null;
    };
    const top = terms.length === 1 ? this.single(terms[0]!, k, accept) : this.threshold(terms, k, accept);
    return top.map((c) => ({ record: records.get(c.id)!, score: c.score }));
  }

  /** Convex's term matching: each query term exactly, the last also as a prefix (16 terms at most); 64 terms in all, exact ones first. */
  private matchedTerms(queryTerms: readonly string[]): MatchedTerm[] {
    const found: { term: string; prefix: boolean; ord: number }[] = [];
    queryTerms.forEach((term, ord) => {
      if (this.hasTerm(termKey(term))) found.push({ term, prefix: false, ord });
      if (ord === queryTerms.length - 1) for (const longer of this.prefixMatches(term)) found.push({ term: longer, prefix: true, ord });
    });
    found.sort((a, b) => Number(a.prefix) - Number(b.prefix) || compareKeys(a.term, b.term) || a.ord - b.ord);
    const weights = new Map<string, number>();
    for (const match of found) {
      if (weights.has(match.term)) continue;
      if (weights.size >= MAX_UNIQUE_TERMS) break;
      weights.set(match.term, (match.prefix ? PREFIX_BOOST : 1) * this.idf(termKey(match.term)));
    }
    return [...weights].map(([term, weight]) => ({ key: termKey(term), weight }));
  }

  private hasTerm(key: string): boolean {
    return this.frequencies.has(key);
  }

  /** Terms longer than `term` that start with it, in order, at most 16. */
  private prefixMatches(term: string): string[] {
    const start = termKey(term).slice(0, -1);
    const out: string[] = [];
    let pair = this.frequencies.nextHigherPair(`${start}\x00`);
    while (pair !== undefined && pair[0].startsWith(start) && out.length < MAX_PREFIX_MATCHES_PER_TERM) {
      out.push(Buffer.from(pair[0].slice(0, -1), "latin1").toString("utf8"));
      pair = this.frequencies.nextHigherPair(pair[0]);
    }
    return out;
  }

  /** BM25's idf of a term: ln(1 + (N - df + 0.5) / (df + 0.5)). */
  private idf(key: string): number {
    const df = this.frequencies.get(key) ?? 0;
    return Math.log(1 + (this.counts.docs - df + 0.5) / (df + 0.5));
  }

  private tfNorm(tf: number, length: number): number {
    const average = this.counts.docs === 0 ? 1 : this.counts.totalLength / this.counts.docs;
    return (tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * length) / Math.max(average, 1)));
  }

  /** The groups of a term (postings with one frequency and length), best contribution first. */
  private groups(term: MatchedTerm): { prefix: string; impact: number }[] {
    const out: { prefix: string; impact: number }[] = [];
    let pair = this.impacts.nextHigherPair(term.key);
    while (pair !== undefined && pair[0].startsWith(term.key)) {
      const prefix = pair[0].slice(0, term.key.length + GROUP_CHARS);
      const tf = readU32(prefix, term.key.length);
      const length = readU32(prefix, term.key.length + 4);
      out.push({ prefix, impact: term.weight * this.tfNorm(tf, length) });
      pair = this.impacts.nextHigherPair(prefix + ABOVE);
    }
    return out.sort((a, b) => b.impact - a.impact);
  }

  /** A term's postings in result order: by contribution, then newest first (groups of equal contribution merged). */
  private *ordered(term: MatchedTerm): Generator<{ impact: number; id: string; order: string }> {
    const groups = this.groups(term);
    for (let i = 0; i < groups.length; ) {
      let j = i;
      while (j < groups.length && groups[j]!.impact === groups[i]!.impact) j++;
      const level = groups.slice(i, j).map((group) => this.groupEntries(group.prefix));
      const heads = level.map((it) => it.next());
      for (;;) {
        let best = -1;
        for (let g = 0; g < heads.length; g++) {
          const head = heads[g]!;
          if (!head.done && (best < 0 || head.value.order < (heads[best]!.value as { order: string }).order)) best = g;
        }
        if (best < 0) break;
        const { order, id } = heads[best]!.value as { order: string; id: string };
        yield { impact: groups[i]!.impact, id, order };
        heads[best] = level[best]!.next();
      }
      i = j;
    }
  }

  private *groupEntries(prefix: string): Generator<{ order: string; id: string }> {
    for (const [key, id] of this.impacts.entries(prefix)) {
      if (!key.startsWith(prefix)) return;
      yield { order: key.slice(prefix.length), id };
    }
  }

  /** One term: its postings are already in result order. */
  private single(term: MatchedTerm, k: number, accept: (id: string) => boolean): Candidate[] {
    const out: Candidate[] = [];
    for (const posting of this.ordered(term)) {
      if (out.length >= k) break;
      if (accept(posting.id)) out.push({ id: posting.id, score: posting.impact, order: posting.order });
    }
    return out;
  }

  /** Several terms: sorted access round-robin, random access for a document's other terms, stop when nothing unseen can enter the top k. */
  private threshold(terms: MatchedTerm[], k: number, accept: (id: string) => boolean): Candidate[] {
    const streams: Stream[] = terms.map((term) => peekable(this.ordered(term)));
    const seen = new Set<string>();
    const top: Candidate[] = [];
    for (;;) {
      let bound = 0;
      let live = false;
      for (const stream of streams) {
        const head = stream.peek();
        if (head === undefined) continue;
        live = true;
        bound += head.impact;
      }
      if (!live || (top.length >= k && top[k - 1]!.score > bound)) return top.slice(0, k);
      for (const stream of streams) {
        const head = stream.peek();
        if (head === undefined) continue;
        stream.take();
        if (seen.has(head.id)) continue;
        seen.add(head.id);
        if (accept(head.id)) insertRanked(top, this.scored(terms, head.id, head.order), k);
      }
    }
  }

  private scored(terms: MatchedTerm[], id: string, order: string): Candidate {
    const length = this.lengths.get(id) ?? 0;
    let score = 0;
    for (const term of terms) {
      const tf = this.postings.get(term.key + id);
      if (tf !== undefined) score += term.weight * this.tfNorm(tf, length);
    }
    return { id, score, order };
  }
}

/** Keeps `top` in result order (best score first, ties newest first) and at most `k` long. */
function insertRanked(top: Candidate[], candidate: Candidate, k: number): void {
  let at = top.length;
  while (at > 0 && (top[at - 1]!.score < candidate.score || (top[at - 1]!.score === candidate.score && top[at - 1]!.order > candidate.order))) at--;
  if (at >= k) return;
  top.splice(at, 0, candidate);
  if (top.length > k) top.pop();
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
