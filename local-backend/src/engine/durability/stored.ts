/**
 * Reads of the checkpointed documents and index entries in SQLite, behind the store's
 * `StoredTable` interface, with a bounded LRU cache of parsed documents. Every row read is
 * verified (the document's CRC-32, and that the index entry's key is the key the document
 * has in that index), so damage inside a row is refused when read, never served.
 */
import { crc32 } from "node:zlib";
import type BetterSqlite3 from "better-sqlite3";
import type { DocRecord } from "../store/document.js";
import type { StoredSearch } from "../store/searchRows.js";
import type { KeyRange, StoredTable } from "../store/table.js";
import { KEY_MAX, type JSONObject } from "../values.js";

/** The database file is damaged: the engine refuses to start (or to serve a row) rather than serve altered data. */
export class DataDirDamagedError extends Error {}

/** Parsed documents kept in memory, at most (memory is bounded by this, not by the data). */
const CACHE_DOCUMENTS = 20_000;

export function checksum(id: string, json: string): number {
  return crc32(json, crc32(`${id}\x00`));
}

/** An index key (a string of byte-valued chars) as the bytes SQLite orders with memcmp. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, "latin1");
}

/**
 * A range bound as bytes. `prefix + KEY_MAX` (above every key starting with `prefix`)
 * becomes the prefix's successor: the shortest byte string above all of them (`null`: none).
 */
export function bound(key: string): { bytes: Buffer | null; pastPrefix: boolean } {
  const at = key.indexOf(KEY_MAX);
  if (at < 0) return { bytes: keyBytes(key), pastPrefix: false };
  if (at !== key.length - 1) throw new Error("KEY_MAX inside an index key bound.");
  const bytes = keyBytes(key.slice(0, -1));
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0xff) end--;
  if (end === 0) return { bytes: null, pastPrefix: true };
  const successor = Buffer.from(bytes.subarray(0, end));
  successor[end - 1]! += 1;
  return { bytes: successor, pastPrefix: true };
}

type Row = [key: Buffer, id: string];

export class StoredDocuments {
  private readonly cache = new Map<string, DocRecord>();
  private readonly getStatement: BetterSqlite3.Statement<[string], { json: string; crc: number; table_number: number }>;
  private readonly scans = new Map<string, BetterSqlite3.Statement>();

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    readonly file: string,
    /** Index id of (table, index name), as stored in the `indexes` table. */
    private readonly indexId: (table: string, index: string) => number | undefined,
    /** Builds the record of a stored document (its index keys under the current schema). */
    private readonly record: (table: string, value: JSONObject) => DocRecord,
    /** The checkpointed rows of a search index (durability/storedSearch.ts). */
    private readonly search: (table: string, index: string) => StoredSearch,
  ) {
    this.getStatement = sqlite.prepare("SELECT json, crc, table_number FROM documents WHERE id = ?");
  }

  table(name: string): StoredTable {
    return {
      get: (id) => this.get(name, id),
      scan: (index, range, order, after, limit) => this.scan(name, index, range, order, after, limit),
      search: (index) => this.search(name, index),
    };
  }

  /** Forgets cached versions of `ids` (a checkpoint rewrote them) or, without ids, everything (a schema change). */
  invalidate(ids?: Iterable<string>): void {
    if (ids === undefined) return this.cache.clear();
    for (const id of ids) this.cache.delete(id);
  }

  private get(table: string, id: string): DocRecord | undefined {
    const record = this.cached(id) ?? this.load(table, id);
    return record?.table === table ? record : undefined;
  }

  private load(table: string, id: string): DocRecord | undefined {
    const row = this.read(() => this.getStatement.get(id));
    return row === undefined ? undefined : this.parse(table, id, row.json, row.crc);
  }

  private scan(table: string, index: string, range: KeyRange, order: "asc" | "desc", after: string | null, limit: number): DocRecord[] {
    const indexId = this.indexId(table, index);
    if (indexId === undefined) return [];
    const lo = after !== null && order === "asc" ? { bytes: keyBytes(after), pastPrefix: false, exclusive: true } : { ...bound(range.lo), exclusive: false };
    const hi = after !== null && order === "desc" ? { bytes: keyBytes(after), pastPrefix: false } : bound(range.hi);
    if (lo.bytes === null || (hi.bytes !== null && Buffer.compare(lo.bytes, hi.bytes) >= 0)) return [];
    const params: (number | Buffer)[] = [indexId, lo.bytes];
    if (hi.bytes !== null) params.push(hi.bytes);
    params.push(limit);
    const rows = this.read(() => this.scanStatement(order, lo.exclusive, hi.bytes !== null).raw().all(...params) as Row[]);
    return rows.map((row) => this.entry(table, index, row));
  }

  private scanStatement(order: "asc" | "desc", loExclusive: boolean, hasHi: boolean): BetterSqlite3.Statement {
    const name = `${order}${loExclusive}${hasHi}`;
    let statement = this.scans.get(name);
    if (statement === undefined) {
      statement = this.sqlite.prepare(
        `SELECT key, doc_id FROM index_entries WHERE index_id = ? AND key ${loExclusive ? ">" : ">="} ? ${hasHi ? "AND key < ?" : ""} ` +
          `ORDER BY key ${order === "asc" ? "ASC" : "DESC"} LIMIT ?`,
      );
      this.scans.set(name, statement);
    }
    return statement;
  }

  /** The document an index entry names (from the cache when it is there: a scan reads only index pages then). */
  private entry(table: string, index: string, [key, id]: Row): DocRecord {
    const record = this.cached(id) ?? this.load(table, id);
    if (record === undefined) throw this.damaged(`an entry of index ${table}.${index} names a missing document`);
    if (record.table !== table || record.keys.get(index) !== key.toString("latin1")) {
      throw this.damaged(`an entry of index ${table}.${index} does not match document ${id}`);
    }
    return record;
  }

  private cached(id: string): DocRecord | undefined {
    const record = this.cache.get(id);
    if (record !== undefined) {
      this.cache.delete(id);
      this.cache.set(id, record);
    }
    return record;
  }

  private parse(table: string, id: string, json: string, crc: number): DocRecord {
    if (checksum(id, json) !== crc) throw this.damaged(`document ${id} of table ${table} fails its checksum`);
    const record = this.record(table, JSON.parse(json) as JSONObject);
    if (record.id !== id) throw this.damaged(`document ${id} of table ${table} holds _id ${record.id}`);
    this.cache.set(id, record);
    if (this.cache.size > CACHE_DOCUMENTS) this.cache.delete(this.cache.keys().next().value!);
    return record;
  }

  private read<T>(run: () => T): T {
    return readingPages(this.file, run);
  }

  private damaged(what: string): DataDirDamagedError {
    return damagedError(this.file, what);
  }
}

/** Runs `run`; a page SQLite finds damaged (in files too large for `quick_check` at start) is `DataDirDamagedError`. */
export function readingPages<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("SQLITE_CORRUPT") === true) throw damagedError(file, `SQLite found a damaged page (${(error as Error).message})`);
    throw error;
  }
}

/** The error for damage found in `file`: what was found, and how to recover. */
export function damagedError(file: string, what: string): DataDirDamagedError {
  return new DataDirDamagedError(
    `${file} is damaged: ${what}. Refusing to serve altered data; ` +
      "restore the data directory from a backup or a snapshot (doctrina import --replace).",
  );
}
