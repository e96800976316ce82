/**
 * Full-text search over a search index's rows (searchRows.ts: checkpointed rows on disk
 * overlaid with the commits since). Ranking as Convex's (crates/search): BM25 (k1 1.2,
 * b 0.75) summed over the matched terms, an exact match weighing 1 and a prefix match of the
 * last query term 0.5, at most 16 prefix matches per query term and 64 distinct terms; ties
 * newest first. Top-k is exact: one term is a merge of its impact groups (postings with one
 * frequency and length, best contribution first); several use Fagin's threshold algorithm
 * (stop once the k-th score beats the sum of the terms' next possible contributions). Both
 * read a term's groups from the disk in chunks and stop early, so a query's cost follows k,
 * not the number of matching documents.
 */
import type { JSONValue } from "../api.js";
import type { SearchIndexDef } from "../schema.js";
import { KEY_MAX, valuesEqual, type JSONObject } from "../values.js";
import { compareKeys } from "./btree.js";
import { fieldValue, type DocRecord } from "./document.js";
import { peekable } from "./peekable.js";
import { SearchRows, type StoredSearch } from "./searchRows.js";
import { GROUP_CHARS, readU32, termKey, termOfKey, tokenize } from "./searchTerms.js";

export const MAX_SEARCH_RESULTS = 1024;
export const MAX_QUERY_TERMS = 16;
const MAX_PREFIX_MATCHES_PER_TERM = 16;
const MAX_UNIQUE_TERMS = 64;
const PREFIX_BOOST = 0.5;
const BM25_K1 = 1.2;
const BM25_B = 0.75;
/** Rows a group's first disk read fetches: enough for a top-10, later reads grow. */
const GROUP_CHUNK = 16;

export type SearchFilter = { field: string; value: JSONValue | undefined };
export type SearchQuery = { terms: string[]; filters: SearchFilter[] };
export type SearchHit = { record: DocRecord; score: number };

/** One matched index term: its key prefix and its BM25 weight (boost x idf). */
type MatchedTerm = { key: string; weight: number };
type Candidate = { id: string; score: number; order: string };
/** A term's postings best contribution first: the next posting's upper bound, and the posting. */
type Stream = { peek(): { impact: number; id: string; order: string } | undefined; take(): void };

export class SearchIndex {
  private constructor(
    readonly def: SearchIndexDef,
    private readonly rows: SearchRows,
  ) {}

  /** The index over its checkpointed rows (`null`: an index that lives in memory only). */
  static over(def: SearchIndexDef, base: StoredSearch | null): SearchIndex {
    return new SearchIndex(def, SearchRows.over(def, base));
  }

  clone(): SearchIndex {
    return new SearchIndex(this.def, this.rows.clone());
  }

  /** This index without the overlay entries a checkpoint up to `ts` moved to disk. */
  rebased(ts: bigint): SearchIndex {
    return new SearchIndex(this.def, this.rows.rebased(ts));
  }

  /** Removes `record` as of commit `ts`. */
  remove(record: DocRecord, ts: bigint): void {
    this.rows.remove(record, ts);
  }

  /** Adds `record` as of commit `ts`. */
  add(record: DocRecord, ts: bigint): void {
    this.rows.add(record, ts);
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
    return this.rows.frequency(key) !== undefined;
  }

  /** Terms longer than `term` that start with it, in order, at most 16. */
  private prefixMatches(term: string): string[] {
    const start = termKey(term).slice(0, -1);
    const out: string[] = [];
    for (const [key] of this.rows.terms(start, `${start}\x00`, MAX_PREFIX_MATCHES_PER_TERM)) {
      if (out.length >= MAX_PREFIX_MATCHES_PER_TERM) break;
      out.push(termOfKey(key));
    }
    return out;
  }

  /** BM25's idf of a term: ln(1 + (N - df + 0.5) / (df + 0.5)). */
  private idf(key: string): number {
    const df = this.rows.frequency(key) ?? 0;
    return Math.log(1 + (this.rows.totals.docs - df + 0.5) / (df + 0.5));
  }

  private tfNorm(tf: number, length: number): number {
    const { docs, totalLength } = this.rows.totals;
    const average = docs === 0 ? 1 : totalLength / docs;
    return (tf * (BM25_K1 + 1)) / (tf + BM25_K1 * (1 - BM25_B + (BM25_B * length) / Math.max(average, 1)));
  }

  /** The groups of a term (postings with one frequency and length), best contribution first. */
  private groups(term: MatchedTerm): { prefix: string; impact: number }[] {
    const out: { prefix: string; impact: number }[] = [];
    for (let after = term.key; ; ) {
      const first = this.rows.impacts(term.key, after, 1).next();
      if (first.done === true) break;
      const prefix = first.value[0].slice(0, term.key.length + GROUP_CHARS);
      const tf = readU32(prefix, term.key.length);
      const length = readU32(prefix, term.key.length + 4);
      out.push({ prefix, impact: term.weight * this.tfNorm(tf, length) });
      after = prefix + KEY_MAX;
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
    for (const [key, id] of this.rows.impacts(prefix, prefix, GROUP_CHUNK)) yield { order: key.slice(prefix.length), id };
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
    const length = this.rows.length(id) ?? 0;
    let score = 0;
    for (const term of terms) {
      const tf = this.rows.posting(term.key + id);
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
