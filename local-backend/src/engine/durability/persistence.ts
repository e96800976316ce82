/**
 * Durable storage for the document store: a checkpoint file (every document at one
 * timestamp, written to a temporary file and atomically renamed) plus the write-ahead log
 * of commits after it. Recovery loads the checkpoint, replays the log, and rebuilds the
 * indexes from the documents. A checkpoint is taken when the current log segment grows
 * past a threshold; it is written from an immutable snapshot, so commits continue meanwhile.
 */
import { open, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Database, Snapshot } from "../store/database.js";
import type { CommitRecord } from "../store/readset.js";
import { TableVersion } from "../store/table.js";
import type { JSONObject } from "../values.js";
import { frame, fsyncDir, listSegments, readLog, segmentName, WriteAheadLog } from "./wal.js";

const CHECKPOINT = "checkpoint.jsonl";
const DEFAULT_CHECKPOINT_BYTES = 64 * 1024 * 1024;
const WRITE_CHUNK = 1 << 20;

type LogPayload = { ts: string; t?: Record<string, number>; w: [string, string, JSONObject | null][] };

export class Persistence {
  private readonly persistedTables = new Set<string>();
  private checkpointing: Promise<void> | null = null;

  private constructor(
    private readonly dir: string,
    private readonly db: Database,
    private readonly wal: WriteAheadLog,
    private readonly checkpointBytes: number,
  ) {
    for (const name of db.tableNumbers().keys()) this.persistedTables.add(name);
  }

  /** Recovers `db` from `dir` and opens the log for new commits. */
  static async open(dir: string, db: Database, checkpointBytes = DEFAULT_CHECKPOINT_BYTES): Promise<Persistence> {
    const documents: Documents = new Map();
    const checkpointTs = await loadCheckpoint(dir, db, documents);
    const { payloads, lastSeq } = await readLog(dir);
    let lastTs = checkpointTs;
    for (const text of payloads) {
      const payload = JSON.parse(text) as LogPayload;
      for (const [name, number] of Object.entries(payload.t ?? {})) db.registerTable(name, number);
      const ts = BigInt(payload.ts);
      if (ts <= checkpointTs) continue;
      for (const [table, id, doc] of payload.w) setDocument(documents, table, id, doc);
      if (ts > lastTs) lastTs = ts;
    }
    db.install(lastTs, buildTables(db, documents));
    const wal = await WriteAheadLog.open(dir, lastSeq);
    return new Persistence(dir, db, wal, checkpointBytes);
  }

  /** Logs a commit; `onDurable` runs in commit order once it is on disk. */
  append(commit: CommitRecord, onDurable: () => void): void {
    this.wal.append(frame(this.payload(commit.ts, commit)), onDurable);
    this.maybeCheckpoint();
  }

  /** Persists table numbers not yet on disk (e.g. schema tables with no documents). */
  persistTables(ts: bigint): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.wal.append(frame(this.payload(ts, null)), resolve);
      } catch (error) {
        reject(error);
      }
    });
  }

  private payload(ts: bigint, commit: CommitRecord | null): string {
    const newTables: Record<string, number> = {};
    for (const [name, number] of this.db.tableNumbers()) {
      if (this.persistedTables.has(name)) continue;
      newTables[name] = number;
      this.persistedTables.add(name);
    }
    const writes = (commit?.writes ?? []).map(
      (w) => `[${JSON.stringify(w.table)},${JSON.stringify(w.id)},${w.next ? w.next.json : "null"}]`,
    );
    return `{"ts":"${ts}","t":${JSON.stringify(newTables)},"w":[${writes.join(",")}]}`;
  }

  private maybeCheckpoint(): void {
    if (this.checkpointing || this.wal.bytesInSegment < this.checkpointBytes) return;
    this.checkpointing = this.checkpoint().finally(() => (this.checkpointing = null));
  }

  /** Writes a checkpoint of everything logged so far and drops the log segments it covers. */
  async checkpoint(): Promise<void> {
    const { value: snapshot, closedSeq } = await this.wal.rotate(() => ({
      snapshot: this.db.latest,
      tables: this.db.tableNumbers(),
    }));
    await writeCheckpoint(this.dir, snapshot.snapshot, snapshot.tables);
    for (const seq of await listSegments(this.dir)) {
      if (seq <= closedSeq) await rm(join(this.dir, segmentName(seq)), { force: true });
    }
  }

  async close(): Promise<void> {
    await this.checkpointing;
    await this.checkpoint();
    await this.wal.close();
  }
}

/** Recovered documents (JSON) by table and id; indexed only once everything is read. */
type Documents = Map<string, Map<string, JSONObject>>;

function setDocument(documents: Documents, table: string, id: string, doc: JSONObject | null): void {
  let byId = documents.get(table);
  if (!byId) documents.set(table, (byId = new Map()));
  if (doc === null) byId.delete(id);
  else byId.set(id, doc);
}

function buildTables(db: Database, documents: Documents): Map<string, TableVersion> {
  const tables = new Map<string, TableVersion>();
  for (const [table, byId] of documents) {
    const records = [...byId.values()].map((doc) => db.record(table, doc));
    for (const record of records) db.noteCreationTime(record.value._creationTime as number);
    tables.set(table, TableVersion.build(db.tableSchema(table), db.ensureTableNumber(table), records));
  }
  return tables;
}

async function loadCheckpoint(dir: string, db: Database, documents: Documents): Promise<bigint> {
  const text = await readFile(join(dir, CHECKPOINT), "utf8").catch(() => null);
  if (text === null) return 0n;
  const lines = text.split("\n").filter((line) => line.length > 0);
  const header = JSON.parse(lines[0]!) as { ts: string; tables: Record<string, number> };
  const footer = JSON.parse(lines[lines.length - 1]!) as { end?: number };
  if (footer.end !== lines.length - 2) throw new Error(`Checkpoint ${join(dir, CHECKPOINT)} is incomplete`);
  for (const [name, number] of Object.entries(header.tables)) db.registerTable(name, number);
  for (let i = 1; i < lines.length - 1; i++) {
    const [table, doc] = JSON.parse(lines[i]!) as [string, JSONObject];
    setDocument(documents, table, doc._id as string, doc);
  }
  return BigInt(header.ts);
}

async function writeCheckpoint(dir: string, snapshot: Snapshot, tables: Map<string, number>): Promise<void> {
  const tmp = join(dir, `${CHECKPOINT}.tmp`);
  const handle = await open(tmp, "w");
  try {
    let chunk = `${JSON.stringify({ ts: String(snapshot.ts), tables: Object.fromEntries(tables) })}\n`;
    let count = 0;
    for (const [name, table] of snapshot.tables) {
      const prefix = `[${JSON.stringify(name)},`;
      for (const record of table.tree("by_id").values()) {
        chunk += `${prefix}${record.json}]\n`;
        count++;
        if (chunk.length >= WRITE_CHUNK) {
          await handle.write(chunk);
          chunk = "";
        }
      }
    }
    await handle.write(`${chunk}${JSON.stringify({ end: count })}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, CHECKPOINT));
  await fsyncDir(dir);
}
