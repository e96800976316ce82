// The engine's storage at scale, in one run and one table, ratios side by side.
//
//     node benchmarks/engine_storage.mjs [--sizes 1000,200000,1000000] [--search 10000,100000] [--search-only]
//
// Each size runs in its own child process (so RSS is that size's, not the previous one's):
// N documents are written straight into a fresh data directory through the store's bulk path
// (`Persistence.bulkLoad`, no mutations, no log), then the engine starts on it (restart time:
// `createEngine` until it serves, the functions bundled and the store opened and checked) and
// sequential in-process calls are timed (function workers included, no HTTP): an indexed
// point lookup, an indexed take(10), a 10-document paginate, first() on a small other table,
// a mutation with 20 subscribers on unrelated tables, the point lookup as admin vs anonymous;
// then the RSS after a GC (next to an idle engine's: the smallest size) and the size of `db/`.
// Search: a table of N articles with a search index, a term in every document ("common")
// and one in 10 documents ("rare"), `withSearchIndex(...).take(10)` at each search size, the
// restart over it, its RSS and `db/` size, and the first start over the same articles loaded
// without their search rows (the start backfills them). `--search-only`: only the search part,
// in its own table.
import { execFileSync, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), "..");
const cache = join(root, "node_modules", ".cache", "doctrina-bench-storage");
const arg = (name, fallback) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const SIZES = arg("--sizes", "1000,200000,1000000").split(",").map(Number);
const SEARCH_SIZES = arg("--search", "10000,100000").split(",").map(Number);
const SEARCH_ONLY = process.argv.includes("--search-only");
const ITERATIONS = 300;
const LOAD_BATCH = 10_000;
const anonymous = { identity: null, admin: false };
const WORDS = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);

const PROJECT = {
  "schema.js": `
    import { defineSchema, defineTable } from "convex/server";
    import { v } from "convex/values";
    export default defineSchema({
      docs: defineTable({ k: v.number(), group: v.number(), email: v.string() }).index("by_k", ["k"]).index("by_group", ["group"]),
      articles: defineTable({ body: v.string() }).searchIndex("search_body", { searchField: "body" }),
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
    export const count = query({ args: {}, handler: async (ctx) => await ctx.db.query("docs").count() });
    export const search = query({ args: { term: v.string() }, handler: async (ctx, { term }) =>
      (await ctx.db.query("articles").withSearchIndex("search_body", (q) => q.search("body", term)).take(10)).length });
  `,
};

const STORE_ENTRY = `
export { Persistence } from ${JSON.stringify(join(root, "local-backend/src/engine/durability/persistence.ts"))};
export { parseSchema } from ${JSON.stringify(join(root, "local-backend/src/engine/schema.ts"))};
export { newId } from ${JSON.stringify(join(root, "local-backend/src/engine/ids.ts"))};
`;

async function prepare() {
  const dir = join(cache, "project", "convex");
  for (const [name, source] of Object.entries(PROJECT)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), source);
  }
  await writeFile(join(cache, "store-entry.ts"), STORE_ENTRY);
  const common = { bundle: true, format: "esm", platform: "node", target: "node20", logLevel: "warning", external: ["esbuild", "better-sqlite3", "yauzl"] };
  await build({ ...common, entryPoints: [join(root, "local-backend/src/engine/index.ts")], outfile: join(cache, "engine.mjs") });
  await build({ ...common, entryPoints: [join(root, "local-backend/src/engine/worker/runtime.ts")], outfile: join(cache, "engine-worker.js") });
  await build({ ...common, entryPoints: [join(cache, "store-entry.ts")], outfile: join(cache, "store.mjs") });
}

const functionsDir = join(cache, "project", "convex");
const load = (name) => import(pathToFileURL(join(cache, name)).href);

/** Writes `size` documents made by `make(k)` into `table` of a new data directory, through the bulk path. */
async function bulkData(table, size, make, withSearch = true) {
  const { Persistence, parseSchema, newId } = await load("store.mjs");
  const definition = (await import(pathToFileURL(join(functionsDir, "schema.js")).href)).default;
  const full = parseSchema(definition.export()).tables.get(table);
  const schema = withSearch ? full : { ...full, searchIndexes: [] };
  const dataDir = await mkdtemp(join(tmpdir(), "engine-storage-bench-"));
  const started = performance.now();
  const store = await Persistence.open(join(dataDir, "db"));
  for (let start = 0; start < size; start += LOAD_BATCH) {
    const docs = [];
    for (let k = start; k < Math.min(size, start + LOAD_BATCH); k++) docs.push({ ...make(k), _id: newId(10001), _creationTime: 1_700_000_000_000 + k });
    store.bulkLoad(schema, 10001, docs);
  }
  store.close();
  return { dataDir, loadMs: performance.now() - started };
}

