/** `npx convex run` (the real CLI) pointed at the server through CONVEX_SELF_HOSTED_* variables. */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startBackend, type Backend } from "./backend.js";

const CONVEX_CLI = join(ROOT, "node_modules/convex/bin/main.js");
let backend: Backend;
let project: string;

beforeAll(async () => {
  backend = await startBackend();
  // The CLI insists on running from a project root with a package.json.
  project = await mkdtemp(join(tmpdir(), "doctrina-cli-"));
  await writeFile(join(project, "package.json"), JSON.stringify({ name: "cli-project", private: true, dependencies: { convex: "*" } }));
}, 90_000);

afterAll(async () => {
  await backend.stop();
  await rm(project, { recursive: true, force: true });
});

async function convexRun(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CONVEX_SELF_HOSTED_URL: backend.url, CONVEX_SELF_HOSTED_ADMIN_KEY: backend.adminKey };
  // The CLI refuses CONVEX_DEPLOYMENT next to the self-hosted variables.
  delete env.CONVEX_DEPLOYMENT;
  try {
    const { stdout, stderr } = await promisify(execFile)("node", [CONVEX_CLI, "run", ...args], { cwd: project, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("npx convex run", () => {
  it("runs mutations and queries", async () => {
    const args = JSON.stringify({ name: "cli-counter" });
    const run = await convexRun("counter:increment", args);
    expect(run.code).toBe(0);
    expect(Number(run.stdout)).toBe(1);
    expect(Number((await convexRun("counter:get", args)).stdout)).toBe(1);
  });

  it("runs internal functions with the admin key", async () => {
    const run = await convexRun("protocol:internalRead");
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('"internal only"') });
  });

  it("acts as an identity with --identity", async () => {
    const run = await convexRun("protocol:whoami", "--identity", JSON.stringify({ subject: "cli-user" }));
    expect(JSON.parse(run.stdout)).toMatchObject({ subject: "cli-user", tokenIdentifier: "https://convex.test|cli-user" });
  });

  it("reports a ConvexError and exits non-zero", async () => {
    const run = await convexRun("protocol:failWithData", JSON.stringify({ code: "CLI" }));
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/ConvexError/);
  });
});
