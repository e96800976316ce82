// The engine's storage at scale: one table, one run, ratios to the smallest size side by side.
//
//     node --expose-gc benchmarks/engine_storage.mjs [--sizes 1000,200000,1000000]
//
// Each size loads N documents through a snapshot import (the fastest bulk path), restarts the
// engine, and measures sequential calls in-process (function workers included, no HTTP): an
// indexed point lookup, an indexed take(10), a 10-document paginate, first() on a small other
// table, and a mutation with 20 subscribers on unrelated tables; then restart time (close +
// create, the store opened, checked and loaded), the process RSS after a GC, and the size of
// `db/` on disk. Prints ms p50 (and ratios to the first size; RSS as the difference) as one table.
import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { Zip, ZipDeflate } from "fflate";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(root, "node_modules", ".cache", "doctrina-bench-storage");
const sizesArg = process.argv.indexOf("--sizes");
const SIZES = (sizesArg > 0 ? process.argv[sizesArg + 1] : "1000,200000").split(",").map(Number);
const ITERATIONS = 300;

const PROJECT = {
  "schema.js": `
    import { defineSchema, defineTable } from "convex/server";
    import { v } from "convex/values";
    export default defineSchema({
      docs: defineTable({ k: v.number(), group: v.number(), email: v.string() }).index("by_k", ["k"]).index("by_group", ["group"]),
      small: defineTable({ k: v.number() }),
      other: defineTable({ k: v.number() }),
    });`,
  "_generated/server.js": `export { queryGeneric as query, mutationGeneric as mutation } from "convex/server";`,
  "bench.js": `
    import { v } from "convex/values";
    import { mutation, query } from "./_generated/server.js";
    export const point = query({ args: { k: v.number() }, handler: async (ctx, { k }) =>
      await ctx.db.query("docs").withIndex("by_k", (q) => q.eq("k", k)).unique() });
    export const take10 = query({ args: { group: v.number() }, handler: async (ctx, { group }) =>
      await ctx.db.query("docs").withIndex("by_group", (q) => q.eq("group", group)).take(10) });
    export const page = query({ args: { group: v.number() }, handler: async (ctx, { group }) =>
      await ctx.db.query("docs").withIndex("by_group", (q) => q.eq("group", group)).paginate({ numItems: 10, cursor: null }) });
    export const smallFirst = query({ args: {}, handler: async (ctx) => await ctx.db.query("small").first() });
    export const otherCount = query({ args: {}, handler: async (ctx) => (await ctx.db.query("other").take(5)).length });
    export const touchSmall = mutation({ args: { k: v.number() }, handler: async (ctx, { k }) => await ctx.db.insert("small", { k }) });
  `,
};

async function writeProject() {
  const dir = join(cache, "project", "convex");
  for (const [name, source] of Object.entries(PROJECT)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), source);
  }
  return dir;
}

async function bundleEngine() {
  const common = { bundle: true, format: "esm", platform: "node", target: "node20", logLevel: "warning", external: ["esbuild", "better-sqlite3"] };
  await build({ ...common, entryPoints: [join(root, "local-backend/src/engine/index.ts")], outfile: join(cache, "engine.mjs") });
  await build({ ...common, entryPoints: [join(root, "local-backend/src/engine/worker/runtime.ts")], outfile: join(cache, "engine-worker.js") });
  return await import(pathToFileURL(join(cache, "engine.mjs")).href);
}

/** A snapshot ZIP of `size` docs with IDs minted by the engine's own encoder. */
async function writeSnapshot(path, size, newId) {
  const out = createWriteStream(path);
  const zip = new Zip((error, chunk) => (error ? out.destroy(error) : out.write(chunk)));
  const add = (name) => {
    const file = new ZipDeflate(name, { level: 1 });
    zip.add(file);
    return file;
  };
  add("_tables/documents.jsonl").push(Buffer.from('{"name":"docs","id":10001}\n'), true);
  add("docs/generated_schema.jsonl").push(Buffer.from('"uniform"\n'), true);
  const docs = add("docs/documents.jsonl");
  let chunk = "";
  for (let k = 0; k < size; k++) {
    chunk += `{"_creationTime":${1_700_000_000_000 + k}.5,"_id":"${newId(10001)}","email":"user${k}@example.com","group":${k % 100}.0,"k":${k}.0}\n`;
    if (chunk.length > 1 << 20) {
      docs.push(Buffer.from(chunk));
      chunk = "";
    }
  }
  docs.push(Buffer.from(chunk), true);
  zip.end();
  await new Promise((resolve) => out.end(resolve));
}

