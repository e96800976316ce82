/**
 * Durable storage of the document store in SQLite (`<dataDir>/db/documents.sqlite3`,
 * better-sqlite3). One row per live document (`table_number`, `id`, commit `ts`, JSON and a
 * CRC-32 of id + JSON), the table numbers, and the last commit timestamp. Why SQLite and this
 * layout: docs/local-backend-engine.md, "Durability".
 *
 * - Group commit: commits appended in one event-loop turn are written in one SQLite
 *   transaction, then their `onDurable` callbacks run in commit order.
 * - Rollback journal (`journal_mode=TRUNCATE`, `synchronous=FULL`): once a transaction
 *   commits its data is in the database file itself, so no log holds acknowledged data that
 *   a damaged frame could make SQLite drop on recovery (what WAL mode does).
 * - `locking_mode=EXCLUSIVE`: the connection keeps SQLite's OS lock on the file until it
 *   closes or the process dies, so only one engine can open a data directory.
 * - Integrity at start: `PRAGMA quick_check`, then every row's checksum while loading.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import BetterSqlite3 from "better-sqlite3";
import type { Database } from "../store/database.js";
import type { CommitRecord } from "../store/readset.js";
import { TableVersion } from "../store/table.js";
import type { JSONObject } from "../values.js";
import { readLegacy, removeLegacy, type LegacyState } from "./legacy.js";

export const DATABASE_FILE = "documents.sqlite3";
const FORMAT = "1";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
  id TEXT PRIMARY KEY,
  table_number INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  json TEXT NOT NULL,
  crc INTEGER NOT NULL
) WITHOUT ROWID;`;

/** The data directory is open in another engine (SQLite's lock on the database file is held). */
export class DataDirLockedError extends Error {}

/** The database file is damaged: the engine refuses to start rather than serve altered data. */
export class DataDirDamagedError extends Error {}

type Pending = { commit: CommitRecord; onDurable: () => void; onFailed: (error: Error) => void };

function checksum(id: string, json: string): number {
  return crc32(json, crc32(`${id}\x00`));
}

export class Persistence {
  private readonly persistedTables = new Map<string, number>();
  private pending: Pending[] = [];
  private flushQueued = false;
  private failure: Error | null = null;
  private closed = false;
  /** The store being persisted (its table numbers are written with each commit); set by `load`. */
  private db: Database | null = null;
  private readonly upsert: BetterSqlite3.Statement<[string, number, bigint, string, number]>;
  private readonly remove: BetterSqlite3.Statement<[string]>;
  private readonly setTs: BetterSqlite3.Statement<[string]>;

  private constructor(
    readonly file: string,
    private readonly sqlite: BetterSqlite3.Database,
  ) {
    this.upsert = sqlite.prepare("INSERT OR REPLACE INTO documents (id, table_number, ts, json, crc) VALUES (?, ?, ?, ?, ?)");
    this.remove = sqlite.prepare("DELETE FROM documents WHERE id = ?");
    this.setTs = sqlite.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('ts', ?)");
  }

  /**
   * Opens `<dir>/documents.sqlite3`, taking its lock and checking its integrity. Throws
   * `DataDirLockedError` or `DataDirDamagedError`. Call `load` next.
   */
  static async open(dir: string): Promise<Persistence> {
    await mkdir(dir, { recursive: true });
    const file = join(dir, DATABASE_FILE);
    let sqlite: BetterSqlite3.Database | undefined;
    try {
      sqlite = new BetterSqlite3(file, { timeout: 0 });
      sqlite.pragma("locking_mode = EXCLUSIVE");
      sqlite.pragma("journal_mode = TRUNCATE");
      sqlite.pragma("synchronous = FULL");
      sqlite.pragma("cell_size_check = ON");
      sqlite.exec("BEGIN EXCLUSIVE; COMMIT;");
      checkIntegrity(sqlite, file);
      sqlite.exec(SCHEMA);
      const format = sqlite.prepare("SELECT value FROM meta WHERE key = 'format'").pluck().get() as string | undefined;
      if (format === undefined) sqlite.prepare("INSERT INTO meta (key, value) VALUES ('format', ?)").run(FORMAT);
      else if (format !== FORMAT) throw new DataDirDamagedError(`${file} has storage format ${format}; this engine reads format ${FORMAT}.`);
      return new Persistence(file, sqlite);
    } catch (error) {
      sqlite?.close();
      throw describeOpenError(error, file);
    }
  }

