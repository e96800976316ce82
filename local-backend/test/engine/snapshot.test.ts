/** Snapshot export and import in the `npx convex export` ZIP format. */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { unzipSync, zipSync } from "fflate";
import { describe, expect, test } from "vitest";
import { DATABASE_FILE } from "../../src/engine/durability/persistence.js";
import { newId } from "../../src/engine/ids.js";
import { SnapshotImportError, type Commit, type Engine, type JSONValue } from "../../src/engine/index.js";
import { anonymous, startEngine, tempDir } from "./helpers.js";

function entries(zip: Buffer): Record<string, string> {
  return Object.fromEntries(Object.entries(unzipSync(zip)).map(([name, bytes]) => [name, Buffer.from(bytes).toString("utf8")]));
}

async function exported(engine: Engine, dir: string, name: string): Promise<Record<string, string>> {
  const path = join(dir, name);
  await engine.exportSnapshot!(path);
  return entries(await readFile(path));
}

async function handMade(dir: string, files: Record<string, string>): Promise<string> {
  const path = join(dir, "hand-made.zip");
  await writeFile(path, zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, Buffer.from(text)]))));
  return path;
}

/**
 * A snapshot as a real deployment's `npx convex export` writes it (local-backend/test/fixtures/snapshot,
 * written by hand): real 32-character IDs of table numbers 10011-10015 (not the numbers a fresh
 * engine gives), export_json values (Int64 past 2^53, -0.0, 1e21, NaN/Infinity, bytes, escapes).
 * Entries in the export worker's order: README, `_tables`, then tables by total size, smallest first.
 */
const REAL_FORMAT = fileURLToPath(new URL("../fixtures/snapshot", import.meta.url));
const REAL_FORMAT_ENTRIES = [
  "README.md",
  "_tables/documents.jsonl",
  ...["events", "counters", "values", "typed", "messages"].flatMap((table) => [`${table}/documents.jsonl`, `${table}/generated_schema.jsonl`]),
];

const lines = (rows: unknown[]) => rows.map((row) => `${JSON.stringify(row)}\n`).join("");
/** export_json writes an integral Float64 with a point: `7.0` (a bare `7` is an Int64). */
const asFloat = (text: string, field: string) => text.replaceAll(new RegExp(`"${field}":(-?\\d+)([,}])`, "g"), `"${field}":$1.0$2`);

