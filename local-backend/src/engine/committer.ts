/**
 * Turns validated write sets into commits: applies them to the store (synchronously, so
 * commits are atomic and ordered), logs them, and once the log is durable publishes the
 * new snapshot to queries and notifies commit listeners, in commit order.
 */
import type { Persistence } from "./durability/persistence.js";
import type { Database } from "./store/database.js";
import type { CommitRecord, Write } from "./store/readset.js";
import { Transaction } from "./transaction.js";

export class Committer {
  private readonly listeners = new Set<(commit: CommitRecord) => void>();
  private waiters: { ts: bigint; resolve: () => void }[] = [];

  constructor(
    private readonly db: Database,
    private readonly persistence: Persistence,
  ) {}

  onCommit(listener: (commit: CommitRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies `writes` now; the promise resolves once the commit is durable and published. */
  commit(writes: readonly Write[]): { commit: CommitRecord; durable: Promise<void> } {
    const { commit, snapshot } = this.db.apply(writes);
    const durable = new Promise<void>((resolve, reject) => {
      this.persistence.append(commit, () => {
        this.db.publish(commit, snapshot);
        this.published(commit);
        resolve();
      }, reject);
    });
    return { commit, durable };
  }

  /** Tells waiters and listeners about a published commit (also one made outside `commit`: a snapshot import). */
  published(commit: CommitRecord): void {
    this.releaseWaiters();
    for (const listener of this.listeners) {
      try {
        listener(commit);
      } catch (error) {
        console.error("onCommit listener failed:", error);
      }
    }
  }

  /** Resolves once everything up to `ts` is published (a read-only mutation may have read unpublished commits). */
  waitPublished(ts: bigint): Promise<void> {
    if (this.db.published.ts >= ts) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ ts, resolve }));
  }

  private releaseWaiters(): void {
    const published = this.db.published.ts;
    const ready = this.waiters.filter((w) => w.ts <= published);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.ts > published);
    for (const waiter of ready) waiter.resolve();
  }

  /**
   * Runs `body` as a transaction on the main thread (scheduler and cron bookkeeping). It
   * is synchronous from snapshot to commit, so nothing can commit in between: no conflicts.
   */
  system<T>(body: (tx: Transaction) => T): { value: T; durable: Promise<void> } {
    const tx = new Transaction(this.db, this.db.latest, "mutation");
    try {
      const value = body(tx);
      const writes = tx.writeList();
      return { value, durable: writes.length === 0 ? Promise.resolve() : this.commit(writes).durable };
    } finally {
      tx.finish();
    }
  }
}
