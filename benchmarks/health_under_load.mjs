// Is the health check answered while one heavy request runs? Against a spawned
// `local-backend/dist/main.js` running the project's `convex/`, one client polls `GET /version`
// (every 10 ms, one at a time, keep-alive, on its own thread so that sending the heavy body
// does not delay it) while another sends one heavy request:
//
// - idle: nothing else (the baseline),
// - batch: `POST /api/query_batch` of 1,000 `courses:list` queries (the most the server takes),
// - max body: `POST /api/query` with a body just under the 16 MiB + 2,000 byte limit,
// - deep nesting: `POST /api/query` whose arguments nest 100,000 arrays deep.
//
//     node local-backend/build.mjs && node benchmarks/health_under_load.mjs [--rounds 3]
//
// Prints, per kind and round, the heavy request's answer and time, and /version p50 / p99 / max
// in ms (issue 9: within 100 ms). Exits 1 if a heavy request got a 5xx or /version failed.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 3;
const MAX_BODY = 16 * 1024 * 1024 + 2000;
const POLL_MS = 10;

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
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    await rm(dataDir, { recursive: true, force: true });
  };
  return { url: ready.url, stop };
}

const list = { path: "courses:list", args: { paginationOpts: { numItems: 10, cursor: null } } };

/** The heavy request bodies, built before timing starts. */
function bodies() {
  const batch = JSON.stringify({ queries: Array(1000).fill(list) });
  const skeleton = JSON.stringify({ path: "courses:list", args: { paginationOpts: { numItems: 1, cursor: null }, padding: "" } });
  const big = skeleton.replace('"padding":""', `"padding":"${"x".repeat(MAX_BODY - skeleton.length - 16)}"`);
  const deep = `{"path":"courses:list","args":{"paginationOpts":{"numItems":1,"cursor":null},"deep":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`;
  return [
    { kind: "idle", route: null, body: null },
    { kind: "batch of 1,000 queries", route: "/api/query_batch", body: batch },
    { kind: `max body (${(big.length / 2 ** 20).toFixed(2)} MiB)`, route: "/api/query", body: big },
    { kind: "deep nesting (100,000)", route: "/api/query", body: deep },
  ];
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** The poller's thread: polls /version until told to stop (after at least `minMs`), then posts the latencies. */
const POLLER = `
const { parentPort, workerData } = require("node:worker_threads");
let stop = false;
parentPort.on("message", () => (stop = true));
(async () => {
  const latencies = [];
  const started = performance.now();
  while (!stop || performance.now() - started < workerData.minMs) {
    const sent = performance.now();
    const response = await fetch(workerData.url + "/version");
    await response.text();
    if (response.status !== 200) throw new Error("/version answered " + response.status);
    latencies.push(performance.now() - sent);
    await new Promise((resolve) => setTimeout(resolve, workerData.pollMs));
  }
  parentPort.postMessage(latencies.sort((a, b) => a - b));
})();
`;

/** Starts polling; `stop()` resolves to the sorted latencies in ms. */
function poll(url, minMs) {
  const worker = new Worker(POLLER, { eval: true, workerData: { url, minMs, pollMs: POLL_MS } });
  const result = new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    stop: async () => {
      worker.postMessage("stop");
      const latencies = await result;
      await worker.terminate();
      return latencies;
    },
  };
}

async function round(url, { route, body }) {
  if (route === null) {
    const poller = poll(url, 1000);
    return { answer: "-", ms: 0, latencies: await poller.stop() };
  }
  const poller = poll(url, 0);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the poller is running
  const sent = performance.now();
  const response = await fetch(`${url}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await response.text();
  const ms = performance.now() - sent;
  const latencies = await poller.stop();
  const code = response.status === 200 ? "" : ` ${JSON.parse(text).code ?? ""}`;
  return { answer: `${response.status}${code}`, ms, latencies, failed: response.status >= 500 };
}

const backend = await start();
let failed = false;
try {
  console.log("| heavy request | round | answer | its time ms | /version calls | p50 ms | p99 ms | max ms |");
  console.log("|---|---:|---|---:|---:|---:|---:|---:|");
  for (const request of bodies()) {
    for (let r = 1; r <= ROUNDS; r++) {
      const result = await round(backend.url, request);
      failed ||= result.failed === true;
      const { latencies: l } = result;
      console.log(
        `| ${request.kind} | ${r} | ${result.answer} | ${result.ms.toFixed(0)} | ${l.length} | ${percentile(l, 50).toFixed(1)} | ${percentile(l, 99).toFixed(1)} | ${l.at(-1).toFixed(1)} |`,
      );
    }
  }
} finally {
  await backend.stop();
}
process.exit(failed ? 1 : 0);