async function p50(run, iterations = ITERATIONS) {
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

async function startEngine(dataDir) {
  const { createEngine } = await load("engine.mjs");
  const started = performance.now();
  const engine = await createEngine({ dataDir, functionsDir, queryMutationTimeoutMs: 60_000 });
  const restartMs = performance.now() - started;
  let n = 0;
  const call = async (path, args, caller = anonymous) => {
    const result = await engine.run({ path, args, caller, requestId: `b${n++}` });
    if (result.status !== "success") throw new Error(result.errorMessage);
    return result.value;
  };
  return { engine, call, restartMs };
}

const MAKE = {
  docs: (k) => ({ k, group: k % 100, email: `user${k}@example.com` }),
  articles: (k, size) => ({ body: `common ${WORDS[(k * 31) % WORDS.length]} ${WORDS[(k * 17) % WORDS.length]} ${k % Math.max(1, size / 10) === 0 ? "rare" : "filler"}` }),
};

async function measureDocs(dataDir) {
  const { engine, call, restartMs } = await startEngine(dataDir);
  const size = await call("bench:count", {});
  const subscribers = [];
  for (let i = 0; i < 20; i++) subscribers.push((await engine.runQueryTracked({ path: "bench:otherCount", args: {}, caller: anonymous, requestId: `s${i}` })).readSet);
  let reruns = 0;
  engine.onCommit((commit) => (reruns += subscribers.filter((r) => r.isInvalidatedBy(commit)).length));
  const row = {
    restartMs,
    point: await p50((i) => call("bench:point", { k: (i * 7919) % size })),
    take: await p50((i) => call("bench:take10", { group: i % 100 })),
    page: await p50((i) => call("bench:page", { group: i % 100 })),
    small: await p50(() => call("bench:smallFirst", {})),
    mutation: await p50((i) => call("bench:touchSmall", { k: i })),
    pointAdmin: await p50((i) => call("bench:point", { k: (i * 7919) % size }, { identity: null, admin: true })),
    pointAnonymous: await p50((i) => call("bench:point", { k: (i * 7919) % size })),
  };
  globalThis.gc?.();
  row.rss = process.memoryUsage().rss / (1 << 20);
  row.disk = Number(execFileSync("du", ["-sk", join(dataDir, "db")]).toString().split("\t")[0]) / 1024;
  row.reruns = reruns;
  await engine.close();
  return row;
}

async function measureSearch(dataDir) {
  const { engine, call, restartMs } = await startEngine(dataDir);
  const row = { restartMs, common: await p50(() => call("bench:search", { term: "common" }), 50), rare: await p50(() => call("bench:search", { term: "rare" }), 50) };
  globalThis.gc?.();
  row.rss = process.memoryUsage().rss / (1 << 20);
  row.disk = Number(execFileSync("du", ["-sk", join(dataDir, "db")]).toString().split("\t")[0]) / 1024;
  await engine.close();
  return row;
}

/** Runs one step in a child process and returns its JSON. */
function inChild(...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", self, "--child", ...args.map(String)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${args.join(" ")}: exit ${code}`))));
  });
}

const ms = (value) => (value >= 100 ? value.toFixed(0) : value.toFixed(2));
const label = (size) => (size >= 1_000_000 ? `${size / 1_000_000}M` : size >= 1000 ? `${size / 1000}k` : String(size));

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}

/** The search sizes alone: one column per size, the largest over the smallest. */
function searchTable(search) {
  const last = search.length - 1;
  const metric = (name, key, goal = "", format = ms) => [name, ...search.map(([, r]) => format(r[key])), `${(search[last][1][key] / search[0][1][key]).toFixed(2)}x`, goal];
  printTable(["", ...search.map(([size]) => `${label(size)} articles`), `${label(search[last][0])} / ${label(search[0][0])}`, "goal"], [
    metric("search common term ms", "common", "<= 2x"),
    metric("search rare term ms", "rare", "<= 2x"),
    metric("restart with a search index ms", "restartMs", "<= 2000 ms"),
    metric("first start, search rows backfilled ms", "backfillMs"),
    metric("RSS MiB", "rss", "", (v) => v.toFixed(0)),
    metric("disk MiB", "disk", "", (v) => v.toFixed(1)),
    metric("bulk load s", "loadMs", "", (v) => (v / 1000).toFixed(1)),
  ]);
}

