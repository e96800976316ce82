/**
 * Runs the jobs of `convex/crons.ts`. Each cron's next run time is kept in the `_cron_jobs`
 * system table, so a restart neither repeats nor forgets a run; a changed or new cron is
 * (re)scheduled from now. A cron mutation advances its row in its own transaction (exactly
 * once per run); a cron action advances the row first (at most once). Runs are without
 * identity, like scheduled functions.
 */
import type { JSONValue } from "./api.js";
import { nextRun, type CronSchedule } from "./cron.js";
import { parseUdfPath } from "./paths.js";
import type { Runner } from "./runner.js";
import { CRON_JOBS_TABLE } from "./schema.js";
import type { DocRecord } from "./store/document.js";
import type { Transaction } from "./transaction.js";
import { FULL_RANGE } from "./store/table.js";

type CronJob = { name: string; args: JSONValue[]; schedule: CronSchedule };

const MAX_TIMER_MS = 2 ** 31 - 1;

class CronAlreadyAdvanced extends Error {}

export class CronRunner {
  private readonly jobs: Map<string, CronJob>;
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<string>();
  private stopped = false;

  constructor(
    private readonly runner: Runner,
    exported: string | null,
  ) {
    this.jobs = new Map(Object.entries(exported === null ? {} : (JSON.parse(exported) as Record<string, CronJob>)));
  }

  private rows(tx: Pick<Transaction, "table">): DocRecord[] {
    return tx.table(CRON_JOBS_TABLE)?.scan("by_creation_time", FULL_RANGE, "asc", null, Number.MAX_SAFE_INTEGER) ?? [];
  }

  private latestView(): Pick<Transaction, "table"> {
    return { table: (name) => this.runner.db.latest.tables.get(name) };
  }

  /** Reconciles `_cron_jobs` with crons.ts, then arms the timer. */
  async start(): Promise<void> {
    const now = Date.now();
    await this.runner.committer.system((tx) => {
      const seen = new Set<string>();
      for (const row of this.rows(tx)) {
        const ident = row.value.name as string;
        const job = this.jobs.get(ident);
        if (!job) tx.deleteSystem(CRON_JOBS_TABLE, row.id);
        else if (row.value.spec !== JSON.stringify(job)) {
          tx.replaceSystem(CRON_JOBS_TABLE, row.id, { name: ident, spec: JSON.stringify(job), nextRun: nextRun(job.schedule, now) });
        }
        seen.add(ident);
      }
      for (const [ident, job] of this.jobs) {
        if (!seen.has(ident)) tx.insertSystem(CRON_JOBS_TABLE, { name: ident, spec: JSON.stringify(job), nextRun: nextRun(job.schedule, now) });
      }
    }).durable;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const waiting = this.rows(this.latestView()).filter((row) => !this.running.has(row.id));
    if (waiting.length === 0) return;
    const next = Math.min(...waiting.map((row) => row.value.nextRun as number));
    this.timer = setTimeout(() => this.fire(), Math.min(Math.max(0, next - Date.now()), MAX_TIMER_MS));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    if (this.stopped) return;
    const now = Date.now();
    for (const row of this.rows(this.latestView())) {
      if ((row.value.nextRun as number) > now || this.running.has(row.id)) continue;
      this.running.add(row.id);
      void this.run(row)
        .catch((error: unknown) => {
          if (!this.stopped) console.error(`[doctrina engine] cron ${row.value.name as string} could not run:`, error);
        })
        .finally(() => {
          this.running.delete(row.id);
          this.arm();
        });
    }
    this.arm();
  }

  /** Moves the row to its next run, if it still expects the run at `expected`. */
  private advance(tx: Transaction, row: DocRecord): void {
    const current = tx.get(CRON_JOBS_TABLE, row.id);
    if (!current || current.value.nextRun !== row.value.nextRun) throw new CronAlreadyAdvanced();
    const job = JSON.parse(current.value.spec as string) as CronJob;
    const { _id, _creationTime, ...fields } = current.value;
    tx.replaceSystem(CRON_JOBS_TABLE, row.id, { ...fields, nextRun: nextRun(job.schedule, Date.now()), lastRun: Date.now() });
  }

  private async run(row: DocRecord): Promise<void> {
    const job = JSON.parse(row.value.spec as string) as CronJob;
    const address = parseUdfPath(job.name);
    const fn = this.runner.functions.find(address);
    const args = JSON.stringify(job.args[0] ?? {});
    const ctx = { identity: null, requestId: `cron-${row.value.name as string}` };
    const advanceNow = () => this.runner.committer.system((tx) => this.advance(tx, row)).durable;
    if (fn?.kind === "mutation") {
      try {
        const call = { kind: fn.kind, address, requestId: ctx.requestId, caller: "cron" } as const;
        const outcome = await this.runner.logs.timed(call, () => this.runner.runMutation(address, args, ctx, { beforeCommit: (tx) => this.advance(tx, row) }));
        if (!outcome.ok) await advanceNow();
      } catch (error) {
        if (!(error instanceof CronAlreadyAdvanced)) throw error;
      }
      return;
    }
    try {
      await advanceNow();
    } catch (error) {
      if (error instanceof CronAlreadyAdvanced) return;
      throw error;
    }
    if (fn) await this.runner.logs.timed({ kind: fn.kind, address, requestId: ctx.requestId, caller: "cron" }, () => this.runner.runAny(address, args, ctx));
  }
}
