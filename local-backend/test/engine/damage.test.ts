/**
 * The data directory: one engine at a time, damaged database files refused (never served),
 * and the legacy log + checkpoint format migrated on first start.
 */
import { mkdir, open, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { describe, expect, test } from "vitest";
import { createEngine, DataDirDamagedError, DataDirLockedError } from "../../src/engine/index.js";
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
    const at = bytes.indexOf("bob@example.com");
    expect(at).toBeGreaterThan(0);
    await flipByteAt(dbFile(dataDir), at, 0x02); // "bob" -> "`ob": still valid UTF-8 and JSON
    const error = await startError(dataDir);
    expect(error).toBeInstanceOf(DataDirDamagedError);
    expect(error.message).toMatch(/damaged/);
    await rm(dataDir, { recursive: true, force: true });
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
