/**
 * Every function execution, as `npx convex logs` (and `doctrina dev`) show it: client calls
 * (engine.ts), scheduled functions, crons, and the queries and mutations actions run. One
 * entry per execution, emitted when it ends.
 */
import type { FunctionLogEntry, LogCaller, UdfKind } from "./api.js";
import { displayPath } from "./paths.js";
import type { FunctionAddress } from "./worker/protocol.js";
import type { Outcome } from "./runner.js";

export class FunctionLogs {
  private readonly listeners = new Set<(entry: FunctionLogEntry) => void>();

  on(listener: (entry: FunctionLogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(entry: FunctionLogEntry): void {
    for (const listener of this.listeners) listener(entry);
  }

  /** Runs `execute` and logs its outcome; a `null` outcome (the call was abandoned, nothing committed) is not logged. */
  async timed<T extends Outcome | null>(
    call: { kind: UdfKind; address: FunctionAddress; requestId: string; caller: LogCaller },
    execute: () => Promise<T>,
  ): Promise<T> {
    const startedAtMs = Date.now();
    const started = performance.now();
    const outcome = await execute();
    if (outcome !== null) {
      this.emit({
        kind: call.kind,
        path: displayPath(call.address),
        requestId: call.requestId,
        caller: call.caller,
        startedAtMs,
        durationMs: performance.now() - started,
        logLines: outcome.logLines,
        error: outcome.ok ? null : `${outcome.error.message}${outcome.error.frames ? `\n${outcome.error.frames}` : ""}`,
      });
    }
    return outcome;
  }
}
