/**
 * Durable storage of the document store in SQLite (`<dataDir>/db/documents.sqlite3`,
 * better-sqlite3): checkpointed documents, index entries and search index rows (read through
 * `StoredDocuments` and `StoredSearchRows`), and a log of the commits made since the last
 * checkpoint. Why SQLite and this layout: docs/local-backend-engine.md, "Storage" and "Durability".
 *
 * - Group commit: commits appended in one event-loop turn are written as log rows in one
 *   SQLite transaction, then their `onDurable` callbacks run in commit order.
 * - Checkpoint: every 2,048 logged writes (and at close), the logged commits no running
 *   transaction still needs move into the document, index and search rows.
 * - Rollback journal (`journal_mode=TRUNCATE`, `synchronous=FULL`): once a transaction
 *   commits its data is in the database file itself, so no log holds acknowledged data that
 *   a damaged frame could make SQLite drop on recovery (what WAL mode does).
 * - `locking_mode=EXCLUSIVE`: the connection keeps SQLite's OS lock on the file until it
 *   closes or the process dies, so only one engine can open a data directory.
 * - Integrity: `PRAGMA quick_check` at start (files up to 64 MiB), every row verified when read.
 */
import { statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import BetterSqlite3 from "better-sqlite3";
import type { TableSchema } from "../schema.js";
import type { Database } from "../store/database.js";
import { makeRecord } from "../store/document.js";
import type { CommitRecord, Write } from "../store/readset.js";
import { TableVersion } from "../store/table.js";
import type { JSONObject } from "../values.js";
import { DiskIndexes } from "./indexes.js";
import { readLegacy, removeLegacy, type LegacyState } from "./legacy.js";
import { DiskSearchIndexes } from "./searchIndexes.js";
import { CLEAR_STAGING, ImportStaging, STAGING_SCHEMA } from "./staging.js";
import { checksum, damagedError, DataDirDamagedError, readingPages, StoredDocuments } from "./stored.js";

export { DataDirDamagedError } from "./stored.js";

export const DATABASE_FILE = "documents.sqlite3";
/** Format 2 added index entries (backfilled at load); 3 added the search rows (backfilled at load). */
const FORMAT = "3";
/** Checkpoint once this many written documents sit in the log (bounds the overlay and the replay at start). */
const CHECKPOINT_WRITES = 2048;
/**
 * `quick_check` reads the whole file (about 1 s per 100 MiB here): run at start up to this size.
 * Whatever the size, SQLite refuses at open a file shorter than its header's page count (a
 * truncated copy). Larger files rely on the checks every read makes
 * (SQLite's page and cell checks, our row checksums and index-entry checks), so a start stays
 * bounded by the cache, not the data.
 */
const CHECK_AT_START_BYTES = 64 * 1024 * 1024;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
  id TEXT PRIMARY KEY,
  table_number INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  json TEXT NOT NULL,
  crc INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS indexes (id INTEGER PRIMARY KEY, table_name TEXT NOT NULL, name TEXT NOT NULL, fields TEXT NOT NULL, UNIQUE (table_name, name));
CREATE TABLE IF NOT EXISTS index_entries (index_id INTEGER NOT NULL, key BLOB NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (index_id, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counts (table_number INTEGER PRIMARY KEY, documents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS log (ts INTEGER PRIMARY KEY, writes TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS search_indexes (
  id INTEGER PRIMARY KEY,
  table_name TEXT NOT NULL,
  name TEXT NOT NULL,
  search_field TEXT NOT NULL,
  documents INTEGER NOT NULL,
  total_length INTEGER NOT NULL,
  UNIQUE (table_name, name)
);
CREATE TABLE IF NOT EXISTS search_terms (index_id INTEGER NOT NULL, term BLOB NOT NULL, documents INTEGER NOT NULL, PRIMARY KEY (index_id, term)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_postings (index_id INTEGER NOT NULL, key BLOB NOT NULL, tf INTEGER NOT NULL, PRIMARY KEY (index_id, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_impacts (index_id INTEGER NOT NULL, key BLOB NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (index_id, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_lengths (index_id INTEGER NOT NULL, doc_id TEXT NOT NULL, length INTEGER NOT NULL, PRIMARY KEY (index_id, doc_id)) WITHOUT ROWID;`;

/** The data directory is open in another engine (SQLite's lock on the database file is held). */
export class DataDirLockedError extends Error {}

type Pending = { commit: CommitRecord; onDurable: () => void; onFailed: (error: Error) => void };

/** A commit's log row: `[[table, id, document JSON or null], ...]` (documents embedded as they are stored). */
function logRow(commit: CommitRecord): string {
  return `[${commit.writes.map((w) => `[${JSON.stringify(w.table)},${JSON.stringify(w.id)},${w.next?.json ?? "null"}]`).join(",")}]`;
}

export class Persistence {
  private readonly persistedTables = new Map<string, number>();
  private pending: Pending[] = [];
  private flushQueued = false;
  private failure: Error | null = null;
  private closed = false;
  /** The store being persisted (its table numbers are written with each commit); set by `load`. */
  private db: Database | null = null;
  private stored: StoredDocuments | null = null;
  private readonly indexes: DiskIndexes;
  private readonly search: DiskSearchIndexes;
  /** Durable commits whose writes are in the log but not yet in the document, index and search rows. */
  private logged: CommitRecord[] = [];
  private loggedWrites = 0;
  private staging: ImportStaging | null = null;
  private readonly appendLog: BetterSqlite3.Statement<[bigint, string, number]>;
  private readonly setTs: BetterSqlite3.Statement<[string]>;

  private constructor(
    readonly file: string,
    private readonly sqlite: BetterSqlite3.Database,
  ) {
    this.indexes = new DiskIndexes(sqlite, (what) => this.damaged(what));
    this.search = new DiskSearchIndexes(sqlite, (what) => this.damaged(what));
    this.appendLog = sqlite.prepare("INSERT INTO log (ts, writes, crc) VALUES (?, ?, ?)");
    this.setTs = sqlite.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('ts', ?)");
  }

  /**
   * Opens `<dir>/documents.sqlite3`, taking its lock and checking its integrity (`quick_check`
   * when the file is at most `checkAtStartBytes`). Throws `DataDirLockedError` or
   * `DataDirDamagedError`. Call `load` next.
   */
  static async open(dir: string, checkAtStartBytes = CHECK_AT_START_BYTES): Promise<Persistence> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, DATABASE_FILE);
    let sqlite: BetterSqlite3.Database | undefined;
    try {
      sqlite = new BetterSqlite3(file, { timeout: 0 });
      sqlite.pragma("locking_mode = EXCLUSIVE");
      sqlite.pragma("journal_mode = TRUNCATE");
      sqlite.pragma("synchronous = FULL");
      sqlite.pragma("cell_size_check = ON");
      sqlite.pragma("cache_size = -32768");
      sqlite.exec("BEGIN EXCLUSIVE; COMMIT;");
      if (statSync(file).size <= checkAtStartBytes) checkIntegrity(sqlite, file);
      migrate(sqlite, file);
      return new Persistence(file, sqlite);
    } catch (error) {
      sqlite?.close();
      throw describeOpenError(error, file);
    }
  }

  private damaged(what: string): DataDirDamagedError {
    return damagedError(this.file, what);
  }

  /**
   * Attaches `db` to the stored tables: no document is read, only table numbers, counts and
   * search totals. Indexes and search indexes the schema adds (or an older data directory
   * lacks) are backfilled, removed ones dropped; commits still in the log are replayed into
   * the overlay. A data directory in the legacy log + checkpoint format is migrated first.
   */
  async load(db: Database, dir: string): Promise<void> {
    const legacy = await readLegacy(dir);
    readingPages(this.file, () => this.attach(db, legacy));
    if (legacy !== null) await removeLegacy(dir);
  }

  private attach(db: Database, legacy: LegacyState | null): void {
    this.db = db;
    if (legacy !== null) this.writeLegacy(legacy);
    for (const row of this.sqlite.prepare("SELECT name, number FROM tables").all() as { name: string; number: number }[]) {
      db.registerTable(row.name, row.number);
      this.persistedTables.set(row.name, row.number);
    }
    const stored = new StoredDocuments(
      this.sqlite,
      this.file,
      (table, index) => this.indexes.id(table, index),
      (table, value) => db.record(table, value),
      (table, index) => this.search.stored(table, index),
    );
    this.stored = stored;
    db.attachStorage((name) => stored.table(name));
    this.reconcileIndexes(db);
    const ts = this.sqlite.prepare("SELECT value FROM meta WHERE key = 'ts'").pluck().get() as string | undefined;
    db.install(ts === undefined ? 0n : BigInt(ts), this.tableVersions(db));
    this.replayLog(db);
  }

  /** Makes the stored indexes of every known table match the schema (after a push changed it, too). */
  reconcileIndexes(db: Database): number {
    return this.sqlite.transaction(() => {
      let built = 0;
      for (const [name, number] of db.tableNumbers()) built += this.reconcileTable(db, name, this.persistedTables.get(name) ?? number);
      return built;
    })();
  }

  /** The stored indexes, then the stored search indexes, of one table made to match its schema (`onlyMissing`: see `DiskIndexes.reconcile`). */
  private reconcileTable(db: Database, name: string, number: number, onlyMissing = false): number {
    const schema = db.tableSchema(name);
    const record = (value: JSONObject) => db.record(name, value);
    const built = this.indexes.reconcile(name, number, schema.indexes, record, onlyMissing);
    return built + this.search.reconcile(name, schema.searchIndexes, () => this.indexes.documents(name, number, record));
  }

  /** Each table (of `names`) over its stored rows: its document count, its search indexes over theirs. */
  tableVersions(db: Database, names: Iterable<string> = db.tableNumbers().keys()): Map<string, TableVersion> {
    const counts = new Map(
      (this.sqlite.prepare("SELECT table_number, documents FROM counts").raw().all() as [number, number][]).map(([n, c]) => [n, c]),
    );
    const tables = new Map<string, TableVersion>();
    for (const name of names) {
      const number = db.tableNumber(name)!;
      const schema = db.tableSchema(name);
      const base = this.stored!.table(name);
      tables.set(name, TableVersion.over(schema, number, base, counts.get(this.persistedTables.get(name) ?? number) ?? 0));
    }
    return tables;
  }

  /** After a schema change (everything checkpointed): every table again over its stored rows, under the new schema. */
  reinstall(db: Database): void {
    this.stored!.invalidate();
    db.install(db.latest.ts, this.tableVersions(db));
  }

  private replayLog(db: Database): void {
    const rows = this.sqlite.prepare("SELECT ts, writes, crc FROM log ORDER BY ts").safeIntegers().raw().iterate() as IterableIterator<
      [bigint, string, bigint]
    >;
    for (const [ts, json, crc] of rows) {
      if (crc32(json) !== Number(crc)) throw this.damaged(`the log record of commit ${ts} fails its checksum`);
      const writes = (JSON.parse(json) as [string, string, JSONObject | null][]).map(
        ([table, id, doc]): Write => ({ table, id, old: undefined, next: doc === null ? undefined : db.record(table, doc) }),
      );
      const { commit, snapshot } = db.apply(writes, ts);
      db.publish(commit, snapshot);
      this.logged.push(commit);
      this.loggedWrites += commit.writes.length;
    }
  }

  /**
   * Writes documents straight into the document, index and search rows, bypassing the log (bulk
   * loads into a data directory no engine has open yet: benchmarks, tools). Before `load`.
   */
  bulkLoad(schema: TableSchema, number: number, docs: readonly JSONObject[]): void {
    if (this.db !== null) throw new Error("bulkLoad runs before load.");
    this.sqlite.transaction(() => {
      this.writeTableNumbers(new Map([[schema.name, number]]));
      const record = (value: JSONObject) => makeRecord(schema.name, value, schema.indexes);
      this.indexes.reconcile(schema.name, number, schema.indexes, record);
      this.search.reconcile(schema.name, schema.searchIndexes, () => this.indexes.documents(schema.name, number, record));
      for (const doc of docs) {
        const next = record(doc);
        this.indexes.putDocument(next, number, 0n);
        this.search.putDocument(next);
      }
    })();
  }

  /**
   * Starts staging an import of `tables` (their index definitions are stored first, so the
   * staged index entries name them). One import at a time.
   */
  stageImport(tables: readonly string[]): ImportStaging {
    const db = this.db;
    if (db === null) throw new Error("stageImport runs after load.");
    if (this.staging !== null) throw new Error("Another snapshot import is running; wait for it to finish.");
    this.sqlite.transaction(() => {
      for (const name of tables) this.indexes.reconcile(name, this.persistedTables.get(name), db.tableSchema(name).indexes, (value) => db.record(name, value), true);
    })();
    this.staging = new ImportStaging(this.sqlite, (table, index) => this.indexes.id(table, index), () => (this.staging = null));
    return this.staging;
  }

  /**
   * Moves a staged import into the live rows in one SQLite transaction, so it is all or
   * nothing, across a crash too: the `replaced` tables lose every row first, table numbers
   * become `numbers`, the staged rows are inserted and counted, the store's ts becomes `ts`.
   * Every commit is checkpointed first (the caller waited until no transaction runs and every
   * commit is durable, and flushed the staging); the caller installs the tables' new versions after.
   */
  swapIn(staging: ImportStaging, replaced: readonly string[], numbers: Map<string, number>, ts: bigint): void {
    const db = this.db;
    if (db === null) throw new Error("swapIn runs after load.");
    this.checkpoint();
    if (this.failure !== null) throw this.failure;
    if (this.logged.length > 0) throw new Error("Commits are still waiting for a checkpoint; the import cannot be swapped in.");
    const persisted = new Map(this.persistedTables);
    try {
      this.sqlite.transaction(() => {
        for (const name of replaced) this.indexes.dropRows(name, this.persistedTables.get(name));
        this.writeTableNumbers(numbers);
        staging.moveInto(ts);
        for (const [number, added] of staging.counts) this.indexes.addCount(number, added);
        for (const [name, number] of numbers) this.rebuildSearch(db, name, number);
        this.setTs.run(String(ts));
      })();
    } catch (error) {
      // Rolled back: the numbers and search indexes on disk are the ones from before.
      this.persistedTables.clear();
      for (const [name, number] of persisted) this.persistedTables.set(name, number);
      this.search.reload();
      throw error;
    }
    this.stored!.invalidate();
  }

  /** An imported table's search rows built again from its stored documents (staged rows bypass them). */
  private rebuildSearch(db: Database, name: string, number: number): void {
    const schema = db.tableSchema(name);
    if (schema.searchIndexes.length === 0) return;
    this.search.reconcile(name, [], () => []);
    this.search.reconcile(name, schema.searchIndexes, () => this.indexes.documents(name, number, (value) => db.record(name, value)));
  }

  private writeLegacy(legacy: LegacyState): void {
    this.sqlite.transaction(() => {
      this.sqlite.exec(
        "DELETE FROM documents; DELETE FROM tables; DELETE FROM index_entries; DELETE FROM indexes; DELETE FROM counts; DELETE FROM log; " +
          "DELETE FROM search_terms; DELETE FROM search_postings; DELETE FROM search_impacts; DELETE FROM search_lengths; DELETE FROM search_indexes;",
      );
      const insertTable = this.sqlite.prepare("INSERT INTO tables (name, number) VALUES (?, ?)");
      const upsert = this.sqlite.prepare("INSERT OR REPLACE INTO documents (id, table_number, ts, json, crc) VALUES (?, ?, ?, ?, ?)");
      for (const [name, number] of legacy.tables) insertTable.run(name, number);
      for (const [table, docs] of legacy.documents) {
        const number = legacy.tables.get(table);
        if (number === undefined) throw new Error(`Legacy data has documents of table ${table} without a table number; not migrating.`);
        for (const [id, doc] of docs) {
          const json = JSON.stringify(doc);
          upsert.run(id, number, legacy.ts, json, checksum(id, json));
        }
      }
      recount(this.sqlite);
      this.setTs.run(String(legacy.ts));
    })();
  }

  /** Queues a commit; `onDurable` runs in commit order once it is on disk, `onFailed` if it cannot be. */
  append(commit: CommitRecord, onDurable: () => void, onFailed: (error: Error) => void): void {
    if (this.failure !== null) return onFailed(this.failure);
    if (this.closed) return onFailed(new Error("The store is closed (the engine is shut down)."));
    this.pending.push({ commit, onDurable, onFailed });
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => this.flush());
  }

  /** Persists table numbers not yet on disk (e.g. schema tables with no documents). */
  persistTables(): void {
    if (this.db !== null) this.sqlite.transaction((numbers: Map<string, number>) => this.writeTableNumbers(numbers))(this.db.tableNumbers());
  }

  private flush(): void {
    this.flushQueued = false;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    try {
      if (this.failure !== null) throw this.failure;
      this.sqlite.transaction(() => {
        if (this.db !== null) this.writeTableNumbers(this.db.tableNumbers());
        for (const { commit } of batch) {
          const row = logRow(commit);
          this.appendLog.run(commit.ts, row, crc32(row));
        }
        this.setTs.run(String(batch[batch.length - 1]!.commit.ts));
      })();
    } catch (error) {
      // Memory is ahead of the disk now: refuse every later commit until a restart.
      this.failure ??= new Error(`Writing to ${this.file} failed: ${(error as Error).message}`);
      for (const entry of batch) entry.onFailed(this.failure);
      return;
    }
    for (const { commit } of batch) {
      this.logged.push(commit);
      this.loggedWrites += commit.writes.length;
    }
    for (const entry of batch) entry.onDurable();
    if (this.loggedWrites >= CHECKPOINT_WRITES) this.checkpoint();
  }

  /**
   * Moves the logged commits no running transaction still needs (up to the database's
   * horizon) into the document, index and search rows, then drops them from the overlay.
   */
  checkpoint(): void {
    const db = this.db;
    if (db === null || this.logged.length === 0 || this.failure !== null) return;
    const horizon = db.checkpointHorizon();
    let count = 0;
    while (count < this.logged.length && this.logged[count]!.ts <= horizon) count++;
    if (count === 0) return;
    const done = this.logged.slice(0, count);
    const upTo = done[done.length - 1]!.ts;
    const ids = new Set<string>();
    try {
      this.sqlite.transaction(() => {
        for (const commit of done) for (const write of commit.writes) this.applyWrite(db, write, commit.ts, ids);
        this.sqlite.prepare("DELETE FROM log WHERE ts <= ?").run(upTo);
      })();
    } catch (error) {
      this.failure ??= new Error(`Checkpointing ${this.file} failed: ${(error as Error).message}`);
      return;
    }
    this.stored!.invalidate(ids);
    this.logged = this.logged.slice(count);
    this.loggedWrites = this.logged.reduce((sum, commit) => sum + commit.writes.length, 0);
    db.rebase(upTo);
  }

  private applyWrite(db: Database, write: Write, ts: bigint, ids: Set<string>): void {
    const number = this.persistedTables.get(write.table);
    if (number === undefined) throw new Error(`Table ${write.table} has no number.`);
    this.reconcileTable(db, write.table, number, true);
    if (write.old !== undefined) {
      this.indexes.removeDocument(write.old, number);
      this.search.removeDocument(write.old);
    }
    if (write.next !== undefined) {
      this.indexes.putDocument(write.next, number, ts);
      this.search.putDocument(write.next);
    }
    ids.add(write.id);
  }

  /** Writes the names whose number is new or changed (an import may renumber an empty table). */
  private writeTableNumbers(numbers: Map<string, number>): void {
    const changed = [...numbers].filter(([name, number]) => this.persistedTables.get(name) !== number);
    if (changed.length === 0) return;
    const del = this.sqlite.prepare("DELETE FROM tables WHERE name = ? OR number = ?");
    const insert = this.sqlite.prepare("INSERT INTO tables (name, number) VALUES (?, ?)");
    for (const [name, number] of changed) del.run(name, number);
    for (const [name, number] of changed) {
      insert.run(name, number);
      this.persistedTables.set(name, number);
    }
  }

  /** Writes what is queued, checkpoints it (so the next start replays nothing) and closes the database (releasing its lock). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.checkpoint();
    this.closed = true;
    this.sqlite.close();
  }
}

/**
 * Brings a database of an older storage format to this one: the new tables are created empty
 * and their rows backfilled at load (format 1 had no index rows, format 2 no search rows).
 */
function migrate(sqlite: BetterSqlite3.Database, file: string): void {
  sqlite.exec(SCHEMA);
  // Rows an import staged before a crash: that import was never acknowledged.
  sqlite.exec(STAGING_SCHEMA);
  sqlite.exec(CLEAR_STAGING);
  const format = sqlite.prepare("SELECT value FROM meta WHERE key = 'format'").pluck().get() as string | undefined;
  if (format === FORMAT) return;
  if (format !== undefined && format !== "1" && format !== "2") {
    throw new DataDirDamagedError(`${file} has storage format ${format}; this engine reads format ${FORMAT}.`);
  }
  sqlite.transaction(() => {
    if (format !== "2") recount(sqlite);
    sqlite.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?)").run(FORMAT);
  })();
}

function recount(sqlite: BetterSqlite3.Database): void {
  sqlite.exec("DELETE FROM counts; INSERT INTO counts (table_number, documents) SELECT table_number, count(*) FROM documents GROUP BY table_number;");
}

function checkIntegrity(sqlite: BetterSqlite3.Database, file: string): void {
  const problems = sqlite.pragma("quick_check(20)", { simple: false }) as { quick_check: string }[];
  const messages = problems.map((row) => row.quick_check).filter((message) => message !== "ok");
  if (messages.length > 0) {
    throw new DataDirDamagedError(
      `${file} is damaged (SQLite quick_check: ${messages.join("; ")}). Refusing to start; ` +
        "restore the data directory from a backup or a snapshot (doctrina import --replace).",
    );
  }
}

function describeOpenError(error: unknown, file: string): Error {
  if (error instanceof DataDirDamagedError) return error;
  const code = (error as { code?: string }).code ?? "";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new DataDirLockedError(`${file} is open in another Doctrina local backend.`);
  }
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") {
    return new DataDirDamagedError(
      `${file} is damaged (${(error as Error).message}). Refusing to start; ` +
        "restore the data directory from a backup or a snapshot (doctrina import --replace).",
    );
  }
  return error as Error;
}
