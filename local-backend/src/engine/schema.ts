/**
 * The deployment's data model, from `schema.export()` JSON, plus the system tables the
 * engine itself maintains. Every table has `by_id` and `by_creation_time`; schema indexes
 * are their fields followed by `_creationTime` and `_id` (Convex's index key layout).
 */
import type { ValidatorJson } from "./validator.js";

export type IndexDef = { name: string; fields: string[] };
export type SearchIndexDef = { name: string; searchField: string; filterFields: string[] };

export type TableSchema = {
  name: string;
  indexes: IndexDef[];
  searchIndexes: SearchIndexDef[];
  /** `null`: no document validation for this table. */
  documentType: ValidatorJson | null;
};

export type Schema = {
  tables: Map<string, TableSchema>;
  /** `schemaValidation` of `defineSchema`; when false, documents are not validated. */
  validate: boolean;
  /** A schema was defined: writes to tables missing from it are rejected. */
  strictTables: boolean;
};

export const SCHEDULED_FUNCTIONS_TABLE = "_scheduled_functions";
export const CRON_JOBS_TABLE = "_cron_jobs";

/** Fixed numbers for system tables (user tables start at 10001). */
export const SYSTEM_TABLE_NUMBERS: Record<string, number> = {
  [SCHEDULED_FUNCTIONS_TABLE]: 21,
  [CRON_JOBS_TABLE]: 22,
};

type ExportedTable = {
  tableName: string;
  indexes?: { indexDescriptor: string; fields: string[] }[];
  searchIndexes?: { indexDescriptor: string; searchField: string; filterFields?: string[] }[];
  documentType?: ValidatorJson | null;
};

function systemIndexes(): IndexDef[] {
  return [
    { name: "by_id", fields: ["_id"] },
    { name: "by_creation_time", fields: ["_creationTime", "_id"] },
  ];
}

function tableSchema(name: string, indexes: IndexDef[], documentType: ValidatorJson | null): TableSchema {
  const withSystemFields = indexes.map((index) => ({ ...index, fields: [...index.fields, "_creationTime", "_id"] }));
  return { name, indexes: [...systemIndexes(), ...withSystemFields], searchIndexes: [], documentType };
}

function systemTables(): TableSchema[] {
  return [
    tableSchema(SCHEDULED_FUNCTIONS_TABLE, [{ name: "by_state", fields: ["state.kind", "scheduledTime"] }], null),
    tableSchema(CRON_JOBS_TABLE, [{ name: "by_name", fields: ["name"] }], null),
  ];
}

/** Parses `schema.export()` output; `null` (no schema.ts) gives a schemaless deployment. */
export function parseSchema(exported: string | null): Schema {
  const tables = new Map<string, TableSchema>(systemTables().map((t) => [t.name, t]));
  if (exported === null) return { tables, validate: false, strictTables: false };
  const json = JSON.parse(exported) as { tables: ExportedTable[]; schemaValidation?: boolean };
  for (const table of json.tables) {
    const indexes = (table.indexes ?? []).map((i) => ({ name: i.indexDescriptor, fields: i.fields }));
    const schema = tableSchema(table.tableName, indexes, table.documentType ?? null);
    schema.searchIndexes = (table.searchIndexes ?? []).map((i) => ({
      name: i.indexDescriptor,
      searchField: i.searchField,
      filterFields: i.filterFields ?? [],
    }));
    tables.set(table.tableName, schema);
  }
  return { tables, validate: json.schemaValidation !== false, strictTables: true };
}

/** Schema of a table that is not declared (schemaless deployments). */
export function implicitTable(name: string): TableSchema {
  return tableSchema(name, [], null);
}
