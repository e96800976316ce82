/**
 * What `npx convex import` can bring, read into tables of rows: an export ZIP (every table,
 * its IDs and table numbers), or one table from JSON Lines, a JSON array or CSV
 * (`--table`; rows without `_id` get new IDs). Rows parse lazily, so a bad one is named
 * (file, row) when the import reaches it; a ZIP's entries stream from the file, so a
 * snapshot of any size is read in bounded memory.
 */
import { createReadStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { parse as parseCsv } from "csv-parse/sync";
import { parse as parseLossless } from "lossless-json";
import { openPromise as openZip, type Entry, type ZipFile } from "yauzl";
import type { ImportFormat } from "../api.js";
import { float64ToJson, type JSONObject } from "../values.js";
import { fromCleanJson, parseExportLine } from "./exportJson.js";
import { isUserTable } from "./progress.js";

/** A snapshot refused as a whole (nothing was written). */
export class SnapshotImportError extends Error {
  constructor(detail: string) {
    super(`Hit an error while importing:\n${detail}`);
  }
}

export type ImportRow = { row: number; parse: () => JSONObject };
export type SnapshotTable = {
  name: string;
  file: string;
  /** The table's number in the export it came from (ZIP only). */
  number: number | undefined;
  /** Single-table imports: a row without `_id` is a new document. */
  newIds: boolean;
  /** The table's rows (non-blank lines), counted without parsing them. */
  count: () => Promise<number>;
  /** The table's rows in file order; a ZIP entry is read again on every call. */
  rows: () => AsyncIterable<ImportRow> | Iterable<ImportRow>;
};
export type ImportSource = { format: "zip" } | { format: Exclude<ImportFormat, "zip">; table: string };

const DOCUMENTS = /^(?:.*\/)?([^/]+)\/documents\.jsonl$/;
const GENERATED_SCHEMA = /^(?:.*\/)?([^/]+)\/generated_schema\.jsonl$/;
/** Convex's identifier rule for table names. */
const TABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;
/** What Rust's `f64::from_str` accepts: CSV cells like these become numbers, the rest strings. */
const CSV_NUMBER = /^[+-]?(?:inf|infinity|nan|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i;

export function importSource(options: { format?: ImportFormat; table?: string }): ImportSource {
  const format = options.format ?? "zip";
  if (format === "zip") {
    if (options.table !== undefined) throw new SnapshotImportError("ZIP import cannot have table name");
    return { format };
  }
  if (options.table === undefined) throw new SnapshotImportError(`${format} import requires table name`);
  return { format, table: options.table };
}

/** The tables of an import file; their rows can be read until `close` releases the file. */
export type ImportFile = { tables: SnapshotTable[]; close: () => void };

export async function readImport(path: string, source: ImportSource): Promise<ImportFile> {
  if (source.format === "zip") return await readZip(path);
  if (!TABLE_NAME.test(source.table) || !isUserTable(source.table)) {
    throw new SnapshotImportError(`invalid table name ${source.table}: table names start with a letter and have at most 64 letters, digits and underscores`);
  }
  const table = { name: source.table, file: path, number: undefined, newIds: true };
  if (source.format === "jsonLines") {
    const open = () => Promise.resolve(createReadStream(path));
    return { tables: [{ ...table, count: () => countLines(open), rows: () => lineRows(open, path, (line) => parseExportLine(line, false)) }], close: () => undefined };
  }
  // A JSON array or a CSV file parses as a whole (their parsers take the whole text).
  const text = utf8(path, readFileSync(path));
  const rows = source.format === "jsonArray" ? jsonArray(text) : csv(text);
  return { tables: [{ ...table, count: () => Promise.resolve(rows.length), rows: () => rows }], close: () => undefined };
}

function utf8(name: string, bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw new SnapshotImportError(`${name}: UTF-8 BOM is not supported. Please save your file without BOM.`);
  return Buffer.from(bytes).toString("utf8");
}

function jsonArray(text: string): ImportRow[] {
  let value: unknown;
  try {
    value = parseLossless(text);
  } catch (error) {
    throw new SnapshotImportError(`Not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(value)) throw new SnapshotImportError("Not a JSON array");
  return value.map((item: unknown, i) => ({
    row: i + 1,
    parse: () => {
      const doc = fromCleanJson(item);
      if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new Error("wasn't an object");
      return doc;
    },
  }));
}

function csv(text: string): ImportRow[] {
  let records: string[][];
  try {
    records = parseCsv(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new SnapshotImportError(`Failed to parse CSV: ${(error as Error).message}`);
  }
  const [header, ...body] = records;
  if (header === undefined) throw new SnapshotImportError("CSV file doesn't have headers");
  const fields = header.map((name) => name.trim());
  return body.map((cells, i) => ({
    row: i + 1,
    parse: () => {
      if (cells.length !== fields.length) throw new Error(`CSV row ${i + 1} doesn't have all of the fields in the header`);
      return Object.fromEntries(fields.map((field, j) => [field, csvCell(cells[j]!)]));
    },
  }));
}

