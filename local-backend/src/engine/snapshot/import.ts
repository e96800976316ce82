/**
 * Imports an `npx convex export` ZIP with the Convex CLI's semantics: `requireEmpty`
 * (default: every imported table must be empty), `append`, `replace` (the imported tables'
 * documents are replaced). IDs, `_creationTime` and table numbers are kept. Every document is
 * parsed and validated against the schema before anything is written; then all of it is one
 * commit, so an import is all or nothing and the first bad document is named.
 */
import { readFileSync } from "node:fs";
import { unzipSync } from "fflate";
import type { ImportMode, SnapshotImportCounts } from "../api.js";
import type { Committer } from "../committer.js";
import { decodeId } from "../ids.js";
import { checkDocument, checkSize } from "../limits.js";
import { SYSTEM_TABLE_NUMBERS } from "../schema.js";
import type { Database } from "../store/database.js";
import type { DocRecord } from "../store/document.js";
import type { Write } from "../store/readset.js";
import type { JSONObject } from "../values.js";
import { parseExportLine } from "./exportJson.js";
import { isUserTable, type OnProgress } from "./progress.js";


/** A snapshot refused as a whole (nothing was written). */
export class SnapshotImportError extends Error {
  constructor(detail: string) {
    super(`Hit an error while importing:\n${detail}`);
  }
}

type SnapshotTable = { name: string; file: string; text: string; uniform: boolean; number: number | undefined };

const DOCUMENTS = /^(?:.*\/)?([^/]+)\/documents\.jsonl$/;
const GENERATED_SCHEMA = /^(?:.*\/)?([^/]+)\/generated_schema\.jsonl$/;
const PROGRESS_EVERY = 10_000;

export async function importSnapshot(
  db: Database,
  committer: Committer,
  zipPath: string,
  mode: ImportMode,
  onProgress?: OnProgress,
): Promise<SnapshotImportCounts> {
  const tables = readSnapshot(zipPath);
  const numbers = planNumbers(db, tables, mode);
  const writes = buildWrites(db, tables, numbers, mode, onProgress);
  for (const [name, number] of numbers) if (db.tableNumber(name) !== number) db.renumberTable(name, number);
  for (const write of writes) if (write.next !== undefined) db.noteCreationTime(write.next.value._creationTime as number);
  if (writes.length > 0) await committer.commit(writes).durable;
  const deleted = writes.filter((w) => w.next === undefined).length;
  return { tables: tables.length, documents: writes.length - deleted, deleted };
}

function readSnapshot(zipPath: string): SnapshotTable[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(readFileSync(zipPath), { filter: (file) => file.name.endsWith(".jsonl") });
  } catch (error) {
    throw new SnapshotImportError(`${zipPath} is not a readable ZIP file: ${(error as Error).message}`);
  }
  const text = (name: string): string => {
    const bytes = files[name]!;
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw new SnapshotImportError(`${name}: UTF-8 BOM is not supported. Please save your file without BOM.`);
    return Buffer.from(bytes).toString("utf8");
  };
  const names = Object.keys(files);
  if (names.some((name) => name.includes("_components/"))) throw new SnapshotImportError("Snapshots with components are not supported by the Doctrina local backend.");
  const numbers = tableNumbers(names.find((name) => /(?:^|\/)_tables\/documents\.jsonl$/.test(name)), text);
  const uniform = new Set<string>();
  for (const name of names) {
    const table = GENERATED_SCHEMA.exec(name)?.[1];
    if (table !== undefined && text(name).trim() === '"uniform"') uniform.add(table);
  }
  const tables: SnapshotTable[] = [];
  for (const file of names) {
    const name = DOCUMENTS.exec(file)?.[1];
    if (name === undefined || name === "_tables") continue;
    const content = text(file);
    if (name === "_storage") {
      if (content.trim().length > 0) throw new SnapshotImportError("File storage (_storage) is not supported by the Doctrina local backend.");
      continue;
    }
    if (!isUserTable(name)) throw new SnapshotImportError(`${file}: ${name} is a system table; it cannot be imported.`);
    tables.push({ name, file, text: content, uniform: uniform.has(name), number: numbers.get(name) });
  }
  return tables;
}

function tableNumbers(file: string | undefined, text: (name: string) => string): Map<string, number> {
  const numbers = new Map<string, number>();
  if (file === undefined) return numbers;
  for (const [i, line] of text(file).split("\n").entries()) {
    if (line.trim().length === 0) continue;
    const row = JSON.parse(line) as { name?: unknown; id?: unknown };
    if (typeof row.name !== "string" || !Number.isInteger(row.id)) throw new SnapshotImportError(`${file}, row ${i + 1}: expected {"name", "id"}, got ${line}`);
    numbers.set(row.name, row.id as number);
  }
  return numbers;
}

