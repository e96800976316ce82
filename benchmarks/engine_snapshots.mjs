// Snapshot import and export in process (no CLI, no HTTP), to see what they cost in time and memory
// as the table grows. Each size, in its own child process (so RSS is that size's): a fresh engine on
// the test fixture, `importSnapshot` of N JSONL rows into `counters` (streamed, staged, one commit),
// `exportSnapshot` to a ZIP, `importSnapshot` of that ZIP with `replace` (the snapshot path), and a
// second export. Before each step a full GC; during it the RSS is sampled every 20 ms. Prints per
// step: seconds, documents/s, its ratio to the first size, the peak RSS over the RSS before the step,
// and the live heap after a GC (what the step keeps: bounded memory shows as a flat live heap).
//
//     node benchmarks/engine_snapshots.mjs [--sizes 20000,200000]
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const self = fileURLToPath(import.meta.url);
const root = join(dirname(self), "..");
const cache = join(root, "node_modules", ".cache", "doctrina-bench-snapshots");
const arg = (name, fallback) => (process.argv.indexOf(name) > 0 ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const SIZES = arg("--sizes", "20000,200000").split(",").map(Number);
const STEPS = ["import JSONL", "export ZIP", "import ZIP --replace", "export ZIP again"];

async function child(size) {
  const { createEngine } = await import(pathToFileURL(join(cache, "engine.mjs")).href);
  const dir = await mkdtemp(join(tmpdir(), "engine-snapshots-bench-"));
  try {
    const engine = await createEngine({ dataDir: join(dir, "data"), functionsDir: join(root, "local-backend/test/fixtures/convex") });
    const lines = [];
    for (let i = 0; i < size; i++) lines.push(`${JSON.stringify({ name: `c${i}`, value: i + 0.5 })}\n`);
    await writeFile(join(dir, "counters.jsonl"), lines.join(""));
    lines.length = 0;
    const rssMiB = () => process.memoryUsage().rss / 2 ** 20;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 20);
    const results = [];
    const step = async (run) => {
      global.gc();
      const before = rssMiB();
      peak = before;
      const started = performance.now();
      await run();
      const seconds = (performance.now() - started) / 1000;
      const peakMiB = Math.max(peak, rssMiB());
      global.gc();
      results.push({ seconds, overMiB: peakMiB - before, liveMiB: process.memoryUsage().heapUsed / 2 ** 20 });
    };
    await step(() => engine.importSnapshot(join(dir, "counters.jsonl"), { mode: "requireEmpty", format: "jsonLines", table: "counters" }));
    await step(() => engine.exportSnapshot(join(dir, "a.zip")));
    await step(() => engine.importSnapshot(join(dir, "a.zip"), { mode: "replace" }));
    await step(() => engine.exportSnapshot(join(dir, "b.zip")));
    clearInterval(sampler);
    await engine.close();
    process.stdout.write(JSON.stringify(results));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") {
  await child(Number(process.argv[3]));
} else {
  const common = { bundle: true, format: "esm", platform: "node", target: "node20", logLevel: "warning", external: ["esbuild", "better-sqlite3", "yauzl"] };
  await build({ ...common, entryPoints: [join(root, "local-backend/src/engine/index.ts")], outfile: join(cache, "engine.mjs") });
  await build({ ...common, entryPoints: [join(root, "local-backend/src/engine/worker/runtime.ts")], outfile: join(cache, "engine-worker.js") });
  const runs = SIZES.map((size) => ({ size, steps: JSON.parse(execFileSync(process.execPath, ["--expose-gc", self, "--child", String(size)], { encoding: "utf8", maxBuffer: 1 << 20 })) }));
  const pad = (text, width) => String(text).padStart(width);
  console.log(`${"step".padEnd(22)} ${pad("documents", 10)} ${pad("s", 7)} ${pad("docs/s", 7)} ${pad("s/doc x first", 14)} ${pad("peak +MiB", 10)} ${pad("live heap MiB", 14)}`);
  for (const [i, label] of STEPS.entries()) {
    const first = runs[0];
    for (const { size, steps } of runs) {
      const { seconds, overMiB, liveMiB } = steps[i];
      const perDoc = seconds / size / (first.steps[i].seconds / first.size);
      console.log(`${label.padEnd(22)} ${pad(size, 10)} ${pad(seconds.toFixed(1), 7)} ${pad(Math.round(size / seconds), 7)} ${pad(perDoc.toFixed(2), 14)} ${pad(overMiB.toFixed(0), 10)} ${pad(liveMiB.toFixed(0), 14)}`);
    }
  }
}
