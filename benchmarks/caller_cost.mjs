// What the caller costs per query: the same HTTP query (`courses:list`, one item, on the
// project's own `convex/`, about 200 functions) as an
// anonymous caller and with the admin key, against a spawned `local-backend/dist/main.js`.
// Non-admin calls go through the server's internal-function check (a lookup in the function
// list, indexed once per push); the ratio shows what that check costs.
//
//     node benchmarks/caller_cost.mjs [--calls 3000]
//
// Prints calls/s per caller and the anonymous/admin time ratio. Sequential calls, keep-alive.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const callsArg = process.argv.indexOf("--calls");
const CALLS = callsArg > 0 ? Number(process.argv[callsArg + 1]) : 3000;

async function start() {
  const dataDir = await mkdtemp(join(tmpdir(), "doctrina-bench-"));
  const child = spawn("node", [join(root, "local-backend/dist/main.js"), "--data-dir", dataDir, "--functions", join(root, "convex")], {
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
  return { url: ready.url, adminKey, stop: async () => { child.kill("SIGTERM"); await new Promise((r) => child.once("exit", r)); await rm(dataDir, { recursive: true, force: true }); } };
}

async function time(url, headers) {
  const body = JSON.stringify({ path: "courses:list", args: { paginationOpts: { numItems: 1, cursor: null } } });
  const call = async () => {
    const response = await fetch(`${url}/api/query`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const result = await response.json();
    if (result.status !== "success") throw new Error(JSON.stringify(result));
  };
  for (let i = 0; i < 200; i++) await call();
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  return (performance.now() - started) / CALLS;
}

const backend = await start();
try {
  const admin = await time(backend.url, { authorization: `Convex ${backend.adminKey}` });
  const anonymous = await time(backend.url, {});
  console.log("| caller | calls/s | ms/call |\n|---|---|---|");
  console.log(`| admin key | ${(1000 / admin).toFixed(0)} | ${admin.toFixed(3)} |`);
  console.log(`| anonymous | ${(1000 / anonymous).toFixed(0)} | ${anonymous.toFixed(3)} |`);
  console.log(`\nanonymous / admin time: ${(anonymous / admin).toFixed(2)}x (${CALLS} sequential calls each)`);
} finally {
  await backend.stop();
}
