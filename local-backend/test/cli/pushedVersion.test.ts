/**
 * A pushed version survives a restart, as a deployment keeps its code; when the `--functions`
 * directory changed while the backend was down, that directory wins.
 */
import { execFile } from "node:child_process";
import { appendFile, cp, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { FIXTURE_FUNCTIONS, ROOT, startBackend, type Backend } from "../conformance/backend.js";
import { CLI_TIMEOUT_MS, CONVEX_CLI, cliEnv } from "./project.js";

const TEST_TIMEOUT_MS = 240_000;
const PROBE = `import { query } from "./_generated/server";
export const version = query({ args: {}, handler: async () => "pushed" });
`;
const dirs: string[] = [];
let backend: Backend | undefined;

afterAll(async () => {
  await backend?.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "doctrina-pushed-"));
  dirs.push(dir);
  return dir;
}

async function probe(url: string): Promise<{ status: string; value?: unknown }> {
  const response = await fetch(`${url}/api/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ path: "restartProbe:version", args: {} }),
    signal: AbortSignal.timeout(10_000),
  });
  return (await response.json()) as { status: string; value?: unknown };
}

it(
  "the pushed code is served again after a restart, until --functions changes",
  async () => {
    const dataDir = await tempDir();
    const servedProject = await tempDir();
    const served = join(servedProject, "convex");
    await cp(FIXTURE_FUNCTIONS, served, { recursive: true });
    await symlink(join(ROOT, "node_modules"), join(servedProject, "node_modules"), "dir");
    // The push comes from another checkout, so --functions alone does not have the probe.
    const pusher = await tempDir();
    await cp(FIXTURE_FUNCTIONS, join(pusher, "convex"), { recursive: true });
    await cp(join(ROOT, "package.json"), join(pusher, "package.json"));
    await symlink(join(ROOT, "node_modules"), join(pusher, "node_modules"), "dir");
    await writeFile(join(pusher, "convex", "restartProbe.ts"), PROBE);

    backend = await startBackend(served, dataDir);
    await promisify(execFile)("node", [CONVEX_CLI, "deploy", "--typecheck", "disable", "--yes"], {
      cwd: pusher,
      env: cliEnv(backend),
      timeout: CLI_TIMEOUT_MS,
      killSignal: "SIGKILL",
    });
    expect(await probe(backend.url)).toMatchObject({ status: "success", value: "pushed" });

    await backend.stop();
    backend = await startBackend(served, dataDir);
    expect(await probe(backend.url)).toMatchObject({ status: "success", value: "pushed" });

    await backend.stop();
    await appendFile(join(served, "counter.ts"), "\n// edited while the backend was down\n");
    backend = await startBackend(served, dataDir);
    expect(await probe(backend.url)).toMatchObject({ status: "error" });
  },
  TEST_TIMEOUT_MS,
);
