/**
 * What a transaction read: index key ranges per (table, index) and search queries. A
 * commit invalidates a read set iff one of its writes has an old or new index key inside a
 * read range (or old/new document matching a read search). Used both for OCC validation of
 * mutations and for subscription invalidation: a write outside every read range never
 * re-runs a query, even in the same table.
 */
import type { Commit, ReadSet } from "../api.js";
import type { SearchIndexDef } from "../schema.js";
import type { DocRecord } from "./document.js";
import { documentMatches, type SearchQuery } from "./search.js";
import type { KeyRange } from "./table.js";

export type Write = {
  readonly table: string;
  readonly id: string;
  /** The committed version before this transaction (absent for an insert). */
  readonly old: DocRecord | undefined;
  /** The new version (absent for a delete). */
  readonly next: DocRecord | undefined;
};

export class CommitRecord implements Commit {
  constructor(
    readonly ts: bigint,
    readonly writes: readonly Write[],
    /** Tables this commit replaced as a whole (a snapshot import): every read of them is invalidated. */
    readonly replacedTables: ReadonlySet<string> = new Set(),
  ) {}
}

type SearchRead = { table: string; def: SearchIndexDef; query: SearchQuery };

function inRanges(key: string | undefined, ranges: readonly KeyRange[]): boolean {
  if (key === undefined) return false;
  return ranges.some((r) => key >= r.lo && key < r.hi);
}

export class ReadSetImpl implements ReadSet {
  private readonly ranges = new Map<string, Map<string, KeyRange[]>>();
  private readonly searches: SearchRead[] = [];
  /** Snapshot timestamp the reads were made at. */
  ts: bigint;

  constructor(ts: bigint) {
    this.ts = ts;
  }

  addRange(table: string, index: string, range: KeyRange): void {
    if (range.lo >= range.hi) return;
    let byIndex = this.ranges.get(table);
    if (!byIndex) this.ranges.set(table, (byIndex = new Map()));
    const list = byIndex.get(index);
    if (list) list.push(range);
    else byIndex.set(index, [range]);
  }

  addSearch(table: string, def: SearchIndexDef, query: SearchQuery): void {
    this.searches.push({ table, def, query });
  }

  /** Adds everything `other` read (nested function calls). */
  merge(other: ReadSetImpl): void {
    for (const [table, byIndex] of other.ranges) {
      for (const [index, list] of byIndex) for (const range of list) this.addRange(table, index, range);
    }
    this.searches.push(...other.searches);
  }

  get isEmpty(): boolean {
    return this.ranges.size === 0 && this.searches.length === 0;
  }

  isInvalidatedBy(commit: Commit): boolean {
    const record = commit as CommitRecord;
    if (record.ts <= this.ts) return false;
    return this.readsAnyOf(record.replacedTables) || record.writes.some((write) => this.touches(write));
  }

  /** The first table whose reads `commit` overlaps, for OCC error messages. */
  conflictTable(commit: CommitRecord): string | null {
    const replaced = [...commit.replacedTables].find((table) => this.readsTable(table));
    return replaced ?? commit.writes.find((write) => this.touches(write))?.table ?? null;
  }

  private readsAnyOf(tables: ReadonlySet<string>): boolean {
    for (const table of tables) if (this.readsTable(table)) return true;
    return false;
  }

  private readsTable(table: string): boolean {
    return this.ranges.has(table) || this.searches.some((s) => s.table === table);
  }

  private touches(write: Write): boolean {
    const byIndex = this.ranges.get(write.table);
    if (byIndex) {
      for (const [index, ranges] of byIndex) {
        if (inRanges(write.old?.keys.get(index), ranges) || inRanges(write.next?.keys.get(index), ranges)) return true;
      }
    }
    return this.searches.some(
      (s) =>
        s.table === write.table &&
        ((write.old !== undefined && documentMatches(s.def, write.old.value, s.query)) ||
          (write.next !== undefined && documentMatches(s.def, write.next.value, s.query))),
    );
  }
}
