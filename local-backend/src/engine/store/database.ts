/**
 * The multi-version document store. A `Snapshot` is an immutable map of table versions
 * at one commit timestamp; commits build the next snapshot by cloning only the tables they
 * write. Two heads:
 *   - `latest`: every applied commit (mutations start here, so they conflict less);
 *   - `published`: commits whose log record is durable (queries read here, so nobody ever
 *     observes a write that a crash could still lose).
 * Validation and application of a commit happen synchronously on the main thread, which
 * makes commits atomic and totally ordered by timestamp.
 */
import { FIRST_USER_TABLE_NUMBER, newId } from "../ids.js";
import { implicitTable, SYSTEM_TABLE_NUMBERS, type Schema, type TableSchema } from "../schema.js";
import { type JSONObject } from "../values.js";
import { makeRecord, type DocRecord } from "./document.js";
import { CommitRecord, type ReadSetImpl, type Write } from "./readset.js";
import { TableVersion, type StoredTable } from "./table.js";

export type Snapshot = { readonly ts: bigint; readonly tables: ReadonlyMap<string, TableVersion> };

const HISTORY_MS = 30_000;
const HISTORY_MAX = 2048;

/** Nanoseconds since the epoch, strictly after `previous`. */
export function nextTimestamp(previous: bigint): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  return now > previous ? now : previous + 1n;
}

export class Database {
  private readonly numbers = new Map<string, number>();
  private readonly names = new Map<number, string>();
  private nextTableNumber = FIRST_USER_TABLE_NUMBER;
  private lastCreationTime = 0;
  latest: Snapshot;
  published: Snapshot;
  /** Recently published snapshots and their commits, for `atTs` reads and late subscribers. */
  private history: { snapshot: Snapshot; commit: CommitRecord | null }[] = [];
  /** Applied commits newer than the oldest running transaction's snapshot. */
  private recentCommits: CommitRecord[] = [];
  private readonly active = new Map<bigint, number>();
  /** The checkpointed rows of a table (set by the persistence layer; none in a store without disk). */
  private stored: (name: string) => StoredTable | null = () => null;

  constructor(
    public schema: Schema,
    initialTs: bigint,
  ) {
    for (const [name, number] of Object.entries(SYSTEM_TABLE_NUMBERS)) this.registerTable(name, number);
    this.latest = this.published = { ts: initialTs, tables: new Map() };
  }

  // -- tables ---------------------------------------------------------------

  registerTable(name: string, number: number): void {
    this.numbers.set(name, number);
    this.names.set(number, name);
    if (number >= this.nextTableNumber) this.nextTableNumber = number + 1;
  }

  /**
   * Gives `name` the number `number` (a snapshot import keeps the snapshot's numbers). The
   * caller checked that no document holds an ID of the old number.
   */
  renumberTable(name: string, number: number): void {
    const old = this.numbers.get(name);
    if (old !== undefined && this.names.get(old) === name) this.names.delete(old);
    this.registerTable(name, number);
  }

  tableNumber(name: string): number | undefined {
    return this.numbers.get(name);
  }

  tableName(number: number): string | undefined {
    return this.names.get(number);
  }

  tableNumbers(): Map<string, number> {
    return new Map(this.numbers);
  }

  /** `[number, name]` pairs, as function workers need them for `v.id()` and `normalizeId`. */
  tableList(): [number, string][] {
    return [...this.names];
  }

  /** The number of `name`, allocating one for a new table (persisted with its first commit). */
  ensureTableNumber(name: string): number {
    const existing = this.numbers.get(name);
    if (existing !== undefined) return existing;
    const number = this.nextTableNumber;
    this.registerTable(name, number);
    return number;
  }

  tableSchema(name: string): TableSchema {
    return this.schema.tables.get(name) ?? implicitTable(name);
  }

  attachStorage(stored: (name: string) => StoredTable): void {
    this.stored = stored;
  }

  /** A table this snapshot does not have yet (over its stored rows, which a checkpoint may fill later). */
  emptyTable(name: string): TableVersion {
    return TableVersion.over(this.tableSchema(name), this.ensureTableNumber(name), this.stored(name), 0);
  }

  // -- documents --------------------------------------------------------------

  /** A strictly increasing `_creationTime` (ms, fractional). */
  nextCreationTime(): number {
    const now = Date.now();
    this.lastCreationTime = now > this.lastCreationTime ? now : this.lastCreationTime + 0.001;
    return this.lastCreationTime;
  }

  noteCreationTime(time: number): void {
    if (time > this.lastCreationTime) this.lastCreationTime = time;
  }

  newDocument(table: string, fields: JSONObject): DocRecord {
    const id = newId(this.ensureTableNumber(table));
    const value: JSONObject = { ...fields, _id: id, _creationTime: this.nextCreationTime() };
    return makeRecord(table, value, this.tableSchema(table).indexes);
  }

  record(table: string, value: JSONObject): DocRecord {
    return makeRecord(table, value, this.tableSchema(table).indexes);
  }

  // -- snapshots ----------------------------------------------------------------

  /** Registers a transaction reading `snapshot` (keeps the commits it must validate against). */
  begin(snapshot: Snapshot): () => void {
    this.active.set(snapshot.ts, (this.active.get(snapshot.ts) ?? 0) + 1);
    return () => {
      const count = this.active.get(snapshot.ts)! - 1;
      if (count === 0) this.active.delete(snapshot.ts);
      else this.active.set(snapshot.ts, count);
      this.trimCommits();
    };
  }

  /** The published snapshot at `ts` (latest commit at or before it), if still retained. */
  snapshotAt(ts: bigint): Snapshot | null {
    if (ts >= this.published.ts) return this.published;
    for (let i = this.history.length - 1; i >= 0; i--) {
      if (this.history[i]!.snapshot.ts <= ts) return this.history[i]!.snapshot;
    }
    return null;
  }

