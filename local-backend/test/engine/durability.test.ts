/** Durability: restart, crash mid-write (SIGKILL), the data-directory lock, damaged files, legacy migration. */
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions } from "esbuild";
import { describe, expect, test } from "vitest";
import { FIXTURE, startEngine, tempDir } from "./helpers.js";

async function allLabels(dataDir: string): Promise<string[]> {
  const t = await startEngine({ dataDir });
  const found = (await t.value("values:ordered", {})) as string[];
  await t.close();
  return found;
}

/**
 * Bundles crashChild.ts (+ the worker entry next to it) so a plain `node` can run it; under
 * node_modules/.cache so the bundle still resolves `esbuild`, which the engine loads at runtime.
 */
async function buildChild(): Promise<string> {
  const dir = fileURLToPath(new URL("../../../node_modules/.cache/doctrina-engine-tests", import.meta.url));
  const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
  const common: BuildOptions = { bundle: true, format: "esm", platform: "node", target: "node20", logLevel: "silent", external: ["esbuild", "better-sqlite3", "yauzl"] };
  await build({ ...common, entryPoints: [source("./crashChild.ts")], outfile: join(dir, "child.mjs") });
  await build({ ...common, entryPoints: [source("../../src/engine/worker/runtime.ts")], outfile: join(dir, "engine-worker.js") });
  return join(dir, "child.mjs");
}

async function crashAfter(acks: number, dataDir: string): Promise<string[]> {
  const script = await buildChild();
  const child = spawn(process.execPath, [script, dataDir, FIXTURE], { stdio: ["ignore", "pipe", "inherit"], cwd: fileURLToPath(new URL("../../..", import.meta.url)) });
  const acked: string[] = [];
  let buffer = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) if (line.startsWith("ACK ")) acked.push(line.slice(4));
      if (acked.length >= acks && child.exitCode === null) {
        child.kill("SIGKILL");
        resolve();
      }
    });
    child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve() : reject(new Error(`child exited early: ${code}`))));
  });
  await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on("exit", resolve)));
  return acked;
}

describe("durability", () => {
  test("data and timestamps survive a clean restart", async () => {
    const dataDir = await tempDir();
    const first = await startEngine({ dataDir });
    await first.value("values:insert", { label: "kept", value: 1 });
    const ts = first.engine.latestTs();
    await first.close();
    const second = await startEngine({ dataDir });
    expect(await second.value("values:ordered", {})).toEqual(["kept"]);
    expect(second.engine.latestTs()).toBeGreaterThan(ts);
    const id = (await second.value("values:insert", { label: "new", value: 2 })) as string;
    expect(id).toHaveLength(32);
    await second.dispose();
  });

  test("every acknowledged commit survives SIGKILL mid-write", async () => {
    const dataDir = await tempDir();
    const acked = await crashAfter(400, dataDir);
    const all = await allLabels(dataDir);
    expect(all.length).toBe(new Set(all).size);
    const found = new Set(all);
    expect(acked.length).toBeGreaterThanOrEqual(400);
    expect(acked.filter((label) => !found.has(label))).toEqual([]);
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

});
