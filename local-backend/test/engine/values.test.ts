/** Index key encoding: must order values exactly as Convex does (checked against convex/values). */
import { compareValues as convexCompare, convexToJson, type Value } from "convex/values";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { compareValues, displayValue, encodeKey, valueSize } from "../../src/engine/values.js";

const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.uint8Array({ maxLength: 6 }).map((bytes) => bytes.slice().buffer as ArrayBuffer),
);

const value: fc.Arbitrary<Value> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, leaf, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 3 }),
  object: fc.dictionary(fc.string().filter((k) => !k.startsWith("$") && /^[\x20-\x7e]*$/.test(k)), tie("value"), { maxKeys: 3 }),
})).value as fc.Arbitrary<Value>;

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);

describe("key encoding", () => {
  test("orders like convex/values compareValues", () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sign(compareValues(convexToJson(a), convexToJson(b)))).toBe(sign(convexCompare(a, b)));
      }),
      { numRuns: 3000 },
    );
  });

  test("orders types: undefined < null < int64 < float64 < boolean < string < bytes < array < object", () => {
    const ordered = [undefined, null, -3n, 7n, -Infinity, -1.5, -0, 0, 2, Infinity, NaN, false, true, "", "a", "ab", "b", new ArrayBuffer(0), [], [1], {}, { a: 1 }];
    const keys = ordered.map((v) => encodeKey(v === undefined ? undefined : convexToJson(v as Value)));
    expect([...keys].sort()).toEqual(keys);
  });

  test("string order is UTF-8 byte order, and keys are prefix-free", () => {
    expect(compareValues("\uffff", "😀")).toBe(-1);
    expect(encodeKey("a").startsWith(encodeKey(""))).toBe(false);
    expect(compareValues("a\u0000b", "a")).toBe(1);
  });

  test("display and size follow the backend", () => {
    expect(displayValue(convexToJson({ b: 1, a: [2n, "x", null, true] }))).toBe('{a: [2, "x", null, true], b: 1.0}');
    expect(displayValue(convexToJson(new Uint8Array([1, 2]).buffer))).toBe('b"AQI="');
    expect(valueSize(convexToJson({ a: "xy", b: 1n }))).toBe(2 + (1 + 1 + 4) + (1 + 1 + 9));
  });
});
