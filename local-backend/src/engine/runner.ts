/**
 * Executes functions. Queries read the published snapshot. Mutations use optimistic
 * concurrency control: run against the latest snapshot, then (synchronously) validate the
 * read set against every commit since and commit. A conflicting mutation is re-run as
 * Convex does (`UDF_EXECUTOR_OCC_MAX_RETRIES` = 4 retries, full-jitter exponential backoff
 * from 100 ms up to 2 s), then fails with Convex's OCC error: nothing was committed, so the
 * caller may retry. Actions run on their own pool and call back in for runQuery/runMutation.
 */
import type { UserIdentity } from "./api.js";
import type { Committer } from "./committer.js";
import type { FunctionRegistry } from "./functions.js";
import { argsWarning, durationWarning, formatDuration, resultWarning, type RunUsage } from "./callLimits.js";
import { displayPath } from "./paths.js";
import type { Database, Snapshot } from "./store/database.js";
import type { ReadSetImpl } from "./store/readset.js";
import { TransactionHandler } from "./syscalls.js";
import { Transaction } from "./transaction.js";
import { ActionHandler } from "./actions.js";
import type { CallOutcome, WorkerPool } from "./worker/pool.js";
import { FunctionLogs } from "./functionLog.js";
import type { CallError, FunctionAddress, HttpActionRequest, RunMessage } from "./worker/protocol.js";

/** What Convex names an HTTP action's function: the default export of `http`. */
const HTTP_ROUTER_ADDRESS: FunctionAddress = { module: "http", name: "default" };

export type Outcome =
  | { ok: true; value: string; logLines: string[]; ts: bigint; journal?: string | null }
  | { ok: false; error: CallError; logLines: string[] };

export type CallContext = {
  identity: UserIdentity | null;
  requestId: string;
  scheduledJobId?: string | null;
};

export type MutationOptions = {
  /** Runs on the main thread right before commit validation; throwing aborts the commit. */
  beforeCommit?: (tx: Transaction) => void;
};

export type Limits = { queryMutationMs: number; actionMs: number };

const OCC_MAX_RETRIES = 4;
const OCC_INITIAL_BACKOFF_MS = 100;
const OCC_MAX_BACKOFF_MS = 2000;
export const OCC_ERROR_CODE = "OptimisticConcurrencyControlFailure";

/** Convex's `Backoff::fail`: min(initial x 2^failures, max) x uniform jitter. */
function occBackoffMs(failures: number): number {
  return Math.min(OCC_INITIAL_BACKOFF_MS * 2 ** failures, OCC_MAX_BACKOFF_MS) * Math.random();
}

type Ran = { ok: true; value: string; logLines: string[]; usage: RunUsage } | Extract<Outcome, { ok: false }>;

function fromCallOutcome(outcome: CallOutcome): Ran {
  if (outcome.type === "timeout") {
    return { ok: false, error: { message: `Function execution timed out (maximum duration: ${formatDuration(outcome.limitMs)})`, system: true }, logLines: [] };
  }
  if (outcome.type === "crashed") {
    return { ok: false, error: { message: `Function execution failed: ${outcome.message}`, system: true }, logLines: [] };
  }
  if (outcome.ok) return { ok: true, value: outcome.result, logLines: outcome.logLines, usage: outcome.usage };
  return { ok: false, error: outcome.error, logLines: outcome.logLines };
}

/** An action's outcome: Convex's limit warnings are for queries and mutations. */
function withoutUsage(ran: Ran): { ok: true; value: string; logLines: string[] } | Extract<Outcome, { ok: false }> {
  return ran.ok ? { ok: true, value: ran.value, logLines: ran.logLines } : ran;
}

/**
 * A successful query or mutation run close to a limit logs Convex's warning lines after its
 * own, in `add_warnings_to_log_lines`'s order: arguments, reads, writes, scheduling, documents
 * written, result, duration.
 */
function withWarnings(ran: Ran, handler: TransactionHandler, limitMs: number): ReturnType<typeof withoutUsage> {
  if (!ran.ok) return ran;
  const { usage } = ran;
  const warnings = [
    argsWarning(usage.argsBytes),
    ...handler.limitWarnings(),
    resultWarning(usage.resultBytes),
    durationWarning(usage.userMs, limitMs),
  ].filter((line) => line !== null);
  return { ok: true, value: ran.value, logLines: [...ran.logLines, ...warnings] };
}

/** The end cursor recorded in a query journal; unreadable journals are ignored, as if absent. */
function journalEndCursor(journal: string | null): string | null {
  if (journal === null) return null;
  try {
    const endCursor = (JSON.parse(journal) as { endCursor?: unknown }).endCursor;
    return typeof endCursor === "string" ? endCursor : null;
  } catch {
    return null;
  }
}

/** Convex's OCC error; it says "some table" when the conflict's table is not known. */
function occFailure(table: string | null, logLines: string[]): Outcome {
  const where = table === null ? "some table" : `the "${table}" table`;
  const message = `Documents read from or written to ${where} changed while this mutation was being run and on every subsequent retry. See https://docs.convex.dev/error#1`;
  return { ok: false, error: { message, system: true, code: OCC_ERROR_CODE }, logLines };
}

export class Runner {
  /** Every execution's log entry (functionLog.ts). */
  readonly logs = new FunctionLogs();