function table(docs, search) {
  const last = docs.length - 1;
  const rows = [];
  const metric = (name, key, goal = "", format = ms) =>
    rows.push([name, ...docs.map(([, r]) => format(r[key])), `${(docs[last][1][key] / docs[0][1][key]).toFixed(2)}x`, goal]);
  metric("point lookup ms", "point", "<= 1.5x");
  metric("take(10) ms", "take", "<= 1.5x");
  metric("paginate(10) ms", "page", "<= 1.5x");
  metric("first() on a small other table ms", "small");
  metric("mutation, 20 subscribers elsewhere ms", "mutation");
  rows.push(["  subscribers re-run", ...docs.map(([, r]) => String(r.reruns)), "", "0"]);
  metric("restart ms", "restartMs", "<= 2000 ms at 1M");
  rows.push(["RSS MiB (+ over the smallest)", ...docs.map(([, r]) => `${r.rss.toFixed(0)} (+${(r.rss - docs[0][1].rss).toFixed(0)})`), "", "<= +150 MiB at 1M"]);
  metric("disk MiB", "disk", "", (v) => v.toFixed(1));
  metric("bulk load s", "loadMs", "", (v) => (v / 1000).toFixed(1));
  rows.push(["point lookup anonymous / admin", ...docs.map(([, r]) => `${(r.pointAnonymous / r.pointAdmin).toFixed(2)}x`), "", "<= 1.1x"]);
  const [small, large] = [search[0], search[search.length - 1]];
  const searchCells = (key) => docs.map((_, i) => (i === 0 ? `${label(small[0])}: ${ms(small[1][key])}` : i === last ? `${label(large[0])}: ${ms(large[1][key])}` : ""));
  rows.push(["search common term ms", ...searchCells("common"), `${(large[1].common / small[1].common).toFixed(2)}x`, "<= 2x"]);
  rows.push(["search rare term ms", ...searchCells("rare"), `${(large[1].rare / small[1].rare).toFixed(2)}x`, "<= 2x"]);
  rows.push(["  restart with a search index ms", ...searchCells("restartMs"), `${(large[1].restartMs / small[1].restartMs).toFixed(2)}x`, ""]);
  rows.push(["  first start, search rows backfilled ms", ...searchCells("backfillMs"), `${(large[1].backfillMs / small[1].backfillMs).toFixed(2)}x`, ""]);
  printTable(["", ...docs.map(([size]) => `${label(size)} docs`), `${label(docs[last][0])} / ${label(docs[0][0])}`, "goal"], rows);
}

/** Loads the data in one child, measures it in another (so the measured RSS holds no loading garbage). */
async function run(table, size, measure, loadStep = "load") {
  const { dataDir, loadMs } = await inChild(loadStep, table, size);
  try {
    return { ...(await inChild(measure, dataDir)), loadMs };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  await prepare();
  const docs = [];
  for (const size of SEARCH_ONLY ? [] : SIZES) {
    docs.push([size, await run("docs", size, "docs")]);
    console.error(`done: ${size} documents`);
  }
  const search = [];
  for (const size of SEARCH_SIZES) {
    const { restartMs: backfillMs } = await run("articles", size, "search", "loadWithoutSearch");
    search.push([size, { ...(await run("articles", size, "search")), backfillMs }]);
    console.error(`done: search over ${size} documents`);
  }
  if (SEARCH_ONLY) searchTable(search);
  else table(docs, search);
}

const STEPS = {
  load: (table, size) => bulkData(table, Number(size), (k) => MAKE[table](k, Number(size))),
  loadWithoutSearch: (table, size) => bulkData(table, Number(size), (k) => MAKE[table](k, Number(size)), false),
  docs: (dataDir) => measureDocs(dataDir),
  search: (dataDir) => measureSearch(dataDir),
};

const childAt = process.argv.indexOf("--child");
if (childAt > 0) {
  const [step, ...args] = process.argv.slice(childAt + 1);
  process.stdout.write(JSON.stringify(await STEPS[step](...args)));
} else {
  await main();
}
