/**
 * One query or mutation execution. Reads come from a fixed snapshot overlaid with the
 * transaction's own writes (tables it writes are private copy-on-write clones, so reads
 * see its writes through the same index code). Every read extends the read set; writes
 * are collected per document for commit. Savepoints give nested `ctx.runMutation` calls
 * their own rollback.
 */
import type { JSONValue } from "./api.js";
import { decodeId, newId } from "./ids.js";
import type { DocRecord } from "./store/document.js";
import type { Database, Snapshot } from "./store/database.js";
import { ReadSetImpl, type Write } from "./store/readset.js";
import type { SearchQuery } from "./store/search.js";
import type { KeyRange, TableVersion } from "./store/table.js";
import type { SearchIndexDef } from "./schema.js";
import { encodeKey, KEY_MAX, valueNesting, type JSONObject } from "./values.js";
import { approachingLimitWarning, formatBytes } from "./callLimits.js";
import { checkDocument, checkSize, MAX_DOCUMENT_NESTING, MAX_DOCUMENT_SIZE } from "./limits.js";
import { ReadIntervals } from "./readIntervals.js";
import type { ReadView, Stream } from "./query/executor.js";

export const MAX_DOCUMENTS_READ = 32_000;
export const MAX_BYTES_READ = 16 * 1024 * 1024;
export const MAX_DOCUMENTS_WRITTEN = 16_000;
export const MAX_BYTES_WRITTEN = 16 * 1024 * 1024;
export const MAX_READ_INTERVALS = 4096;
const OVER_LIMIT_HELP =
  "Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.";

/** The smallest double above a positive `x` (Rust's `f64::next_up`). */
function nextUp(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) + 1n);
  return view.getFloat64(0);
}

type Savepoint = { tables: Map<string, TableVersion>; writes: Map<string, Write> };

export class Transaction implements ReadView {
  readonly readSet: ReadSetImpl;
  private tables = new Map<string, TableVersion>();
  private writes = new Map<string, Write>();
  private readonly savepoints = new Map<number, Savepoint>();
  private nextSavepoint = 1;
  readonly streams = new Map<number, Stream>();
  /** Convex's read-set intervals: the ranges read, merged per index. */
  private readonly intervals = new ReadIntervals();
  private documentsRead = 0;
  private bytesRead = 0;
  private bytesWritten = 0;
  private documentsWritten = 0;
  paginated = false;
  /** End cursor fixed by a previous run of a paginated query (its journal). */
  journalEndCursor: string | null = null;
  /** The journal to return: set when the function paginates. */
  journalOut: string | null = null;
  /** As Convex: max(snapshot ts, wall clock) at begin, then the next float per insert. */
  private nextCreationTime: number;
  private readonly release: () => void;

  constructor(
    readonly db: Database,
    readonly snapshot: Snapshot,
    readonly kind: "query" | "mutation",
  ) {
    this.readSet = new ReadSetImpl(snapshot.ts);
    this.release = db.begin(snapshot);
    this.nextCreationTime = Math.max(Number(snapshot.ts) / 1e6, Date.now());
  }

  /** Ends the transaction's claim on commit history (after commit or abort). */
  finish(): void {
    this.release();
  }

  table(name: string): TableVersion | undefined {
    return this.tables.get(name) ?? this.snapshot.tables.get(name);
  }

  noteRead(record: DocRecord): void {
    this.documentsRead++;
    this.bytesRead += record.size;
    if (this.documentsRead > MAX_DOCUMENTS_READ) {
      throw new Error(`Too many documents read in a single function execution (limit: ${MAX_DOCUMENTS_READ}). ${OVER_LIMIT_HELP}`);
    }
    if (this.bytesRead > MAX_BYTES_READ) {
      throw new Error(`Too many bytes read in a single function execution (limit: ${MAX_BYTES_READ} bytes). ${OVER_LIMIT_HELP}`);
    }
  }

  recordRange(table: string, index: string, range: KeyRange): void {
    this.readSet.addRange(table, index, range);
    if (range.lo >= range.hi) return;
    this.intervals.add(`${table}\0${index}`, range);
    if (this.intervals.size > MAX_READ_INTERVALS) {
      throw new Error(`Too many reads in a single function execution (limit: ${MAX_READ_INTERVALS}). ${OVER_LIMIT_HELP}`);
    }
  }

