// `npx convex import` and `npx convex export` (the real CLI in node_modules) against a spawned
// `local-backend/dist/main.js` serving the engine's test fixture, at growing sizes of one table.
// Each size: a fresh backend, `import --table counters` of N JSONL rows (upload, confirmation
// summary, validation, staging, one commit), then `export` of the table (ZIP written,
// downloaded), then `import --replace` of that ZIP (the snapshot path: streamed from the ZIP,
// staged, swapped in). The CLI's own start (~1-2 s of Node and bundling checks) is in every
// number; the per-document cost is what grows. Next to each time: the backend's peak RSS
// during that step (VmHWM, reset between steps through /proc/PID/clear_refs), and its RSS when
// idle before the first step. Prints seconds, documents/s and MiB per size, with ratios to the
// first size.
//
//     node benchmarks/cli_snapshots.mjs [--sizes 1000,20000,200000]
import { execFile, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "node_modules/convex/bin/main.js");
const sizesArg = process.argv.indexOf("--sizes");
const SIZES = (sizesArg > 0 ? process.argv[sizesArg + 1] : "1000,20000,200000").split(",").map(Number);

/** `VmRSS` or `VmHWM` of a process, MiB. */
async function memory(pid, field) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)[1]) / 1024;
}

/** Runs `step`, returning its seconds and the backend's peak RSS while it ran. */
async function measured(backend, step) {
  await writeFile(`/proc/${backend.pid}/clear_refs`, "5");
  const seconds = await step();
  return { seconds, peakMiB: await memory(backend.pid, "VmHWM") };
}

async function start(project) {
  const dataDir = await mkdtemp(join(tmpdir(), "doctrina-bench-cli-"));
  const child = spawn("node", [join(root, "local-backend/dist/main.js"), "--data-dir", dataDir, "--functions", join(project, "convex")], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("backend not ready in 60 s")), 60_000);
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.startsWith("DOCTRINA_BACKEND_READY ")) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice("DOCTRINA_BACKEND_READY ".length)));
    });
  });
  const adminKey = (await readFile(ready.adminKeyFile, "utf8")).trim();
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await rm(dataDir, { recursive: true, force: true });
  };
  return { url: ready.url, adminKey, pid: child.pid, stop };
}

async function timed(project, backend, args) {
  const env = { ...process.env, CONVEX_SELF_HOSTED_URL: backend.url, CONVEX_SELF_HOSTED_ADMIN_KEY: backend.adminKey, CI: "1", CONVEX_VERSION_API_ORIGIN: backend.url };
  delete env.CONVEX_DEPLOYMENT;
  const started = performance.now();
  await promisify(execFile)("node", [cli, ...args], { cwd: project, env, timeout: 600_000, maxBuffer: 64 << 20 });
  return (performance.now() - started) / 1000;
}

const project = await mkdtemp(join(tmpdir(), "doctrina-bench-cli-project-"));
await cp(join(root, "local-backend/test/fixtures/convex"), join(project, "convex"), { recursive: true });
await cp(join(root, "package.json"), join(project, "package.json"));
await symlink(join(root, "node_modules"), join(project, "node_modules"), "dir");
const rows = [];
try {
  for (const size of SIZES) {
    const file = join(project, `counters-${size}.jsonl`);
    let text = "";
    for (let i = 0; i < size; i++) text += `${JSON.stringify({ name: `c${i}`, value: i })}\n`;
    await writeFile(file, text);
    const backend = await start(project);
    try {
      const idleMiB = await memory(backend.pid, "VmRSS");
      const table = await measured(backend, () => timed(project, backend, ["import", "--yes", "--table", "counters", file]));
      const zip = join(project, `export-${size}.zip`);
      const exported = await measured(backend, () => timed(project, backend, ["export", "--path", zip]));
      const replaced = await measured(backend, () => timed(project, backend, ["import", "--replace", "--yes", zip]));
      rows.push({ size, idleMiB, table, exported, replaced, fileMB: (await stat(file)).size / 2 ** 20, zipMB: (await stat(zip)).size / 2 ** 20 });
    } finally {
      await backend.stop();
    }
  }
} finally {
  await rm(project, { recursive: true, force: true });
}

const first = rows[0];
const pad = (text, width) => String(text).padStart(width);
const steps = [
  ["import JSONL", "table"],
  ["export ZIP", "exported"],
  ["import ZIP --replace", "replaced"],
];
console.log(`${pad("documents", 10)} ${pad("JSONL MB", 9)} ${pad("ZIP MB", 7)} ${pad("idle RSS MiB", 13)}`);
for (const row of rows) console.log(`${pad(row.size, 10)} ${pad(row.fileMB.toFixed(1), 9)} ${pad(row.zipMB.toFixed(1), 7)} ${pad(row.idleMiB.toFixed(0), 13)}`);
for (const [label, key] of steps) {
  console.log(`\n${label}`);
  console.log(`${pad("documents", 10)} ${pad("s", 8)} ${pad("docs/s", 8)} ${pad("x first", 8)} ${pad("peak RSS MiB", 13)} ${pad("+ over idle", 12)}`);
  for (const row of rows) {
    const step = row[key];
    const over = step.peakMiB - row.idleMiB;
    console.log(
      `${pad(row.size, 10)} ${pad(step.seconds.toFixed(2), 8)} ${pad(Math.round(row.size / step.seconds), 8)} ${pad((step.seconds / first[key].seconds).toFixed(2), 8)} ` +
        `${pad(step.peakMiB.toFixed(0), 13)} ${pad(over.toFixed(0), 12)}`,
    );
  }
}