function csvCell(cell: string): JSONObject[string] {
  if (!CSV_NUMBER.test(cell)) return cell;
  const lower = cell.toLowerCase().replace(/^\+/, "");
  const n = /inf/.test(lower) ? (lower.startsWith("-") ? -Infinity : Infinity) : /nan/.test(lower) ? NaN : Number(cell);
  return float64ToJson(n);
}

/** The ZIP's central directory: every entry by name, read with random access (yauzl) so entries stream in any order. */
async function readZip(zipPath: string): Promise<ImportFile> {
  let zip: ZipFile | undefined;
  const entries = new Map<string, Entry>();
  try {
    zip = await openZip(zipPath, { lazyEntries: true, autoClose: false });
    for await (const entry of zip.eachEntry()) entries.set(entry.fileName, entry);
  } catch (error) {
    zip?.close();
    throw new SnapshotImportError(`${zipPath} is not a readable ZIP file: ${(error as Error).message}`);
  }
  try {
    return { tables: await zipTables(zip, entries), close: () => zip.close() };
  } catch (error) {
    zip.close();
    throw error;
  }
}

async function zipTables(zip: ZipFile, entries: Map<string, Entry>): Promise<SnapshotTable[]> {
  const names = [...entries.keys()];
  if (names.some((name) => name.includes("_components/"))) throw new SnapshotImportError("Snapshots with components are not supported by the Doctrina local backend.");
  const text = async (name: string): Promise<string> => utf8(name, await entryBytes(zip, entries.get(name)!));
  const tablesFile = names.find((name) => /(?:^|\/)_tables\/documents\.jsonl$/.test(name));
  const numbers = tableNumbers(tablesFile, tablesFile === undefined ? "" : await text(tablesFile));
  const uniform = new Set<string>();
  for (const name of names) {
    const table = GENERATED_SCHEMA.exec(name)?.[1];
    if (table !== undefined && (await text(name)).trim() === '"uniform"') uniform.add(table);
  }
  const tables: SnapshotTable[] = [];
  for (const file of names) {
    const name = DOCUMENTS.exec(file)?.[1];
    if (name === undefined || name === "_tables") continue;
    if (name === "_storage") {
      if ((await text(file)).trim().length > 0) throw new SnapshotImportError("File storage (_storage) is not supported by the Doctrina local backend.");
      continue;
    }
    if (!isUserTable(name)) throw new SnapshotImportError(`${file}: ${name} is a system table; it cannot be imported.`);
    const isUniform = uniform.has(name);
    const entry = entries.get(file)!;
    tables.push({
      name,
      file,
      number: numbers.get(name),
      newIds: false,
      count: () => countLines(() => zip.openReadStreamPromise(entry)),
      rows: () => lineRows(() => zip.openReadStreamPromise(entry), file, (line) => parseExportLine(line, isUniform)),
    });
  }
  return tables;
}

async function entryBytes(zip: ZipFile, entry: Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A stream's lines (a ZIP entry inflated as it is read), so memory stays one chunk whatever the file's size. */
async function* lineRows(open: () => Promise<Readable>, name: string, parse: (line: string) => JSONObject): AsyncGenerator<ImportRow> {
  const input = await open();
  let row = 0;
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (row++ === 0 && line.charCodeAt(0) === 0xfeff) throw new SnapshotImportError(`${name}: UTF-8 BOM is not supported. Please save your file without BOM.`);
      if (line.trim().length > 0) yield { row, parse: () => parse(line) };
    }
  } finally {
    // An import that stops early (a bad row) releases the file now.
    input.destroy();
  }
}

/** How many non-blank lines a stream has (progress totals and the import summary), without parsing them. */
async function countLines(open: () => Promise<Readable>): Promise<number> {
  let count = 0;
  let blank = true;
  for await (const chunk of await open()) {
    for (const byte of chunk as Buffer) {
      if (byte === 0x0a) {
        if (!blank) count++;
        blank = true;
      } else if (byte !== 0x20 && byte !== 0x0d && byte !== 0x09) blank = false;
    }
  }
  return blank ? count : count + 1;
}

function tableNumbers(file: string | undefined, text: string): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim().length === 0) continue;
    const row = JSON.parse(line) as { name?: unknown; id?: unknown };
    if (typeof row.name !== "string" || !Number.isInteger(row.id)) throw new SnapshotImportError(`${file}, row ${i + 1}: expected {"name", "id"}, got ${line}`);
    numbers.set(row.name, row.id as number);
  }
  return numbers;
}