  constructor(
    readonly db: Database,
    readonly committer: Committer,
    readonly functions: FunctionRegistry,
    private readonly txPool: WorkerPool,
    private readonly actionPool: WorkerPool,
    private readonly limits: Limits,
  ) {}

  private message(txId: number, kind: RunMessage["kind"], address: FunctionAddress, args: string, ctx: CallContext, ts: bigint) {
    return {
      txId,
      kind,
      address,
      args,
      identity: ctx.identity,
      requestId: ctx.requestId,
      snapshotTs: String(ts),
      tables: this.db.tableList(),
      scheduledJobId: ctx.scheduledJobId ?? null,
    };
  }

  async runQuery(
    address: FunctionAddress,
    args: string,
    ctx: CallContext,
    snapshot: Snapshot,
    journal: string | null = null,
  ): Promise<{ outcome: Outcome; readSet: ReadSetImpl }> {
    const tx = new Transaction(this.db, snapshot, "query");
    tx.journalEndCursor = journalEndCursor(journal);
    try {
      const handler = new TransactionHandler(tx, this.functions);
      const prepare = () => ({ message: this.message(1, "query", address, args, ctx, snapshot.ts), handler });
      const outcome = fromCallOutcome(await this.txPool.run(prepare, this.limits.queryMutationMs));
      handler.closeStreams();
      const result = withWarnings(outcome, handler, this.limits.queryMutationMs);
      return { outcome: result.ok ? { ...result, ts: snapshot.ts, journal: tx.journalOut } : result, readSet: tx.readSet };
    } finally {
      tx.finish();
    }
  }

  async runMutation(address: FunctionAddress, args: string, ctx: CallContext, options: MutationOptions = {}): Promise<Outcome> {
    for (let failures = 0; ; failures++) {
      const result = await this.attemptMutation(address, args, ctx, options);
      if (result.type === "done") return result.outcome;
      if (failures >= OCC_MAX_RETRIES) return occFailure(result.table, result.logLines);
      await new Promise((resolve) => setTimeout(resolve, occBackoffMs(failures)));
    }
  }

  /** One execution of a mutation. */
  private async attemptMutation(
    address: FunctionAddress,
    args: string,
    ctx: CallContext,
    options: MutationOptions,
  ): Promise<{ type: "done"; outcome: Outcome } | { type: "conflict"; table: string | null; logLines: string[] }> {
    const started: { tx?: Transaction; handler?: TransactionHandler } = {};
    try {
      const prepare = () => {
        const tx = (started.tx = new Transaction(this.db, this.db.latest, "mutation"));
        started.handler = new TransactionHandler(tx, this.functions);
        return { message: this.message(1, "mutation", address, args, ctx, tx.snapshot.ts), handler: started.handler };
      };
      const outcome = fromCallOutcome(await this.txPool.run(prepare, this.limits.queryMutationMs));
      const tx = started.tx!;
      started.handler!.closeStreams();
      const result = withWarnings(outcome, started.handler!, this.limits.queryMutationMs);
      if (!result.ok) return { type: "done", outcome: result };
      options.beforeCommit?.(tx);
      const conflict = this.db.findConflict(tx.readSet);
      if (conflict) return { type: "conflict", table: tx.readSet.conflictTable(conflict) ?? null, logLines: result.logLines };
      const writes = tx.writeList();
      if (writes.length === 0) {
        await this.committer.waitPublished(tx.snapshot.ts);
        return { type: "done", outcome: { ...result, ts: tx.snapshot.ts } };
      }
      const { commit, durable } = this.committer.commit(writes);
      await durable;
      return { type: "done", outcome: { ...result, ts: commit.ts } };
    } finally {
      started.tx?.finish();
    }
  }

  async runAction(address: FunctionAddress, args: string, ctx: CallContext): Promise<Outcome> {
    const handler = new ActionHandler(this, ctx);
    const ts = this.db.published.ts;
    const prepare = () => ({ message: this.message(0, "action", address, args, ctx, ts), handler });
    const result = withoutUsage(fromCallOutcome(await this.actionPool.run(prepare, this.limits.actionMs)));
    return result.ok ? { ...result, ts: this.db.published.ts } : result;
  }

  /** `http.ts`'s router on one request, in the action pool; the outcome's value is an `HttpActionResponse`. */
  async runHttpAction(request: HttpActionRequest, ctx: CallContext, identityError?: string): Promise<Outcome> {
    const handler = new ActionHandler(this, ctx);
    const ts = this.db.published.ts;
    const base = this.message(0, "action", HTTP_ROUTER_ADDRESS, "{}", ctx, ts);
    const message = identityError === undefined ? { ...base, http: request } : { ...base, http: request, identityError };
    const result = withoutUsage(fromCallOutcome(await this.actionPool.run(() => ({ message, handler }), this.limits.actionMs)));
    return result.ok ? { ...result, ts: this.db.published.ts } : result;
  }

  /** Runs any function by address (for actions' runQuery/runMutation and the scheduler). */
  async runAny(address: FunctionAddress, args: string, ctx: CallContext, options: MutationOptions = {}): Promise<Outcome> {
    const fn = this.functions.find(address);
    if (!fn) {
      return { ok: false, error: { message: `Could not find function for '${displayPath(address)}'.`, system: true }, logLines: [] };
    }
    if (fn.kind === "query") return (await this.runQuery(address, args, ctx, this.db.published)).outcome;
    if (fn.kind === "mutation") return await this.runMutation(address, args, ctx, options);
    return await this.runAction(address, args, ctx);
  }
}