async function p50(run) {
  const samples = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function rssMiB() {
  globalThis.gc?.();
  return process.memoryUsage().rss / (1 << 20);
}

async function measure(engineModule, functionsDir, size) {
  const dataDir = await mkdtemp(join(tmpdir(), "engine-storage-bench-"));
  const { createEngine, newId } = engineModule;
  const zipPath = join(dataDir, "..", `bench-${size}.zip`);
  await writeSnapshot(zipPath, size, newId);
  let engine = await createEngine({ dataDir, functionsDir, queryMutationTimeoutMs: 60_000 });
  await engine.importSnapshot(zipPath, { mode: "replace" });
  await engine.close();
  const restartStart = performance.now();
  engine = await createEngine({ dataDir, functionsDir, queryMutationTimeoutMs: 60_000 });
  const restartMs = performance.now() - restartStart;
  let n = 0;
  const call = async (path, args) => {
    const result = await engine.run({ path, args, caller: { identity: null, admin: false }, requestId: `b${n++}` });
    if (result.status !== "success") throw new Error(result.errorMessage);
    return result;
  };
  const subscribers = [];
  for (let i = 0; i < 20; i++) {
    const { readSet } = await engine.runQueryTracked({ path: "bench:otherCount", args: {}, caller: { identity: null, admin: false }, requestId: `s${i}` });
    subscribers.push(readSet);
  }
  let reruns = 0;
  engine.onCommit((commit) => (reruns += subscribers.filter((r) => r.isInvalidatedBy(commit)).length));
  const row = {
    point: await p50((i) => call("bench:point", { k: (i * 7919) % size })),
    take: await p50((i) => call("bench:take10", { group: i % 100 })),
    page: await p50((i) => call("bench:page", { group: i % 100 })),
    small: await p50(() => call("bench:smallFirst", {})),
    mutation: await p50((i) => call("bench:touchSmall", { k: i })),
    restartMs,
    rss: rssMiB(),
    disk: Number(execFileSync("du", ["-sk", join(dataDir, "db")]).toString().split("\t")[0]) / 1024,
    reruns,
  };
  await engine.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(zipPath, { force: true });
  return row;
}

async function main() {
  const functionsDir = await writeProject();
  const engineModule = await bundleEngine();
  await build({ bundle: true, format: "esm", platform: "node", logLevel: "warning", entryPoints: [join(root, "local-backend/src/engine/ids.ts")], outfile: join(cache, "ids.mjs") });
  const { newId } = await import(pathToFileURL(join(cache, "ids.mjs")).href);
  const results = [];
  for (const size of SIZES) {
    results.push([size, await measure({ ...engineModule, newId }, functionsDir, size)]);
    console.error(`done: ${size}`);
  }
  const base = results[0][1];
  const cell = (value, key, digits = 2) => `${value.toFixed(digits)} (${(value / base[key]).toFixed(2)}x)`;
  const header = ["docs", "point ms", "take(10) ms", "paginate ms", "small table ms", "mutation, 20 subs ms", "subs re-run", "restart ms", "RSS MiB", "disk MiB"];
  const rows = results.map(([size, r]) => [
    size.toLocaleString("en-US"), cell(r.point, "point"), cell(r.take, "take"), cell(r.page, "page"), cell(r.small, "small"),
    cell(r.mutation, "mutation"), String(r.reruns), cell(r.restartMs, "restartMs", 0), `${r.rss.toFixed(0)} (+${(r.rss - base.rss).toFixed(0)})`, r.disk.toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

await main();
