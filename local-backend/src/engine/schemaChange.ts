/**
 * A push that changes `schema.ts`, as Convex applies it: every existing document of a table
 * whose validator changed is checked against the new validator (the first violation refuses
 * the whole push with Convex's message, and nothing changes), indexes the schema adds are
 * backfilled on disk, removed ones are dropped, and the store switches to the new schema.
 */
import { DeploymentError } from "./api.js";
import type { Persistence } from "./durability/persistence.js";
import type { Schema } from "./schema.js";
import type { Database } from "./store/database.js";
import { validateValue } from "./validator.js";

/** A stored document violates the new schema (`wait_for_schema` reports it as `failed`, naming the table). */
export class SchemaValidationError extends DeploymentError {
  constructor(
    message: string,
    readonly tableName: string,
  ) {
    super("SchemaValidationFailed", message);
  }
}

/** Throws `SchemaValidationError` for the first stored document (in `_id` order) that `next` rejects. */
export function validateExistingDocuments(db: Database, next: Schema): void {
  if (!next.validate) return;
  for (const [name, table] of next.tables) {
    if (table.documentType === null) continue;
    const before = db.schema.tables.get(name);
    const unchanged = db.schema.validate && before !== undefined && JSON.stringify(before.documentType) === JSON.stringify(table.documentType);
    const version = db.latest.tables.get(name);
    if (unchanged || version === undefined || version.count === 0) continue;
    for (const record of version.documentsInIdOrder()) {
      const { _id: _ignoredId, _creationTime: _ignoredTime, ...fields } = record.value;
      const failure = validateValue(fields, table.documentType, (n) => db.tableName(n));
      if (failure !== null) {
        throw new SchemaValidationError(`Document with ID "${record.id}" in table "${name}" does not match the schema: ${failure}`, name);
      }
    }
  }
}

/**
 * Switches the store to `next`. Waits until no transaction runs and every commit is durable,
 * then, without yielding (so nothing commits in between): validates again, checkpoints,
 * changes the stored indexes and installs the tables under the new schema.
 */
export async function applySchemaChange(db: Database, persistence: Persistence, next: Schema): Promise<void> {
  while (!db.idle()) await new Promise((resolve) => setTimeout(resolve, 2));
  validateExistingDocuments(db, next);
  persistence.checkpoint();
  db.replaceSchema(next);
  for (const table of next.tables.keys()) db.ensureTableNumber(table);
  persistence.persistTables();
  persistence.reconcileIndexes(db);
  persistence.reinstall(db);
}
