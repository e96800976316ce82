/**
 * Runs `_scheduled_functions` jobs when due. Jobs live in the store (so they are durable
 * and readable through `ctx.db.system`); one timer is armed for the earliest pending job
 * and re-armed after every commit that touches the table, and at start (after a restart).
 * A scheduled mutation marks its job `success` inside its own transaction, so it runs
 * exactly once; an action is marked `inProgress` first and runs at most once.
 */
import type { JSONValue } from "./api.js";
import { parseUdfPath } from "./paths.js";
import { OCC_ERROR_CODE, type CallContext, type Outcome, type Runner } from "./runner.js";
import type { FunctionAddress } from "./worker/protocol.js";
import { SCHEDULED_FUNCTIONS_TABLE } from "./schema.js";
import type { DocRecord } from "./store/document.js";
import type { CommitRecord } from "./store/readset.js";
import type { Transaction } from "./transaction.js";
import { encodeKey, KEY_MAX, type JSONObject } from "./values.js";

const MAX_CONCURRENT_JOBS = 8;
const MAX_TIMER_MS = 2 ** 31 - 1;

class JobNoLongerPending extends Error {}

type JobState = { kind: string; error?: string };

function stateOf(record: DocRecord | undefined): string | null {
  return record ? (record.value.state as JobState).kind : null;
}

function withState(record: DocRecord, state: JobState, completed: boolean): JSONObject {
  const { _id, _creationTime, ...fields } = record.value;
  return completed ? { ...fields, state, completedTime: Date.now() } : { ...fields, state };
}

