/**
 * One WebSocket connection speaking the sync protocol. Messages are handled in
 * arrival order; a connection's mutations run one at a time in that order, its
 * actions concurrently. Protocol violations end only this connection.
 */
import type { RawData, WebSocket } from "ws";
import type { Caller, UdfResult } from "../../engine/api.js";
import { ANONYMOUS, type Authenticated, type Authenticator } from "../auth/authenticator.js";
import { HttpError } from "../errors.js";
import { newRequestId, type FunctionRunner } from "../runner.js";
import { encodeTs } from "../timestamp.js";
import { encodeValue, stringify } from "../values.js";
import type { CommitLog } from "./commitLog.js";
import type { MutationDedupe } from "./dedupe.js";
import { parseClientMessage, ProtocolError, type AuthenticateMessage, type ClientMessage } from "./messages.js";
import { QuerySet } from "./querySet.js";

export type SessionTiming = {
  heartbeatMs: number;
  /** The Rust client gives up on a server it has not heard from for 30 s. */
  appPingAfterMs: number;
  clientSilenceLimitMs: number;
  /** How long after `exp` a JWT identity stays (the verification leeway). */
  authExpiryLeewayMs: number;
};

export const DEFAULT_TIMING: SessionTiming = {
  heartbeatMs: 5_000,
  appPingAfterMs: 15_000,
  clientSilenceLimitMs: 120_000,
  authExpiryLeewayMs: 5_000,
};

export type SessionDeps = {
  runner: FunctionRunner;
  auth: Authenticator;
  commits: CommitLog;
  dedupe: MutationDedupe;
  timing: SessionTiming;
  logError: (context: string, error: unknown) => void;
};

