/**
 * Convex values in their convex-encoded JSON form (`{"$integer": ...}` etc.), which is
 * how documents are stored and how they travel between threads. Index keys are an
 * order-preserving ("memcomparable") string encoding of values, so that every index is
 * a B-tree over plain strings and a range read is a key comparison, never a value walk.
 */
import type { JSONValue } from "./api.js";

export type JSONObject = { [key: string]: JSONValue };

export type ValueKind = "null" | "int64" | "float64" | "boolean" | "string" | "bytes" | "array" | "object";

/** A character above every byte: `prefix + KEY_MAX` is greater than every key starting with `prefix`. */
export const KEY_MAX = "\u0100";

const TAG = {
  undefined: "\x01",
  null: "\x02",
  int64: "\x03",
  float64: "\x04",
  false: "\x05",
  true: "\x06",
  string: "\x07",
  bytes: "\x08",
  array: "\x09",
  object: "\x0a",
} as const;
const END = "\x00";
const ENTRY = "\x01";

export function isSpecial(value: JSONValue, key: "$integer" | "$float" | "$bytes"): value is { [k: string]: string } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0] === key && typeof value[key] === "string";
}

export function kindOf(value: JSONValue): ValueKind {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "number":
      return "float64";
    case "string":
      return "string";
  }
  if (Array.isArray(value)) return "array";
  if (isSpecial(value, "$integer")) return "int64";
  if (isSpecial(value, "$float")) return "float64";
  if (isSpecial(value, "$bytes")) return "bytes";
  return "object";
}

// ---------------------------------------------------------------------------
// int64 / float64 conversions

export function int64FromJson(value: { [k: string]: string }): bigint {
  const bytes = Buffer.from(value.$integer!, "base64");
  if (bytes.length !== 8) throw new Error(`Received invalid $integer: ${value.$integer}`);
  return bytes.readBigInt64LE(0);
}

export function int64ToJson(n: bigint): JSONValue {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64LE(BigInt.asIntN(64, n));
  return { $integer: bytes.toString("base64") };
}

export function float64FromJson(value: JSONValue): number {
  if (typeof value === "number") return value;
  const bytes = Buffer.from((value as { $float: string }).$float, "base64");
  if (bytes.length !== 8) throw new Error("Received invalid $float");
  return bytes.readDoubleLE(0);
}

export function float64ToJson(n: number): JSONValue {
  if (Number.isFinite(n) && !Object.is(n, -0)) return n;
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(n);
  return { $float: bytes.toString("base64") };
}

// ---------------------------------------------------------------------------
// Order-preserving key encoding. Each char of a key is one byte (0..255), so JS string
// comparison equals byte comparison. Every encoded value is prefix-free.

const ASCII_NO_NUL = /^[\x01-\x7f]*$/;

/** UTF-8 bytes of `s` (one char per byte), NUL escaped, terminated. */
function encodeBytesString(byteChars: string): string {
  const escaped = byteChars.includes(END) ? byteChars.replace(/\x00/g, "\x00\xff") : byteChars;
  return escaped + "\x00\x01";
}

function utf8ByteChars(s: string): string {
  return ASCII_NO_NUL.test(s) ? s : Buffer.from(s, "utf8").toString("latin1");
}

function encodeFloatBytes(n: number): string {
  const buf = Buffer.alloc(8);
  buf.writeDoubleBE(n);
  if (buf[0]! & 0x80) {
    for (let i = 0; i < 8; i++) buf[i] = ~buf[i]! & 0xff;
  } else {
    buf[0] = buf[0]! ^ 0x80;
  }
  return buf.toString("latin1");
}

function encodeInt64Bytes(base64: string): string {
  const le = Buffer.from(base64, "base64");
  const be = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) be[i] = le[7 - i]!;
  be[0] = be[0]! ^ 0x80;
  return be.toString("latin1");
}

