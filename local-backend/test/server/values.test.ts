import { describe, expect, it } from "vitest";
import { defaultFormat, parseClientVersion } from "../../src/server/clientVersion.js";
import { HttpError } from "../../src/server/errors.js";
import { decodeTs, encodeTs } from "../../src/server/timestamp.js";
import { canonicalPath, normalizeArgs, pathFromRunRoute } from "../../src/server/udfArgs.js";
import { encodeValue, floatText, parseFormat, RawJson, stringify } from "../../src/server/values.js";

const special = {
  int: { $integer: "BQAAAAAAAAA=" },
  neg: { $integer: "/v////////8=" },
  one: 1,
  half: 1.5,
  nan: { $float: "AAAAAAAA+H8=" },
  inf: { $float: "AAAAAAAA8H8=" },
  negZero: { $float: "AAAAAAAAAIA=" },
  bytes: { $bytes: "AQID" },
};

describe("value encodings", () => {
  it("writes every float with a decimal point (the Python client rejects JSON integers)", () => {
    expect(floatText(1)).toBe("1.0");
    expect(floatText(-3)).toBe("-3.0");
    expect(floatText(1.5)).toBe("1.5");
    expect(floatText(1e21)).toBe("1e+21");
    expect(floatText(-0)).toBe("-0.0");
    expect(encodeValue({ a: [1, 2.5, null, "x", true] }, "convex_encoded_json").text).toBe('{"a":[1.0,2.5,null,"x",true]}');
  });

  it("keeps convex_encoded_json lossless", () => {
    const text = encodeValue(special, "convex_encoded_json").text;
    expect(JSON.parse(text)).toEqual(special);
    expect(text).toContain('"one":1.0');
  });

  it("cleans values for json: Int64 as a decimal string, bytes as base64, non-finite as strings", () => {
    const parsed = JSON.parse(encodeValue(special, "json").text);
    expect(parsed.int).toBe("5");
    expect(parsed.neg).toBe("-2");
    expect(parsed.bytes).toBe("AQID");
    expect(parsed.nan).toBe("NaN");
    expect(parsed.inf).toBe("Infinity");
    expect(Object.is(parsed.negZero, -0)).toBe(true);
  });

  it("export_json writes Int64 as a bare integer and keeps $float for non-finite values", () => {
    const text = encodeValue(special, "export_json").text;
    expect(text).toContain('"int":5,');
    expect(text).toContain('"one":1.0');
    expect(JSON.parse(text).nan).toEqual({ $float: "AAAAAAAA+H8=" });
    expect(JSON.parse(text).bytes).toEqual({ $bytes: "AQID" });
  });

  it("passes malformed special values through instead of failing", () => {
    for (const format of ["convex_encoded_json", "json", "export_json"] as const) {
      expect(encodeValue({ $float: "bad" }, format).text).toBe('{"$float":"bad"}');
      expect(encodeValue({ $integer: "AQ==" }, format).text).toBe('{"$integer":"AQ=="}');
    }
  });

  it("stringify keeps protocol integers plain and inserts raw JSON", () => {
    expect(stringify({ requestId: 3, value: new RawJson("1.0"), skip: undefined, big: 12n })).toBe(
      '{"requestId":3,"value":1.0,"big":12}',
    );
  });

  it("accepts the format aliases and refuses others with 400 BadFormat", () => {
    expect(parseFormat(undefined, "json")).toBe("json");
    expect(parseFormat("convex_json", "json")).toBe("convex_encoded_json");
    expect(parseFormat("convex_clean_json", "convex_encoded_json")).toBe("json");
    expect(() => parseFormat("xml", "json")).toThrowError(expect.objectContaining({ status: 400, code: "BadFormat" }));
  });
});

describe("timestamps", () => {
  it("round-trips u64 nanoseconds as base64 little-endian", () => {
    expect(encodeTs(0n)).toBe("AAAAAAAAAAA=");
    expect(encodeTs(1n)).toBe("AQAAAAAAAAA=");
    const ts = 1_795_582_923_353_000_000n;
    expect(decodeTs(encodeTs(ts))).toBe(ts);
    expect(decodeTs("nope")).toBeUndefined();
    expect(decodeTs(5)).toBeUndefined();
  });
});

describe("function paths and args", () => {
  it("canonicalizes paths like Convex", () => {
    expect(canonicalPath("counter:get")).toBe("counter:get");
    expect(canonicalPath("counter.js:get")).toBe("counter:get");
    expect(canonicalPath("dir/sub/mod:fn")).toBe("dir/sub/mod:fn");
    expect(canonicalPath("messages")).toBe("messages:default");
    expect(pathFromRunRoute("dir/mod/fn")).toBe("dir/mod:fn");
  });

  it.each([["../etc:passwd"], [""], ["a:b:c"], [":fn"], ["mod:1fn"], [42], [null]])("refuses %j", (path) => {
    expect(() => canonicalPath(path)).toThrowError(expect.objectContaining({ code: "BadConvexFunctionIdentifier" }));
  });

  it("accepts {...} and [{...}] args and refuses the rest", () => {
    expect(normalizeArgs({ a: 1 })).toEqual({ a: 1 });
    expect(normalizeArgs([{ a: 1 }])).toEqual({ a: 1 });
    expect(normalizeArgs(undefined)).toEqual({});
    for (const bad of [3, "x", null, [], [1], [{}, {}]]) expect(() => normalizeArgs(bad)).toThrow(HttpError);
  });
});

describe("Convex-Client header", () => {
  it("parses names with dashes and picks the default format", () => {
    expect(parseClientVersion("npm-cli-1.4.1")).toEqual({ name: "npm-cli", version: [1, 4, 1] });
    expect(defaultFormat(parseClientVersion("python-0.8.1"))).toBe("json");
    expect(defaultFormat(parseClientVersion("python-0.5.0"))).toBe("convex_encoded_json");
    expect(defaultFormat(parseClientVersion("npm-1.48.0-alpha.1"))).toBe("json");
    expect(defaultFormat(undefined)).toBe("json");
    expect(() => parseClientVersion("python")).toThrowError(expect.objectContaining({ code: "InvalidVersion" }));
  });
});
