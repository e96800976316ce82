/**
 * Argument checks shared by every table's rules. Each returns the normalized
 * value or throws VALIDATION naming the field, so a handler can check all of its
 * input before its first write.
 */
import { invalid } from "./errors";

export const MAX_URL = 2048;

// C0 and C1 controls other than tab, line feed and carriage return: invisible in
// what people read (a NUL truncates it in many programs), so text refuses them.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Trimmed, in Unicode NFC, without control characters, non-empty, at most `max` characters. */
export function requiredText(value: string, field: string, max: number): string {
  const text = readableText(value, field);
  if (text.length === 0) return invalid(`${field} must not be empty`, field);
  return maxLength(text, field, max);
}

/** Trimmed, in Unicode NFC, without control characters, possibly empty, at most `max` characters. */
export function optionalText(value: string, field: string, max: number): string {
  return maxLength(readableText(value, field), field, max);
}

function readableText(value: string, field: string): string {
  if (CONTROL.test(value)) return invalid(`${field} must not contain control characters`, field);
  return value.normalize("NFC").trim();
}

function maxLength(text: string, field: string, max: number): string {
  if (text.length > max) return invalid(`${field} must be at most ${max} characters`, field);
  return text;
}

/** A list of non-empty texts (learning objectives, documents, quiz options). */
export function textList(
  values: string[],
  field: string,
  limits: { minItems?: number; maxItems: number; maxLength: number },
): string[] {
  const minItems = limits.minItems ?? 0;
  if (values.length < minItems || values.length > limits.maxItems) {
    const range = minItems === 0 ? `at most ${limits.maxItems}` : `${minItems}..${limits.maxItems}`;
    return invalid(`${field} must have ${range} entries`, field);
  }
  return values.map((value) => requiredText(value, field, limits.maxLength));
}

/**
 * Labels (course tags, resource categories and tags): normalized by
 * `normalizeLabel`, without duplicates (first seen order kept), each
 * 1..`limits.length` characters, at most `limits.items` of them.
 */
export function labelList(values: string[], field: string, limits: { items: number; length: number }): string[] {
  if (values.some((value) => CONTROL.test(value))) return invalid(`${field} must not contain control characters`, field);
  const labels = [...new Set(values.map(normalizeLabel))];
  if (labels.some((label) => label.length === 0)) return invalid(`${field} must not contain empty entries`, field);
  if (labels.some((label) => label.length > limits.length)) {
    return invalid(`each of ${field} must be at most ${limits.length} characters`, field);
  }
  if (labels.length > limits.items) return invalid(`${field} may hold at most ${limits.items} entries`, field);
  return labels;
}

/** A label as stored and looked up: NFC, trimmed, lower case, inner whitespace collapsed. */
export const normalizeLabel = (label: string): string =>
  label.normalize("NFC").trim().toLowerCase().replace(/\s+/g, " ");

/** A whole number in min..max. */
export function integerIn(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    return invalid(`${field} must be a whole number in ${min}..${max}`, field);
  }
  return value;
}

export const MAX_LIST_LIMIT = 50;

/** The `limit` of an unpaginated top-N query: a whole number in 1..max, `fallback` when omitted. */
export const listLimit = (value: number | undefined, fallback: number, max = MAX_LIST_LIMIT): number =>
  integerIn(value ?? fallback, "limit", 1, max);

/** An absolute http(s) URL with a host, at most `MAX_URL` characters. */
export function httpUrl(value: string, field: string): string {
  const text = requiredText(value, field, MAX_URL);
  return isHttpUrl(text) ? text : invalid(`${field} must be an http(s) URL`, field);
}

/** Whether `text` is an absolute http(s) URL with a host. */
export function isHttpUrl(text: string): boolean {
  const url = parseUrl(text);
  return url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
}

// `URL.canParse` is missing from some JavaScript runtimes, so parse and catch.
function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date written YYYY-MM-DD. */
export function isoDate(value: string, field: string): string {
  const match = ISO_DATE.exec(value);
  const date = match === null ? null : new Date(`${value}T00:00:00Z`);
  // `Date` rolls 2027-02-30 over to March; a real date round-trips unchanged.
  if (date === null || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    return invalid(`${field} must be a date written YYYY-MM-DD`, field);
  }
  return value;
}

/** A real calendar date written YYYY-MM-DD that lies after today (UTC). */
export function futureIsoDate(value: string, field: string, now: number): string {
  isoDate(value, field);
  const today = new Date(now).toISOString().slice(0, 10);
  if (value <= today) return invalid(`${field} must be in the future`, field);
  return value;
}
