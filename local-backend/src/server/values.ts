/**
 * Output encodings of Convex values and a JSON writer that keeps the distinctions
 * the official clients rely on: every Float64 is written with a decimal point
 * (the Python client rejects `1` where it expects a float), Int64 may be a bare
 * integer (`export_json`), and protocol integers (versions, request ids) stay plain.
 */
import type { JSONValue } from "../engine/api.js";
import { HttpError } from "./errors.js";

export type OutputFormat = "convex_encoded_json" | "json" | "export_json";

const FORMAT_ALIASES: Record<string, OutputFormat> = {
  convex_encoded_json: "convex_encoded_json",
  convex_json: "convex_encoded_json",
  json: "json",
  convex_clean_json: "json",
  export_json: "export_json",
};

/** `undefined` means "not given"; anything else must name a known format. */
export function parseFormat(raw: unknown, fallback: OutputFormat): OutputFormat {
  if (raw === undefined || raw === null) return fallback;
  const format = typeof raw === "string" ? FORMAT_ALIASES[raw] : undefined;
  if (format === undefined) {
    throw new HttpError(400, "BadFormat", `Invalid format: ${JSON.stringify(raw)}`);
  }
  return format;
}

/** JSON text that the writer inserts verbatim. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Renders a convex-encoded value in the requested output format. */
export function encodeValue(value: JSONValue, format: OutputFormat): RawJson {
  const out: string[] = [];
  renderValue(value, format, out);
  return new RawJson(out.join(""));
}

/** Writes protocol messages: like JSON.stringify, plus RawJson and bigint. */
export function stringify(value: unknown): string {
  const out: string[] = [];
  writeJson(value, out);
  return out.join("");
}

function writeJson(value: unknown, out: string[]): void {
  if (value instanceof RawJson) out.push(value.text);
  else if (typeof value === "bigint") out.push(value.toString());
  else if (Array.isArray(value)) writeList(value, out, writeJson);
  else if (value !== null && typeof value === "object") {
    writeObject(value as Record<string, unknown>, out, writeJson);
  } else out.push(JSON.stringify(value) ?? "null");
}

function writeList<T>(items: T[], out: string[], write: (item: T, out: string[]) => void): void {
  out.push("[");
  items.forEach((item, i) => {
    if (i > 0) out.push(",");
    write(item, out);
  });
  out.push("]");
}

function writeObject<T>(
  obj: Record<string, T>,
  out: string[],
  write: (item: T, out: string[]) => void,
): void {
  out.push("{");
  let first = true;
  for (const [key, item] of Object.entries(obj)) {
    if (item === undefined) continue;
    if (!first) out.push(",");
    first = false;
    out.push(JSON.stringify(key), ":");
    write(item, out);
  }
  out.push("}");
}

function renderValue(value: JSONValue, format: OutputFormat, out: string[]): void {
  if (typeof value === "number") out.push(renderNumber(value, format));
  else if (Array.isArray(value)) writeList(value, out, (v, o) => renderValue(v, format, o));
  else if (value !== null && typeof value === "object") {
    const special = renderSpecial(value, format);
    if (special !== undefined) out.push(special);
    else writeObject(value, out, (v, o) => renderValue(v, format, o));
  } else out.push(JSON.stringify(value));
}

/** `{"$integer"|"$float"|"$bytes": base64}`; `undefined` for ordinary objects. */
function renderSpecial(obj: { [key: string]: JSONValue }, format: OutputFormat): string | undefined {
  const keys = Object.keys(obj);
  if (keys.length !== 1) return undefined;
  const encoded = obj[keys[0]];
  if (typeof encoded !== "string") return undefined;
  try {
    switch (keys[0]) {
      case "$integer":
        return renderInteger(encoded, format);
      case "$float":
        return renderNumber(decodeFloat(encoded), format);
      case "$bytes":
        return format === "json" ? JSON.stringify(encoded) : JSON.stringify(obj);
      default:
        return undefined;
    }
  } catch {
    // Not 8 bytes of base64: pass it on verbatim rather than failing the whole response.
    return undefined;
  }
}

function renderInteger(encoded: string, format: OutputFormat): string {
  if (format === "convex_encoded_json") return JSON.stringify({ $integer: encoded });
  const text = decodeInt64(encoded).toString();
  return format === "json" ? JSON.stringify(text) : text;
}

function renderNumber(n: number, format: OutputFormat): string {
  if (Number.isFinite(n) && !(Object.is(n, -0) && format === "convex_encoded_json")) {
    return floatText(n);
  }
  // Clean JSON spells non-finite floats as strings: "NaN", "Infinity", "-Infinity".
  if (format === "json") return JSON.stringify(String(n));
  return JSON.stringify({ $float: encodeFloat(n) });
}

/** serde_json style: always a decimal point or exponent, so it reads back as a float. */
export function floatText(n: number): string {
  if (Object.is(n, -0)) return "-0.0";
  const text = String(n);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

function eightBytes(encoded: string): Buffer {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== 8) throw new Error(`expected 8 bytes, got ${bytes.length}`);
  return bytes;
}

function decodeInt64(encoded: string): bigint {
  return eightBytes(encoded).readBigInt64LE(0);
}

function decodeFloat(encoded: string): number {
  return eightBytes(encoded).readDoubleLE(0);
}

function encodeFloat(n: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(n, 0);
  return bytes.toString("base64");
}