  /**
   * Loads every document into `db` (indexes are built in memory), verifying each row's
   * checksum. A data directory in the legacy log + checkpoint format is migrated first.
   */
  async load(db: Database, dir: string): Promise<void> {
    this.db = db;
    const legacy = await readLegacy(dir);
    if (legacy !== null) {
      this.writeLegacy(legacy);
      await removeLegacy(dir);
    }
    for (const row of this.sqlite.prepare("SELECT name, number FROM tables").all() as { name: string; number: number }[]) {
      db.registerTable(row.name, row.number);
      this.persistedTables.set(row.name, row.number);
    }
    const ts = this.sqlite.prepare("SELECT value FROM meta WHERE key = 'ts'").pluck().get() as string | undefined;
    db.install(ts === undefined ? 0n : BigInt(ts), this.readTables(db));
  }

  private readTables(db: Database): Map<string, TableVersion> {
    const byNumber = new Map<number, JSONObject[]>();
    const rows = this.sqlite.prepare("SELECT id, table_number, json, crc FROM documents").raw().iterate() as IterableIterator<
      [string, number, string, number]
    >;
    for (const [id, number, json, crc] of rows) {
      if (checksum(id, json) !== crc) {
        throw new DataDirDamagedError(
          `${this.file} is damaged: document ${id} of table ${db.tableName(number) ?? number} fails its checksum. ` +
            "Refusing to serve altered data; restore the data directory from a backup or a snapshot (doctrina import --replace).",
        );
      }
      let docs = byNumber.get(number);
      if (!docs) byNumber.set(number, (docs = []));
      docs.push(JSON.parse(json) as JSONObject);
    }
    const tables = new Map<string, TableVersion>();
    for (const [number, docs] of byNumber) {
      const name = db.tableName(number);
      if (name === undefined) throw new DataDirDamagedError(`${this.file} is damaged: documents of unknown table number ${number}.`);
      const records = docs.map((doc) => db.record(name, doc));
      for (const record of records) db.noteCreationTime(record.value._creationTime as number);
      tables.set(name, TableVersion.build(db.tableSchema(name), number, records));
    }
    return tables;
  }

  private writeLegacy(legacy: LegacyState): void {
    this.sqlite.transaction(() => {
      this.sqlite.exec("DELETE FROM documents; DELETE FROM tables;");
      const insertTable = this.sqlite.prepare("INSERT INTO tables (name, number) VALUES (?, ?)");
      for (const [name, number] of legacy.tables) insertTable.run(name, number);
      for (const [table, docs] of legacy.documents) {
        const number = legacy.tables.get(table);
        if (number === undefined) throw new Error(`Legacy data has documents of table ${table} without a table number; not migrating.`);
        for (const [id, doc] of docs) {
          const json = JSON.stringify(doc);
          this.upsert.run(id, number, legacy.ts, json, checksum(id, json));
        }
      }
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
        for (const { commit } of batch) this.writeCommit(commit);
        this.setTs.run(String(batch[batch.length - 1]!.commit.ts));
      })();
    } catch (error) {
      // Memory is ahead of the disk now: refuse every later commit until a restart.
      this.failure ??= new Error(`Writing to ${this.file} failed: ${(error as Error).message}`);
      for (const entry of batch) entry.onFailed(this.failure);
      return;
    }
    for (const entry of batch) entry.onDurable();
  }

  private writeCommit(commit: CommitRecord): void {
    if (this.db !== null) this.writeTableNumbers(this.db.tableNumbers());
    for (const write of commit.writes) {
      if (write.next === undefined) {
        this.remove.run(write.id);
        continue;
      }
      const number = this.persistedTables.get(write.table);
      if (number === undefined) throw new Error(`Table ${write.table} has no number.`);
      this.upsert.run(write.id, number, commit.ts, write.next.json, checksum(write.id, write.next.json));
    }
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

  /** Writes what is queued and closes the database (releasing its lock). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.sqlite.close();
  }
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
