/**
 * Argument checks for users, instructor applications, courses and curriculum.
 * Each returns the normalized value or throws VALIDATION naming the field, so a
 * handler can check all of its input before its first write.
 */
import { invalid } from "./errors";

export const MAX_URL = 2048;

/** Trimmed, non-empty, at most `max` characters. */
export function requiredText(value: string, field: string, max: number): string {
  const text = value.trim();
  if (text.length === 0) return invalid(`${field} must not be empty`, field);
  return maxLength(text, field, max);
}

/** Trimmed, possibly empty, at most `max` characters. */
export function optionalText(value: string, field: string, max: number): string {
  return maxLength(value.trim(), field, max);
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
 * Tags: trimmed, lower case, inner whitespace collapsed, without duplicates (first
 * seen order kept), each 1..40 characters, at most 20.
 */
export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;
export function normalizeTags(values: string[]): string[] {
  const tags = [...new Set(values.map(normalizeTag))];
  if (tags.some((tag) => tag.length === 0)) return invalid("tags must not contain empty entries", "tags");
  if (tags.some((tag) => tag.length > MAX_TAG_LENGTH)) {
    return invalid(`each tag must be at most ${MAX_TAG_LENGTH} characters`, "tags");
  }
  if (tags.length > MAX_TAGS) return invalid(`a course may have at most ${MAX_TAGS} tags`, "tags");
  return tags;
}

export const normalizeTag = (tag: string): string => tag.trim().toLowerCase().replace(/\s+/g, " ");

/** A whole number in min..max. */
export function integerIn(value: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    return invalid(`${field} must be a whole number in ${min}..${max}`, field);
  }
  return value;
}

/** An absolute http(s) URL. */
export function httpUrl(value: string, field: string): string {
  const text = requiredText(value, field, MAX_URL);
  const url = parseUrl(text);
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    return invalid(`${field} must be an http(s) URL`, field);
  }
  return text;
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

/** A real calendar date written YYYY-MM-DD that lies after today (UTC). */
export function futureIsoDate(value: string, field: string, now: number): string {
  const match = ISO_DATE.exec(value);
  const date = match === null ? null : new Date(`${value}T00:00:00Z`);
  // `Date` rolls 2027-02-30 over to March; a real date round-trips unchanged.
  if (date === null || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    return invalid(`${field} must be a date written YYYY-MM-DD`, field);
  }
  const today = new Date(now).toISOString().slice(0, 10);
  if (value <= today) return invalid(`${field} must be in the future`, field);
  return value;
}
