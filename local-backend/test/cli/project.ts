/**
 * A Convex project in a temp directory (a copy of `convex/`, `package.json` and a link to the
 * repo's `node_modules`) with a local backend serving it, and the real Convex CLI from
 * `node_modules` run against that backend. Every CLI call is bounded by a timeout.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cp, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, startBackend, type Backend } from "../conformance/backend.js";

export const CONVEX_CLI = join(ROOT, "node_modules/convex/bin/main.js");
export const CLI_TIMEOUT_MS = 120_000;

export type CliProject = {
  dir: string;
  backend: Backend;
  cli(args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  spawnCli(args: string[]): ChildProcess;
  dispose(): Promise<void>;
};

/** Loopback only: no telemetry (CI=1), the version check asks the backend itself (a 404). */
export function cliEnv(backend: Backend): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONVEX_SELF_HOSTED_URL: backend.url,
    CONVEX_SELF_HOSTED_ADMIN_KEY: backend.adminKey,
    CI: "1",
    CONVEX_VERSION_API_ORIGIN: backend.url,
  };
  delete env.CONVEX_DEPLOYMENT;
  delete env.CONVEX_DEPLOY_KEY;
  return env;
}

/** Copies `functionsDir` to `<temp>/convex` (or uses `dir` as it is) and serves it. */
export async function startProject(functionsDir: string | null, dir?: string): Promise<CliProject> {
  const project = dir ?? (await mkdtemp(join(tmpdir(), "doctrina-cli-")));
  if (functionsDir !== null) {
    await cp(functionsDir, join(project, "convex"), { recursive: true });
    await cp(join(ROOT, "package.json"), join(project, "package.json"));
  }
  await symlink(join(ROOT, "node_modules"), join(project, "node_modules"), "dir");
  const backend = await startBackend(join(project, "convex"));
  const env = cliEnv(backend);
  return {
    dir: project,
    backend,
    cli: async (args, timeoutMs = CLI_TIMEOUT_MS) =>
      await promisify(execFile)("node", [CONVEX_CLI, ...args], { cwd: project, env, timeout: timeoutMs, killSignal: "SIGKILL" }),
    spawnCli: (args) => spawn("node", [CONVEX_CLI, ...args], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] }),
    dispose: async () => {
      await backend.stop();
      await rm(project, { recursive: true, force: true });
    },
  };
}

/** Resolves with the output so far once `pattern` appears; rejects after `timeoutMs`. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!pattern.test(output)) return;
      clearTimeout(timer);
      child.stdout!.off("data", onData);
      child.stderr!.off("data", onData);
      resolve(output);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
  });
}
