/**
 * The data directory: one engine at a time, damaged database files refused (never served),
 * and the legacy log + checkpoint format migrated on first start.
 */
import { mkdir, open, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, test } from "vitest";
import { createEngine, DataDirDamagedError, DataDirLockedError } from "../../src/engine/index.js";
import type { Deployment } from "../../src/engine/api.js";
import { Persistence } from "../../src/engine/durability/persistence.js";
import { newId } from "../../src/engine/ids.js";
import { parseSchema } from "../../src/engine/schema.js";
import { Database } from "../../src/engine/store/database.js";
import { FIXTURE, startEngine, tempDir } from "./helpers.js";

const dbFile = (dataDir: string) => join(dataDir, "db", "documents.sqlite3");

async function seeded(labels: string[]): Promise<string> {
  const dataDir = await tempDir();
  const t = await startEngine({ dataDir });
  for (const [i, label] of labels.entries()) await t.value("values:insert", { label, value: i });
  await t.close();
  return dataDir;
}

async function startError(dataDir: string): Promise<Error> {
  const error = await createEngine({ dataDir, functionsDir: FIXTURE }).then(
    async (engine) => {
      await engine.close();
      return null;
    },
    (e: unknown) => e as Error,
  );
  expect(error, "the engine started on a damaged data directory").not.toBeNull();
  return error!;
}

