/**
 * One stored document version. Immutable: a write creates a new record. The serialized
 * JSON is computed once and reused for every read and for the write-ahead log.
 */
import type { JSONValue } from "../api.js";
import type { IndexDef } from "../schema.js";
import { encodeKey, valueSize, type JSONObject } from "../values.js";

export type DocRecord = {
  readonly id: string;
  readonly table: string;
  readonly value: JSONObject;
  readonly json: string;
  readonly size: number;
  /** Index name -> key, computed when the record is created. */
  readonly keys: ReadonlyMap<string, string>;
};

/** `a.b.c` inside a document; `undefined` when any step is missing or not an object. */
export function fieldValue(doc: JSONObject, path: string): JSONValue | undefined {
  let current: JSONValue | undefined = doc;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    const keys = Object.keys(current);
    if (keys.length === 1 && keys[0]!.startsWith("$")) return undefined;
    current = (current as JSONObject)[part];
  }
  return current;
}

export function indexKey(doc: JSONObject, fields: readonly string[]): string {
  let key = "";
  for (const field of fields) key += encodeKey(fieldValue(doc, field));
  return key;
}

export function makeRecord(table: string, value: JSONObject, indexes: readonly IndexDef[]): DocRecord {
  const keys = new Map<string, string>();
  for (const index of indexes) keys.set(index.name, indexKey(value, index.fields));
  return {
    id: value._id as string,
    table,
    value,
    json: JSON.stringify(value),
    size: valueSize(value),
    keys,
  };
}
