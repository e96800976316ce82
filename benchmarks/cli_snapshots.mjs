// `npx convex import` and `npx convex export` (the real CLI in node_modules) against a spawned
// `local-backend/dist/main.js` serving the engine's test fixture, at growing sizes of one table.
// Each size: a fresh backend, `import --table counters` of N JSONL rows (upload, confirmation
// summary, validation, one commit), then `export` of the table (ZIP written, downloaded). The
// CLI's own start (~1-2 s of Node and bundling checks) is in every number; the per-document cost
// is what grows. Prints seconds and documents/s per size, with ratios to the first size.
//
//     node benchmarks/cli_snapshots.mjs [--sizes 1000,20000,100000]
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
const SIZES = (sizesArg > 0 ? process.argv[sizesArg + 1] : "1000,20000,100000").split(",").map(Number);

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
  return { url: ready.url, adminKey, stop };
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
      const importS = await timed(project, backend, ["import", "--yes", "--table", "counters", file]);
      const zip = join(project, `export-${size}.zip`);
      const exportS = await timed(project, backend, ["export", "--path", zip]);
      rows.push({ size, importS, exportS, fileMB: (await stat(file)).size / 2 ** 20, zipMB: (await stat(zip)).size / 2 ** 20 });
    } finally {
      await backend.stop();
    }
  }
} finally {
  await rm(project, { recursive: true, force: true });
}

const first = rows[0];
const pad = (text, width) => String(text).padStart(width);
console.log(`${pad("documents", 10)} ${pad("JSONL MB", 9)} ${pad("import s", 9)} ${pad("docs/s", 8)} ${pad("x first", 8)} ${pad("export s", 9)} ${pad("docs/s", 8)} ${pad("x first", 8)} ${pad("ZIP MB", 7)}`);
for (const row of rows) {
  console.log(
    `${pad(row.size, 10)} ${pad(row.fileMB.toFixed(1), 9)} ${pad(row.importS.toFixed(2), 9)} ${pad(Math.round(row.size / row.importS), 8)} ${pad((row.importS / first.importS).toFixed(2), 8)} ` +
      `${pad(row.exportS.toFixed(2), 9)} ${pad(Math.round(row.size / row.exportS), 8)} ${pad((row.exportS / first.exportS).toFixed(2), 8)} ${pad(row.zipMB.toFixed(1), 7)}`,
  );
}
