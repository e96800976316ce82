/**
 * Imports what `npx convex import` uploads (an export ZIP, or one table: sources.ts) with the
 * Convex CLI's semantics: `requireEmpty` (default: every imported table must be empty),
 * `append`, `replace` (the imported tables' documents are replaced). IDs, `_creationTime` and
 * table numbers are kept. Every document is parsed and validated against the schema before
 * anything is written; then all of it is one commit, so an import is all or nothing and the
 * first bad document is named.
 */
import type { ImportMode, ImportTableChange, SnapshotImportCounts } from "../api.js";
import type { Committer } from "../committer.js";
import { decodeId, newId } from "../ids.js";
import { checkDocument, checkSize } from "../limits.js";
import { SYSTEM_TABLE_NUMBERS } from "../schema.js";
import type { Database } from "../store/database.js";
import type { DocRecord } from "../store/document.js";
import type { Write } from "../store/readset.js";
import type { JSONObject } from "../values.js";
import type { OnProgress } from "./progress.js";
import { readImport, SnapshotImportError, type ImportSource, type SnapshotTable } from "./sources.js";

export { SnapshotImportError };

const PROGRESS_EVERY = 10_000;

export async function importSnapshot(
  db: Database,
  committer: Committer,
  path: string,
  source: ImportSource,
  mode: ImportMode,
  onProgress?: OnProgress,
): Promise<SnapshotImportCounts> {
  const tables = readImport(path, source);
  const numbers = planNumbers(db, tables, mode);
  const writes = buildWrites(db, tables, numbers, mode, onProgress);
  for (const [name, number] of numbers) if (db.tableNumber(name) !== number) db.renumberTable(name, number);
  for (const write of writes) if (write.next !== undefined) db.noteCreationTime(write.next.value._creationTime as number);
  if (writes.length > 0) await committer.commit(writes).durable;
  const deleted = writes.filter((w) => w.next === undefined).length;
  return { tables: tables.length, documents: writes.length - deleted, deleted };
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

/**
 * What an import would do, per table (Convex's confirmation summary), without writing: refuses
 * as the import would when a `requireEmpty` table has documents.
 */
export function previewImport(db: Database, path: string, source: ImportSource, mode: ImportMode): ImportTableChange[] {
  const tables = readImport(path, source);
  planNumbers(db, tables, mode);
  return tables
    .map((table) => {
      const existing = db.latest.tables.get(table.name)?.count ?? 0;
      return { table: table.name, added: table.rows.length, existing, deleted: mode === "replace" ? existing : 0 };
    })
    .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
}

function buildWrites(db: Database, tables: SnapshotTable[], numbers: Map<string, number>, mode: ImportMode, onProgress?: OnProgress): Write[] {
  const names = new Map<number, string>(db.tableList().filter(([, name]) => !numbers.has(name)));
  for (const [name, number] of numbers) names.set(number, name);
  const totalDocuments = tables.reduce((sum, t) => sum + t.rows.length, 0);
  const writes: Write[] = [];
  let done = 0;
  for (const table of tables) {
    if (db.schema.strictTables && !db.schema.tables.has(table.name)) throw new SnapshotImportError(`${table.file}: table ${table.name} is not in the schema.`);
    const existing = db.latest.tables.get(table.name);
    const seen = new Map<string, DocRecord>();
    for (const { row, parse } of table.rows) {
      const where = `${table.file}, row ${row}`;
      const record = parseDocument(db, table, numbers.get(table.name)!, parse, (n) => names.get(n), where);
      if (seen.has(record.id)) throw new SnapshotImportError(`${where}: _id ${record.id} appears twice.`);
      if (mode === "append" && existing?.get(record.id) !== undefined) throw new SnapshotImportError(`${where}: a document with _id ${record.id} already exists in ${table.name}.`);
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

function parseDocument(
  db: Database,
  table: SnapshotTable,
  number: number,
  parse: () => JSONObject,
  tableNames: (n: number) => string | undefined,
  where: string,
): DocRecord {
  let doc: JSONObject;
  try {
    doc = parse();
  } catch (error) {
    throw new SnapshotImportError(`${where} wasn't a valid document: ${(error as Error).message}`);
  }
  // A single-table row without system fields is a new document, as in Convex.
  if (table.newIds && doc._id === undefined) doc = { ...doc, _id: newId(number), _creationTime: doc._creationTime ?? db.nextCreationTime() };
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
