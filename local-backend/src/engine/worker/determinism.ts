/**
 * Queries and mutations are deterministic in Convex: `Date.now()` (and `new Date()`) is
 * fixed for the whole run, `Math.random` is a PRNG seeded once per run, `performance.now()`
 * is fixed at the run's start in a query and moves on from there in a mutation
 * (crates/isolate/src/environment/helpers/performance.rs), and `fetch`,
 * `setTimeout` and `setInterval` are refused with the backend's message. Actions see the
 * real clock, randomness and timers. Which rules apply is decided per call through
 * `current()`, because queries, mutations and (on the action pool) actions share globals.
 */
import { randomBytes } from "node:crypto";

/** The host's `performance.now`, for the engine's own timing (user code sees Convex's). */
export const realPerformanceNow = performance.now.bind(performance);

/** Per-run state of a query or mutation (nested calls share their parent's). */
export type RunClock = {
  readonly nowMs: number;
  readonly random: () => number;
  /** A mutation's `performance.now()` moves with the run; a query's stays at its start. */
  readonly moving: boolean;
  /** `realPerformanceNow()` when the run began. */
  readonly startedAt: number;
};

/** xoshiro128** over a 128-bit seed: fast, and a seed replays the same sequence. */
export function seededRandom(seed: Uint32Array): () => number {
  let [a, b, c, d] = [seed[0]! | 1, seed[1]!, seed[2]!, seed[3]!];
  return () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 2 ** 32;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function newRunClock(nowMs: number, kind: "query" | "mutation"): RunClock {
  const random = seededRandom(new Uint32Array(randomBytes(16).buffer));
  return { nowMs, random, moving: kind === "mutation", startedAt: realPerformanceNow() };
}

/** Convex's `performance.now()`: the run's start as an offset from `timeOrigin`, plus, in a mutation, the time since. */
function runPerformanceNow(clock: RunClock): number {
  const start = clock.nowMs - performance.timeOrigin;
  return clock.moving ? start + (realPerformanceNow() - clock.startedAt) : start;
}

/** The backend's `not_allowed_in_udf` text. */
export function notAllowedMessage(description: string): string {
  return `Can't use ${description} in queries and mutations. Please consider using an action. See https://docs.convex.dev/functions/actions for more details.`;
}

/** Installs the globals; `current()` is the running query/mutation's clock, or null (action, engine code). */
export function installDeterminism(current: () => RunClock | null): void {
  const RealDate = Date;
  const realNow = Date.now.bind(Date);
  const now = () => current()?.nowMs ?? realNow();
  class FixedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(now());
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return now();
    }
  }
  globalThis.Date = FixedDate as DateConstructor;
  const realRandom = Math.random.bind(Math);
  Math.random = () => (current()?.random ?? realRandom)();
  performance.now = () => {
    const clock = current();
    return clock === null ? realPerformanceNow() : runPerformanceNow(clock);
  };
  refuse("fetch", "fetch()");
  refuse("setTimeout", "setTimeout");
  refuse("setInterval", "setInterval");

  function refuse(name: "fetch" | "setTimeout" | "setInterval", description: string): void {
    const original = globalThis[name] as (...args: unknown[]) => unknown;
    const guarded = (...args: unknown[]) => {
      if (current() !== null) throw new Error(notAllowedMessage(description));
      return original(...args);
    };
    (globalThis as unknown as Record<string, unknown>)[name] = guarded;
  }
}
