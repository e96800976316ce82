/**
 * What a search index stores about one document, as keys shared by the in-memory overlay
 * and the rows on disk (strings of byte-valued chars, ordered as SQLite orders the bytes):
 *   - term key `term NUL` (the term's UTF-8 bytes): -> document frequency;
 *   - posting key `term NUL id`: -> the term's frequency in the document (random access);
 *   - impact key `term NUL tf len -creationTime id`: -> id, so a term's postings come grouped
 *     by (frequency, length), the two things its BM25 contribution depends on, newest first;
 *   - the document's id: -> its length (number of terms).
 */
import { encodeKey } from "../values.js";
import { fieldValue, type DocRecord } from "./document.js";

const MAX_TERM_BYTES = 32;
/** A group prefix is the term key followed by these chars: tf and length, 4 bytes each. */
export const GROUP_CHARS = 8;

/** Lowercased alphanumeric runs, as Convex's simple tokenizer. Over-long terms are dropped. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((term) => term.length > 0 && Buffer.byteLength(term, "utf8") <= MAX_TERM_BYTES);
}

export function termKey(term: string): string {
  return Buffer.from(term, "utf8").toString("latin1") + "\x00";
}

export function termOfKey(key: string): string {
  return Buffer.from(key.slice(0, -1), "latin1").toString("utf8");
}

function u32(n: number): string {
  return String.fromCharCode((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function readU32(s: string, at: number): number {
  return ((s.charCodeAt(at) << 24) | (s.charCodeAt(at + 1) << 16) | (s.charCodeAt(at + 2) << 8) | s.charCodeAt(at + 3)) >>> 0;
}

/** A document's terms in its field `searchField`: term -> frequency, and the length; null when the field is not a string. */
export type DocumentTerms = { terms: Map<string, number>; length: number };

export function documentTerms(searchField: string, record: DocRecord): DocumentTerms | null {
  const text = fieldValue(record.value, searchField);
  if (typeof text !== "string") return null;
  const terms = new Map<string, number>();
  for (const term of tokenize(text)) terms.set(term, (terms.get(term) ?? 0) + 1);
  let length = 0;
  for (const tf of terms.values()) length += tf;
  return { terms, length };
}

export function postingKey(term: string, id: string): string {
  return termKey(term) + id;
}

export function impactKey(term: string, tf: number, length: number, record: DocRecord): string {
  return termKey(term) + u32(tf) + u32(length) + encodeKey(-(record.value._creationTime as number)) + record.id;
}