/** The key encoding of one value; `undefined` (a missing field) sorts first. */
export function encodeKey(value: JSONValue | undefined): string {
  if (value === undefined) return TAG.undefined;
  if (value === null) return TAG.null;
  switch (typeof value) {
    case "boolean":
      return value ? TAG.true : TAG.false;
    case "number":
      return TAG.float64 + encodeFloatBytes(value);
    case "string":
      return TAG.string + encodeBytesString(utf8ByteChars(value));
  }
  if (Array.isArray(value)) {
    let out: string = TAG.array;
    for (const item of value) out += encodeKey(item);
    return out + END;
  }
  if (isSpecial(value, "$integer")) return TAG.int64 + encodeInt64Bytes(value.$integer!);
  if (isSpecial(value, "$float")) return TAG.float64 + encodeFloatBytes(float64FromJson(value));
  if (isSpecial(value, "$bytes")) {
    return TAG.bytes + encodeBytesString(Buffer.from(value.$bytes!, "base64").toString("latin1"));
  }
  if (isUndefinedMarker(value)) return TAG.undefined;
  let out: string = TAG.object;
  for (const key of Object.keys(value).sort(compareUtf8)) {
    out += ENTRY + encodeBytesString(utf8ByteChars(key)) + encodeKey(value[key]!);
  }
  return out + END;
}

/** `{"$undefined": null}`: how convex/server encodes `undefined` in index ranges and filters. */
export function isUndefinedMarker(value: JSONValue | undefined): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    "$undefined" in value
  );
}

/** Total order over values (Convex's order: undefined < null < int64 < float64 < boolean < string < bytes < array < object). */
export function compareValues(a: JSONValue | undefined, b: JSONValue | undefined): number {
  const ka = encodeKey(a);
  const kb = encodeKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function compareUtf8(a: string, b: string): number {
  const ka = utf8ByteChars(a);
  const kb = utf8ByteChars(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function valuesEqual(a: JSONValue | undefined, b: JSONValue | undefined): boolean {
  return encodeKey(a) === encodeKey(b);
}

// ---------------------------------------------------------------------------
// Sizes (as convex/values `getConvexSize`)

function utf8Length(s: string): number {
  return ASCII_NO_NUL.test(s) ? s.length : Buffer.byteLength(s, "utf8");
}

export function valueSize(value: JSONValue | undefined): number {
  if (value === undefined) return 0;
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "number") return 9;
  if (typeof value === "string") return 2 + utf8Length(value);
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + valueSize(item), 2);
  if (isSpecial(value, "$integer") || isSpecial(value, "$float")) return 9;
  if (isSpecial(value, "$bytes")) return 2 + Buffer.from(value.$bytes!, "base64").length;
  let size = 2;
  for (const [key, item] of Object.entries(value)) size += utf8Length(key) + 1 + valueSize(item);
  return size;
}

/**
 * Convex's `nesting()`: 0 for a scalar, 1 + the deepest child for an array or object.
 * Only for stored documents, which nest at most 16 levels, so recursion is safe.
 */
export function valueNesting(value: JSONValue): number {
  const kind = kindOf(value);
  if (kind !== "array" && kind !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value as { [key: string]: JSONValue });
  return 1 + children.reduce<number>((deepest, child) => Math.max(deepest, valueNesting(child)), 0);
}

// ---------------------------------------------------------------------------
// Display, as the Convex backend prints values inside validation errors.

function displayFloat(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Object.is(n, -0)) return "-0.0";
  const text = String(n);
  return Number.isInteger(n) && !text.includes("e") ? `${text}.0` : text;
}

export function displayValue(value: JSONValue | undefined): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "number":
      return displayFloat(value);
    case "string":
      return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(displayValue).join(", ")}]`;
  if (isSpecial(value, "$integer")) return int64FromJson(value).toString();
  if (isSpecial(value, "$float")) return displayFloat(float64FromJson(value));
  if (isSpecial(value, "$bytes")) return `b${JSON.stringify(value.$bytes)}`;
  const entries = Object.keys(value)
    .sort(compareUtf8)
    .map((key) => `${key}: ${displayValue(value[key])}`);
  return `{${entries.join(", ")}}`;
}
