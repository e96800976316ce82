/**
 * Argument checks shared by community, resource and notification writes. Each
 * returns the normalized value or throws VALIDATION naming the field, so a
 * handler can check everything before its first write.
 */
import { invalid } from "./errors";

/** Trimmed, non-empty, at most `max` characters. */
export function requiredText(value: string, field: string, max: number): string {
  const text = value.trim();
  if (text.length === 0) return invalid(`${field} must not be empty`, field);
  if (text.length > max) return invalid(`${field} must be at most ${max} characters`, field);
  return text;
}

/** An absolute http(s) URL with a host. */
export function httpUrl(value: string, field: string): string {
  const text = value.trim();
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

/** Labels (categories, tags): trimmed, lower case, without duplicates, in first-seen order. */
export function labelList(values: string[], field: string, limits = { items: 20, length: 50 }): string[] {
  const labels = [...new Set(values.map((value) => value.trim().toLowerCase()))];
  if (labels.some((label) => label.length === 0)) invalid(`${field} must not contain empty entries`, field);
  if (labels.some((label) => label.length > limits.length)) {
    invalid(`each of ${field} must be at most ${limits.length} characters`, field);
  }
  if (labels.length > limits.items) invalid(`${field} may hold at most ${limits.items} entries`, field);
  return labels;
}

/** A whole number in 1..max. */
export function positiveInteger(value: number, field: string, max: number): number {
  if (!Number.isInteger(value) || value < 1) return invalid(`${field} must be a positive whole number`, field);
  if (value > max) return invalid(`${field} must be at most ${max}`, field);
  return value;
}
