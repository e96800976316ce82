/**
 * Main-thread side of function workers: a pool that runs one top-level call per worker,
 * forwards the worker's syscalls to the call's handler, and enforces the per-call time
 * limit. Time is counted like Convex's user-code time: the clock stops while a syscall
 * is outstanding. The worker measures that time itself and reports it with each syscall;
 * between syscalls the pool extrapolates, so a worker stuck in a loop is still caught. A
 * worker over its limit is terminated (this stops even `while (true) {}`) and replaced;
 * other calls keep running on other workers.
 */
import { Worker } from "node:worker_threads";
import type { DoneMessage, MainToWorker, RunMessage, SyscallMessage, WorkerData, WorkerToMain } from "./protocol.js";

export type CallMessage = Omit<RunMessage, "type" | "callId">;

export type SyscallReply = { result: string; docs?: string[]; logLines?: string[] };

export interface CallHandler {
  syscall(op: string, args: string, txId: number): Promise<SyscallReply> | SyscallReply;
  notice(op: string, args: string, txId: number): void;
}

export type CallOutcome =
  | DoneMessage
  | { type: "timeout"; limitMs: number }
  | { type: "crashed"; message: string };

/** A syscall failure carrying ConvexError data (convex-encoded JSON text) to the function. */
export class SyscallError extends Error {
  constructor(
    message: string,
    readonly data?: string,
    /** Log lines of a nested call that failed, shown in the caller's logs. */
    readonly logLines?: string[],
  ) {
    super(message);
  }
}

type ActiveCall = {
  callId: number;
  handler: CallHandler;
  limitMs: number;
  resolve: (outcome: CallOutcome) => void;
  usedMs: number;
  resumedAt: number;
  pendingSyscalls: number;
};

const TICK_MS = 20;

class PooledWorker {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  active: ActiveCall | null = null;
  dead = false;

  constructor(
    script: string,
    readonly data: WorkerData,
    onExit: (w: PooledWorker) => void,
  ) {
    this.worker = new Worker(script, { workerData: data, env: data.env, stdout: false, stderr: false });
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onReady = (message: WorkerToMain) => {
        if (message.type === "ready") resolve();
        else if (message.type === "analysis" && !message.ok) reject(new Error(message.message));
        else return;
        this.worker.off("message", onReady);
      };
      this.worker.on("message", onReady);
      this.worker.once("error", reject);
    });
    this.worker.on("message", (message: WorkerToMain) => this.onMessage(message));
    this.worker.on("error", (error) => this.finish({ type: "crashed", message: String(error?.stack ?? error) }));
    this.worker.on("exit", () => {
      this.dead = true;
      this.finish({ type: "crashed", message: "The function worker exited." });
      onExit(this);
    });
  }

  post(message: MainToWorker): void {
    this.worker.postMessage(message);
  }

  finish(outcome: CallOutcome): void {
    const call = this.active;
    if (!call) return;
    this.active = null;
    call.resolve(outcome);
  }

  private onMessage(message: WorkerToMain): void {
    const call = this.active;
    if (message.type === "done") {
      if (call?.callId === message.callId) this.finish(message);
    } else if (message.type === "syscall") {
      if (call?.callId === message.callId) this.serve(call, message);
    } else if (message.type === "notice") {
      if (call?.callId === message.callId) call.handler.notice(message.op, message.args, message.txId);
    }
  }

  private serve(call: ActiveCall, { reqId, op, args, txId, userMs }: SyscallMessage): void {
    // The worker's own measure replaces ours: ours also counts message delivery latency.
    call.pendingSyscalls++;
    call.usedMs = userMs;
    const reply = (message: MainToWorker) => {
      if (--call.pendingSyscalls === 0) call.resumedAt = performance.now();
      if (this.active === call) this.post(message);
    };
    const fail = (error: unknown) => {
      const e = error as SyscallError;
      reply({ type: "reply", reqId, ok: false, message: e?.message ?? String(error), data: e?.data, logLines: e?.logLines });
    };
    try {
      Promise.resolve(call.handler.syscall(op, args, txId)).then((r) => {
        // Absent fields stay absent: structured clone of fewer keys makes the round trip cheaper.
        const message: MainToWorker = { type: "reply", reqId, ok: true, result: r.result };
        if (r.docs) message.docs = r.docs;
        if (r.logLines) message.logLines = r.logLines;
        reply(message);
      }, fail);
    } catch (error) {
      fail(error);
    }
  }

  /** Time the function itself has been running (syscall service time excluded). */
  userTime(now: number): number {
    const call = this.active!;
    return call.pendingSyscalls > 0 ? call.usedMs : call.usedMs + (now - call.resumedAt);
  }
}

