// Builds the local backend into local-backend/dist: `main.js` (the server, from src/main.ts),
// `engine-worker.js` (the function-worker entry the engine starts in worker_threads) and
// `call-body-worker.js` (the thread that parses large function-call bodies).
// esbuild makes a rebuild take well under a second; running it again just rewrites the files.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = dirname(fileURLToPath(import.meta.url));
const outdir = join(root, "dist");

// Bundled CommonJS dependencies may `require` Node built-ins; give the ESM output a `require`.
const banner = {
  js: "import { createRequire as __doctrinaCreateRequire } from 'node:module'; const require = __doctrinaCreateRequire(import.meta.url);",
};

const entries = [
  { source: "src/main.ts", out: "main.js" },
  { source: "src/engine/worker/runtime.ts", out: "engine-worker.js" },
  { source: "src/server/http/callBodyWorker.ts", out: "call-body-worker.js" },
].filter((entry) => existsSync(join(root, entry.source)));

await Promise.all(
  entries.map((entry) =>
    build({
      entryPoints: [join(root, entry.source)],
      outfile: join(outdir, entry.out),
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: true,
      banner,
      // esbuild ships a native binary (used at runtime to bundle convex/), better-sqlite3 a native
      // add-on (compiled by `npm ci`); ws's native add-ons are optional.
      external: ["esbuild", "better-sqlite3", "bufferutil", "utf-8-validate"],
      logLevel: "warning",
    }),
  ),
);
console.log(`local-backend: built ${entries.map((e) => e.out).join(", ")} in ${outdir}`);