  /** Published commits after `ts`, oldest first; null when `ts` is older than the retained history. */
  publishedCommitsAfter(ts: bigint): CommitRecord[] | null {
    if (ts >= this.published.ts) return [];
    const first = this.history[0];
    if (first === undefined || first.snapshot.ts > ts) return null;
    const out: CommitRecord[] = [];
    for (const entry of this.history) if (entry.commit !== null && entry.commit.ts > ts) out.push(entry.commit);
    return out;
  }

  private trimCommits(): void {
    let oldest = this.latest.ts;
    for (const ts of this.active.keys()) if (ts < oldest) oldest = ts;
    const keepFrom = this.recentCommits.findIndex((c) => c.ts > oldest);
    this.recentCommits = keepFrom < 0 ? [] : this.recentCommits.slice(keepFrom);
  }

  // -- commits --------------------------------------------------------------------

  /** The first commit after `readSet.ts` that overlaps it, or null. */
  findConflict(readSet: ReadSetImpl): CommitRecord | null {
    for (const commit of this.recentCommits) {
      if (commit.ts > readSet.ts && readSet.isInvalidatedBy(commit)) return commit;
    }
    return null;
  }

  /** Applies writes as the next commit on `latest`. The caller validated them. */
  apply(writes: readonly Write[], ts: bigint = nextTimestamp(this.latest.ts)): { commit: CommitRecord; snapshot: Snapshot } {
    const tables = new Map(this.latest.tables);
    const cloned = new Set<string>();
    const applied: Write[] = [];
    for (const write of writes) {
      let table = tables.get(write.table);
      if (!cloned.has(write.table)) {
        table = table ? table.clone() : this.emptyTable(write.table);
        tables.set(write.table, table);
        cloned.add(write.table);
      }
      const current = table!.get(write.id);
      table!.write(current, write.next, ts);
      applied.push({ table: write.table, id: write.id, old: current, next: write.next });
    }
    const commit = new CommitRecord(ts, applied);
    const snapshot: Snapshot = { ts, tables };
    this.latest = snapshot;
    if (this.active.size > 0) this.recentCommits.push(commit);
    return { commit, snapshot };
  }

  /** Makes a durable commit's snapshot visible to queries. Called in commit order. */
  publish(commit: CommitRecord, snapshot: Snapshot): void {
    if (this.history.length === 0) this.history.push({ snapshot: this.published, commit: null });
    this.history.push({ snapshot, commit });
    this.published = snapshot;
    const horizon = BigInt(Date.now() - HISTORY_MS) * 1_000_000n;
    let drop = 0;
    while (
      drop < this.history.length - 1 &&
      (this.history.length - drop > HISTORY_MAX || this.history[drop + 1]!.snapshot.ts < horizon)
    ) {
      drop++;
    }
    if (drop > 0) this.history = this.history.slice(drop);
  }

  /** Moves both heads to `ts` without changing data (timestamps stay monotonic across restarts). */
  advanceTo(ts: bigint): void {
    if (ts <= this.latest.ts) return;
    this.latest = this.published = { ts, tables: this.latest.tables };
  }

  /** The newest timestamp a checkpoint may move to disk: no running transaction reads an older snapshot. */
  checkpointHorizon(): bigint {
    let horizon = this.published.ts;
    for (const ts of this.active.keys()) if (ts < horizon) horizon = ts;
    return horizon;
  }

  /**
   * After a checkpoint wrote every commit up to `ts` to disk: drops those writes from the
   * heads' overlays (they read them from disk now) and forgets history older than `ts`,
   * whose snapshots would now see later writes through the disk.
   */
  rebase(ts: bigint): void {
    const rebased = new Map<TableVersion, TableVersion>();
    const rebase = (snapshot: Snapshot): Snapshot => {
      const tables = new Map<string, TableVersion>();
      for (const [name, table] of snapshot.tables) {
        let next = rebased.get(table);
        if (next === undefined) rebased.set(table, (next = table.overlaySize === 0 ? table : table.rebased(ts)));
        tables.set(name, next);
      }
      return { ts: snapshot.ts, tables };
    };
    const published = rebase(this.published);
    this.latest = this.latest === this.published ? published : rebase(this.latest);
    this.published = published;
    const keepFrom = this.history.findIndex((entry) => entry.snapshot.ts >= ts);
    this.history = keepFrom < 0 ? [] : this.history.slice(keepFrom);
  }

  /** No transaction runs and every applied commit is durable (a schema change waits for this). */
  idle(): boolean {
    return this.active.size === 0 && this.latest === this.published;
  }

  /** Switches to `schema` (the caller reinstalls every table under it); older snapshots are forgotten. */
  replaceSchema(schema: Schema): void {
    this.schema = schema;
    this.history = [];
  }

  /**
   * A snapshot import swapped in: both heads become `ts` with `tables` replacing their
   * versions (the caller waited until idle and checkpointed); older snapshots are forgotten,
   * since they would read the new rows through the disk.
   */
  replaceTables(ts: bigint, tables: ReadonlyMap<string, TableVersion>): CommitRecord {
    const next = new Map(this.latest.tables);
    for (const [name, table] of tables) next.set(name, table);
    this.latest = this.published = { ts, tables: next };
    this.history = [];
    return new CommitRecord(ts, [], new Set(tables.keys()));
  }

  /** Bulk load used by recovery: installs `tables` as both heads. */
  install(ts: bigint, tables: Map<string, TableVersion>): void {
    this.latest = this.published = { ts, tables };
  }
}
