/**
 * The on-disk indexes: which indexes exist (`indexes` rows: id, table, name, fields), their
 * entries (`index_entries`, keyed by (index id, memcomparable key), naming the document),
 * backfilling an index the schema adds and dropping one it removes, the row writes a
 * checkpoint or a bulk load makes for one document, and a table's stored documents in pages
 * (what backfills read).
 */
import type BetterSqlite3 from "better-sqlite3";
import type { IndexDef } from "../schema.js";
import type { DocRecord } from "../store/document.js";
import type { JSONObject } from "../values.js";
import { checksum, keyBytes, type DataDirDamagedError } from "./stored.js";

type IndexRow = { id: number; table_name: string; name: string; fields: string };

const PAGE = 1000;

export class DiskIndexes {
  /** `table NUL index` -> index id, for the indexes whose entries are complete. */
  private readonly ids = new Map<string, number>();
  private readonly insertEntry: BetterSqlite3.Statement<[number, Buffer, string]>;
  private readonly deleteEntry: BetterSqlite3.Statement<[number, Buffer]>;
  private readonly upsertDocument: BetterSqlite3.Statement<[string, number, bigint, string, number]>;
  private readonly deleteDocument: BetterSqlite3.Statement<[string]>;
  private readonly addCountStatement: BetterSqlite3.Statement<[number, number]>;
  private readonly byIdPage: BetterSqlite3.Statement;
  private readonly tablePage: BetterSqlite3.Statement;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly damaged: (what: string) => DataDirDamagedError,
  ) {
    for (const row of sqlite.prepare("SELECT id, table_name, name, fields FROM indexes").all() as IndexRow[]) {
      this.ids.set(`${row.table_name}\x00${row.name}`, row.id);
    }
    this.insertEntry = sqlite.prepare("INSERT OR REPLACE INTO index_entries (index_id, key, doc_id) VALUES (?, ?, ?)");
    this.deleteEntry = sqlite.prepare("DELETE FROM index_entries WHERE index_id = ? AND key = ?");
    this.upsertDocument = sqlite.prepare("INSERT OR REPLACE INTO documents (id, table_number, ts, json, crc) VALUES (?, ?, ?, ?, ?)");
    this.deleteDocument = sqlite.prepare("DELETE FROM documents WHERE id = ?");
    this.addCountStatement = sqlite.prepare(
      "INSERT INTO counts (table_number, documents) VALUES (?, ?) ON CONFLICT (table_number) DO UPDATE SET documents = documents + excluded.documents",
    );
    this.byIdPage = sqlite
      .prepare(`SELECT e.key, d.id, d.json, d.crc FROM index_entries e JOIN documents d ON d.id = e.doc_id WHERE e.index_id = ? AND e.key > ? ORDER BY e.key LIMIT ${PAGE}`)
      .raw();
    this.tablePage = sqlite.prepare(`SELECT id, id, json, crc FROM documents WHERE table_number = ? AND id > ? ORDER BY id LIMIT ${PAGE}`).raw();
  }

  id(table: string, index: string): number | undefined {
    return this.ids.get(`${table}\x00${index}`);
  }

  /**
   * Makes the stored indexes of `table` exactly `wanted`: drops the ones not wanted (or
   * whose fields changed) and backfills the missing ones from the table's documents.
   * Runs inside the caller's SQLite transaction. Returns how many indexes it built.
   * `onlyMissing`: the caller knows the schema did not change (a checkpoint), skip the drop pass.
   */
  reconcile(table: string, number: number | undefined, wanted: readonly IndexDef[], record: (value: JSONObject) => DocRecord, onlyMissing = false): number {
    if (onlyMissing && wanted.every((index) => this.id(table, index.name) !== undefined)) return 0;
    const stored = this.sqlite.prepare("SELECT id, table_name, name, fields FROM indexes WHERE table_name = ?").all(table) as IndexRow[];
    for (const row of stored) {
      const def = wanted.find((index) => index.name === row.name);
      if (def !== undefined && JSON.stringify(def.fields) === row.fields) continue;
      this.sqlite.prepare("DELETE FROM index_entries WHERE index_id = ?").run(row.id);
      this.sqlite.prepare("DELETE FROM indexes WHERE id = ?").run(row.id);
      this.ids.delete(`${table}\x00${row.name}`);
    }
    const missing = wanted.filter((index) => this.id(table, index.name) === undefined);
    if (missing.length === 0) return 0;
    const insert = this.sqlite.prepare("INSERT INTO indexes (table_name, name, fields) VALUES (?, ?, ?)");
    const created = missing.map((index) => ({ name: index.name, id: Number(insert.run(table, index.name, JSON.stringify(index.fields)).lastInsertRowid) }));
    for (const doc of this.documents(table, number, record)) {
      for (const index of created) this.insertEntry.run(index.id, keyBytes(doc.keys.get(index.name)!), doc.id);
    }
    for (const { name, id } of created) this.ids.set(`${table}\x00${name}`, id);
    return created.length;
  }

  /**
   * The stored documents of `table`, read in pages: through its `by_id` entries when it has
   * them (reads only this table's documents), else by a scan of its table number (a format 1
   * store has no index entries), else none (an empty table).
   */
  *documents(table: string, number: number | undefined, record: (value: JSONObject) => DocRecord): Generator<DocRecord> {
    const byId = this.id(table, "by_id");
    if (byId !== undefined) yield* this.pages(this.byIdPage, byId, Buffer.alloc(0), record);
    else if (number !== undefined && this.hasDocuments(number)) yield* this.pages(this.tablePage, number, "", record);
  }

  private hasDocuments(number: number): boolean {
    return ((this.sqlite.prepare("SELECT documents FROM counts WHERE table_number = ?").pluck().get(number) as number | undefined) ?? 0) > 0;
  }

  /** Pages of `[cursor, id, json, crc]` rows after a cursor, 1000 at a time, each verified and parsed. */
  private *pages<C>(page: BetterSqlite3.Statement, key: number, start: C, record: (value: JSONObject) => DocRecord): Generator<DocRecord> {
    let after = start;
    for (;;) {
      const rows = page.all(key, after) as [C, string, string, number][];
      for (const [, id, json, crc] of rows) {
        if (checksum(id, json) !== crc) throw this.damaged(`document ${id} fails its checksum`);
        const doc = record(JSON.parse(json) as JSONObject);
        if (doc.id !== id) throw this.damaged(`document ${id} holds _id ${doc.id}`);
        yield doc;
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]![0];
    }
  }

  /** Deletes every document row, index entry and the count of `table` (stored as `number`); its index definitions stay. */
  dropRows(table: string, number: number | undefined): void {
    const byId = this.id(table, "by_id");
    if (byId !== undefined) this.sqlite.prepare("DELETE FROM documents WHERE id IN (SELECT doc_id FROM index_entries WHERE index_id = ?)").run(byId);
    for (const [key, id] of this.ids) if (key.startsWith(`${table}\x00`)) this.sqlite.prepare("DELETE FROM index_entries WHERE index_id = ?").run(id);
    if (number !== undefined) this.sqlite.prepare("DELETE FROM counts WHERE table_number = ?").run(number);
  }

  addCount(number: number, documents: number): void {
    this.addCountStatement.run(number, documents);
  }

  /** Removes every index entry and document row of `old` (a checkpoint applying a write). */
  removeDocument(old: DocRecord, number: number): void {
    for (const [name, key] of old.keys) {
      const id = this.id(old.table, name);
      if (id !== undefined) this.deleteEntry.run(id, keyBytes(key));
    }
    this.deleteDocument.run(old.id);
    this.addCount(number, -1);
  }

  /** Writes `next`'s document row and index entries. */
  putDocument(next: DocRecord, number: number, ts: bigint): void {
    this.upsertDocument.run(next.id, number, ts, next.json, checksum(next.id, next.json));
    for (const [name, key] of next.keys) {
      const id = this.id(next.table, name);
      if (id !== undefined) this.insertEntry.run(id, keyBytes(key), next.id);
    }
    this.addCount(number, 1);
  }
}
