// How the local backend's engine scales with data size, next to convex-test.
//
//     node benchmarks/engine_scale.mjs [--sizes 1000,10000,100000]
//
// For each size both engines load that many documents (batches of 1000 inserts), then time
// sequential calls: an indexed point lookup (`withIndex(...eq).unique()`), an indexed
// `take(10)`, a `take(10)` on a different, empty table, and a single-document insert. Prints
// the median and p95 in ms per case as one table. The engine runs in-process (bundled on the
// fly with esbuild, function workers included), without the HTTP/WebSocket layer.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cache = join(root, "node_modules", ".cache", "doctrina-bench");
const sizesArg = process.argv.indexOf("--sizes");
const SIZES = (sizesArg > 0 ? process.argv[sizesArg + 1] : "1000,10000,100000").split(",").map(Number);
const BATCH = 1000;

// A tiny Convex project, as plain JS so that convex-test can import it without a bundler.
const PROJECT = {
  "schema.js": `
    import { defineSchema, defineTable } from "convex/server";
    import { v } from "convex/values";
    export default defineSchema({
      docs: defineTable({ k: v.number(), group: v.number(), payload: v.string() })
        .index("by_k", ["k"]).index("by_group", ["group"]),
      empty: defineTable({ k: v.number() }),
    });`,
  "_generated/server.js": `export { queryGeneric as query, mutationGeneric as mutation } from "convex/server";`,
  "bench.js": `
    import { v } from "convex/values";
    import { mutation, query } from "./_generated/server.js";
    const payload = "x".repeat(100);
    export const insertBatch = mutation({ args: { start: v.number(), count: v.number() }, handler: async (ctx, { start, count }) => {
      for (let k = start; k < start + count; k++) await ctx.db.insert("docs", { k, group: k % 100, payload });
    } });
    export const insertOne = mutation({ args: { k: v.number() }, handler: async (ctx, { k }) => await ctx.db.insert("docs", { k, group: -1, payload }) });
    export const point = query({ args: { k: v.number() }, handler: async (ctx, { k }) =>
      await ctx.db.query("docs").withIndex("by_k", (q) => q.eq("k", k)).unique() });
    export const take10 = query({ args: { group: v.number() }, handler: async (ctx, { group }) =>
      await ctx.db.query("docs").withIndex("by_group", (q) => q.eq("group", group)).take(10) });
    export const emptyFirst = query({ args: {}, handler: async (ctx) => await ctx.db.query("empty").first() });
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
  const common = { bundle: true, format: "esm", platform: "node", target: "node20", logLevel: "warning", external: ["esbuild", "better-sqlite3", "yauzl"] };
  await build({ ...common, entryPoints: [join(root, "local-backend/src/engine/index.ts")], outfile: join(cache, "engine.mjs") });
  await build({ ...common, entryPoints: [join(root, "local-backend/src/engine/worker/runtime.ts")], outfile: join(cache, "engine-worker.js") });
  return await import(pathToFileURL(join(cache, "engine.mjs")).href);
}

/** Our engine, driven through its `Engine` interface. */
async function engineClient(functionsDir, createEngine) {
  const dataDir = await mkdtemp(join(tmpdir(), "engine-bench-"));
  const engine = await createEngine({ dataDir, functionsDir, queryMutationTimeoutMs: 60_000 });
  let n = 0;
  const call = async (path, args) => {
    const result = await engine.run({ path, args, caller: { identity: null, admin: false }, requestId: `b${n++}` });
    if (result.status !== "success") throw new Error(result.errorMessage);
    return result.value;
  };
  return { name: "engine", call, close: async () => (await engine.close(), await rm(dataDir, { recursive: true, force: true })) };
}

/** convex-test over the same modules. */
async function convexTestClient(functionsDir) {
  const { convexTest } = await import("convex-test");
  const { makeFunctionReference } = await import("convex/server");
  const modules = Object.fromEntries(
    Object.keys(PROJECT).map((name) => [`./convex/${name}`, () => import(pathToFileURL(join(functionsDir, name)).href)]),
  );
  const schema = (await import(pathToFileURL(join(functionsDir, "schema.js")).href)).default;
  const t = convexTest(schema, modules);
  const kinds = { "bench:insertBatch": "mutation", "bench:insertOne": "mutation" };
  const call = (path, args) => t[kinds[path] ?? "query"](makeFunctionReference(path), args);
  return { name: "convex-test", call, close: async () => {} };
}

async function time(iterations, run) {
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)], p95: samples[Math.floor(samples.length * 0.95)] };
}

async function measure(client, size) {
  const loadStart = performance.now();
  for (let start = 0; start < size; start += BATCH) await client.call("bench:insertBatch", { start, count: Math.min(BATCH, size - start) });
  const loadMs = performance.now() - loadStart;
  // Fewer iterations where a call is slow, so the whole run stays within minutes.
  const iterations = client.name === "convex-test" ? Math.max(10, Math.min(200, Math.floor(2_000_000 / size))) : 300;
  const point = await time(iterations, (i) => client.call("bench:point", { k: (i * 7919) % size }));
  const take = await time(iterations, (i) => client.call("bench:take10", { group: i % 100 }));
  const empty = await time(iterations, () => client.call("bench:emptyFirst", {}));
  const insert = await time(iterations, (i) => client.call("bench:insertOne", { k: size + i }));
  return { loadRate: size / (loadMs / 1000), point, take, empty, insert };
}

const fmt = (t) => `${t.p50.toFixed(2)} / ${t.p95.toFixed(2)}`;

async function main() {
  const functionsDir = await writeProject();
  const { createEngine } = await bundleEngine();
  const rows = [];
  for (const size of SIZES) {
    for (const make of [() => engineClient(functionsDir, createEngine), () => convexTestClient(functionsDir)]) {
      const client = await make();
      const r = await measure(client, size);
      await client.close();
      rows.push([size.toLocaleString("en-US"), client.name, fmt(r.point), fmt(r.take), fmt(r.empty), fmt(r.insert), Math.round(r.loadRate).toLocaleString("en-US")]);
      console.error(`done: ${size} ${client.name}`);
    }
  }
  const header = ["docs", "engine", "point lookup ms p50/p95", "take(10) ms", "first() other table ms", "insert ms", "bulk load docs/s"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

await main();