/** The number each imported table will have (and any empty local table moved out of the way). */
function planNumbers(db: Database, tables: SnapshotTable[], mode: ImportMode): Map<string, number> {
  const planned = new Map<string, number>();
  const systemNumbers = new Set(Object.values(SYSTEM_TABLE_NUMBERS));
  const count = (name: string) => db.latest.tables.get(name)?.count ?? 0;
  for (const table of tables) {
    if (mode === "requireEmpty" && count(table.name) > 0) {
      throw new SnapshotImportError(`Table ${table.name} already exists. Please choose a new table name or use replace/append modes.`);
    }
    const current = db.tableNumber(table.name);
    const target = table.number ?? current;
    if (target === undefined) continue;
    if (systemNumbers.has(target)) throw new SnapshotImportError(`Table ${table.name} has number ${target} in the snapshot, a system table's number.`);
    if (current !== undefined && current !== target && mode === "append" && count(table.name) > 0) {
      throw new SnapshotImportError(`Table ${table.name} has number ${current} here but ${target} in the snapshot; import it with replace.`);
    }
    if ([...planned.values()].includes(target)) throw new SnapshotImportError(`Two tables have number ${target} in the snapshot.`);
    planned.set(table.name, target);
  }
  const imported = new Set(tables.map((t) => t.name));
  let fresh = Math.max(0, ...db.tableNumbers().values(), ...planned.values()) + 1;
  for (const [name, number] of [...planned]) {
    const holder = db.tableName(number);
    if (holder === undefined || holder === name || imported.has(holder)) continue;
    if (count(holder) > 0) throw new SnapshotImportError(`Table number ${number} of ${name} in the snapshot belongs to table ${holder} here, which has documents.`);
    planned.set(holder, fresh++);
  }
  for (const table of tables) if (!planned.has(table.name)) planned.set(table.name, fresh++);
  return planned;
}

function buildWrites(db: Database, tables: SnapshotTable[], numbers: Map<string, number>, mode: ImportMode, onProgress?: OnProgress): Write[] {
  const names = new Map<number, string>(db.tableList().filter(([, name]) => !numbers.has(name)));
  for (const [name, number] of numbers) names.set(number, name);
  const totalDocuments = tables.reduce((sum, t) => sum + t.text.split("\n").filter((l) => l.trim().length > 0).length, 0);
  const writes: Write[] = [];
  let done = 0;
  for (const table of tables) {
    if (db.schema.strictTables && !db.schema.tables.has(table.name)) throw new SnapshotImportError(`${table.file}: table ${table.name} is not in the schema.`);
    const existing = db.latest.tables.get(table.name);
    const seen = new Map<string, DocRecord>();
    for (const [i, line] of table.text.split("\n").entries()) {
      if (line.trim().length === 0) continue;
      const record = parseDocument(db, table, numbers.get(table.name)!, line, (n) => names.get(n), `${table.file}, row ${i + 1}`);
      if (seen.has(record.id)) throw new SnapshotImportError(`${table.file}, row ${i + 1}: _id ${record.id} appears twice.`);
      if (mode === "append" && existing?.get(record.id) !== undefined) throw new SnapshotImportError(`${table.file}, row ${i + 1}: a document with _id ${record.id} already exists in ${table.name}.`);
      seen.set(record.id, record);
      if (++done % PROGRESS_EVERY === 0) onProgress?.({ table: table.name, documents: done, totalDocuments });
    }
    if (mode === "replace" && existing !== undefined) {
      for (const old of existing.documentsInIdOrder()) if (!seen.has(old.id)) writes.push({ table: table.name, id: old.id, old, next: undefined });
    }
    for (const [id, next] of seen) writes.push({ table: table.name, id, old: existing?.get(id), next });
    onProgress?.({ table: table.name, documents: done, totalDocuments });
  }
  return writes;
}

function parseDocument(db: Database, table: SnapshotTable, number: number, line: string, tableNames: (n: number) => string | undefined, where: string): DocRecord {
  let doc: JSONObject;
  try {
    doc = parseExportLine(line, table.uniform);
  } catch (error) {
    throw new SnapshotImportError(`${where} wasn't a valid document: ${(error as Error).message}`);
  }
  const { _id: id, _creationTime: creationTime, ...fields } = doc;
  if (typeof id !== "string" || decodeId(id)?.tableNumber !== number) {
    throw new SnapshotImportError(`${where}: _id ${JSON.stringify(id)} is not an ID of table ${table.name} (number ${number}).`);
  }
  if (typeof creationTime !== "number" || !(creationTime > 0)) throw new SnapshotImportError(`${where}: _creationTime must be a positive number, not ${JSON.stringify(creationTime)}.`);
  try {
    checkDocument(db, table.name, fields, tableNames);
    const record = db.record(table.name, doc);
    checkSize(record);
    return record;
  } catch (error) {
    throw new SnapshotImportError(`${where} (_id ${id}): ${(error as Error).message}`);
  }
}