const MAX_QUEUED_MUTATIONS = 1000;
const MAX_RUNNING_ACTIONS = 1000;
/** A client this far behind on reading is not coming back. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const MAX_TIMER_MS = 2 ** 31 - 1;

type Call = Extract<ClientMessage, { type: "Mutation" | "Action" }>;

export class SyncSession {
  private sessionId: string | undefined;
  private identityVersion = 0;
  private auth: Authenticated = { caller: ANONYMOUS };
  private readonly queries: QuerySet;
  private inbound: Promise<void> = Promise.resolve();
  private mutations: Promise<void> = Promise.resolve();
  private queuedMutations = 0;
  private runningActions = 0;
  private open = true;
  private lastSentAt = Date.now();
  private lastHeardAt = Date.now();
  private readonly heartbeat: NodeJS.Timeout;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: SessionDeps,
    private readonly onClosed: (session: SyncSession) => void,
  ) {
    this.queries = new QuerySet({
      runner: deps.runner,
      commits: deps.commits,
      latestTs: () => deps.runner.engine.latestTs(),
      identity: () => ({ version: this.identityVersion, caller: this.auth.caller }),
      send: (message) => this.send(message),
      isOpen: () => this.open,
      onFailure: (error) => this.fail(error),
    });
    ws.on("message", (data, isBinary) => this.receive(data, isBinary));
    ws.on("pong", () => (this.lastHeardAt = Date.now()));
    ws.on("close", () => this.closed());
    ws.on("error", (error) => deps.logError("on a sync connection", error));
    this.heartbeat = setInterval(() => this.beat(), deps.timing.heartbeatMs);
  }

  onCommit(commit: { ts: bigint }): void {
    if (this.open) this.queries.onCommit(commit);
  }

  /** New code was pushed: every result may differ. */
  onCodeChange(): void {
    if (this.open) this.queries.invalidateAll();
  }

  /** Server shutdown: clients reconnect to the next server on this data directory. */
  shutdown(): void {
    this.open = false;
    this.ws.close(1001, "ServerShutdown");
  }

  private receive(data: RawData, isBinary: boolean): void {
    this.lastHeardAt = Date.now();
    if (!this.open) return;
    const text = isBinary ? undefined : rawText(data);
    this.inbound = this.inbound.then(() => this.handle(text)).catch((error: unknown) => this.fail(error));
  }

  /** `undefined`: a binary frame, which the protocol does not use. */
  private async handle(text: string | undefined): Promise<void> {
    if (!this.open) return;
    if (text === undefined) throw new ProtocolError("Binary frames are not supported");
    const message = parseClientMessage(text);
    if (message.type === "Connect") {
      if (this.sessionId !== undefined) throw new ProtocolError("Connect was already sent");
      this.sessionId = message.sessionId;
      return;
    }
    if (this.sessionId === undefined) throw new ProtocolError("The first message must be Connect");
    switch (message.type) {
      case "ModifyQuerySet":
        return this.queries.modify(message.baseVersion, message.newVersion, message.modifications);
      case "Authenticate":
        return this.authenticate(message);
      case "Mutation":
        return this.enqueueMutation(message, this.sessionId);
      case "Action":
        return this.startAction(message);
      case "Event":
        return;
    }
  }

  private async authenticate(message: AuthenticateMessage): Promise<void> {
    if (message.baseVersion !== this.identityVersion) {
      throw new ProtocolError(`BaseVersionMismatch: identity version is ${this.identityVersion}, not ${message.baseVersion}`);
    }
    let auth: Authenticated;
    try {
      auth = await this.deps.auth.fromSync(message);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      return this.authFailed(error.message, message.baseVersion, true);
    }
    this.auth = auth;
    this.identityVersion = message.baseVersion + 1;
    this.watchExpiry(auth.expiresAtMs);
    this.queries.invalidateAll();
  }

  /** A JWT identity ends with its token: the client must authenticate again. */
  private watchExpiry(expiresAtMs: number | undefined): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (expiresAtMs === undefined) return;
    const delay = Math.min(Math.max(expiresAtMs + this.deps.timing.authExpiryLeewayMs - Date.now(), 0), MAX_TIMER_MS);
    this.expiryTimer = setTimeout(() => this.authFailed("Token expired", this.identityVersion - 1, false), delay);
  }

  private authFailed(error: string, baseVersion: number, authUpdateAttempted: boolean): void {
    this.send({ type: "AuthError", error, baseVersion, authUpdateAttempted });
    this.close();
  }

  private enqueueMutation(message: Call, sessionId: string): void {
    if (this.queuedMutations >= MAX_QUEUED_MUTATIONS) return this.close(1013, "TooManyConcurrentMutations");
    this.queuedMutations++;
    const caller = this.auth.caller;
    this.mutations = this.mutations
      .then(() => this.runMutation(message, caller, sessionId))
      .catch((error: unknown) => this.deps.logError("running a sync mutation", error))
      .finally(() => this.queuedMutations--);
  }

  private async runMutation(message: Call, caller: Caller, sessionId: string): Promise<void> {
    // The client re-sends unanswered mutations after reconnecting; nobody waits for these.
    if (!this.open) return;
    const result = await this.deps.dedupe.run(sessionId, message.requestId, () =>
      this.deps.runner.run({ path: message.udfPath, args: message.args, kind: "mutation", caller, requestId: newRequestId() }),
    );
    // As Convex: OCC retries exhausted closes with 1013 ("try again"); the client reconnects and re-sends.
    if (result.status === "error" && result.errorCode !== undefined) return this.close(1013, result.errorCode);
    this.queries.respondThenTransition(mutationResponse(message.requestId, result));
  }

  private startAction(message: Call): void {
    if (this.runningActions >= MAX_RUNNING_ACTIONS) return this.close(1013, "TooManyConcurrentActions");
    this.runningActions++;
    const request = { path: message.udfPath, args: message.args, kind: "action" as const, caller: this.auth.caller, requestId: newRequestId() };
    void this.deps.runner
      .run(request)
      .then((result) => this.send(actionResponse(message.requestId, result)))
      .finally(() => this.runningActions--);
  }

  private send(message: unknown): void {
    if (!this.open) return;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.open = false;
      this.ws.terminate();
      return;
    }
    this.ws.send(stringify(message));
    this.lastSentAt = Date.now();
  }

  private fail(error: unknown): void {
    if (!this.open) return;
    if (!(error instanceof ProtocolError)) this.deps.logError("on a sync connection", error);
    this.send({ type: "FatalError", error: error instanceof ProtocolError ? error.message : "InternalServerError" });
    this.close();
  }

  private close(code?: number, reason?: string): void {
    this.open = false;
    this.ws.close(code, reason);
  }

  private beat(): void {
    const now = Date.now();
    if (now - this.lastHeardAt > this.deps.timing.clientSilenceLimitMs) {
      this.open = false;
      this.ws.terminate();
      return;
    }
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
    if (now - this.lastSentAt >= this.deps.timing.appPingAfterMs) this.send({ type: "Ping" });
  }

  private closed(): void {
    this.open = false;
    clearInterval(this.heartbeat);
    clearTimeout(this.expiryTimer);
    this.onClosed(this);
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString("utf8");
}

function mutationResponse(requestId: number, result: UdfResult): Record<string, unknown> {
  if (result.status === "success") {
    return {
      type: "MutationResponse",
      requestId,
      success: true,
      result: encodeValue(result.value, "convex_encoded_json"),
      ts: encodeTs(result.ts),
      logLines: result.logLines,
    };
  }
  return { type: "MutationResponse", requestId, success: false, result: result.errorMessage, ts: null, logLines: result.logLines, errorData: errorData(result) };
}

function actionResponse(requestId: number, result: UdfResult): Record<string, unknown> {
  if (result.status === "success") {
    return { type: "ActionResponse", requestId, success: true, result: encodeValue(result.value, "convex_encoded_json"), logLines: result.logLines };
  }
  return { type: "ActionResponse", requestId, success: false, result: result.errorMessage, logLines: result.logLines, errorData: errorData(result) };
}

function errorData(result: Extract<UdfResult, { status: "error" }>) {
  return result.errorData === undefined ? undefined : encodeValue(result.errorData, "convex_encoded_json");
}
