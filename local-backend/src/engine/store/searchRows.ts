/**
 * The rows of one search index at one point in time, split as a table's documents are: the
 * rows on disk as of the last checkpoint (`base`, a `StoredSearch` over SQLite) overlaid with
 * the rows committed since, in copy-on-write B-trees (O(1) clone per commit) whose entries
 * carry their commit's timestamp and shadow the disk's (a null value: deleted). Reads merge
 * the two in key order; disk rows are read in chunks as the merge consumes them. The keys
 * are described in searchTerms.ts. Why this split: docs/local-backend-engine.md, "Storage".
 */
import { BTree, compareKeys } from "./btree.js";
import type { SearchIndexDef } from "../schema.js";
import type { DocRecord } from "./document.js";
import { peekable } from "./peekable.js";
import { documentTerms, impactKey, postingKey, termKey } from "./searchTerms.js";

/** What BM25 needs about the whole index: how many documents, and their summed lengths. */
export type SearchTotals = { docs: number; totalLength: number };

/** A search index's checkpointed rows (implemented over SQLite in durability/storedSearch.ts). */
export interface StoredSearch {
  totals(): SearchTotals;
  frequency(termKey: string): number | undefined;
  posting(key: string): number | undefined;
  length(id: string): number | undefined;
  /**
   * Up to `limit` `[term key, frequency]` rows whose key starts with `prefix`, strictly after
   * `after` in key order (`after` at or above `prefix`; `x + KEY_MAX`: after every key starting with x).
   */
  terms(prefix: string, after: string, limit: number): [string, number][];
  /** The same over the impact rows: `[impact key, id]`. */
  impacts(prefix: string, after: string, limit: number): [string, string][];
}

type Entry<V> = { readonly value: V | null; readonly ts: bigint };
type Tree<V> = BTree<string, Entry<V>>;

const MAX_CHUNK = 1024;

const newTree = <V>(): Tree<V> => new BTree<string, Entry<V>>(undefined, compareKeys);

export class SearchRows {
  private constructor(
    private readonly def: SearchIndexDef,
    private readonly base: StoredSearch | null,
    private readonly postingTree: Tree<number>,
    private readonly impactTree: Tree<string>,
    private readonly lengthTree: Tree<number>,
    private readonly frequencyTree: Tree<number>,
    private counts: SearchTotals,
  ) {}

  /** The index over its checkpointed rows (none: an index of a store without disk), with no overlay yet. */
  static over(def: SearchIndexDef, base: StoredSearch | null): SearchRows {
    return new SearchRows(def, base, newTree(), newTree(), newTree(), newTree(), base?.totals() ?? { docs: 0, totalLength: 0 });
  }

  clone(): SearchRows {
    const trees = [this.postingTree.clone(), this.impactTree.clone(), this.lengthTree.clone(), this.frequencyTree.clone()] as const;
    return new SearchRows(this.def, this.base, ...trees, { ...this.counts });
  }

  /** These rows without the overlay entries a checkpoint up to `ts` moved to disk. */
  rebased(ts: bigint): SearchRows {
    const next = this.clone();
    for (const tree of [next.postingTree, next.impactTree, next.lengthTree, next.frequencyTree] as Tree<unknown>[]) {
      const drop: string[] = [];
      tree.forEachPair((key, entry) => {
        if (entry.ts <= ts) drop.push(key);
      });
      for (const key of drop) tree.delete(key);
    }
    return next;
  }

  get totals(): SearchTotals {
    return this.counts;
  }

  frequency(key: string): number | undefined {
    return read(this.frequencyTree, key, (k) => this.base?.frequency(k));
  }

  posting(key: string): number | undefined {
    return read(this.postingTree, key, (k) => this.base?.posting(k));
  }

  length(id: string): number | undefined {
    return read(this.lengthTree, id, (k) => this.base?.length(k));
  }

  /** Term keys starting with `prefix`, strictly after `after`, in order, with their frequencies. */
  terms(prefix: string, after: string, chunk: number): Generator<[string, number]> {
    const base = this.base;
    return merged(this.frequencyTree, base && ((from, limit) => base.terms(prefix, from, limit)), prefix, after, chunk);
  }

