/**
 * Transaction and value limits, just under and just over each: over is refused with the
 * Convex backend's text and writes nothing (docs/fidelity.md).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { durationWarning, formatBytes, formatDuration, humanSize } from "../../src/engine/callLimits.js";
import type { JSONValue } from "../../src/engine/index.js";
import { ReadIntervals } from "../../src/engine/readIntervals.js";
import { HttpError } from "../../src/server/errors.js";
import { normalizeArgs } from "../../src/server/udfArgs.js";
import { admin, errorOf, startEngine, type TestEngine } from "./helpers.js";

let t: TestEngine;
beforeAll(async () => (t = await startEngine({ queryMutationTimeoutMs: 20_000 })));
afterAll(async () => await t.dispose());

const written = async (mark: string) => await t.value("counter:get", { name: mark }, { caller: admin });

// This engine has a long time limit: on a loaded machine 32,000 reads can pass 1 s of worker
// time, and these tests are about the read and write limits, not time.
describe("documents written and read", () => {
  test("16,000 writes pass, 16,001 are refused; 32,000 documents read pass, 32,001 are refused", async () => {
    const writes = errorOf(await t.call("messages:sendMany", { channel: "limits", count: 16_001 }));
    expect(writes.errorMessage).toContain("Uncaught Error: Too many writes in a single function execution (limit: 16000)");
    expect(await t.value("messages:count")).toBe(0);
    await t.value("messages:sendMany", { channel: "limits", count: 16_000 });
    await t.value("messages:sendMany", { channel: "limits", count: 16_000 });
    expect(await t.value("messages:count")).toBe(32_000);
    await t.value("messages:sendMany", { channel: "limits", count: 1 });
    const reads = errorOf(await t.call("messages:count"));
    expect(reads.errorMessage).toContain("Uncaught Error: Too many documents read in a single function execution (limit: 32000).");
  }, 120_000);
});

describe("read-set intervals (TooManyReads)", () => {
  let ids: string[];
  beforeAll(async () => (ids = (await t.value("fidelity:insertMany", { name: "row", count: 4097 })) as string[]));

  test("4,096 point reads pass", async () => {
    expect(await t.value("fidelity:getEach", { ids: ids.slice(0, 4096), mark: "reads-under" })).toBe(4096);
    expect(await written("reads-under")).toBe(0);
  });

  test("4,097 are refused with Convex's text, writing nothing", async () => {
    const error = errorOf(await t.call("fidelity:getEach", { ids, mark: "reads-over" }));
    expect(error.errorMessage).toContain(
      "Uncaught Error: Too many reads in a single function execution (limit: 4096). Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.",
    );
    expect(await written("reads-over")).toBeNull();
  });

  test("over 80% of the limit logs Convex's warning line; at 80% it does not", async () => {
    const warned = await t.call("fidelity:getEach", { ids: ids.slice(0, 3277) });
    expect(warned.logLines).toContain(
      "[WARN] Many reads in a single function execution (actual: 3277, limit: 4096). Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.",
    );
    expect((await t.call("fidelity:getEach", { ids: ids.slice(0, 3276) })).logLines).toEqual([]);
  });

  test("reading one document again is the same interval", async () => {
    const same = Array.from({ length: 5000 }, () => ids[0]!);
    expect(await t.value("fidelity:getEach", { ids: same })).toBe(5000);
  });

  test("overlapping ranges of one index merge into one interval, as Convex's IntervalSet does", async () => {
    expect(await t.value("fidelity:overlappingRanges", { count: 5000 })).toBe(5000);
  });

  test("a search is not an interval: 4,096 point reads and a search pass", async () => {
    expect(await t.value("fidelity:getEachThenSearch", { ids: ids.slice(0, 4096) })).toBe(0);
  });

  test("merging: overlapping and touching ranges join, disjoint ones and other indexes do not", () => {
    const intervals = new ReadIntervals();
    intervals.add("t\0by_id", { lo: "b", hi: "d" });
    intervals.add("t\0by_id", { lo: "f", hi: "h" });
    intervals.add("u\0by_id", { lo: "b", hi: "d" });
    expect(intervals.size).toBe(3);
    intervals.add("t\0by_id", { lo: "c", hi: "e" }); // overlaps b-d
    expect(intervals.size).toBe(3);
    intervals.add("t\0by_id", { lo: "e", hi: "f" }); // touches b-e and f-h: all one
    expect(intervals.size).toBe(2);
    intervals.add("t\0by_id", { lo: "x", hi: "y" });
    intervals.add("t\0by_id", { lo: "", hi: "\u0100" }); // the whole index
    expect(intervals.size).toBe(2);
  });
});

describe("scheduled functions per mutation", () => {
  test("1,000 pass, 1,001 are refused and nothing is scheduled", async () => {
    await t.value("fidelity:scheduleMany", { count: 1000, padding: 1, mark: "sched-under" });
    const error = errorOf(await t.call("fidelity:scheduleMany", { count: 1001, padding: 1, mark: "sched-over" }));
    expect(error.errorMessage).toContain("Uncaught Error: Too many functions scheduled by this mutation (limit: 1000)");
    const warned = await t.call("fidelity:scheduleMany", { count: 801, padding: 1, mark: "sched-warn" });
    expect(warned.logLines).toContain("[WARN] Many functions scheduled by this mutation (actual: 801, limit: 1000).");
    expect(await written("sched-over")).toBeNull();
  });

  test("their arguments total at most 16 MiB", async () => {
    await t.value("fidelity:scheduleMany", { count: 16, padding: 1_000_000, mark: "args-under" });
    const error = errorOf(await t.call("fidelity:scheduleMany", { count: 17, padding: 1_000_000, mark: "args-over" }));
    expect(error.errorMessage).toContain(
      "Uncaught Error: Too large total size of the arguments of scheduled functions from this mutation (limit: 16777216 bytes)",
    );
    expect(await written("args-over")).toBeNull();
  });

  test("jobs are named module.js:function, as in Convex", async () => {
    const id = await t.value("fidelity:scheduleOne");
    const jobs = (await t.value("scheduling:jobs")) as { _id: string; name: string }[];
    expect(jobs.find((job) => job._id === id)?.name).toBe("scheduling.js:record");
  });

  test("their arguments are not the user's writes: 10 MB of jobs and 10 MB of documents pass, a 2 MB job too", async () => {
    const both = await t.call("fidelity:scheduleAndInsert", { jobs: 10, documents: 10, bytes: 1_000_000, mark: "system-writes" });
    expect(both.status, both.status === "error" ? both.errorMessage : "").toBe("success");
    expect((await t.call("fidelity:scheduleAndInsert", { jobs: 1, documents: 0, bytes: 2_000_000, mark: "big-job" })).status).toBe("success");
    const tooMuch = errorOf(await t.call("fidelity:scheduleAndInsert", { jobs: 0, documents: 17, bytes: 1_000_000, mark: "user-writes" }));
    expect(tooMuch.errorMessage).toContain("Too many bytes written in a single function execution (limit: 16 MiB)");
  });
});

describe("bytes written", () => {
  test("16 documents of 1 MB pass; 17 exceed 16 MiB and write nothing", async () => {
    await t.value("fidelity:insertBig", { count: 16, bytes: 1_000_000, mark: "bytes-under" });
    const error = errorOf(await t.call("fidelity:insertBig", { count: 17, bytes: 1_000_000, mark: "bytes-over" }));
    expect(error.errorMessage).toContain("Uncaught Error: Too many bytes written in a single function execution (limit: 16 MiB)");
    expect(await written("bytes-over")).toBeNull();
  });

  test("bytes read: those 16 MB pass; one more 1 MB document exceeds 16 MiB", async () => {
    expect(await t.value("fidelity:countValues")).toBe(16);
    await t.value("fidelity:insertBig", { count: 1, bytes: 1_000_000, mark: "bytes-read" });
    const error = errorOf(await t.call("fidelity:countValues"));
    expect(error.errorMessage).toContain("Uncaught Error: Too many bytes read in a single function execution (limit: 16777216 bytes).");
  });
});

describe("argument and return value size (16 MiB)", () => {
  // Convex's size of `[{value: s}]`: 2 + (2 + "value" + 1 + (2 + s)).
  const argsOverhead = 12;
  test("arguments", async () => {
    const under = "x".repeat((1 << 24) - argsOverhead);
    expect(((await t.value("fidelity:echo", { value: under })) as string).length).toBe(under.length);
    const error = errorOf(await t.call("fidelity:echo", { value: `${under}x` }));
    expect(error.errorMessage).toContain("\nArguments for fidelity.js:echo are too large (actual: 16 MiB, limit: 16 MiB)\n");
  });

  test("return values", async () => {
    expect(((await t.value("fidelity:bigResult", { bytes: (1 << 24) - 2 })) as string).length).toBe((1 << 24) - 2);
    const error = errorOf(await t.call("fidelity:bigResult", { bytes: 18_000_000 }));
    expect(error.errorMessage).toContain("\nFunction fidelity.js:bigResult return value is too large (actual: 17.17 MiB, limit: 16 MiB)\n");
  });

  test("a mutation's oversized result is refused before commit: its write is not kept", async () => {
    const error = errorOf(await t.call("fidelity:bigResultAfterWrite", { bytes: 18_000_000, mark: "result-over" }));
    expect(error.errorMessage).toContain("\nFunction fidelity.js:bigResultAfterWrite return value is too large (actual: 17.17 MiB, limit: 16 MiB)\n");
    expect(await written("result-over")).toBeNull();
  });
});

describe("value nesting (64 levels)", () => {
  const nested = (levels: number): JSONValue => {
    let value: JSONValue = 0;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };
  const TOO_NESTED = "Value is too nested (nested 65 levels deep > maximum nesting 64)";

  test("arguments nest at most 64 levels counting Convex's [args] wrapper", async () => {
    expect(await t.value("fidelity:echo", { value: nested(62) })).toEqual(nested(62));
    expect(errorOf(await t.call("fidelity:echo", { value: nested(63) })).errorMessage).toContain(`\n${TOO_NESTED}\n`);
  });

  test("100,000 levels get the nesting error, not a stack overflow", async () => {
    expect(errorOf(await t.call("fidelity:echo", { value: nested(100_000) })).errorMessage).toContain(`\n${TOO_NESTED}\n`);
  });

  test("HTTP and WebSocket argument parsing refuses them before recursing", () => {
    const deep = JSON.parse(`{"value":${"[".repeat(100_000)}${"]".repeat(100_000)}}`) as unknown;
    expect(() => normalizeArgs(deep)).toThrow(HttpError);
    expect(() => normalizeArgs(deep)).toThrow(TOO_NESTED);
    expect(normalizeArgs({ value: nested(62) })).toEqual({ value: nested(62) });
  });
});

describe("value shape: 8,192 array items, 1,024 fields, in arguments and return values", () => {
  const zeros = (length: number) => Array.from({ length }, () => 0);
  const fields = (count: number) => Object.fromEntries(zeros(count).map((_, i) => [`f${i}`, 0]));

  test("arguments", async () => {
    expect(((await t.value("fidelity:echo", { value: zeros(8192) })) as number[]).length).toBe(8192);
    expect(errorOf(await t.call("fidelity:echo", { value: zeros(8193) })).errorMessage).toContain("\nArray length is too long (8193 > maximum length 8192)\n");
    expect(Object.keys((await t.value("fidelity:echo", { value: fields(1024) })) as object)).toHaveLength(1024);
    expect(errorOf(await t.call("fidelity:echo", { value: fields(1025) })).errorMessage).toContain("\nObject has too many fields (1025 > maximum number 1024)\n");
  });

  test("HTTP and WebSocket argument parsing refuses them with Convex's codes", () => {
    expect(() => normalizeArgs({ value: zeros(8193) })).toThrow(HttpError);
    expect(() => normalizeArgs({ value: zeros(8193) })).toThrow("Array length is too long (8193 > maximum length 8192)");
    expect(() => normalizeArgs({ value: fields(1025) })).toThrow("Object has too many fields (1025 > maximum number 1024)");
  });

  test("return values: nesting 64, 8,192 items, 1,024 fields", async () => {
    const result = (kind: string, size: number) => t.call("fidelity:shapedResult", { kind, size });
    expect((await result("nested", 64)).status).toBe("success");
    expect(errorOf(await result("nested", 65)).errorMessage).toContain("\nValue is too nested (nested 65 levels deep > maximum nesting 64)\n");
    expect((await result("array", 8192)).status).toBe("success");
    expect(errorOf(await result("array", 8193)).errorMessage).toContain("\nArray length is too long (8193 > maximum length 8192)\n");
    expect((await result("object", 1024)).status).toBe("success");
    expect(errorOf(await result("object", 1025)).errorMessage).toContain("\nObject has too many fields (1025 > maximum number 1024)\n");
  });
});

describe("document shape: nesting 16, 8,192 items, 1,024 fields", () => {
  const insert = (kind: string, size: number) => t.call("fidelity:insertShaped", { kind, size });

  test("a document nests 16 levels, counting containers (an empty array too)", async () => {
    // The document is level 1: a value of 15 nested arrays makes it 16.
    expect((await insert("nested", 15)).status).toBe("success");
    expect(errorOf(await insert("nested", 16)).errorMessage).toContain("Document is too nested (nested 17 levels deep > maximum nesting 16)");
    expect((await insert("nestedEmpty", 15)).status).toBe("success");
    expect(errorOf(await insert("nestedEmpty", 16)).errorMessage).toContain("Document is too nested (nested 17 levels deep > maximum nesting 16)");
  });

  test("arrays and objects inside it, and the document's own fields", async () => {
    expect((await insert("array", 8192)).status).toBe("success");
    expect(errorOf(await insert("array", 8193)).errorMessage).toContain("Array length is too long (8193 > maximum length 8192)");
    expect((await insert("object", 1024)).status).toBe("success");
    expect(errorOf(await insert("object", 1025)).errorMessage).toContain("Object has too many fields (1025 > maximum number 1024)");
    // 1,024 fields pass the shape check and meet the schema ({label, value}); 1,025 do not get that far.
    expect(errorOf(await insert("fields", 1023)).errorMessage).toContain("does not match the schema");
    expect(errorOf(await insert("fields", 1024)).errorMessage).toContain("Object has too many fields (1025 > maximum number 1024)");
  });
});

describe("paginationOpts.numItems", () => {
  const page = (numItems: number) => t.call("fidelity:page", { paginationOpts: { numItems, cursor: null } });

  test("32,000 is allowed; more is refused with Convex's text", async () => {
    expect((await page(32_000)).status).toBe("success");
    expect(errorOf(await page(32_001)).errorMessage).toContain("Uncaught Error: Requested too many items: 32001");
    expect(errorOf(await page(0)).errorMessage).toContain("Uncaught Error: Must request at least 1 document while paginating");
  });
});

describe("warnings near the other limits (Convex's add_warnings_to_log_lines)", () => {
  // Over 80% of a limit (truncated: 13,421,772 of 16 MiB), not at it.
  const warnAt = Math.floor(0.8 * (1 << 24));
  const success = async (path: string, args: JSONValue) => {
    const result = await t.call(path, args);
    if (result.status !== "success") throw new Error(errorOf(result).errorMessage);
    return result;
  };

  test("arguments: the size of [args]", async () => {
    const under = await success("fidelity:echo", { value: "x".repeat(warnAt - 12) });
    expect(under.logLines).toEqual([]);
    const over = await success("fidelity:echo", { value: "x".repeat(warnAt - 11) });
    expect(over.logLines).toEqual([`[WARN] Large size of the function arguments (actual: ${warnAt + 1} bytes, limit: 16777216 bytes).`]);
  });

  test("return values", async () => {
    expect((await success("fidelity:bigResult", { bytes: warnAt - 2 })).logLines).toEqual([]);
    const over = await success("fidelity:bigResult", { bytes: warnAt - 1 });
    expect(over.logLines).toEqual([`[WARN] Large size of the function return value (actual: ${warnAt + 1} bytes, limit: 16777216 bytes).`]);
  });

  test("the largest document written: over 80% of 1 MiB", async () => {
    expect((await success("fidelity:insertBig", { count: 1, bytes: 800_000, mark: "doc-under" })).logLines).toEqual([]);
    const over = await success("fidelity:insertBig", { count: 1, bytes: 900_000, mark: "doc-over" });
    expect(over.logLines).toHaveLength(1);
    expect(over.logLines[0]).toMatch(/^\[WARN\] Large document written with ID "[0-9a-z]+" \(actual: 9000\d\d bytes, limit: 1048576 bytes\)\.$/);
  });

  test("the most nested document written: 13 of 16 levels warn, 12 do not", async () => {
    const nested = (levels: number): JSONValue => (levels === 0 ? 0 : [nested(levels - 1)]);
    // The document {label, value} adds one level to its value's.
    expect((await success("values:insert", { label: "nested-under", value: nested(11) })).logLines).toEqual([]);
    const over = await success("values:insert", { label: "nested-over", value: nested(12) });
    expect(over.logLines).toEqual([`[WARN] Deeply nested document written with ID "${String(over.value)}" (actual: 13 levels, limit: 16 levels).`]);
  });

  test("one scheduled function's arguments: over 80% of 4 MiB, and (not enforced, as in Convex) over it", async () => {
    // A job's size is that of [{source, message}]: 23 bytes besides the two strings.
    const job = (padding: number, mark: string) => ({ count: 1, padding, mark });
    const around = (mark: string) => 2 + 2 + "source".length + 1 + 2 + "message".length + 1 + 2 + mark.length;
    const warnAtJob = Math.floor(0.8 * (4 << 20));
    const under = await success("fidelity:scheduleMany", job(warnAtJob - around("job-under"), "job-under"));
    expect(under.logLines).toEqual([]);
    const over = await success("fidelity:scheduleMany", job(warnAtJob + 1 - around("job-over"), "job-over"));
    expect(over.logLines).toEqual([
      `[WARN] Large arguments for a single scheduled function from this mutation (actual: ${warnAtJob + 1} bytes, limit: 4194304 bytes).`,
    ]);
    const past = await success("fidelity:scheduleMany", job((4 << 20) + 1 - around("job-past"), "job-past"));
    expect(past.logLines).toContain(
      "[WARN] Large arguments for a single scheduled function from this mutation. This will become a hard error in the future (actual: 4194305 bytes, limit: 4194304 bytes).",
    );
  });

  test("user-code time: over 80% of the limit, as Rust prints durations", () => {
    expect(durationWarning(800, 1000)).toBeNull();
    expect(durationWarning(850.25, 1000)).toBe(
      "[WARN] Function execution took a long time. (maximum duration: 1s, actual duration: 850.25ms).",
    );
    expect(durationWarning(1000.5, 1000)).toBeNull();
    expect([formatDuration(1000), formatDuration(1500), formatDuration(20_000), formatDuration(0.0015)]).toEqual(["1s", "1.5s", "20s", "1.5µs"]);
  });
});

test("sizes print as the backend prints them", () => {
  expect([formatBytes(1 << 24), formatBytes(4_718_592), formatBytes(1534), formatBytes(1000)]).toEqual(["16 MiB", "4.5 MiB", "1534 bytes", "1 KB"]);
  expect([humanSize(1 << 24), humanSize(18_000_000), humanSize(512)]).toEqual(["16 MiB", "17.17 MiB", "512 B"]);
});
