/** Document IDs in the real Convex format (IDv6). */
import { describe, expect, test } from "vitest";
import { decodeId, encodeId, newId } from "../../src/engine/ids.js";

describe("IDs", () => {
  test("round-trip the table number and internal id, in 31..37 characters", () => {
    for (const table of [1, 21, 127, 128, 10001, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 32 - 1]) {
      const id = newId(table);
      expect(decodeId(id)?.tableNumber, id).toBe(table);
      expect([31, 32, 34, 36, 37]).toContain(id.length);
      expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]+$/);
    }
  });

  test("user-table ids are 32 characters and carry the creation day", () => {
    const now = Date.UTC(2025, 0, 2);
    const id = newId(10001, now);
    expect(id).toHaveLength(32);
    const { internalId } = decodeId(id)!;
    expect((internalId[14]! << 8) | internalId[15]!).toBe(Math.floor(now / 86_400_000));
  });

  test("reject bad checksums, non-canonical text, wrong alphabet and lengths", () => {
    const id = newId(10001);
    const last = id[id.length - 1]!;
    const flipped = id.slice(0, -1) + (last === "0" ? "1" : "0");
    expect(decodeId(flipped)).toBeNull();
    expect(decodeId(id.toUpperCase())).toBeNull();
    expect(decodeId(id.replace(/[a-z]/, "i"))).toBeNull();
    expect(decodeId(id.slice(0, 30))).toBeNull();
    expect(decodeId("000000000000000000000010000users")).toBeNull();
  });

  test("encoding is deterministic for a given internal id", () => {
    const internal = Uint8Array.from({ length: 16 }, (_, i) => i * 7);
    expect(encodeId(10001, internal)).toBe(encodeId(10001, internal));
    expect(decodeId(encodeId(10001, internal))!.internalId).toEqual(internal);
  });
});