  /** Impact keys starting with `prefix`, strictly after `after`, in order, with their ids. */
  impacts(prefix: string, after: string, chunk: number): Generator<[string, string]> {
    const base = this.base;
    return merged(this.impactTree, base && ((from, limit) => base.impacts(prefix, from, limit)), prefix, after, chunk);
  }

  add(record: DocRecord, ts: bigint): void {
    const doc = documentTerms(this.def.searchField, record);
    if (doc === null) return;
    for (const [term, tf] of doc.terms) {
      this.postingTree.set(postingKey(term, record.id), { value: tf, ts });
      this.impactTree.set(impactKey(term, tf, doc.length, record), { value: record.id, ts });
      this.countTerm(termKey(term), 1, ts);
    }
    this.lengthTree.set(record.id, { value: doc.length, ts });
    this.counts.docs += 1;
    this.counts.totalLength += doc.length;
  }

  remove(record: DocRecord, ts: bigint): void {
    const doc = documentTerms(this.def.searchField, record);
    if (doc === null) return;
    for (const [term, tf] of doc.terms) {
      this.erase(this.postingTree, postingKey(term, record.id), ts);
      this.erase(this.impactTree, impactKey(term, tf, doc.length, record), ts);
      this.countTerm(termKey(term), -1, ts);
    }
    this.erase(this.lengthTree, record.id, ts);
    this.counts.docs -= 1;
    this.counts.totalLength -= doc.length;
  }

  /** Overlay entries hold a term's whole frequency at their commit, so a checkpoint up to any commit leaves the later ones right. */
  private countTerm(key: string, delta: number, ts: bigint): void {
    const count = (this.frequency(key) ?? 0) + delta;
    if (count === 0) this.erase(this.frequencyTree, key, ts);
    else this.frequencyTree.set(key, { value: count, ts });
  }

  /** A tombstone shadows the disk's row; without a disk there is nothing to shadow. */
  private erase<V>(tree: Tree<V>, key: string, ts: bigint): void {
    if (this.base === null) tree.delete(key);
    else tree.set(key, { value: null, ts });
  }
}

function read<V>(tree: Tree<V>, key: string, disk: (key: string) => V | undefined): V | undefined {
  const entry = tree.get(key);
  if (entry !== undefined) return entry.value ?? undefined;
  return disk(key);
}

type DiskRange<V> = ((after: string, limit: number) => [string, V][]) | null;

/** Keys starting with `prefix`, strictly after `after`: the overlay's entries shadowing the disk's, in key order. */
function* merged<V>(tree: Tree<V>, disk: DiskRange<V>, prefix: string, after: string, chunk: number): Generator<[string, V]> {
  const overlay = peekable(overlayEntries(tree, prefix, after));
  const base = peekable(diskEntries(disk, after, chunk));
  for (;;) {
    const o = overlay.peek();
    const b = base.peek();
    if (o === undefined && b === undefined) return;
    if (o === undefined || (b !== undefined && b[0] < o[0])) {
      yield b!;
      base.take();
      continue;
    }
    if (b !== undefined && b[0] === o[0]) base.take();
    overlay.take();
    if (o[1].value !== null) yield [o[0], o[1].value];
  }
}

function* overlayEntries<V>(tree: Tree<V>, prefix: string, after: string): Generator<[string, Entry<V>]> {
  if (tree.size === 0) return;
  for (const pair of tree.entries(after)) {
    if (pair[0] === after) continue;
    if (!pair[0].startsWith(prefix)) return;
    yield pair;
  }
}

/** Disk rows in chunks growing from `chunk` (a top-10 reads a few rows; a long merge fewer, larger reads). */
function* diskEntries<V>(disk: DiskRange<V>, after: string, chunk: number): Generator<[string, V]> {
  if (disk === null) return;
  let cursor = after;
  for (let size = chunk; ; size = Math.min(size * 4, MAX_CHUNK)) {
    const rows = disk(cursor, size);
    yield* rows;
    if (rows.length < size) return;
    cursor = rows[rows.length - 1]![0];
  }
}
