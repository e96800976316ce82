/**
 * The WebSocket endpoint (`/api/sync`, `/api/<client version>/sync`): upgrades
 * connections into sync sessions and fans every commit out to them.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { Deployment, Engine } from "../../engine/api.js";
import type { Authenticator } from "../auth/authenticator.js";
import { parseClientVersion } from "../clientVersion.js";
import { HttpError } from "../errors.js";
import { MAX_BODY_BYTES } from "../http/body.js";
import type { FunctionRunner } from "../runner.js";
import { CommitLog } from "./commitLog.js";
import { MutationDedupe } from "./dedupe.js";
import { DEFAULT_TIMING, SyncSession, type SessionDeps, type SessionTiming } from "./session.js";

const SYNC_PATH = /^\/api\/(?:[0-9][\w.+-]*\/)?sync$/;

export type SyncHubOptions = {
  engine: Engine;
  /** Its pushes re-run every subscription (new code may give new results). */
  deployment?: Deployment;
  runner: FunctionRunner;
  auth: Authenticator;
  logError: (context: string, error: unknown) => void;
  timing?: SessionTiming;
};

export class SyncHub {
  private readonly sessions = new Set<SyncSession>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  private readonly deps: SessionDeps;
  private readonly stopListening: () => void;
  private readonly stopWatchingPushes: () => void;

  constructor(options: SyncHubOptions) {
    const commits = new CommitLog();
    this.deps = {
      runner: options.runner,
      auth: options.auth,
      commits,
      dedupe: new MutationDedupe(),
      timing: options.timing ?? DEFAULT_TIMING,
      logError: options.logError,
    };
    this.stopListening = options.engine.onCommit((commit) => {
      commits.add(commit);
      for (const session of this.sessions) session.onCommit(commit);
    });
    this.stopWatchingPushes =
      options.deployment?.onPush(() => {
        for (const session of this.sessions) session.onCodeChange();
      }) ?? (() => undefined);
  }

  attach(server: Server): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  close(): void {
    this.stopListening();
    this.stopWatchingPushes();
    for (const session of this.sessions) session.shutdown();
    this.wss.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const refusal = this.refusal(req);
    if (refusal !== undefined) {
      const body = JSON.stringify({ code: refusal.code, message: refusal.message });
      socket.end(`HTTP/1.1 ${refusal.status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new SyncSession(ws, this.deps, (closed) => this.sessions.delete(closed));
      this.sessions.add(session);
    });
  }

  private refusal(req: IncomingMessage): HttpError | undefined {
    const path = (req.url ?? "").split("?")[0];
    if (!SYNC_PATH.test(path)) return new HttpError(404, "NotFound", `No WebSocket endpoint at ${path}`);
    try {
      const client = req.headers["convex-client"];
      parseClientVersion(Array.isArray(client) ? client[0] : client);
    } catch (error) {
      return error as HttpError;
    }
    return undefined;
  }
}
