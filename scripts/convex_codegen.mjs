#!/usr/bin/env node
/**
 * `convex/_generated` exactly as `npx convex dev` writes it: `npx convex codegen` run against
 * an embedded local backend (the CLI's codegen asks the deployment, as dev does), in a
 * temporary copy of the project, so neither the tree nor `.env.local` is touched.
 *
 *   node scripts/convex_codegen.mjs           writes convex/_generated
 *   node scripts/convex_codegen.mjs --check   fails (exit 1) when it is stale
 */
import { execFile, spawn } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const GENERATED = "convex/_generated";
const STEP_TIMEOUT_MS = 120_000;

function startBackend(functions, dataDir) {
  const child = spawn("node", [join(ROOT, "local-backend/dist/main.js"), "--data-dir", dataDir, "--port", "0", "--functions", functions], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  const ready = new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error("the local backend did not get ready in time")), STEP_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.startsWith("DOCTRINA_BACKEND_READY ")) return;
      clearTimeout(timer);
      resolveReady(JSON.parse(line.slice("DOCTRINA_BACKEND_READY ".length)));
    });
    child.once("exit", (code) => reject(new Error(`the local backend exited with ${code}`)));
  });
  return { child, ready };
}

/** Only loopback: no telemetry (CI=1), no version check beyond the backend itself. */
function cliEnv(url, adminKey) {
  const env = { ...process.env, CONVEX_SELF_HOSTED_URL: url, CONVEX_SELF_HOSTED_ADMIN_KEY: adminKey, CI: "1", CONVEX_VERSION_API_ORIGIN: url };
  delete env.CONVEX_DEPLOYMENT;
  delete env.CONVEX_DEPLOY_KEY;
  return env;
}

async function differing(a, b) {
  const names = new Set([...(await readdir(a)), ...(await readdir(b))]);
  const out = [];
  for (const name of [...names].sort()) {
    const [x, y] = await Promise.all([readFile(join(a, name), "utf8").catch(() => null), readFile(join(b, name), "utf8").catch(() => null)]);
    if (x !== y) out.push(name);
  }
  return out;
}

async function main() {
  const check = process.argv.includes("--check");
  const work = await mkdtemp(join(tmpdir(), "doctrina-codegen-"));
  await cp(join(ROOT, "convex"), join(work, "convex"), { recursive: true });
  await cp(join(ROOT, "package.json"), join(work, "package.json"));
  await symlink(join(ROOT, "node_modules"), join(work, "node_modules"), "dir");
  const { child, ready } = startBackend(join(work, "convex"), join(work, "data"));
  try {
    const { url, adminKeyFile } = await ready;
    const adminKey = (await readFile(adminKeyFile, "utf8")).trim();
    const cli = join(ROOT, "node_modules/convex/bin/main.js");
    await promisify(execFile)("node", [cli, "codegen", "--typecheck", "disable"], { cwd: work, env: cliEnv(url, adminKey), timeout: STEP_TIMEOUT_MS });
    const stale = await differing(join(ROOT, GENERATED), join(work, GENERATED));
    if (check && stale.length > 0) {
      console.error(`${GENERATED} is stale (${stale.join(", ")}): run 'make codegen' and commit the result`);
      process.exitCode = 1;
    } else if (!check) {
      await rm(join(ROOT, GENERATED), { recursive: true, force: true });
      await cp(join(work, GENERATED), join(ROOT, GENERATED), { recursive: true });
    }
  } finally {
    child.kill("SIGTERM");
    await new Promise((done) => (child.exitCode === null ? child.once("exit", done) : done()));
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`convex codegen failed: ${error.stderr ?? ""}${error.stack ?? error}`);
  process.exit(1);
});
