/**
 * `GET /api/stream_function_logs?cursor=<ms>`: the recent function executions as Convex's
 * `Completion` entries. A poll with nothing newer than its cursor waits (up to 30 s) for the
 * next one, so `npx convex logs` neither spins nor misses lines.
 */
import type { Deployment, FunctionLogEntry } from "../../../engine/api.js";
import { badRequest } from "../../errors.js";
import { json, type HttpContext, type Reply } from "../context.js";
import { requireCli } from "./context.js";

const KEPT_ENTRIES = 10_000;
const POLL_WAIT_MS = 30_000;
const UDF_TYPE = { query: "Query", mutation: "Mutation", action: "Action", httpAction: "HttpAction" } as const;
/** Convex's `caller` of background executions (client calls carry no caller here: HTTP and WebSocket are not told apart). */
const CALLER = { client: undefined, scheduler: "Scheduler", cron: "Cron", action: "Action" } as const;

type Stored = { cursorMs: number; entry: Record<string, unknown> };

export class FunctionLog {
  private readonly entries: Stored[] = [];
  private readonly waiters = new Set<() => void>();
  private lastCursor = 0;
  private readonly stop: () => void;

  constructor(deployment: Deployment) {
    this.stop = deployment.onFunctionLog((entry) => this.add(entry));
  }

  close(): void {
    this.stop();
    for (const wake of this.waiters) wake();
  }

  /** Cursors are end times in ms, strictly increasing, so a client never sees an entry twice. */
  private add(entry: FunctionLogEntry): void {
    const cursorMs = Math.max(entry.startedAtMs + entry.durationMs, this.lastCursor + 0.001);
    this.lastCursor = cursorMs;
    this.entries.push({ cursorMs, entry: completion(entry) });
    if (this.entries.length > KEPT_ENTRIES) this.entries.splice(0, this.entries.length - KEPT_ENTRIES);
    for (const wake of this.waiters) wake();
  }

  /** Entries after `cursor`, waiting up to `waitMs` for one when there are none yet. */
  async after(cursor: number, waitMs = POLL_WAIT_MS): Promise<{ entries: unknown[]; newCursor: number }> {
    if (this.newest() <= cursor) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, waitMs);
        this.waiters.add(wake);
      });
    }
    const fresh = this.entries.filter((stored) => stored.cursorMs > cursor);
    return { entries: fresh.map((stored) => stored.entry), newCursor: Math.max(cursor, this.newest()) };
  }

  private newest(): number {
    return this.entries.at(-1)?.cursorMs ?? 0;
  }
}

/** Convex's `FunctionExecution` log entry (times in seconds). */
function completion(entry: FunctionLogEntry): Record<string, unknown> {
  return {
    kind: "Completion",
    identifier: entry.path,
    udfType: UDF_TYPE[entry.kind],
    requestId: entry.requestId,
    timestamp: entry.startedAtMs / 1000,
    executionTime: entry.durationMs / 1000,
    logLines: entry.logLines,
    cachedResult: false,
    error: entry.error,
    ...(CALLER[entry.caller] === undefined ? {} : { caller: CALLER[entry.caller] }),
  };
}

export async function streamFunctionLogs(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const raw = ctx.url.searchParams.get("cursor") ?? "0";
  const cursor = Number(raw);
  if (!Number.isFinite(cursor) || cursor < 0) throw badRequest("InvalidCursor", `Invalid cursor ${JSON.stringify(raw)}`);
  return json(await cli.log.after(cursor));
}
