/**
 * `npx convex export` ZIPs of the published snapshot (docs/local-backend-engine.md,
 * "Snapshots"): README.md, `_tables/documents.jsonl` (name and table number of every user
 * table), then per table `documents.jsonl` (export_json, one document per line, in `_id`
 * order) and `generated_schema.jsonl` (`"uniform"`). Deflate entries, mode 0644.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { Zip, ZipDeflate } from "fflate";
import type { SnapshotExportCounts } from "../api.js";
import type { Database, Snapshot } from "../store/database.js";
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

/** Writes the snapshot to `zipPath` (through a temporary file renamed at the end). */
export function exportSnapshot(db: Database, zipPath: string, onProgress?: OnProgress): SnapshotExportCounts {
  const snapshot = db.published;
  const tables = db.tableList().filter(([, name]) => isUserTable(name)).sort((a, b) => a[0] - b[0]);
  const totalDocuments = tables.reduce((sum, [, name]) => sum + (snapshot.tables.get(name)?.count ?? 0), 0);
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
    entry("_tables/documents.jsonl", tables.map(([number, name]) => `${JSON.stringify({ name, id: number })}\n`).join(""));
    for (const [, name] of tables) {
      documents = writeTable(zip, snapshot, name, documents, (done) => onProgress?.({ table: name, documents: done, totalDocuments }));
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

function writeTable(zip: Zip, snapshot: Snapshot, name: string, before: number, progress: (done: number) => void): number {
  const file = deflateEntry(zip, `${name}/documents.jsonl`);
  let done = before;
  let chunk = "";
  const table = snapshot.tables.get(name);
  for (const record of table === undefined ? [] : table.documentsInIdOrder()) {
    chunk += `${toExportJson(record.value)}\n`;
    done++;
    if (chunk.length >= CHUNK_BYTES) {
      file.push(Buffer.from(chunk));
      chunk = "";
      progress(done);
    }
  }
  file.push(Buffer.from(chunk), true);
  progress(done);
  return done;
}
