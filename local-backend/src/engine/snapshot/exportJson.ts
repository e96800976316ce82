/**
 * Convex's `export_json` value format (snapshot ZIPs): Int64 as a JSON integer, finite
 * Float64 as a number with a decimal point (`1.0`, `-0.0`), NaN/Infinity as `{"$float"}`,
 * bytes as `{"$bytes"}`, object fields in sorted order (the backend's objects are B-tree
 * maps). Values here are convex-encoded JSON, as the store keeps them.
 */
import { isLosslessNumber, parse, type LosslessNumber } from "lossless-json";
import type { JSONValue } from "../api.js";
import { float64FromJson, float64ToJson, int64FromJson, int64ToJson, isSpecial, type JSONObject } from "../values.js";

/** ryu-style shortest float text as serde_json writes it: `1.0`, `1e21`, `1.5e-7`. */
function floatText(n: number): string {
  const text = String(n);
  if (text.includes("e")) return text.replace("e+", "e");
  const sign = Object.is(n, -0) ? "-" : "";
  return text.includes(".") ? text : `${sign}${text}.0`;
}

export function toExportJson(value: JSONValue): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return floatText(value);
  if (Array.isArray(value)) return `[${value.map(toExportJson).join(",")}]`;
  if (isSpecial(value, "$integer")) return int64FromJson(value).toString();
  if (isSpecial(value, "$float")) {
    const n = float64FromJson(value);
    return Number.isFinite(n) ? floatText(n) : JSON.stringify(value);
  }
  if (isSpecial(value, "$bytes")) return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${toExportJson(value[key]!)}`).join(",")}}`;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** `"uniform"` snapshots: integers are Int64, numbers with a point or exponent Float64. */
function exportNumber(raw: LosslessNumber): JSONValue {
  const text = raw.value;
  if (/^-?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n < INT64_MIN || n > INT64_MAX) throw new Error(`number ${text} is neither i64 nor f64`);
    return int64ToJson(n);
  }
  return float64ToJson(Number(text));
}

function convert(value: unknown, uniform: boolean): JSONValue {
  if (isLosslessNumber(value)) return uniform ? exportNumber(value) : float64ToJson(Number(value.value));
  if (value === null || typeof value !== "object") return value as JSONValue;
  if (Array.isArray(value)) return value.map((item) => convert(item, uniform));
  const entries = Object.entries(value as Record<string, unknown>);
  // An object whose first key starts with `$` is internal JSON (`$bytes`, `$integer`, `$float`).
  if (entries[0]?.[0].startsWith("$")) return Object.fromEntries(entries.map(([k, v]) => [k, isLosslessNumber(v) ? Number(v.value) : (v as JSONValue)]));
  return Object.fromEntries(entries.map(([key, item]) => [key, convert(item, uniform)]));
}

/** A value parsed by lossless-json from plain JSON (single-table imports): every number is a Float64. */
export function fromCleanJson(value: unknown): JSONValue {
  return convert(value, false);
}

/** One `documents.jsonl` line as a convex-encoded document; throws on invalid JSON or a non-object. */
export function parseExportLine(line: string, uniform: boolean): JSONObject {
  const value = convert(parse(line), uniform);
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("wasn't an object");
  return value;
}
