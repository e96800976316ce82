/**
 * `node local-backend/dist/main.js --data-dir DIR ...`: the local backend process
 * (docs/architecture.md). Prints one READY line when it serves, shuts down
 * cleanly on SIGTERM/SIGINT or, with --exit-with-parent, when stdin closes.
 */
import { mkdir } from "node:fs/promises";
import { createEngine, DataDirDamagedError, DataDirLockedError, writeHolder, type Deployment, type Engine } from "./engine/index.js";
import { AdminKey } from "./server/auth/adminKey.js";
import { DEV_ISSUER, DevIssuer } from "./server/auth/devIssuer.js";
import { parseCli, USAGE, type CliOptions } from "./server/cli.js";
import { publishEnv } from "./server/publishEnv.js";
import { bindListeners, listenerUrls, startServer } from "./server/server.js";

/**
 * What convex/auth.config.ts reads, unless the deployment env (DATA/env.json) sets it: the
 * development issuer stands in for Clerk, so its tokens take the same provider path.
 */
const LOCAL_DEPLOYMENT_ENV = { CLERK_JWT_ISSUER_DOMAIN: DEV_ISSUER };

/** A shutdown that hangs (a stuck function, a stuck socket) must not keep the process alive. */
const SHUTDOWN_DEADLINE_MS = 10_000;

function log(message: string): void {
  process.stderr.write(`[doctrina-local-backend] ${message}\n`);
}

async function main(): Promise<void> {
  // A parent that died took the read ends of our stdout/stderr with it; a failed
  // log write must not turn a clean shutdown into a stuck one.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (error) {
    log(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  keepServingOnStrayErrors();
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const adminKey = await AdminKey.loadOrCreate(options.dataDir);
  const devIssuer = await DevIssuer.loadOrCreate(options.dataDir);
  // Bound first: functions see their deployment's URLs in process.env, as on Convex.
  const listeners = await bindListeners(options.port, options.sitePort);
  const { url, siteUrl } = listenerUrls(listeners);
  const engine = await openEngine(options, { CONVEX_CLOUD_URL: url, CONVEX_SITE_URL: siteUrl ?? `${url}/http` });
  const server = await startServer({ engine, deployment: engine, adminKey, devIssuer, port: options.port, listeners });
  logHttpRoutes(engine, server.siteUrl);
  await writeHolder(options.dataDir, { pid: process.pid, url: server.url, siteUrl: server.siteUrl });
  if (options.publishEnv !== undefined) await publishEnv(options.publishEnv, server.url, adminKey.value, server.siteUrl);

  let stopping = false;
  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    log(`shutting down (${reason})`);
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
    server
      .close()
      .then(() => engine.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log(`shutdown failed: ${(error as Error).stack ?? String(error)}`);
          process.exit(1);
        },
      );
  };
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => shutdown(signal));
  if (options.exitWithParent) {
    process.stdin.on("end", () => shutdown("stdin closed"));
    process.stdin.on("close", () => shutdown("stdin closed"));
    process.stdin.on("error", () => shutdown("stdin failed"));
    process.stdin.resume();
  }

  const ready = `{"url": ${JSON.stringify(server.url)}, "siteUrl": ${JSON.stringify(server.siteUrl)}, "dataDir": ${JSON.stringify(options.dataDir)}, "adminKeyFile": ${JSON.stringify(adminKey.file)}}`;
  process.stdout.write(`DOCTRINA_BACKEND_READY ${ready}\n`);
}

/** What `http.ts` routes, as the analyze step listed it (Convex shows them on the dashboard's Functions page). */
function logHttpRoutes(engine: Engine, siteUrl: string | null): void {
  const routes = engine.httpRoutes?.() ?? null;
  if (routes === null) return log("no HTTP actions (convex/http.ts exports no router)");
  log(`HTTP actions at ${siteUrl}: ${routes.map((route) => `${route.method} ${route.path}`).join(", ") || "(no routes)"}`);
}

/** A locked or damaged data directory is the user's to resolve: say so in one line, exit 3. */
async function openEngine(options: CliOptions, systemEnv: Record<string, string>): Promise<Engine & Deployment> {
  try {
    return await createEngine({ dataDir: options.dataDir, functionsDir: options.functionsDir, defaultEnv: LOCAL_DEPLOYMENT_ENV, systemEnv });
  } catch (error) {
    if (!(error instanceof DataDirLockedError || error instanceof DataDirDamagedError)) throw error;
    log(error.message);
    process.exit(3);
  }
}

/** A bug reached from one request must not take down every other client's server. */
function keepServingOnStrayErrors(): void {
  process.on("unhandledRejection", (reason) => log(`unhandled rejection: ${(reason as Error)?.stack ?? String(reason)}`));
  process.on("uncaughtException", (error) => log(`uncaught exception: ${error.stack ?? String(error)}`));
}

main().catch((error: unknown) => {
  log(`failed to start: ${(error as Error)?.stack ?? String(error)}`);
  process.exit(1);
});
