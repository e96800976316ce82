/** Convex timestamps: u64 nanoseconds, on the wire as base64 of 8 little-endian bytes. */

export function encodeTs(ts: bigint): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(ts, 0);
  return bytes.toString("base64");
}

/** `undefined` when the text is not exactly 8 base64-encoded bytes. */
export function decodeTs(encoded: unknown): bigint | undefined {
  if (typeof encoded !== "string" || !/^[A-Za-z0-9+/]{11}=$/.test(encoded)) return undefined;
  return Buffer.from(encoded, "base64").readBigUInt64LE(0);
}