/** The error text stored in `state.error`: the message without the request-id header. */
function errorText(outcome: Extract<Outcome, { ok: false }>): string {
  return outcome.error.message;
}

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(private readonly runner: Runner) {}

  /** After a restart, actions that were running are failed (at most once); then arm. */
  async start(): Promise<void> {
    const { durable } = this.runner.committer.system((tx) => {
      for (const job of this.jobsInState(tx, "inProgress")) {
        tx.replaceSystem(SCHEDULED_FUNCTIONS_TABLE, job.id, withState(job, { kind: "failed", error: "Transient error while executing action" }, true));
      }
    });
    await durable;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  onCommit(commit: CommitRecord): void {
    if (commit.writes.some((w) => w.table === SCHEDULED_FUNCTIONS_TABLE)) this.arm();
  }

  private jobsInState(view: Pick<Transaction, "table">, state: string): DocRecord[] {
    const table = view.table(SCHEDULED_FUNCTIONS_TABLE);
    if (!table) return [];
    const prefix = encodeKey(state);
    return table.scan("by_state", { lo: prefix, hi: prefix + KEY_MAX }, "asc", null, Number.MAX_SAFE_INTEGER);
  }

  private pendingJobs(limit: number): DocRecord[] {
    const table = this.runner.db.published.tables.get(SCHEDULED_FUNCTIONS_TABLE);
    if (!table) return [];
    const prefix = encodeKey("pending");
    const out: DocRecord[] = [];
    let after: string | null = null;
    while (out.length < limit) {
      const chunk = table.scan("by_state", { lo: prefix, hi: prefix + KEY_MAX }, "asc", after, 64);
      for (const job of chunk) if (!this.running.has(job.id) && out.length < limit) out.push(job);
      if (chunk.length < 64) break;
      after = chunk[chunk.length - 1]!.keys.get("by_state")!;
    }
    return out;
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running.size >= MAX_CONCURRENT_JOBS) return;
    const [next] = this.pendingJobs(1);
    if (!next) return;
    const delay = Math.max(0, (next.value.scheduledTime as number) - Date.now());
    this.timer = setTimeout(() => this.dispatch(), Math.min(delay, MAX_TIMER_MS));
    this.timer.unref();
  }

  private dispatch(): void {
    this.timer = null;
    if (this.stopped) return;
    const now = Date.now();
    const due = this.pendingJobs(MAX_CONCURRENT_JOBS - this.running.size).filter((job) => (job.value.scheduledTime as number) <= now);
    for (const job of due) {
      this.running.add(job.id);
      void this.execute(job)
        .catch((error: unknown) => this.report(job.id, error))
        .finally(() => {
          this.running.delete(job.id);
          this.arm();
        });
    }
    this.arm();
  }

  /** Engine failures (not function errors): the job stays pending and is retried when re-armed. */
  private report(id: string, error: unknown): void {
    if (!this.stopped) console.error(`[doctrina engine] scheduled job ${id} could not run:`, error);
  }

  private async execute(job: DocRecord): Promise<void> {
    const address = parseUdfPath(job.value.name as string);
    const fn = this.runner.functions.find(address);
    const args = JSON.stringify(((job.value.args as JSONValue[])[0] ?? {}) as JSONValue);
    const ctx = { identity: null, requestId: `scheduled-${job.id}`, scheduledJobId: job.id };
    if (!fn) {
      await this.finish(job.id, "pending", { kind: "failed", error: `Could not find function for '${job.value.name as string}'` });
      return;
    }
    if (fn.kind === "mutation") {
      const call = { kind: fn.kind, address, requestId: ctx.requestId, caller: "scheduler" } as const;
      const outcome = await this.runner.logs.timed(call, () => this.runScheduledMutation(address, args, ctx, job.id));
      // A run cut short by shutdown committed nothing: the job stays pending and runs after the restart.
      if (outcome && !outcome.ok && !this.stopped) await this.finish(job.id, "pending", { kind: "failed", error: errorText(outcome) });
      return;
    }
    const started = this.runner.committer.system((tx) => {
      const current = tx.get(SCHEDULED_FUNCTIONS_TABLE, job.id);
      if (stateOf(current) !== "pending") return false;
      tx.replaceSystem(SCHEDULED_FUNCTIONS_TABLE, job.id, withState(current!, { kind: "inProgress" }, false));
      return true;
    });
    await started.durable;
    if (!started.value) return;
    const call = { kind: fn.kind, address, requestId: ctx.requestId, caller: "scheduler" } as const;
    const outcome = await this.runner.logs.timed(call, () => this.runner.runAction(address, args, ctx));
    await this.finish(job.id, "inProgress", outcome.ok ? { kind: "success" } : { kind: "failed", error: errorText(outcome) });
  }

  /** As Convex's scheduler, OCC failures are retried until the job runs (nothing was committed). */
  private async runScheduledMutation(address: FunctionAddress, args: string, ctx: CallContext, id: string): Promise<Outcome | null> {
    for (;;) {
      const outcome = await this.runner
        .runMutation(address, args, ctx, { beforeCommit: (tx) => this.markSucceeded(tx, id) })
        .catch((error: unknown) => (error instanceof JobNoLongerPending ? null : Promise.reject(error)));
      if (outcome === null || outcome.ok || outcome.error.code !== OCC_ERROR_CODE || this.stopped) return outcome;
    }
  }

  /** Inside the scheduled mutation's transaction: the job must still be pending. */
  private markSucceeded(tx: Transaction, id: string): void {
    const current = tx.get(SCHEDULED_FUNCTIONS_TABLE, id);
    if (stateOf(current) !== "pending") throw new JobNoLongerPending();
    tx.replaceSystem(SCHEDULED_FUNCTIONS_TABLE, id, withState(current!, { kind: "success" }, true));
  }

  private async finish(id: string, expected: string, state: JobState): Promise<void> {
    await this.runner.committer.system((tx) => {
      const current = tx.get(SCHEDULED_FUNCTIONS_TABLE, id);
      if (stateOf(current) === expected) tx.replaceSystem(SCHEDULED_FUNCTIONS_TABLE, id, withState(current!, state, true));
    }).durable;
  }
}
