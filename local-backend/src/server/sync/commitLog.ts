/**
 * Recent commits, so a query that finished running can be checked against the
 * commits that landed after its snapshot but before its read set was known.
 */
import type { Commit, ReadSet } from "../../engine/api.js";

const DEFAULT_CAPACITY = 4096;

export class CommitLog {
  private readonly commits: Commit[] = [];
  /** Every commit at or below this ts has been forgotten. */
  private forgottenUpTo = -1n;

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  add(commit: Commit): void {
    this.commits.push(commit);
    if (this.commits.length > this.capacity) {
      // Drop half at once: amortized O(1) per commit without a ring buffer.
      const dropped = this.commits.splice(0, this.commits.length - this.capacity / 2);
      this.forgottenUpTo = dropped[dropped.length - 1].ts;
    }
  }

  /** Whether a commit after `ts` changes what `readSet` read; `true` when unsure. */
  invalidatesSince(readSet: ReadSet, ts: bigint): boolean {
    if (this.forgottenUpTo > ts) return true;
    for (let i = this.commits.length - 1; i >= 0 && this.commits[i].ts > ts; i--) {
      if (readSet.isInvalidatedBy(this.commits[i])) return true;
    }
    return false;
  }
}
