/**
 * Mutations re-sent over the sync protocol are recognised by (sessionId,
 * requestId) and answered with the first run's result instead of running again.
 * The JS client keeps its sessionId across reconnects, so this makes its retries
 * exactly-once; like Convex, only successful runs are remembered.
 */
import type { UdfResult } from "../../engine/api.js";

const DEFAULT_CAPACITY = 10_000;

export class MutationDedupe {
  private readonly results = new Map<string, Promise<UdfResult>>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  run(sessionId: string, requestId: number, execute: () => Promise<UdfResult>): Promise<UdfResult> {
    const key = `${sessionId}\u0000${requestId}`;
    const known = this.results.get(key);
    if (known !== undefined) return known;
    const result = execute();
    this.results.set(key, result);
    result.then(
      (outcome) => outcome.status === "success" || this.results.delete(key),
      () => this.results.delete(key),
    );
    this.evictOldest();
    return result;
  }

  private evictOldest(): void {
    // A Map iterates in insertion order, so the first keys are the oldest.
    for (const key of this.results.keys()) {
      if (this.results.size <= this.capacity) return;
      this.results.delete(key);
    }
  }
}
