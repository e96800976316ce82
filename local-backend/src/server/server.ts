/** The protocol layer around an engine: HTTP API + WebSocket sync on one port. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { Deployment, Engine } from "../engine/api.js";
import type { AdminKey } from "./auth/adminKey.js";
import { Authenticator } from "./auth/authenticator.js";
import type { DevIssuer } from "./auth/devIssuer.js";
import { TokenVerifier } from "./auth/tokens.js";
import type { CliDeps } from "./http/cli/context.js";
import { FunctionLog } from "./http/cli/functionLog.js";
import { CliSnapshots } from "./http/cli/snapshots.js";
import { MAX_HEADER_BYTES, onClientError } from "./http/clientError.js";
import { httpHandler } from "./http/router.js";
import { FunctionRunner } from "./runner.js";
import { SyncHub } from "./sync/hub.js";
import type { SessionTiming } from "./sync/session.js";
import { SERVER_VERSION } from "./version.js";

export type ServerOptions = {
  engine: Engine;
  /** The engine as the Convex CLI manages it (pushes, env, data, logs); without it those routes are 404. */
  deployment?: Deployment;
  adminKey: AdminKey;
  devIssuer: DevIssuer;
  /** 0 picks a free port. */
  port: number;
  /** The site URL's port (HTTP actions at every path, Convex's `CONVEX_SITE_URL`); 0 picks a free one, absent: none. */
  sitePort?: number;
  /** Sockets bound already (`bindListeners`), instead of binding `port` / `sitePort` here. */
  listeners?: Listeners;
  logError?: (context: string, error: unknown) => void;
  /** Sync heartbeat and expiry timing; tests shorten it. */
  syncTiming?: SessionTiming;
};

export type RunningServer = {
  url: string;
  port: number;
  /** Where HTTP actions are served at every path; null without `sitePort`. */
  siteUrl: string | null;
  /** Closes the sync connections and the listener; does not close the engine. */
  close(): Promise<void>;
};

/** Only loopback: the admin key is the sole guard, and it is meant for this machine. */
const HOST = "127.0.0.1";
const SHUTDOWN_GRACE_MS = 2_000;
const KEEP_ALIVE_MS = 65_000;

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logError = options.logError ?? defaultLogError;
  const { deployment } = options;
  const snapshots = new CliSnapshots();
  const runner = new FunctionRunner(options.engine, logError, deployment, snapshots);
  const auth = new Authenticator(options.adminKey, new TokenVerifier(options.devIssuer, () => options.engine.authProviders()));
  const log = deployment === undefined ? undefined : new FunctionLog(deployment);
  const listeners = options.listeners ?? (await bindListeners(options.port, options.sitePort));
  const { url, siteUrl } = listenerUrls(listeners);
  runner.cloudUrl = url;
  const cli: CliDeps | undefined =
    deployment === undefined || log === undefined
      ? undefined
      : {
          deployment,
          log,
          snapshots,
          staged: { push: null },
          functions: () => options.engine.functions(),
          url: () => url,
          // Without a site listener HTTP actions are still served under /http/ of the deployment URL.
          siteUrl: () => siteUrl ?? `${url}/http`,
        };
  const deps = { engine: options.engine, runner, auth, devIssuer: options.devIssuer, version: SERVER_VERSION, logError, cli };
  const { main, site } = listeners;
  serveWith(main, httpHandler(deps));
  if (site !== null) serveWith(site, httpHandler(deps, true));
  const hub = new SyncHub({ engine: options.engine, deployment, runner, auth, logError, timing: options.syncTiming });
  hub.attach(main);
  return {
    url,
    port: (main.address() as AddressInfo).port,
    siteUrl,
    close: async () => {
      hub.close();
      log?.close();
      await snapshots.close();
      await Promise.all([main, site].map((s) => (s === null ? undefined : closeGracefully(s))));
    },
  };
}

/**
 * Until `startServer` serves, every request gets 503 and every WebSocket upgrade is refused the same
 * way, so a client that reconnects while the engine starts retries instead of waiting forever.
 */
function answerStarting(server: Server): void {
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify({ code: "ServiceUnavailable", message: "The local backend is starting; try again shortly" });
    res.writeHead(503, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "retry-after": "1" });
    res.end(body);
  });
  server.on("upgrade", (_req: IncomingMessage, socket: Duplex) => {
    socket.end("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
}

function serveWith(server: Server, handler: ReturnType<typeof httpHandler>): void {
  server.removeAllListeners("request");
  server.removeAllListeners("upgrade");
  server.on("request", handler);
}

/**
 * The deployment URL's socket and (with `sitePort`) the site URL's, listening on loopback. Bound
 * before the engine starts, so functions can be told their URLs (`CONVEX_CLOUD_URL`, `CONVEX_SITE_URL`);
 * requests wait until `startServer` attaches the handlers.
 */
export async function bindListeners(port: number, sitePort?: number): Promise<Listeners> {
  const main = httpServer();
  await listen(main, port);
  if (sitePort === undefined) return { main, site: null };
  const site = httpServer();
  try {
    await listen(site, sitePort);
  } catch (error) {
    main.close();
    throw error;
  }
  return { main, site };
}

export type Listeners = { main: Server; site: Server | null };

export function listenerUrls({ main, site }: Listeners): { url: string; siteUrl: string | null } {
  const at = (server: Server) => `http://${HOST}:${(server.address() as AddressInfo).port}`;
  return { url: at(main), siteUrl: site === null ? null : at(site) };
}

function httpServer(): Server {
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES });
  answerStarting(server);
  // Outlive the clients' idle pools (httpx keeps connections 5 s, Node's default here is also
  // 5 s): a client must never reuse a connection the server is closing at that moment.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  server.on("clientError", onClientError);
  return server;
}

function closeGracefully(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    // Requests in flight get a moment to finish before their sockets go.
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
  });
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function defaultLogError(context: string, error: unknown): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`[doctrina-local-backend] error ${context}: ${detail}\n`);
}