describe("snapshot export and import", () => {
  test("export, import into a fresh engine, export: identical documents.jsonl, IDs and table numbers", async () => {
    const dir = await tempDir();
    const source = await startEngine();
    const values: JSONValue[] = [{ $integer: "AQAAAAAAAAA=" }, 1.5, 2, { $float: "AAAAAAAAAIA=" }, { $float: "AAAAAAAA+H8=" }, { $bytes: "AAH+/w==" }, { nested: [1, "two", null, false] }];
    for (const [i, value] of values.entries()) await source.value("values:insert", { label: `v${i}`, value });
    await source.value("counter:increment", { name: "a", by: 3 });
    const counter = ((await source.value("counter:list")) as { _id: string }[])[0]!._id;
    await source.value("values:insertTyped", { count: { $integer: "BQAAAAAAAAA=" }, ratio: 0.25, data: { $bytes: "AQI=" }, tags: ["x"], owner: counter });
    const first = await exported(source.engine, dir, "first.zip");
    expect(first["values/documents.jsonl"]).toContain('"value":1}');
    expect(first["values/documents.jsonl"]).toContain('"value":2.0}');
    expect(first["values/documents.jsonl"]).toContain('"value":-0.0}');
    expect(first["values/generated_schema.jsonl"]).toBe('"uniform"\n');
    expect(first["README.md"]).toMatch(/^# Welcome to your Convex snapshot export!/);

    const target = await startEngine();
    const counts = await target.engine.importSnapshot!(join(dir, "first.zip"), { mode: "requireEmpty" });
    expect(counts).toMatchObject({ documents: 9, deleted: 0 });
    const second = await exported(target.engine, dir, "second.zip");
    for (const name of Object.keys(first).filter((n) => n.endsWith(".jsonl"))) expect(second[name], name).toBe(first[name]);
    expect(await target.value("values:ordered", {})).toEqual(await source.value("values:ordered", {}));
    expect(await target.value("counter:get", { name: "a" })).toBe(3);
    await source.dispose();
    await target.dispose();
  });

  test("a snapshot in a real deployment's format imports, and exports again entry for entry, byte for byte", async () => {
    const dir = await tempDir();
    const files = Object.fromEntries(await Promise.all(REAL_FORMAT_ENTRIES.map(async (name) => [name, await readFile(join(REAL_FORMAT, name), "utf8")] as const)));
    const path = await handMade(dir, files);
    const t = await startEngine();
    expect(await t.engine.importSnapshot!(path, { mode: "requireEmpty" })).toMatchObject({ tables: 5, documents: 12, deleted: 0 });
    await t.engine.exportSnapshot!(join(dir, "again.zip"));
    const again = unzipSync(await readFile(join(dir, "again.zip")));
    expect(Object.keys(again)).toEqual(REAL_FORMAT_ENTRIES);
    for (const name of REAL_FORMAT_ENTRIES) expect(Buffer.from(again[name]!).toString("utf8"), name).toBe(files[name]);
    // The imported rows are live: v.id() numbering, indexes and the search index see them.
    const counters = files["counters/documents.jsonl"]!.split("\n")[0]!;
    const counterId = (JSON.parse(counters) as { _id: string })._id;
    expect(await t.value("values:normalize", { table: "counters", id: counterId })).toBe(counterId);
    expect(await t.value("counter:get", { name: "alpha" })).toBe(7);
    expect(await t.value("messages:search", { text: "snapshots" })).toEqual([JSON.parse(files["messages/documents.jsonl"]!.split("\n")[0]!).body]);
    await t.dispose();
  });

  test("a hand-made snapshot with real-format IDs keeps its IDs and table numbers", async () => {
    const dir = await tempDir();
    const ids = [newId(10077), newId(10077)];
    const path = await handMade(dir, {
      "snapshot/_tables/documents.jsonl": lines([{ name: "counters", id: 10077 }]),
      "snapshot/counters/documents.jsonl": asFloat(
        lines([
          { _id: ids[0], _creationTime: 1_700_000_000_000.5, name: "imported", value: 7 },
          { _id: ids[1], _creationTime: 1_700_000_000_001.25, name: "other", value: 1 },
        ]),
        "value",
      ),
      "snapshot/counters/generated_schema.jsonl": '"uniform"\n',
    });
    const t = await startEngine();
    await t.engine.importSnapshot!(path, { mode: "requireEmpty" });
    expect(await t.value("counter:get", { name: "imported" })).toBe(7);
    expect(await t.value("values:normalize", { table: "counters", id: ids[0]! })).toBe(ids[0]);
    // v.id("counters") accepts the imported numbering; new documents get the same number.
    const typed = (await t.value("values:insertTyped", { count: { $integer: "AQAAAAAAAAA=" }, ratio: 1, data: { $bytes: "" }, tags: [], owner: ids[0]! })) as { owner: string };
    expect(typed.owner).toBe(ids[0]);
    await t.value("counter:increment", { name: "new" });
    const exportedAgain = await exported(t.engine, dir, "again.zip");
    expect(exportedAgain["_tables/documents.jsonl"]).toContain('{"name":"counters","id":10077}');
    await t.close();
    const restarted = await startEngine({ dataDir: t.dataDir });
    expect(await restarted.value("counter:get", { name: "imported" })).toBe(7);
    await restarted.dispose();
  });

  test("one bad document refuses the whole snapshot, naming table, row and field", async () => {
    const dir = await tempDir();
    const id = () => newId(10001);
    const path = await handMade(dir, {
      "_tables/documents.jsonl": lines([{ name: "counters", id: 10001 }, { name: "values", id: 10003 }]),
      "values/documents.jsonl": lines([{ _id: newId(10003), _creationTime: 1.5, label: "fine", value: 1 }]),
      "values/generated_schema.jsonl": '"uniform"\n',
      "counters/documents.jsonl": lines([
        { _id: id(), _creationTime: 1.5, name: "ok", value: 1.5 },
        { _id: id(), _creationTime: 2.5, name: "bad", value: "not a number" },
        { _id: id(), _creationTime: 3.5, name: "later", value: 3.5 },
      ]),
    });
    const t = await startEngine();
    const error = await t.engine.importSnapshot!(path, { mode: "requireEmpty" }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(SnapshotImportError);
    expect((error as Error).message).toContain("counters/documents.jsonl, row 2");
    expect((error as Error).message).toContain(".value");
    expect(await t.value("counter:list")).toEqual([]);
    expect(await t.value("values:ordered", {})).toEqual([]);
    await t.dispose();
  });

  test("a bad document or a duplicate _id after several staging batches refuses the whole import; nothing staged is left", async () => {
    const dir = await tempDir();
    const ids = Array.from({ length: 4500 }, () => newId(10001));
    const rows = ids.map((id, i) => ({ _id: id, _creationTime: 1_700_000_000_000.25 + i, name: `c${i}`, value: i + 0.5 }));
    const zip = (body: unknown[]) => handMade(dir, { "_tables/documents.jsonl": lines([{ name: "counters", id: 10001 }]), "counters/documents.jsonl": lines(body), "counters/generated_schema.jsonl": '"uniform"\n' });
    const t = await startEngine();
    const bad = rows.map((row, i) => (i === 4320 ? { ...row, value: "four thousand" } : row));
    await expect(t.engine.importSnapshot!(await zip(bad), { mode: "requireEmpty" })).rejects.toThrow(/counters\/documents\.jsonl, row 4321 .*Path: \.value/s);
    const twice = [...rows.slice(0, 3000), { ...rows[10]!, name: "again" }];
    await expect(t.engine.importSnapshot!(await zip(twice), { mode: "requireEmpty" })).rejects.toThrow(new RegExp(`row 3001: _id ${ids[10]} appears twice`));
    expect(await t.value("counter:list")).toEqual([]);
    expect(await t.engine.importSnapshot!(await zip(rows), { mode: "requireEmpty" })).toMatchObject({ documents: 4500 });
    expect(await t.value("counter:get", { name: "c4499" })).toBe(4499.5);
    await t.close();
    const sqlite = new BetterSqlite3(join(t.dataDir, "db", "documents.sqlite3"));
    expect(sqlite.prepare("SELECT count(*) FROM import_documents").pluck().get()).toBe(0);
    expect(sqlite.prepare("SELECT count(*) FROM documents WHERE table_number = 10001").pluck().get()).toBe(4500);
    sqlite.close();
    await t.dispose();
  });

  test("rows a crash left staged are deleted at the next start, never imported", async () => {
    const t = await startEngine();
    await t.close();
    const file = join(t.dataDir, "db", "documents.sqlite3");
    const sqlite = new BetterSqlite3(file);
    sqlite.prepare("INSERT INTO import_documents (id, table_number, json, crc) VALUES (?, 10001, '{}', 0)").run(newId(10001));
    sqlite.close();
    const restarted = await startEngine({ dataDir: t.dataDir });
    expect(await restarted.value("counter:list")).toEqual([]);
    await restarted.close();
    const after = new BetterSqlite3(file);
    expect(after.prepare("SELECT count(*) FROM import_documents").pluck().get()).toBe(0);
    after.close();
    await restarted.dispose();
  });

  test("the import is one commit: it invalidates every query that read an imported table, and no other", async () => {
    const dir = await tempDir();
    const path = await handMade(dir, {
      "_tables/documents.jsonl": lines([{ name: "counters", id: 10001 }]),
      "counters/documents.jsonl": lines([{ _id: newId(10001), _creationTime: 1.5, name: "imported", value: 2.5 }]),
    });
    const t = await startEngine();
    const request = (path: string) => ({ path, args: {}, caller: anonymous, requestId: path });
    const counters = await t.engine.runQueryTracked(request("counter:list"));
    const messages = await t.engine.runQueryTracked(request("messages:count"));
    const commits: Commit[] = [];
    t.engine.onCommit((commit) => commits.push(commit));
    await t.engine.importSnapshot!(path, { mode: "replace" });
    expect(commits.some((commit) => counters.readSet.isInvalidatedBy(commit))).toBe(true);
    expect(commits.some((commit) => messages.readSet.isInvalidatedBy(commit))).toBe(false);
    await t.dispose();
  });

  test("modes: requireEmpty refuses a non-empty table, append adds, replace replaces", async () => {
    const dir = await tempDir();
    const source = await startEngine();
    await source.value("counter:increment", { name: "from-snapshot", by: 5 });
    await source.engine.exportSnapshot!(join(dir, "s.zip"));
    await source.dispose();

    const t = await startEngine();
    await t.value("counter:increment", { name: "local" });
    const refused = await t.engine.importSnapshot!(join(dir, "s.zip"), { mode: "requireEmpty" }).catch((e: unknown) => e as Error);
    expect((refused as Error).message).toContain("Table counters already exists. Please choose a new table name or use replace/append modes.");
    const names = async () => ((await t.value("counter:list")) as { name: string }[]).map((c) => c.name).sort();
    expect(await names()).toEqual(["local"]);
    const renumbered = await t.engine.importSnapshot!(join(dir, "s.zip"), { mode: "append" }).catch((e: unknown) => e as Error);
    // Both engines numbered counters 10001 (first schema table), so append works.
    expect(renumbered).toMatchObject({ documents: 1 });
    expect(await names()).toEqual(["from-snapshot", "local"]);
    const again = await t.engine.importSnapshot!(join(dir, "s.zip"), { mode: "append" }).catch((e: unknown) => e as Error);
    expect((again as Error).message).toMatch(/already exists in counters/);
    // Replace deletes every document the table had (both), as the confirmation summary says.
    expect(await t.engine.importSnapshot!(join(dir, "s.zip"), { mode: "replace" })).toMatchObject({ documents: 1, deleted: 2 });
    expect(await names()).toEqual(["from-snapshot"]);
    await t.dispose();
  });

  test("a file that is not a ZIP is a clear error", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "x.zip"), "not a zip");
    const t = await startEngine();
    await expect(t.engine.importSnapshot!(join(dir, "x.zip"), { mode: "requireEmpty" })).rejects.toThrow(/not a readable ZIP file/);
    await t.dispose();
  });

  test("single-table imports: JSON Lines, a JSON array and CSV rows become documents with new IDs", async () => {
    const dir = await tempDir();
    const t = await startEngine();
    await writeFile(join(dir, "c.jsonl"), lines([{ name: "l1", value: 1 }, { name: "l2", value: 2.5 }]));
    await writeFile(join(dir, "c.json"), JSON.stringify([{ name: "j1", value: 3 }]));
    await writeFile(join(dir, "c.csv"), "name, value\nc1,4\nc2,1e3\n");
    expect(await t.engine.importSnapshot!(join(dir, "c.jsonl"), { mode: "requireEmpty", format: "jsonLines", table: "counters" })).toMatchObject({ documents: 2 });
    expect(await t.engine.importSnapshot!(join(dir, "c.json"), { mode: "append", format: "jsonArray", table: "counters" })).toMatchObject({ documents: 1 });
    expect(await t.engine.importSnapshot!(join(dir, "c.csv"), { mode: "append", format: "csv", table: "counters" })).toMatchObject({ documents: 2 });
    const rows = (await t.value("counter:list")) as { _id: string; name: string; value: number }[];
    expect(Object.fromEntries(rows.map((r) => [r.name, r.value]))).toEqual({ l1: 1, l2: 2.5, j1: 3, c1: 4, c2: 1000 });
    expect(new Set(rows.map((r) => r._id)).size).toBe(5);
    // CSV cells that are not numbers stay strings, so the schema's v.number() refuses them, naming the row.
    await writeFile(join(dir, "bad.csv"), "name,value\nok,1\nbad,seven\n");
    await expect(t.engine.importSnapshot!(join(dir, "bad.csv"), { mode: "append", format: "csv", table: "counters" })).rejects.toThrow(/bad\.csv, row 2/);
    expect(((await t.value("counter:list")) as unknown[]).length).toBe(5);
    await t.dispose();
  });

  test("an import fills the search rows: after a restart its documents are found from disk", async () => {
    const dir = await tempDir();
    const first = await startEngine();
    const rows = ["laser course", "botox course", "laser laser"].map((body) => ({ channel: "c", author: "a", body }));
    await writeFile(join(dir, "m.jsonl"), lines(rows));
    expect(await first.engine.importSnapshot!(join(dir, "m.jsonl"), { mode: "requireEmpty", format: "jsonLines", table: "messages" })).toMatchObject({ documents: 3 });
    // Appending rebuilds the table's search rows over the old and the new documents together.
    await writeFile(join(dir, "more.jsonl"), lines([{ channel: "c", author: "a", body: "laser safety" }]));
    expect(await first.engine.importSnapshot!(join(dir, "more.jsonl"), { mode: "append", format: "jsonLines", table: "messages" })).toMatchObject({ documents: 1 });
    expect(await first.value("messages:search", { text: "safety" })).toEqual(["laser safety"]);
    await first.close();
    const sqlite = new BetterSqlite3(join(first.dataDir, "db", DATABASE_FILE), { readonly: true });
    expect(sqlite.prepare("SELECT documents FROM search_indexes WHERE table_name = 'messages'").pluck().get()).toBe(4);
    sqlite.close();
    const second = await startEngine({ dataDir: first.dataDir });
    expect(await second.value("messages:search", { text: "laser" })).toEqual(["laser laser", "laser safety", "laser course"]);
    await second.dispose();
  });

  test("single-table imports refuse a bad table name, a missing table name and malformed files", async () => {
    const dir = await tempDir();
    const t = await startEngine();
    await writeFile(join(dir, "x.jsonl"), '{"name": "a", "value": 1}\n{not json\n');
    await writeFile(join(dir, "x.json"), '{"name": "a"}');
    const run = (format: "jsonLines" | "jsonArray" | "csv", file: string, table?: string) => t.engine.importSnapshot!(join(dir, file), { mode: "append", format, table });
    await expect(run("jsonLines", "x.jsonl", "_counters")).rejects.toThrow(/invalid table name _counters/);
    await expect(run("jsonLines", "x.jsonl")).rejects.toThrow(/jsonLines import requires table name/);
    await expect(run("jsonLines", "x.jsonl", "counters")).rejects.toThrow(/x\.jsonl, row 2 wasn't a valid document/);
    await expect(run("jsonArray", "x.json", "counters")).rejects.toThrow(/Not a JSON array/);
    expect(await t.value("counter:list")).toEqual([]);
    await t.dispose();
  });

  test("previewImport summarises per table without writing, and refuses as the import would", async () => {
    const dir = await tempDir();
    const t = await startEngine();
    await t.value("counter:increment", { name: "here" });
    await writeFile(join(dir, "c.jsonl"), lines([{ name: "a", value: 1 }, { name: "b", value: 2 }]));
    const options = { format: "jsonLines", table: "counters" } as const;
    expect(await t.engine.previewImport!(join(dir, "c.jsonl"), { ...options, mode: "replace" })).toEqual([{ table: "counters", added: 2, deleted: 1, existing: 1 }]);
    expect(await t.engine.previewImport!(join(dir, "c.jsonl"), { ...options, mode: "append" })).toEqual([{ table: "counters", added: 2, deleted: 0, existing: 1 }]);
    await expect(t.engine.previewImport!(join(dir, "c.jsonl"), { ...options, mode: "requireEmpty" })).rejects.toThrow(/Table counters already exists/);
    expect(((await t.value("counter:list")) as unknown[]).length).toBe(1);
    await t.dispose();
  });
});
