/**
 * Where the function-worker entry lives. The build (local-backend/build.mjs) emits
 * `engine-worker.js` next to `main.js`; when the engine runs from TypeScript sources (tests),
 * the worker entry is bundled on the fly into the data directory.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const WORKER_FILE = "engine-worker.js";

export async function workerScript(cacheDir: string): Promise<string> {
  const built = fileURLToPath(new URL(`./${WORKER_FILE}`, import.meta.url));
  if (existsSync(built)) return built;
  const source = fileURLToPath(new URL("./worker/runtime.ts", import.meta.url));
  if (!existsSync(source)) throw new Error(`Function worker entry not found next to ${fileURLToPath(import.meta.url)}`);
  await mkdir(cacheDir, { recursive: true });
  const outfile = join(cacheDir, "engine-worker.mjs");
  const esbuild = await import("esbuild");
  await esbuild.build({ entryPoints: [source], bundle: true, format: "esm", platform: "node", target: "node20", outfile, logLevel: "silent" });
  return outfile;
}
