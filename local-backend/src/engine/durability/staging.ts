/**
 * A snapshot import staged beside the live rows, in the same SQLite file
 * (`import_documents`, `import_index_entries`), in batches that are SQLite transactions of
 * their own, so memory stays one batch whatever the snapshot's size and the engine keeps
 * serving meanwhile. Nothing reads the staged rows; `Persistence.swapIn` moves them into the
 * live rows in one transaction. A crash while staging leaves only staged rows behind, which
 * the next open deletes (the import was never acknowledged).
 */
import type BetterSqlite3 from "better-sqlite3";
import type { DocRecord } from "../store/document.js";
import { checksum, keyBytes } from "./stored.js";

export const STAGING_SCHEMA = `
CREATE TABLE IF NOT EXISTS import_documents (id TEXT PRIMARY KEY, table_number INTEGER NOT NULL, json TEXT NOT NULL, crc INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS import_index_entries (index_id INTEGER NOT NULL, key BLOB NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (index_id, key)) WITHOUT ROWID;`;
export const CLEAR_STAGING = "DELETE FROM import_documents; DELETE FROM import_index_entries;";

/** Documents written to SQLite per staging transaction. */
const BATCH = 2000;

/** A staged document's `_id` was staged before (the snapshot has it twice). */
export class DuplicateIdError extends Error {
  constructor(
    readonly where: string,
    readonly id: string,
  ) {
    super(`${where}: _id ${id} appears twice.`);
  }
}

type Staged = { record: DocRecord; number: number; where: string };

export class ImportStaging {
  private batch: Staged[] = [];
  /** Staged documents per table number. */
  readonly counts = new Map<number, number>();
  private readonly insertDocument: BetterSqlite3.Statement<[string, number, string, number]>;
  private readonly insertEntry: BetterSqlite3.Statement<[number, Buffer, string]>;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    /** Index name -> index id of a table (its index rows exist before staging starts). */
    private readonly indexId: (table: string, index: string) => number | undefined,
    private readonly release: () => void,
  ) {
    sqlite.exec(CLEAR_STAGING);
    this.insertDocument = sqlite.prepare("INSERT INTO import_documents (id, table_number, json, crc) VALUES (?, ?, ?, ?)");
    this.insertEntry = sqlite.prepare("INSERT INTO import_index_entries (index_id, key, doc_id) VALUES (?, ?, ?)");
  }

  /** Stages `record` as a document of table `number`; `where` names it if it turns out to be a duplicate. */
  add(record: DocRecord, number: number, where: string): void {
    this.batch.push({ record, number, where });
    if (this.batch.length >= BATCH) this.flush();
  }

  /** Writes the batch. Throws `DuplicateIdError` for a document staged before. */
  flush(): void {
    const batch = this.batch;
    this.batch = [];
    this.sqlite.transaction(() => {
      for (const staged of batch) this.write(staged);
    })();
    for (const { number } of batch) this.counts.set(number, (this.counts.get(number) ?? 0) + 1);
  }

  private write({ record, number, where }: Staged): void {
    try {
      this.insertDocument.run(record.id, number, record.json, checksum(record.id, record.json));
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") throw new DuplicateIdError(where, record.id);
      throw error;
    }
    for (const [name, key] of record.keys) {
      const id = this.indexId(record.table, name);
      if (id === undefined) throw new Error(`Index ${record.table}.${name} has no stored definition.`);
      this.insertEntry.run(id, keyBytes(key), record.id);
    }
  }

  /** Inside the caller's transaction: inserts every staged row into the live rows at `ts`, then clears the staging tables. */
  moveInto(ts: bigint): void {
    this.sqlite.prepare("INSERT INTO documents (id, table_number, ts, json, crc) SELECT id, table_number, ?, json, crc FROM import_documents").run(ts);
    this.sqlite.exec("INSERT INTO index_entries (index_id, key, doc_id) SELECT index_id, key, doc_id FROM import_index_entries");
    this.sqlite.exec(CLEAR_STAGING);
  }

  /** Deletes whatever was staged (a refused import) and lets another import start. */
  discard(): void {
    this.batch = [];
    this.sqlite.exec(CLEAR_STAGING);
    this.release();
  }
}
