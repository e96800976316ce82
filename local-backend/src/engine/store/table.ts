/**
 * A table at one point in time: one B-tree per index (keys are memcomparable strings,
 * values the document records) plus its search indexes. Published versions are never
 * mutated; a writer clones (O(1), copy-on-write) and mutates the clone.
 */
import { BTree } from "./btree.js";
import type { TableSchema } from "../schema.js";
import { encodeKey, KEY_MAX } from "../values.js";
import type { DocRecord } from "./document.js";
import { compareKeys, SearchIndex } from "./search.js";

export type KeyRange = { lo: string; hi: string };
export const FULL_RANGE: KeyRange = { lo: "", hi: KEY_MAX };

export class TableVersion {
  private constructor(
    readonly schema: TableSchema,
    readonly number: number,
    private readonly indexes: Map<string, BTree<string, DocRecord>>,
    readonly search: Map<string, SearchIndex>,
  ) {}

  static empty(schema: TableSchema, number: number): TableVersion {
    const indexes = new Map(schema.indexes.map((i) => [i.name, new BTree<string, DocRecord>(undefined, compareKeys)]));
    const search = new Map(schema.searchIndexes.map((i) => [i.name, new SearchIndex(i)]));
    return new TableVersion(schema, number, indexes, search);
  }

  /** A table holding `records`, each index filled in key order (much faster than random inserts). */
  static build(schema: TableSchema, number: number, records: readonly DocRecord[]): TableVersion {
    const table = TableVersion.empty(schema, number);
    for (const [name, tree] of table.indexes) {
      const pairs = records.map((record): [string, DocRecord] => [record.keys.get(name)!, record]);
      pairs.sort((a, b) => compareKeys(a[0], b[0]));
      for (const [key, record] of pairs) tree.set(key, record);
    }
    for (const index of table.search.values()) for (const record of records) index.add(record);
    return table;
  }

  clone(): TableVersion {
    const indexes = new Map([...this.indexes].map(([name, tree]) => [name, tree.clone()]));
    const search = new Map([...this.search].map(([name, index]) => [name, index.clone()]));
    return new TableVersion(this.schema, this.number, indexes, search);
  }

  get name(): string {
    return this.schema.name;
  }

  get count(): number {
    return this.tree("by_id").size;
  }

  get(id: string): DocRecord | undefined {
    return this.tree("by_id").get(encodeKey(id));
  }

  hasIndex(name: string): boolean {
    return this.indexes.has(name);
  }

  tree(index: string): BTree<string, DocRecord> {
    const tree = this.indexes.get(index);
    if (!tree) throw new Error(`Index ${this.schema.name}.${index} not found.`);
    return tree;
  }

  /** Up to `limit` records of `index` within `range`, after `after` (exclusive) in `order`. */
  scan(index: string, range: KeyRange, order: "asc" | "desc", after: string | null, limit: number): DocRecord[] {
    const tree = this.tree(index);
    const out: DocRecord[] = [];
    if (order === "asc") {
      const start = after === null ? range.lo : after;
      for (const [key, record] of tree.entries(start)) {
        if (key >= range.hi || out.length >= limit) break;
        if (after !== null && key === after) continue;
        out.push(record);
      }
    } else {
      const start = after === null ? range.hi : after;
      for (const [key, record] of tree.entriesReversed(start, undefined, true)) {
        if (key < range.lo || out.length >= limit) break;
        out.push(record);
      }
    }
    return out;
  }

  /** Writer side: replaces `old` by `next` in every index (either may be absent). */
  write(old: DocRecord | undefined, next: DocRecord | undefined): void {
    for (const [name, tree] of this.indexes) {
      if (old) tree.delete(old.keys.get(name)!);
      if (next) tree.set(next.keys.get(name)!, next);
    }
    for (const index of this.search.values()) {
      if (old) index.remove(old);
      if (next) index.add(next);
    }
  }
}
