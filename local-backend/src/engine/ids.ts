/**
 * Convex document IDs ("IDv6"): base32 of
 *   varint(tableNumber) ++ internalId (14 random bytes + u16 BE day since epoch) ++ u16 LE fletcher16 footer.
 * Same format as the real backend, so IDs survive `npx convex export/import` and clients can
 * decode the table number.
 */
import { randomFillSync } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i]));
const INTERNAL_ID_LEN = 16;
const MIN_LEN = 31;
const MAX_LEN = 37;

/** First table number for user tables; lower numbers are system tables. */
export const FIRST_USER_TABLE_NUMBER = 10001;

function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Uint8Array | null {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    const digit = DECODE.get(char);
    if (digit === undefined) return null;
    buffer = (buffer << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

function fletcher16(bytes: Uint8Array): number {
  let c0 = 0;
  let c1 = 0;
  for (const byte of bytes) {
    c0 = (c0 + byte) & 0xff;
    c1 = (c1 + c0) & 0xff;
  }
  return (c1 << 8) | c0;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

export function encodeId(tableNumber: number, internalId: Uint8Array): string {
  const body = Uint8Array.from([...varint(tableNumber), ...internalId]);
  const footer = fletcher16(body);
  return base32Encode(Uint8Array.from([...body, footer & 0xff, footer >>> 8]));
}

/** Random bytes drawn in bulk: one `randomFillSync` per 512 ids instead of one per id. */
const RANDOM_POOL = Buffer.alloc(14 * 512);
let randomOffset = RANDOM_POOL.length;

function randomBytes14(out: Uint8Array): void {
  if (randomOffset === RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomOffset = 0;
  }
  RANDOM_POOL.copy(out, 0, randomOffset, randomOffset + 14);
  randomOffset += 14;
}

/** A fresh ID: random bytes plus the creation day, as the backend generates them. */
export function newId(tableNumber: number, nowMs: number = Date.now()): string {
  const internal = new Uint8Array(INTERNAL_ID_LEN);
  randomBytes14(internal);
  const day = Math.floor(nowMs / 86_400_000) & 0xffff;
  internal[14] = day >>> 8;
  internal[15] = day & 0xff;
  return encodeId(tableNumber, internal);
}

export type DecodedId = { tableNumber: number; internalId: Uint8Array };

/** Decodes an ID; `null` unless it is canonical, checksummed and well-formed. */
export function decodeId(id: string): DecodedId | null {
  if (id.length < MIN_LEN || id.length > MAX_LEN) return null;
  const bytes = base32Decode(id);
  if (bytes === null) return null;
  let tableNumber = 0;
  let pos = 0;
  for (let shift = 1; ; shift *= 128) {
    if (pos >= bytes.length || pos >= 5) return null;
    const byte = bytes[pos++]!;
    tableNumber += (byte & 0x7f) * shift;
    if ((byte & 0x80) === 0) break;
  }
  if (tableNumber === 0 || tableNumber > 0xffffffff) return null;
  if (bytes.length !== pos + INTERNAL_ID_LEN + 2) return null;
  const footer = bytes[pos + INTERNAL_ID_LEN]! | (bytes[pos + INTERNAL_ID_LEN + 1]! << 8);
  if (fletcher16(bytes.subarray(0, pos + INTERNAL_ID_LEN)) !== footer) return null;
  const internalId = bytes.slice(pos, pos + INTERNAL_ID_LEN);
  if (encodeId(tableNumber, internalId) !== id) return null;
  return { tableNumber, internalId };
}
