/**
 * What `npx convex import` can bring, read into tables of rows: an export ZIP (every table,
 * its IDs and table numbers), or one table from JSON Lines, a JSON array or CSV
 * (`--table`; rows without `_id` get new IDs). Rows parse lazily, so a bad one is named
 * (file, row) when the import reaches it.
 */
import { readFileSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import { unzipSync } from "fflate";
import { parse as parseLossless } from "lossless-json";
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
  rows: ImportRow[];
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

export function readImport(path: string, source: ImportSource): SnapshotTable[] {
  if (source.format === "zip") return readZip(path);
  if (!TABLE_NAME.test(source.table) || !isUserTable(source.table)) {
    throw new SnapshotImportError(`invalid table name ${source.table}: table names start with a letter and have at most 64 letters, digits and underscores`);
  }
  const text = utf8(path, readFileSync(path));
  const rows = source.format === "jsonLines" ? jsonLines(text, (line) => parseExportLine(line, false)) : source.format === "jsonArray" ? jsonArray(text) : csv(text);
  return [{ name: source.table, file: path, number: undefined, newIds: true, rows }];
}

function utf8(name: string, bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) throw new SnapshotImportError(`${name}: UTF-8 BOM is not supported. Please save your file without BOM.`);
  return Buffer.from(bytes).toString("utf8");
}

function jsonLines(text: string, parse: (line: string) => JSONObject): ImportRow[] {
  const rows: ImportRow[] = [];
  for (const [i, line] of text.split("\n").entries()) if (line.trim().length > 0) rows.push({ row: i + 1, parse: () => parse(line) });
  return rows;
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

function readZip(zipPath: string): SnapshotTable[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(readFileSync(zipPath), { filter: (file) => file.name.endsWith(".jsonl") });
  } catch (error) {
    throw new SnapshotImportError(`${zipPath} is not a readable ZIP file: ${(error as Error).message}`);
  }
  const text = (name: string): string => utf8(name, files[name]!);
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
    const isUniform = uniform.has(name);
    tables.push({ name, file, number: numbers.get(name), newIds: false, rows: jsonLines(content, (line) => parseExportLine(line, isUniform)) });
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