  /** A search is in the read set but, as in Convex, not one of its intervals. */
  recordSearch(table: string, def: SearchIndexDef, query: SearchQuery): void {
    this.readSet.addSearch(table, def, query);
  }

  /** The table an ID belongs to, checked against an expected table name if given. */
  tableOfId(id: JSONValue, expected: string | undefined, method: string): string | null {
    const decoded = typeof id === "string" ? decodeId(id) : null;
    if (decoded === null) {
      throw new Error(`Invalid argument \`id\` for \`db.${method}\`: Unable to decode ID: ${JSON.stringify(id)}`);
    }
    const table = this.db.tableName(decoded.tableNumber);
    if (table !== undefined && expected !== undefined && expected !== table) {
      throw new Error(`Invalid argument \`id\` for \`db.${method}\`: ID ${id as string} is in table "${table}", not "${expected}"`);
    }
    return table ?? null;
  }

  /** Reads one document (recording the point read). */
  get(table: string, id: string): DocRecord | undefined {
    const key = encodeKey(id);
    this.recordRange(table, "by_id", { lo: key, hi: key + KEY_MAX });
    const record = this.table(table)?.get(id);
    if (record) this.noteRead(record);
    return record;
  }

  // -- writes -------------------------------------------------------------------

  private writable(table: string): TableVersion {
    let version = this.tables.get(table);
    if (!version) {
      const base = this.snapshot.tables.get(table);
      version = base ? base.clone() : this.db.emptyTable(table);
      this.tables.set(table, version);
    }
    return version;
  }

  /**
   * `system` writes (the scheduler's, the crons') are bounded by their callers, as Convex
   * bounds them apart: the 1 MiB document limit and the write limits are the user's.
   */
  private put(table: string, id: string, next: DocRecord | undefined, system = false): void {
    if (this.kind !== "mutation") throw new Error("Queries cannot write to the database.");
    if (next && !system) checkSize(next);
    const version = this.writable(table);
    const current = version.get(id);
    version.write(current, next);
    const previous = this.writes.get(id);
    const old = previous ? previous.old : current;
    this.writes.set(id, { table, id, old, next });
    if (system) return;
    // As Convex, every write counts, also a second write to the same document.
    if (++this.documentsWritten > MAX_DOCUMENTS_WRITTEN) {
      throw new Error(`Too many writes in a single function execution (limit: ${MAX_DOCUMENTS_WRITTEN})`);
    }
    this.bytesWritten += next?.size ?? 0;
    if (this.bytesWritten > MAX_BYTES_WRITTEN) {
      throw new Error(`Too many bytes written in a single function execution (limit: ${formatBytes(MAX_BYTES_WRITTEN)})`);
    }
  }

  insert(table: string, fields: JSONObject): DocRecord {
    checkDocument(this.db, table, fields);
    const record = this.newDocument(table, fields);
    this.put(table, record.id, record);
    return record;
  }

  private newDocument(table: string, fields: JSONObject): DocRecord {
    const creationTime = this.nextCreationTime;
    this.nextCreationTime = nextUp(creationTime);
    return this.db.record(table, { ...fields, _id: newId(this.db.ensureTableNumber(table)), _creationTime: creationTime });
  }

  replaceFields(table: string, id: string, fields: JSONObject, operation: "Update" | "Replace"): DocRecord {
    const current = this.get(table, id);
    if (!current) throw new Error(`${operation} on nonexistent document ID ${id}`);
    const value: JSONObject = { ...fields, _id: current.value._id!, _creationTime: current.value._creationTime! };
    const { _id: _ignoredId, _creationTime: _ignoredTime, ...userFields } = value;
    checkDocument(this.db, table, userFields);
    const record = this.db.record(table, value);
    this.put(table, id, record);
    return record;
  }

  delete(table: string, id: string): void {
    if (!this.get(table, id)) throw new Error(`Delete on nonexistent document ID ${id}`);
    this.put(table, id, undefined);
  }

  /** Engine-maintained tables (scheduler, crons): no user-level checks. */
  insertSystem(table: string, fields: JSONObject): DocRecord {
    const record = this.newDocument(table, fields);
    this.put(table, record.id, record, true);
    return record;
  }

