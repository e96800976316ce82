/**
 * Imports what `npx convex import` uploads (an export ZIP, or one table: sources.ts) with the
 * Convex CLI's semantics: `requireEmpty` (default: every imported table must be empty),
 * `append`, `replace` (the imported tables' documents are replaced). IDs, `_creationTime` and
 * table numbers are kept. As on Convex, the documents are first written beside the live
 * tables (staged: durability/staging.ts), each parsed and validated against the schema as it
 * streams from the file, so memory stays bounded whatever the snapshot's size; the first bad
 * document refuses the import, naming it, and the staged rows are deleted. Then the staged
 * rows replace or join the live ones in one commit (one SQLite transaction): all or nothing.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { ImportMode, ImportTableChange, SnapshotImportCounts } from "../api.js";
import type { Committer } from "../committer.js";
import type { Persistence } from "../durability/persistence.js";
import { DuplicateIdError, type ImportStaging } from "../durability/staging.js";
import { decodeId, newId } from "../ids.js";
import { checkDocument, checkSize } from "../limits.js";
import { SYSTEM_TABLE_NUMBERS } from "../schema.js";
import { nextTimestamp, type Database } from "../store/database.js";
import type { DocRecord } from "../store/document.js";
import type { JSONObject } from "../values.js";
import type { OnProgress } from "./progress.js";
import { readImport, SnapshotImportError, type ImportSource, type SnapshotTable } from "./sources.js";

export { SnapshotImportError };

export type ImportTarget = { db: Database; persistence: Persistence; committer: Committer };

const PROGRESS_EVERY = 10_000;
/** Rows parsed between two turns of the event loop (other calls are served while an import stages). */
const ROWS_PER_TURN = 1000;

export async function importSnapshot(target: ImportTarget, path: string, source: ImportSource, mode: ImportMode, onProgress?: OnProgress): Promise<SnapshotImportCounts> {
  const { db, persistence } = target;
  const file = await readImport(path, source);
  try {
    const { tables } = file;
    const schema = db.schema;
    const numbers = planNumbers(db, tables, mode);
    let totalDocuments = 0;
    for (const table of tables) totalDocuments += await table.count();
    const staging = persistence.stageImport(tables.map((t) => t.name));
    try {
      const documents = await stage(db, staging, tables, numbers, mode, (table, done) => onProgress?.({ table, documents: done, totalDocuments }));
      while (!db.idle()) await new Promise((resolve) => setTimeout(resolve, 2));
      // No await from here on: nothing commits between these checks and the swap.
      if (db.schema !== schema) throw new SnapshotImportError("The schema changed while the snapshot was imported; nothing was imported. Run the import again.");
      if (!sameNumbers(planNumbers(db, tables, mode), numbers)) throw new SnapshotImportError("Tables were created or renumbered while the snapshot was imported; nothing was imported. Run the import again.");
      return swap(target, staging, tables, numbers, mode, documents);
    } finally {
      staging.discard();
    }
  } finally {
    file.close();
  }
}

/** Parses, validates and stages every row; returns how many. */
async function stage(db: Database, staging: ImportStaging, tables: SnapshotTable[], numbers: Map<string, number>, mode: ImportMode, progress: (table: string, done: number) => void): Promise<number> {
  const names = new Map<number, string>(db.tableList().filter(([, name]) => !numbers.has(name)));
  for (const [name, number] of numbers) names.set(number, name);
  let done = 0;
  for (const table of tables) {
    if (db.schema.strictTables && !db.schema.tables.has(table.name)) throw new SnapshotImportError(`${table.file}: table ${table.name} is not in the schema.`);
    const number = numbers.get(table.name)!;
    for await (const { row, parse } of table.rows()) {
      const where = `${table.file}, row ${row}`;
      const record = parseDocument(db, table, number, parse, (n) => names.get(n), where);
      if (mode === "append" && db.latest.tables.get(table.name)?.get(record.id) !== undefined) throw new SnapshotImportError(`${where}: a document with _id ${record.id} already exists in ${table.name}.`);
      db.noteCreationTime(record.value._creationTime as number);
      stageRow(() => staging.add(record, number, where));
      if (++done % PROGRESS_EVERY === 0) progress(table.name, done);
      if (done % ROWS_PER_TURN === 0) await nextTurn();
    }
    progress(table.name, done);
  }
  stageRow(() => staging.flush());
  return done;
}

function stageRow(write: () => void): void {
  try {
    write();
  } catch (error) {
    if (error instanceof DuplicateIdError) throw new SnapshotImportError(error.message);
    throw error;
  }
}

/** The staged rows become the tables' documents in one commit, which subscribers see as one. */
function swap(target: ImportTarget, staging: ImportStaging, tables: SnapshotTable[], numbers: Map<string, number>, mode: ImportMode, documents: number): SnapshotImportCounts {
  const { db, persistence } = target;
  const replaced = mode === "replace" ? tables.map((t) => t.name) : [];
  const deleted = replaced.reduce((sum, name) => sum + (db.latest.tables.get(name)?.count ?? 0), 0);
  const ts = nextTimestamp(db.latest.ts);
  try {
    persistence.swapIn(staging, replaced, numbers, ts);
  } catch (error) {
    throw new SnapshotImportError(`writing the imported documents failed, nothing was imported: ${(error as Error).message}`);
  }
  for (const [name, number] of numbers) if (db.tableNumber(name) !== number) db.renumberTable(name, number);
  target.committer.published(db.replaceTables(ts, persistence.tableVersions(db, numbers.keys())));
  return { tables: tables.length, documents, deleted };
}

function sameNumbers(a: Map<string, number>, b: Map<string, number>): boolean {
  return a.size === b.size && [...a].every(([name, number]) => b.get(name) === number);
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
export async function previewImport(db: Database, path: string, source: ImportSource, mode: ImportMode): Promise<ImportTableChange[]> {
  const file = await readImport(path, source);
  try {
    planNumbers(db, file.tables, mode);
    const changes: ImportTableChange[] = [];
    for (const table of file.tables) {
      const existing = db.latest.tables.get(table.name)?.count ?? 0;
      changes.push({ table: table.name, added: await table.count(), existing, deleted: mode === "replace" ? existing : 0 });
    }
    return changes.sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
  } finally {
    file.close();
  }
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
