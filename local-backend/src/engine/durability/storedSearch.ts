/**
 * Reads of a search index's checkpointed rows in SQLite, behind the store's `StoredSearch`
 * interface: point reads (a term's document frequency, a posting's term frequency, a
 * document's length) and key-ordered range reads of terms and impacts, each one indexed
 * B-tree seek. Nothing is cached here beyond SQLite's page cache, so memory stays bounded.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { SearchTotals, StoredSearch } from "../store/searchRows.js";
import { KEY_MAX } from "../values.js";
import { bound, keyBytes, type DataDirDamagedError } from "./stored.js";

type Range = "terms" | "impacts";

const RANGE_SQL: Record<Range, string> = {
  terms: "SELECT term, documents FROM search_terms WHERE index_id = ? AND term >= ?",
  impacts: "SELECT key, doc_id FROM search_impacts WHERE index_id = ? AND key >= ?",
};
const RANGE_KEY: Record<Range, string> = { terms: "term", impacts: "key" };

/** The statements every stored search index shares (prepared once per database). */
export class SearchStatements {
  readonly totals: BetterSqlite3.Statement<[number], { documents: number; total_length: number }>;
  readonly frequency: BetterSqlite3.Statement<[number, Buffer]>;
  readonly posting: BetterSqlite3.Statement<[number, Buffer]>;
  readonly length: BetterSqlite3.Statement<[number, string]>;
  private readonly ranges = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {
    this.totals = sqlite.prepare("SELECT documents, total_length FROM search_indexes WHERE id = ?");
    this.frequency = sqlite.prepare("SELECT documents FROM search_terms WHERE index_id = ? AND term = ?").pluck();
    this.posting = sqlite.prepare("SELECT tf FROM search_postings WHERE index_id = ? AND key = ?").pluck();
    this.length = sqlite.prepare("SELECT length FROM search_lengths WHERE index_id = ? AND doc_id = ?").pluck();
  }

  /** `[key, value]` rows of `range` from `lo` (inclusive) below `hi` (none: no upper bound), in key order. */
  range(range: Range, id: number, lo: Buffer, hi: Buffer | null, limit: number): [Buffer, unknown][] {
    const name = `${range}${hi !== null}`;
    let statement = this.ranges.get(name);
    if (statement === undefined) {
      const column = RANGE_KEY[range];
      statement = this.sqlite.prepare(`${RANGE_SQL[range]} ${hi !== null ? `AND ${column} < ?` : ""} ORDER BY ${column} LIMIT ?`).raw();
      this.ranges.set(name, statement);
    }
    return (hi !== null ? statement.all(id, lo, hi, limit) : statement.all(id, lo, limit)) as [Buffer, unknown][];
  }
}

/** One search index's rows; its id is looked up at each read (a checkpoint creates the rows of a new table's index). */
export class StoredSearchRows implements StoredSearch {
  constructor(
    private readonly statements: SearchStatements,
    private readonly id: () => number | undefined,
    private readonly damaged: (what: string) => DataDirDamagedError,
  ) {}

  totals(): SearchTotals {
    const id = this.id();
    const row = id === undefined ? undefined : this.statements.totals.get(id);
    return row === undefined ? { docs: 0, totalLength: 0 } : { docs: row.documents, totalLength: row.total_length };
  }

  frequency(termKey: string): number | undefined {
    return this.point(this.statements.frequency, keyBytes(termKey));
  }

  posting(key: string): number | undefined {
    return this.point(this.statements.posting, keyBytes(key));
  }

  length(id: string): number | undefined {
    return this.point(this.statements.length, id);
  }

  terms(prefix: string, after: string, limit: number): [string, number][] {
    return this.range("terms", prefix, after, limit).map(([key, documents]) => [key.toString("latin1"), documents as number]);
  }

  /** Impact rows, each checked to name the document its key ends with (a damaged row is refused, never followed). */
  impacts(prefix: string, after: string, limit: number): [string, string][] {
    return this.range("impacts", prefix, after, limit).map(([bytes, id]) => {
      const key = bytes.toString("latin1");
      if (typeof id !== "string" || !key.endsWith(id)) throw this.damaged(`a search index row names document ${String(id)} under another key`);
      return [key, id];
    });
  }

  private point<P extends Buffer | string>(statement: BetterSqlite3.Statement<[number, P]>, key: P): number | undefined {
    const id = this.id();
    return id === undefined ? undefined : (statement.get(id, key) as number | undefined);
  }

  private range(range: Range, prefix: string, after: string, limit: number): [Buffer, unknown][] {
    const id = this.id();
    const from = bound(after);
    if (id === undefined || from.bytes === null) return [];
    const lo = from.pastPrefix ? from.bytes : Buffer.concat([from.bytes, Buffer.from([0])]);
    return this.statements.range(range, id, lo, bound(prefix + KEY_MAX).bytes, limit);
  }
}
