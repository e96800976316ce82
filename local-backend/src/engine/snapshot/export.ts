/**
 * `npx convex export` ZIPs of the published snapshot, laid out as Convex's export worker
 * writes them (docs/local-backend-engine.md, "Snapshots"): README.md, `_tables/documents.jsonl`
 * (name and number of every user table, by number), then the tables from the smallest to the
 * largest total document size, each as `documents.jsonl` (export_json, one document per line,
 * in `_id` order) followed by `generated_schema.jsonl` (`"uniform"`). Deflate entries, mode
 * 0644. The snapshot is held (as a running transaction holds its own) while the ZIP is
 * written, so the export is consistent and the engine keeps serving between chunks.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { setImmediate as nextTurn } from "node:timers/promises";
import { Zip, ZipDeflate } from "fflate";
import type { SnapshotExportCounts } from "../api.js";
import type { Database, Snapshot } from "../store/database.js";
import type { TableVersion } from "../store/table.js";
import { toExportJson } from "./exportJson.js";
import { isUserTable, type OnProgress } from "./progress.js";

export const README = `# Welcome to your Convex snapshot export!

This ZIP file contains a snapshot of the tables in your Convex deployment.

Documents for each table are listed as lines of JSON in
<table_name>/documents.jsonl files.

For details on the format and how to use this snapshot with npx convex import,
check out [the docs](https://docs.convex.dev/database/import-export/export) or
ask us in [Discord](http://convex.dev/community).
`;

const CHUNK_BYTES = 1 << 20;

/** A Deflate entry with Unix mode 0644, as the backend writes them. */
function deflateEntry(zip: Zip, name: string): ZipDeflate {
  const file = new ZipDeflate(name, { level: 6 });
  file.os = 3;
  file.attrs = 0o644 << 16;
  zip.add(file);
  return file;
}

/** Writes the published snapshot to `zipPath` (through a temporary file renamed at the end). */
export async function exportSnapshot(db: Database, zipPath: string, onProgress?: OnProgress): Promise<SnapshotExportCounts> {
  const snapshot = db.published;
  const release = db.begin(snapshot);
  try {
    return await writeZip(db, snapshot, zipPath, onProgress);
  } finally {
    release();
  }
}

async function writeZip(db: Database, snapshot: Snapshot, zipPath: string, onProgress?: OnProgress): Promise<SnapshotExportCounts> {
  const byNumber = db.tableList().filter(([, name]) => isUserTable(name)).sort((a, b) => a[0] - b[0]);
  const tables = bySize(snapshot, byNumber.map(([, name]) => name));
  const totalDocuments = tables.reduce((sum, name) => sum + (snapshot.tables.get(name)?.count ?? 0), 0);
  const tmp = `${zipPath}.partial`;
  const fd = openSync(tmp, "w");
  let documents = 0;
  try {
    const zip = new Zip((error, chunk) => {
      if (error) throw error;
      writeSync(fd, chunk);
    });
    const entry = (name: string, text: string) => {
      deflateEntry(zip, name).push(Buffer.from(text), true);
    };
    entry("README.md", README);
    entry("_tables/documents.jsonl", byNumber.map(([number, name]) => `${JSON.stringify({ name, id: number })}\n`).join(""));
    for (const name of tables) {
      documents = await writeTable(zip, snapshot.tables.get(name), name, documents, (done) => onProgress?.({ table: name, documents: done, totalDocuments }));
      entry(`${name}/generated_schema.jsonl`, `${JSON.stringify("uniform")}\n`);
    }
    zip.end();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, zipPath);
  return { ts: snapshot.ts, tables: tables.length, documents };
}

/**
 * `names` from the smallest total document size to the largest, as the export worker orders
 * them (ties keep their order). Sizes take a pass over the documents, skipped when at most one
 * table has any.
 */
function bySize(snapshot: Snapshot, names: string[]): string[] {
  const filled = names.filter((name) => (snapshot.tables.get(name)?.count ?? 0) > 0);
  if (filled.length <= 1) return [...names.filter((name) => !filled.includes(name)), ...filled];
  const sizes = new Map(names.map((name) => [name, totalSize(snapshot.tables.get(name))]));
  return [...names].sort((a, b) => sizes.get(a)! - sizes.get(b)!);
}

function totalSize(table: TableVersion | undefined): number {
  let size = 0;
  if (table !== undefined && table.count > 0) for (const record of table.documentsInIdOrder()) size += record.size;
  return size;
}

async function writeTable(zip: Zip, table: TableVersion | undefined, name: string, before: number, progress: (done: number) => void): Promise<number> {
  const file = deflateEntry(zip, `${name}/documents.jsonl`);
  let done = before;
  let chunk = "";
  for (const record of table === undefined ? [] : table.documentsInIdOrder()) {
    chunk += `${toExportJson(record.value)}\n`;
    done++;
    if (chunk.length >= CHUNK_BYTES) {
      file.push(Buffer.from(chunk));
      chunk = "";
      progress(done);
      await nextTurn();
    }
  }
  file.push(Buffer.from(chunk), true);
  progress(done);
  return done;
}
