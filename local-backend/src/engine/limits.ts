/**
 * Checks a document before it is written: field names, shape limits, size, and the
 * table's schema validator. Messages follow the Convex backend's.
 */
import type { JSONValue } from "./api.js";
import type { Database } from "./store/database.js";
import type { DocRecord } from "./store/document.js";
import { validateValue, type TableNames } from "./validator.js";
import { kindOf, type JSONObject } from "./values.js";

export const MAX_DOCUMENT_SIZE = 1 << 20;
export const MAX_DOCUMENT_NESTING = 16;
const MAX_ARRAY_LENGTH = 8192;
const MAX_OBJECT_FIELDS = 1024;
const MAX_FIELD_NAME_LENGTH = 1024;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkFieldName(name: string, topLevel: boolean): void {
  if (topLevel && name.startsWith("_")) {
    throw new Error(`Field '${name}' starts with an underscore, which is only allowed for system fields like '_id'`);
  }
  if (name.startsWith("$")) throw new Error(`Field name ${name} starts with a '$', which is reserved.`);
  if (name.length > MAX_FIELD_NAME_LENGTH) throw new Error(`Field name ${name} exceeds maximum field name length ${MAX_FIELD_NAME_LENGTH}.`);
  if (!/^[\x20-\x7e]*$/.test(name)) throw new Error(`Field name ${name} has invalid character: only non-control ASCII is allowed.`);
}

/**
 * `depth` is the value's level below the document (a field's value is 1). As in Convex, a
 * document's nesting counts containers only (the document is 1, an empty array in it 2), so
 * a container at depth 16, even an empty one, nests the document 17 levels deep.
 */
function checkShape(value: JSONValue, depth: number): void {
  const kind = kindOf(value);
  if ((kind === "array" || kind === "object") && depth >= MAX_DOCUMENT_NESTING) {
    throw new Error(`Document is too nested (nested ${depth + 1} levels deep > maximum nesting ${MAX_DOCUMENT_NESTING})`);
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_LENGTH) {
      throw new Error(`Array length is too long (${value.length} > maximum length ${MAX_ARRAY_LENGTH})`);
    }
    for (const item of value) checkShape(item, depth + 1);
  } else if (kindOf(value) === "object") {
    const entries = Object.entries(value as JSONObject);
    if (entries.length > MAX_OBJECT_FIELDS) {
      throw new Error(`Object has too many fields (${entries.length} > maximum number ${MAX_OBJECT_FIELDS})`);
    }
    for (const [key, item] of entries) {
      checkFieldName(key, false);
      checkShape(item, depth + 1);
    }
  }
}

function formatMiB(bytes: number): string {
  const mib = bytes / (1 << 20);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(2)} MiB`;
}

/**
 * Validates user fields (no `_id`/`_creationTime`) destined for `table`; `tableNames`
 * resolves `v.id()` table numbers (a snapshot import brings its own numbering).
 */
export function checkDocument(db: Database, table: string, fields: JSONObject, tableNames: TableNames = (n) => db.tableName(n)): void {
  if (!IDENTIFIER.test(table) || table.length > 64) throw new Error(`Invalid table name: "${table}"`);
  const entries = Object.entries(fields);
  if (entries.length > MAX_OBJECT_FIELDS) {
    throw new Error(`Object has too many fields (${entries.length} > maximum number ${MAX_OBJECT_FIELDS})`);
  }
  for (const [key, item] of entries) {
    checkFieldName(key, true);
    checkShape(item, 1);
  }
  const documentType = db.tableSchema(table).documentType;
  if (db.schema.validate && documentType !== null) {
    const failure = validateValue(fields, documentType, tableNames);
    if (failure !== null) {
      throw new Error(`Failed to insert or update a document in table "${table}" because it does not match the schema: ${failure}`);
    }
  }
}

export function checkSize(record: DocRecord): void {
  if (record.size > MAX_DOCUMENT_SIZE) {
    throw new Error(`Value is too large (${formatMiB(record.size)} > maximum size ${formatMiB(MAX_DOCUMENT_SIZE)})`);
  }
}