async function flipByteAt(file: string, offset: number, mask = 0x01): Promise<void> {
  const handle = await open(file, "r+");
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ mask;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

/** Starting refuses `dataDir`, or the engine starts and reading the damaged rows fails: never altered data served. */
async function expectRefused(dataDir: string): Promise<void> {
  const started = await createEngine({ dataDir, functionsDir: FIXTURE }).catch((e: unknown) => e as Error);
  if (started instanceof Error) {
    expect(started).toBeInstanceOf(DataDirDamagedError);
    expect(started.message).toMatch(/damaged/);
  } else {
    const result = await started.run({ path: "values:ordered", args: {}, caller: { identity: null, admin: false }, requestId: "damaged" });
    await started.close();
    expect(result.status, JSON.stringify(result)).toBe("error");
    expect(result.status === "error" && result.errorMessage).toMatch(/is damaged: .*Refusing to serve altered data/);
  }
  await rm(dataDir, { recursive: true, force: true });
}

describe("one engine per data directory", () => {
  test("a second engine on the same directory is refused naming the holder; after close it opens", async () => {
    const first = await startEngine();
    const error = await createEngine({ dataDir: first.dataDir, functionsDir: FIXTURE }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    expect((error as Error).message).toContain("attach=True");
    await first.value("values:insert", { label: "still-served", value: 1 });
    await first.close();
    const second = await startEngine({ dataDir: first.dataDir });
    expect(await second.value("values:ordered", {})).toEqual(["still-served"]);
    await second.dispose();
  });
});

describe("damaged database files", () => {
  test("a flipped bit inside a stored document is refused, not served", async () => {
    const dataDir = await seeded(["alice@example.com", "bob@example.com"]);
    const bytes = await readFile(dbFile(dataDir));
    let at = bytes.indexOf("bob@example.com");
    expect(at).toBeGreaterThan(0);
    for (; at >= 0; at = bytes.indexOf("bob@example.com", at + 1)) await flipByteAt(dbFile(dataDir), at, 0x02); // "bob" -> "`ob": still valid UTF-8 and JSON
    await expectRefused(dataDir);
  });

  test("a changed index entry is refused when read, not served", async () => {
    const dataDir = await seeded(["a", "b", "c"]);
    const sqlite = new BetterSqlite3(dbFile(dataDir));
    const byValue = sqlite.prepare("SELECT id FROM indexes WHERE table_name = 'values' AND name = 'by_value'").pluck().get() as number;
    const [key] = sqlite.prepare("SELECT key FROM index_entries WHERE index_id = ? ORDER BY key LIMIT 1").raw().get(byValue) as [Buffer];
    const flipped = Buffer.from(key);
    flipped[10] = flipped[10]! ^ 0x01; // a bit of the float64 value: the entry now claims another value
    sqlite.prepare("UPDATE index_entries SET key = ? WHERE index_id = ? AND key = ?").run(flipped, byValue, key);
    sqlite.close();
    await expectRefused(dataDir);
  });

  test("an index entry naming another document is refused when read", async () => {
    const dataDir = await seeded(["a", "b"]);
    const sqlite = new BetterSqlite3(dbFile(dataDir));
    const byValue = sqlite.prepare("SELECT id FROM indexes WHERE table_name = 'values' AND name = 'by_value'").pluck().get() as number;
    const ids = sqlite.prepare("SELECT doc_id FROM index_entries WHERE index_id = ? ORDER BY key").pluck().all(byValue) as string[];
    sqlite.prepare("UPDATE index_entries SET doc_id = ? WHERE index_id = ? AND doc_id = ?").run(ids[1], byValue, ids[0]);
    sqlite.close();
    await expectRefused(dataDir);
  });
  test("a search row naming another document is refused when searched", async () => {
    const dataDir = await tempDir();
    const first = await startEngine({ dataDir });
    for (const body of ["laser course", "botox course"]) await first.value("messages:send", { channel: "c", author: "a", body });
    await first.close();
    const sqlite = new BetterSqlite3(dbFile(dataDir));
    const ids = sqlite.prepare("SELECT doc_id FROM search_lengths ORDER BY doc_id").pluck().all() as string[];
    sqlite.prepare("UPDATE search_impacts SET doc_id = ? WHERE doc_id = ?").run(ids[1], ids[0]);
    sqlite.close();
    const second = await startEngine({ dataDir });
    const result = await second.call("messages:search", { text: "course" });
    expect(result.status === "error" && result.errorMessage).toMatch(/is damaged: a search index row names document .*Refusing to serve altered data/);
    await second.dispose();
  });

  test("a flipped bit in a b-tree page header is refused", async () => {
    const dataDir = await seeded(Array.from({ length: 50 }, (_, i) => `doc-${i}`));
    const pageSize = (await readFile(dbFile(dataDir))).readUInt16BE(16);
    const pages = (await stat(dbFile(dataDir))).size / pageSize;
    // Every page after the first starts with its b-tree header; break the cell count of the last one.
    await flipByteAt(dbFile(dataDir), (pages - 1) * pageSize + 3, 0x40);
    expect(await startError(dataDir)).toBeInstanceOf(DataDirDamagedError);
    await rm(dataDir, { recursive: true, force: true });
  });

  test("a truncated database file is refused", async () => {
    const dataDir = await seeded(Array.from({ length: 200 }, (_, i) => `doc-${i}-${"x".repeat(200)}`));
    const size = (await stat(dbFile(dataDir))).size;
    await truncate(dbFile(dataDir), Math.floor(size / 2));
    expect(await startError(dataDir)).toBeInstanceOf(DataDirDamagedError);
    await rm(dataDir, { recursive: true, force: true });
  });

  // Files over CHECK_AT_START_BYTES skip quick_check at start (opened here with a threshold of 0).
  test("a file too large for quick_check: a lost last page is still refused at start", async () => {
    const dataDir = await seeded(Array.from({ length: 200 }, (_, i) => `doc-${i}-${"x".repeat(200)}`));
    // Only the last page lost: SQLite compares the header's page count with the file at open.
    const pageSize = (await readFile(dbFile(dataDir))).readUInt16BE(16);
    await truncate(dbFile(dataDir), (await stat(dbFile(dataDir))).size - pageSize);
    const error = await Persistence.open(join(dataDir, "db"), 0).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(DataDirDamagedError);
    expect((error as Error).message).toMatch(/is damaged \(.*\)\. Refusing to start/);
    await rm(dataDir, { recursive: true, force: true });
  });

  test("a file too large for quick_check: a damaged b-tree page is refused when read, not served", async () => {
    const dataDir = await seeded(Array.from({ length: 200 }, (_, i) => `doc-${i}-${"x".repeat(200)}`));
    const pageSize = (await readFile(dbFile(dataDir))).readUInt16BE(16);
    const pages = (await stat(dbFile(dataDir))).size / pageSize;
    await flipByteAt(dbFile(dataDir), (pages - 1) * pageSize + 3, 0x40);
    const persistence = await Persistence.open(join(dataDir, "db"), 0);
    try {
      const db = new Database(parseSchema(null), 0n);
      const read = async () => {
        await persistence.load(db, join(dataDir, "db"));
        for (const [name] of db.tableNumbers()) [...(db.latest.tables.get(name)?.documentsInIdOrder() ?? [])];
      };
      await expect(read()).rejects.toThrow(DataDirDamagedError);
    } finally {
      persistence.close();
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  test("a torn leftover journal or garbage after the file loses nothing", async () => {
    const labels = ["t0", "t1", "t2"];
    const dataDir = await seeded(labels);
    await writeFile(`${dbFile(dataDir)}-journal`, Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 1, 2, 3, 4, 5]));
    const handle = await open(dbFile(dataDir), "a");
    await handle.write(Buffer.from("torn tail"));
    await handle.close();
    const t = await startEngine({ dataDir });
    expect(await t.value("values:ordered", {})).toEqual(labels);
    await t.dispose();
  });
});

/** Writes a data directory in the legacy format: a checkpoint and one log segment. */
async function writeLegacy(dataDir: string, frames: Buffer[]): Promise<void> {
  const db = join(dataDir, "db");
  await mkdir(db, { recursive: true });
  const doc = { _id: "jd7f1bjrb7dy2nb7j8yd9e6a2d7ag5mb", _creationTime: 1_700_000_000_000, label: "from-checkpoint", value: 1 };
  const lines = [JSON.stringify({ ts: "1700000000000000000", tables: { values: 10001 } }), JSON.stringify(["values", doc]), JSON.stringify({ end: 1 })];
  await writeFile(join(db, "checkpoint.jsonl"), `${lines.join("\n")}\n`);
  await writeFile(join(db, "wal-00000001.log"), Buffer.concat(frames));
}

function legacyFrame(ts: bigint, label: string, id: string): Buffer {
  const doc = { _id: id, _creationTime: Number(ts / 1_000_000n), label, value: 2 };
  const body = Buffer.from(JSON.stringify({ ts: String(ts), t: {}, w: [["values", id, doc]] }));
  const header = Buffer.alloc(8);
  header.writeUInt32LE(body.length, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

describe("legacy data directories", () => {
  const ids = ["jd7e0j3cn4mfw7tyj8zxfzqh1n7agmrb", "jd78c2r4dzxk5nd7ghy0s5mfhh7agk3a"];

  test("are migrated on first start: checkpoint and log, torn last frame dropped, legacy files removed", async () => {
    const dataDir = await tempDir();
    const torn = legacyFrame(1_700_000_000_000_000_003n, "torn", ids[1]!).subarray(0, 20);
    await writeLegacy(dataDir, [legacyFrame(1_700_000_000_000_000_002n, "from-log", ids[0]!), torn]);
    const t = await startEngine({ dataDir });
    expect(await t.value("values:ordered", {})).toEqual(["from-checkpoint", "from-log"]);
    expect(t.engine.latestTs()).toBeGreaterThan(1_700_000_000_000_000_002n);
    expect((await readdir(join(dataDir, "db"))).filter((f) => f.endsWith(".log") || f.endsWith(".jsonl"))).toEqual([]);
    await t.dispose();
  });

  test("with a flipped bit mid-log are refused, and nothing is deleted", async () => {
    const dataDir = await tempDir();
    const first = legacyFrame(1_700_000_000_000_000_002n, "from-log", ids[0]!);
    first[20] = first[20]! ^ 0x04;
    await writeLegacy(dataDir, [first, legacyFrame(1_700_000_000_000_000_003n, "later", ids[1]!)]);
    const error = await startError(dataDir);
    expect(error.message).toMatch(/Legacy log .* is damaged at byte 0/);
    expect(await readdir(join(dataDir, "db"))).toContain("wal-00000001.log");
    await rm(dataDir, { recursive: true, force: true });
  });
});

/** A commit record as the engine logs it before a checkpoint moves it into the document rows. */
function logRecord(sqlite: BetterSqlite3.Database, label: string): { ts: bigint; writes: string } {
  const ts = BigInt(sqlite.prepare("SELECT value FROM meta WHERE key = 'ts'").pluck().get() as string) + 1n;
  const doc = { _id: newId(10001), _creationTime: Number(ts / 1_000_000n), label, value: 99 };
  return { ts, writes: JSON.stringify([["values", doc._id, doc]]) };
}

describe("the commit log", () => {
  test("commits still in the log are replayed at start", async () => {
    const dataDir = await seeded(["checkpointed"]);
    const sqlite = new BetterSqlite3(dbFile(dataDir));
    const { ts, writes } = logRecord(sqlite, "logged");
    sqlite.prepare("INSERT INTO log (ts, writes, crc) VALUES (?, ?, ?)").run(ts, writes, crc32(writes));
    sqlite.prepare("UPDATE meta SET value = ? WHERE key = 'ts'").run(String(ts));
    sqlite.close();
    const t = await startEngine({ dataDir });
    expect(await t.value("values:ordered", {})).toEqual(["checkpointed", "logged"]);
    await t.close();
    const reopened = await startEngine({ dataDir });
    expect(await reopened.value("values:ordered", {})).toEqual(["checkpointed", "logged"]);
    await reopened.dispose();
  });

  test("a log record with a flipped bit is refused at start, and the log is kept", async () => {
    const dataDir = await seeded(["checkpointed"]);
    const sqlite = new BetterSqlite3(dbFile(dataDir));
    const { ts, writes } = logRecord(sqlite, "logged");
    sqlite.prepare("INSERT INTO log (ts, writes, crc) VALUES (?, ?, ?)").run(ts, writes.replace("logged", "lofged"), crc32(writes));
    sqlite.close();
    const error = await startError(dataDir);
    expect(error).toBeInstanceOf(DataDirDamagedError);
    expect(error.message).toContain(`the log record of commit ${ts} fails its checksum`);
    const after = new BetterSqlite3(dbFile(dataDir));
    expect(after.prepare("SELECT count(*) FROM log").pluck().get()).toBe(1);
    after.close();
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe("format 1 data directories (documents only, no index rows)", () => {
  test("are migrated on first start: indexes backfilled, counts kept", async () => {
    const dataDir = await tempDir();
    await mkdir(join(dataDir, "db"), { recursive: true });
    const sqlite = new BetterSqlite3(dbFile(dataDir));
    sqlite.exec(`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE tables (name TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE) WITHOUT ROWID;
      CREATE TABLE documents (id TEXT PRIMARY KEY, table_number INTEGER NOT NULL, ts INTEGER NOT NULL, json TEXT NOT NULL, crc INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO meta VALUES ('format', '1'), ('ts', '1700000000000000000');
      INSERT INTO tables VALUES ('values', 10001);`);
    const insert = sqlite.prepare("INSERT INTO documents VALUES (?, 10001, 1, ?, ?)");
    for (const [label, value] of [["second", 2], ["first", 1], ["third", 3]] as const) {
      const id = newId(10001);
      const json = JSON.stringify({ _id: id, _creationTime: 1_700_000_000_000 + value, label, value });
      insert.run(id, json, crc32(json, crc32(`${id}\x00`)));
    }
    sqlite.close();
    const t = await startEngine({ dataDir });
    expect(await t.value("values:ordered", {})).toEqual(["first", "second", "third"]);
    expect(await t.value("values:ordered", { order: "desc" })).toEqual(["third", "second", "first"]);
    expect((t.engine as unknown as Deployment).tables()).toContainEqual({ name: "values", documents: 3 });
    await t.dispose();
  });
});

describe("format 2 data directories (no search rows)", () => {
  test("are migrated on first start: search indexes backfilled from the documents, then read from disk", async () => {
    const dataDir = await tempDir();
    const first = await startEngine({ dataDir });
    for (const body of ["laser course", "botox course", "laser laser"]) await first.value("messages:send", { channel: "c", author: "a", body });
    await first.close();
    const sqlite = new BetterSqlite3(dbFile(dataDir));
    sqlite.exec(`DROP TABLE search_terms; DROP TABLE search_postings; DROP TABLE search_impacts; DROP TABLE search_lengths; DROP TABLE search_indexes;
      UPDATE meta SET value = '2' WHERE key = 'format';`);
    sqlite.close();
    const second = await startEngine({ dataDir });
    expect(await second.value("messages:search", { text: "laser" })).toEqual(["laser laser", "laser course"]);
    await second.close();
    const migrated = new BetterSqlite3(dbFile(dataDir), { readonly: true });
    expect(migrated.prepare("SELECT value FROM meta WHERE key = 'format'").pluck().get()).toBe("3");
    expect(migrated.prepare("SELECT documents FROM search_indexes").pluck().all()).toEqual([3]);
    migrated.close();
    await rm(dataDir, { recursive: true, force: true });
  });
});
