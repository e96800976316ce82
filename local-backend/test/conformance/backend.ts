/**
 * Spawns `node local-backend/dist/main.js` (or DOCTRINA_BACKEND_MAIN) on a fresh
 * data directory (or `dataDir`, kept for a restart), waits for its READY line, and stops it again.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

export const ROOT = resolve(import.meta.dirname, "../../..");
const MAIN_JS = process.env.DOCTRINA_BACKEND_MAIN ?? join(ROOT, "local-backend/dist/main.js");
export const FIXTURE_FUNCTIONS = join(ROOT, "local-backend/test/fixtures/convex");
const STARTUP_TIMEOUT_MS = 60_000;

export type Backend = {
  url: string;
  siteUrl: string;
  adminKey: string;
  dataDir: string;
  stderr: string[];
  stop(): Promise<number | null>;
};

export async function startBackend(functions = FIXTURE_FUNCTIONS, keptDataDir?: string): Promise<Backend> {
  const dataDir = keptDataDir ?? (await mkdtemp(join(tmpdir(), "doctrina-conformance-")));
  const removeData = keptDataDir === undefined;
  const child = spawn("node", [MAIN_JS, "--data-dir", dataDir, "--port", "0", "--functions", functions], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  try {
    const ready = await readyLine(child);
    return {
      url: ready.url,
      siteUrl: ready.siteUrl,
      adminKey: (await readFile(ready.adminKeyFile, "utf8")).trim(),
      dataDir,
      stderr,
      stop: () => stop(child, removeData ? dataDir : null),
    };
  } catch (error) {
    await stop(child, removeData ? dataDir : null);
    throw new Error(`${(error as Error).message}\n${stderr.join("")}`);
  }
}

function readyLine(child: ChildProcess): Promise<{ url: string; siteUrl: string; adminKeyFile: string }> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error("the backend did not get ready in time")), STARTUP_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (!line.startsWith("DOCTRINA_BACKEND_READY ")) return;
      clearTimeout(timer);
      resolvePromise(JSON.parse(line.slice("DOCTRINA_BACKEND_READY ".length)));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the backend exited with ${code} before it was ready`));
    });
  });
}

async function stop(child: ChildProcess, dataDir: string | null): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolvePromise) => child.once("exit", () => resolvePromise()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
  if (dataDir !== null) await rm(dataDir, { recursive: true, force: true });
  return child.exitCode;
}