  replaceSystem(table: string, id: string, fields: JSONObject): void {
    const current = this.get(table, id);
    if (!current) throw new Error(`Replace on nonexistent document ID ${id}`);
    this.put(table, id, this.db.record(table, { ...fields, _id: id, _creationTime: current.value._creationTime! }), true);
  }

  deleteSystem(table: string, id: string): void {
    this.put(table, id, undefined, true);
  }

  /** Convex's warnings for a run close to a read or write limit, in its order. */
  limitWarnings(): string[] {
    const warnings = [
      approachingLimitWarning(this.documentsRead, MAX_DOCUMENTS_READ, "Many documents read in a single function execution", "", OVER_LIMIT_HELP),
      approachingLimitWarning(this.intervals.size, MAX_READ_INTERVALS, "Many reads in a single function execution", "", OVER_LIMIT_HELP),
      approachingLimitWarning(this.bytesRead, MAX_BYTES_READ, "Many bytes read in a single function execution", " bytes", OVER_LIMIT_HELP),
      approachingLimitWarning(this.documentsWritten, MAX_DOCUMENTS_WRITTEN, "Many writes in a single function execution"),
      approachingLimitWarning(this.bytesWritten, MAX_BYTES_WRITTEN, "Many bytes written in a single function execution", " bytes"),
    ];
    return warnings.filter((line) => line !== null);
  }

  /**
   * Convex's warnings for the largest and the most nested document this run leaves written
   * (`biggest_document_writes`: each document's final version; deletes weigh nothing). Only
   * user tables: a scheduled job's arguments live in `_scheduled_functions` here, and
   * `scheduledArgsWarning` covers those.
   */
  documentWarnings(): string[] {
    let biggest: { id: string; size: number } | null = null;
    let deepest: { id: string; nesting: number } | null = null;
    for (const { table, id, next } of this.writes.values()) {
      if (next === undefined || table.startsWith("_")) continue;
      if (biggest === null || next.size > biggest.size) biggest = { id, size: next.size };
      const nesting = valueNesting(next.value);
      if (deepest === null || nesting > deepest.nesting) deepest = { id, nesting };
    }
    if (biggest === null || deepest === null) return [];
    const warnings = [
      approachingLimitWarning(biggest.size, MAX_DOCUMENT_SIZE, `Large document written with ID "${biggest.id}"`, " bytes"),
      approachingLimitWarning(deepest.nesting, MAX_DOCUMENT_NESTING, `Deeply nested document written with ID "${deepest.id}"`, " levels"),
    ];
    return warnings.filter((line) => line !== null);
  }

  metrics(): JSONObject {
    const used = (n: number, limit: number) => ({ used: n, remaining: Math.max(0, limit - n) });
    return {
      bytesRead: used(this.bytesRead, MAX_BYTES_READ),
      bytesWritten: used(this.bytesWritten, MAX_BYTES_WRITTEN),
      documentsRead: used(this.documentsRead, MAX_DOCUMENTS_READ),
      documentsWritten: used(this.documentsWritten, MAX_DOCUMENTS_WRITTEN),
    };
  }

  /** Writes to commit, skipping documents inserted and deleted within the transaction. */
  writeList(): Write[] {
    return [...this.writes.values()].filter((w) => w.old !== undefined || w.next !== undefined);
  }

  get hasWrites(): boolean {
    return this.writes.size > 0;
  }

  // -- savepoints -------------------------------------------------------------------

  savepoint(): number {
    const id = this.nextSavepoint++;
    const tables = new Map([...this.tables].map(([name, version]) => [name, version.clone()]));
    this.savepoints.set(id, { tables, writes: new Map(this.writes) });
    return id;
  }

  rollback(id: number): void {
    const saved = this.savepoints.get(id);
    if (!saved) throw new Error(`Unknown savepoint ${id}`);
    this.tables = saved.tables;
    this.writes = saved.writes;
    for (const other of [...this.savepoints.keys()]) if (other >= id) this.savepoints.delete(other);
  }

  releaseSavepoint(id: number): void {
    this.savepoints.delete(id);
  }
}