export class WorkerPool {
  private readonly workers = new Set<PooledWorker>();
  private readonly idle: PooledWorker[] = [];
  private readonly queue: (() => void)[] = [];
  private nextCallId = 1;
  private ticker: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly script: string,
    private data: WorkerData,
    private readonly maxWorkers: number,
  ) {}

  /**
   * New code or environment variables (a push, `npx convex env`): idle workers are replaced
   * now, busy ones when their call ends, so every call that starts later sees `data`.
   */
  async reload(data: WorkerData): Promise<void> {
    this.data = data;
    const stale = this.idle.splice(0);
    for (const worker of stale) this.retire(worker);
    await this.warm(Math.min(stale.length, 2));
  }

  /** Starts `count` workers ahead of demand so the first calls do not pay for a cold start. */
  async warm(count: number): Promise<void> {
    const started = Array.from({ length: Math.min(count, this.maxWorkers) }, () => this.spawn());
    await Promise.all(started.map((w) => w.ready));
    this.idle.push(...started);
  }

  /**
   * Runs one call. `prepare` runs once a worker is free, so a transaction's snapshot is taken
   * when it can start executing, not while it waits for a worker (fewer OCC conflicts).
   */
  async run(prepare: () => { message: CallMessage; handler: CallHandler }, limitMs: number): Promise<CallOutcome> {
    const worker = await this.acquire();
    const callId = this.nextCallId++;
    const { message, handler } = prepare();
    const outcome = await new Promise<CallOutcome>((resolve) => {
      worker.active = { callId, handler, limitMs, resolve, usedMs: 0, resumedAt: performance.now(), pendingSyscalls: 0 };
      this.startTicker();
      worker.post({ ...message, type: "run", callId });
    });
    this.release(worker);
    return outcome;
  }

  private spawn(): PooledWorker {
    const worker = new PooledWorker(this.script, this.data, (w) => this.forget(w));
    this.workers.add(worker);
    return worker;
  }

  private async acquire(): Promise<PooledWorker> {
    for (;;) {
      if (this.closed) throw new Error("The engine is shut down.");
      const idle = this.idle.pop();
      if (idle && !idle.dead && idle.data === this.data) return idle;
      if (idle) {
        this.retire(idle);
        continue;
      }
      if (this.workers.size < this.maxWorkers) {
        const worker = this.spawn();
        try {
          await worker.ready;
          return worker;
        } catch (error) {
          this.forget(worker);
          throw error;
        }
      }
      await new Promise<void>((resolve) => this.queue.push(resolve));
    }
  }

  private release(worker: PooledWorker): void {
    if (worker.data !== this.data) this.retire(worker);
    else if (!worker.dead && !this.closed) this.idle.push(worker);
    this.queue.shift()?.();
  }

  private retire(worker: PooledWorker): void {
    worker.dead = true;
    this.forget(worker);
    void worker.worker.terminate();
  }

  private forget(worker: PooledWorker): void {
    this.workers.delete(worker);
    const index = this.idle.indexOf(worker);
    if (index >= 0) this.idle.splice(index, 1);
    this.queue.shift()?.();
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => this.enforceLimits(), TICK_MS);
    this.ticker.unref();
  }

  private enforceLimits(): void {
    const now = performance.now();
    let busy = 0;
    for (const worker of this.workers) {
      const call = worker.active;
      if (!call) continue;
      busy++;
      if (worker.userTime(now) <= call.limitMs) continue;
      worker.finish({ type: "timeout", limitMs: call.limitMs });
      worker.dead = true;
      this.forget(worker);
      void worker.worker.terminate();
    }
    if (busy === 0 && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = null;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.ticker) clearInterval(this.ticker);
    for (const resolve of this.queue.splice(0)) resolve();
    await Promise.all([...this.workers].map((w) => w.worker.terminate()));
  }
}
