/**
 * The on-disk search indexes: which exist (`search_indexes` rows: id, table, name, search
 * field, and BM25's totals), their rows (`search_terms`, `search_postings`, `search_impacts`,
 * `search_lengths`, keyed as store/searchTerms.ts describes), backfilling an index the schema
 * adds (or that a data directory from before these tables lacks) and dropping one it
 * removes, and the row writes a checkpoint or a bulk load makes for one document.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { SearchIndexDef } from "../schema.js";
import type { DocRecord } from "../store/document.js";
import type { StoredSearch } from "../store/searchRows.js";
import { documentTerms, impactKey, postingKey, termKey } from "../store/searchTerms.js";
import { keyBytes, type DataDirDamagedError } from "./stored.js";
import { SearchStatements, StoredSearchRows } from "./storedSearch.js";

type SearchIndexRow = { id: number; table_name: string; name: string; search_field: string };
type Stored = { id: number; name: string; searchField: string };

const SEARCH_ROWS = ["search_terms", "search_postings", "search_impacts", "search_lengths"];

export class DiskSearchIndexes {
  /** Table -> its search indexes whose rows are complete. */
  private readonly byTable = new Map<string, Stored[]>();
  private readonly reads: SearchStatements;
  private readonly insertPosting: BetterSqlite3.Statement<[number, Buffer, number]>;
  private readonly deletePosting: BetterSqlite3.Statement<[number, Buffer]>;
  private readonly insertImpact: BetterSqlite3.Statement<[number, Buffer, string]>;
  private readonly deleteImpact: BetterSqlite3.Statement<[number, Buffer]>;
  private readonly insertLength: BetterSqlite3.Statement<[number, string, number]>;
  private readonly deleteLength: BetterSqlite3.Statement<[number, string]>;
  private readonly addTerm: BetterSqlite3.Statement<[number, Buffer, number]>;
  private readonly dropUnusedTerm: BetterSqlite3.Statement<[number, Buffer]>;
  private readonly addTotals: BetterSqlite3.Statement<[number, number, number]>;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly damaged: (what: string) => DataDirDamagedError,
  ) {
    this.reload();
    this.reads = new SearchStatements(sqlite);
    this.insertPosting = sqlite.prepare("INSERT OR REPLACE INTO search_postings (index_id, key, tf) VALUES (?, ?, ?)");
    this.deletePosting = sqlite.prepare("DELETE FROM search_postings WHERE index_id = ? AND key = ?");
    this.insertImpact = sqlite.prepare("INSERT OR REPLACE INTO search_impacts (index_id, key, doc_id) VALUES (?, ?, ?)");
    this.deleteImpact = sqlite.prepare("DELETE FROM search_impacts WHERE index_id = ? AND key = ?");
    this.insertLength = sqlite.prepare("INSERT OR REPLACE INTO search_lengths (index_id, doc_id, length) VALUES (?, ?, ?)");
    this.deleteLength = sqlite.prepare("DELETE FROM search_lengths WHERE index_id = ? AND doc_id = ?");
    this.addTerm = sqlite.prepare(
      "INSERT INTO search_terms (index_id, term, documents) VALUES (?, ?, ?) ON CONFLICT (index_id, term) DO UPDATE SET documents = documents + excluded.documents",
    );
    this.dropUnusedTerm = sqlite.prepare("DELETE FROM search_terms WHERE index_id = ? AND term = ? AND documents <= 0");
    this.addTotals = sqlite.prepare("UPDATE search_indexes SET documents = documents + ?, total_length = total_length + ? WHERE id = ?");
  }

  /** Reads which search indexes are stored (again after a rolled-back transaction changed them). */
  reload(): void {
    this.byTable.clear();
    const rows = this.sqlite.prepare("SELECT id, table_name, name, search_field FROM search_indexes").all() as SearchIndexRow[];
    for (const row of rows) this.tableIndexes(row.table_name).push({ id: row.id, name: row.name, searchField: row.search_field });
  }

  private tableIndexes(table: string): Stored[] {
    let indexes = this.byTable.get(table);
    if (indexes === undefined) this.byTable.set(table, (indexes = []));
    return indexes;
  }

  /** The rows of `table`'s search index `name`, as the store reads them. */
  stored(table: string, name: string): StoredSearch {
    return new StoredSearchRows(this.reads, () => this.byTable.get(table)?.find((index) => index.name === name)?.id, this.damaged);
  }

  /**
   * Makes the stored search indexes of `table` exactly `wanted`: drops the ones not wanted
   * (or whose search field changed) and backfills the missing ones from `documents` (the
   * table's stored documents, read only when one is missing). Runs inside the caller's
   * SQLite transaction. Returns how many indexes it built.
   */
  reconcile(table: string, wanted: readonly SearchIndexDef[], documents: () => Iterable<DocRecord>): number {
    const indexes = this.tableIndexes(table);
    for (const index of [...indexes]) {
      if (wanted.some((def) => def.name === index.name && def.searchField === index.searchField)) continue;
      for (const rows of SEARCH_ROWS) this.sqlite.prepare(`DELETE FROM ${rows} WHERE index_id = ?`).run(index.id);
      this.sqlite.prepare("DELETE FROM search_indexes WHERE id = ?").run(index.id);
      indexes.splice(indexes.indexOf(index), 1);
    }
    const missing = wanted.filter((def) => !indexes.some((index) => index.name === def.name));
    if (missing.length === 0) return 0;
    const insert = this.sqlite.prepare("INSERT INTO search_indexes (table_name, name, search_field, documents, total_length) VALUES (?, ?, ?, 0, 0)");
    const created = missing.map(({ name, searchField }) => ({ id: Number(insert.run(table, name, searchField).lastInsertRowid), name, searchField }));
    for (const doc of documents()) for (const index of created) this.putRows(index, doc);
    indexes.push(...created);
    return created.length;
  }

  /** Removes `old`'s rows from its table's search indexes (a checkpoint applying a write). */
  removeDocument(old: DocRecord): void {
    for (const { id, searchField } of this.byTable.get(old.table) ?? []) {
      const doc = documentTerms(searchField, old);
      if (doc === null) continue;
      for (const [term, tf] of doc.terms) {
        const key = keyBytes(termKey(term));
        this.deletePosting.run(id, keyBytes(postingKey(term, old.id)));
        this.deleteImpact.run(id, keyBytes(impactKey(term, tf, doc.length, old)));
        this.addTerm.run(id, key, -1);
        this.dropUnusedTerm.run(id, key);
      }
      this.deleteLength.run(id, old.id);
      this.addTotals.run(-1, -doc.length, id);
    }
  }

  /** Writes `next`'s rows in its table's search indexes. */
  putDocument(next: DocRecord): void {
    for (const index of this.byTable.get(next.table) ?? []) this.putRows(index, next);
  }

  private putRows({ id, searchField }: Stored, record: DocRecord): void {
    const doc = documentTerms(searchField, record);
    if (doc === null) return;
    for (const [term, tf] of doc.terms) {
      this.insertPosting.run(id, keyBytes(postingKey(term, record.id)), tf);
      this.insertImpact.run(id, keyBytes(impactKey(term, tf, doc.length, record)), record.id);
      this.addTerm.run(id, keyBytes(termKey(term)), 1);
    }
    this.insertLength.run(id, record.id, doc.length);
    this.addTotals.run(1, doc.length, id);
  }
}
