/**
 * A table at one point in time: the table's documents on disk as of the last checkpoint
 * (`base`, a `StoredTable` over SQLite) overlaid with the writes committed since (one
 * copy-on-write B-tree per index, keys memcomparable strings, values the document version
 * or a tombstone), plus its search indexes (split the same way: searchRows.ts). Published versions are never
 * mutated; a writer clones (O(1)) and mutates the clone. Why this split:
 * docs/local-backend-engine.md, "Storage".
 */
import { BTree, compareKeys } from "./btree.js";
import type { TableSchema } from "../schema.js";
import { encodeKey, KEY_MAX } from "../values.js";
import type { DocRecord } from "./document.js";
import { peekable } from "./peekable.js";
import { SearchIndex } from "./search.js";
import type { StoredSearch } from "./searchRows.js";

export type KeyRange = { lo: string; hi: string };
export const FULL_RANGE: KeyRange = { lo: "", hi: KEY_MAX };

/** The checkpointed rows of one table (implemented over SQLite in durability/stored.ts). */
export interface StoredTable {
  get(id: string): DocRecord | undefined;
  /** Up to `limit` records of `index` within `range`, strictly after `after` in `order`. */
  scan(index: string, range: KeyRange, order: "asc" | "desc", after: string | null, limit: number): DocRecord[];
  /** The checkpointed rows of search index `index`. */
  search(index: string): StoredSearch;
}

/** An overlay entry: the version written at commit `ts` (`null`: deleted). */
export type OverlayEntry = { readonly record: DocRecord | null; readonly ts: bigint };

/** The `ts` of writes a transaction has not committed yet: never trimmed by a checkpoint. */
export const UNCOMMITTED = (1n << 63n) - 1n;

const BASE_CHUNK = 64;

type Overlay = Map<string, BTree<string, OverlayEntry>>;

export class TableVersion {
  private constructor(
    readonly schema: TableSchema,
    readonly number: number,
    private readonly base: StoredTable | null,
    private readonly overlay: Overlay,
    readonly search: Map<string, SearchIndex>,
    private documents: number,
  ) {}

  /** The checkpointed table `base` holding `count` documents (and its search indexes), with no overlay yet. */
  static over(schema: TableSchema, number: number, base: StoredTable | null, count: number): TableVersion {
    const overlay: Overlay = new Map(schema.indexes.map((i) => [i.name, new BTree<string, OverlayEntry>(undefined, compareKeys)]));
    const search = new Map(schema.searchIndexes.map((def) => [def.name, SearchIndex.over(def, base?.search(def.name) ?? null)]));
    return new TableVersion(schema, number, base, overlay, search, count);
  }

  clone(): TableVersion {
    const overlay = new Map([...this.overlay].map(([name, tree]) => [name, tree.clone()]));
    const search = new Map([...this.search].map(([name, index]) => [name, index.clone()]));
    return new TableVersion(this.schema, this.number, this.base, overlay, search, this.documents);
  }

  /** This version without the overlay entries a checkpoint up to `ts` moved to disk. */
  rebased(ts: bigint): TableVersion {
    const overlay = new Map([...this.overlay].map(([name, tree]) => [name, tree.clone()]));
    for (const tree of overlay.values()) {
      const drop: string[] = [];
      tree.forEachPair((key, entry) => {
        if (entry.ts <= ts) drop.push(key);
      });
      for (const key of drop) tree.delete(key);
    }
    const search = new Map([...this.search].map(([name, index]) => [name, index.rebased(ts)]));
    return new TableVersion(this.schema, this.number, this.base, overlay, search, this.documents);
  }

  /** Writes not yet checkpointed (by_id entries). */
  get overlaySize(): number {
    return this.overlay.get("by_id")?.size ?? 0;
  }

  get name(): string {
    return this.schema.name;
  }

  get count(): number {
    return this.documents;
  }

  get(id: string): DocRecord | undefined {
    const entry = this.tree("by_id").get(encodeKey(id));
    if (entry !== undefined) return entry.record ?? undefined;
    return this.base?.get(id);
  }

  hasIndex(name: string): boolean {
    return this.overlay.has(name);
  }

  private tree(index: string): BTree<string, OverlayEntry> {
    const tree = this.overlay.get(index);
    if (!tree) throw new Error(`Index ${this.schema.name}.${index} not found.`);
    return tree;
  }

  /** Up to `limit` records of `index` within `range`, after `after` (exclusive) in `order`. */
  scan(index: string, range: KeyRange, order: "asc" | "desc", after: string | null, limit: number): DocRecord[] {
    const overlay = peekable(overlayEntries(this.tree(index), range, order, after));
    const base = peekable(this.baseEntries(index, range, order, after));
    const before = order === "asc" ? (a: string, b: string) => a < b : (a: string, b: string) => a > b;
    const out: DocRecord[] = [];
    while (out.length < limit) {
      const o = overlay.peek();
      const b = base.peek();
      if (o === undefined && b === undefined) break;
      if (o === undefined || (b !== undefined && before(b[0], o[0]))) {
        out.push(b![1]);
        base.take();
        continue;
      }
      if (b !== undefined && b[0] === o[0]) base.take();
      overlay.take();
      if (o[1].record !== null) out.push(o[1].record);
    }
    return out;
  }

  /** The base's records of `index` in `range`, fetched in chunks as the merge consumes them. */
  private *baseEntries(index: string, range: KeyRange, order: "asc" | "desc", after: string | null): Generator<[string, DocRecord]> {
    if (this.base === null) return;
    let cursor = after;
    for (;;) {
      const chunk = this.base.scan(index, range, order, cursor, BASE_CHUNK);
      for (const record of chunk) yield [record.keys.get(index)!, record];
      if (chunk.length < BASE_CHUNK) return;
      cursor = chunk[chunk.length - 1]!.keys.get(index)!;
    }
  }

  /** Every document, in `_id` order, read in pages (exports, imports, index backfills). */
  *documentsInIdOrder(): Generator<DocRecord> {
    let after: string | null = null;
    for (;;) {
      const page = this.scan("by_id", FULL_RANGE, "asc", after, 512);
      yield* page;
      if (page.length < 512) return;
      after = page[page.length - 1]!.keys.get("by_id")!;
    }
  }

  /** Writer side: replaces `old` by `next` in every index (either may be absent), as of commit `ts`. */
  write(old: DocRecord | undefined, next: DocRecord | undefined, ts: bigint = UNCOMMITTED): void {
    for (const [name, tree] of this.overlay) {
      if (old) tree.set(old.keys.get(name)!, { record: null, ts });
      if (next) tree.set(next.keys.get(name)!, { record: next, ts });
    }
    for (const index of this.search.values()) {
      if (old) index.remove(old, ts);
      if (next) index.add(next, ts);
    }
    this.documents += (next ? 1 : 0) - (old ? 1 : 0);
  }
}

function* overlayEntries(
  tree: BTree<string, OverlayEntry>,
  range: KeyRange,
  order: "asc" | "desc",
  after: string | null,
): Generator<[string, OverlayEntry]> {
  if (tree.size === 0) return;
  if (order === "asc") {
    for (const pair of tree.entries(after ?? range.lo)) {
      if (pair[0] >= range.hi) return;
      if (after !== null && pair[0] === after) continue;
      yield pair;
    }
  } else {
    for (const pair of tree.entriesReversed(after ?? range.hi, undefined, true)) {
      if (pair[0] < range.lo) return;
      yield pair;
    }
  }
}
