/**
 * Function worker entry. Loads the bundled `convex/` modules, installs the
 * `global.Convex` syscall bridge that `convex/server` calls into, and runs one top-level
 * function at a time (plus the nested `ctx.runQuery/runMutation/runAction` it makes).
 * Database syscalls go to the main thread; identity, metadata, `normalizeId` and nested
 * calls are answered here. Which call a syscall belongs to comes from AsyncLocalStorage.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { pathToFileURL } from "node:url";
import type { JSONValue, UdfKind, UserIdentity } from "../api.js";
import { argsBytes, argsShapeError, argsSizeError, resultSizeError, valueShapeError, type RunUsage } from "../callLimits.js";
import { decodeId } from "../ids.js";
import { canonicalPath, displayPath, parseUdfPath } from "../paths.js";
import { validateArgs, validateReturns, type TableNames, type ValidatorJson } from "../validator.js";
import { valueSize } from "../values.js";
import { installDeterminism, newRunClock, realPerformanceNow, type RunClock } from "./determinism.js";
import { evaluateAuthConfig } from "./authConfig.js";
import { formatLogLine } from "./format.js";
import { HttpResponseTooLarge, runHttpRequest } from "./httpAction.js";
import { analyze, httpRouter, register, type Modules, type RegisteredFunction } from "./modules.js";
import { toCallError } from "./errors.js";
import type { FunctionAddress, HttpActionRequest, MainToWorker, RunMessage, WorkerData, WorkerToMain } from "./protocol.js";
import { StreamTable } from "./streams.js";

const MAX_LOG_LINES = 256;
const data = workerData as WorkerData;
const port = parentPort!;

type Call = {
  readonly message: RunMessage;
  readonly logLines: string[];
  readonly tables: Map<number, string>;
  readonly streams: StreamTable;
  readonly clock: UserClock;
  /** Fixed time and seeded randomness of a query or mutation; null for an action. */
  readonly fixed: RunClock | null;
};

/** User-code time of a call: runs while no syscall is outstanding. */
class UserClock {
  private usedMs = 0;
  private resumedAt = realPerformanceNow();
  private pending = 0;

  pause(): number {
    if (this.pending++ === 0) this.usedMs += realPerformanceNow() - this.resumedAt;
    return this.usedMs;
  }

  resume(): void {
    if (--this.pending === 0) this.resumedAt = realPerformanceNow();
  }

  elapsed(): number {
    return this.pending > 0 ? this.usedMs : this.usedMs + (realPerformanceNow() - this.resumedAt);
  }
}

type Context = {
  call: Call;
  /** Main-side transaction id (0: no transaction, i.e. an action). */
  txId: number;
  kind: UdfKind;
  address: FunctionAddress;
  identity: UserIdentity | null;
};

const contexts = new AsyncLocalStorage<Context>();
type Reply = { result: string; docs?: string[] };
const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (e: unknown) => void; call: Call }>();
let nextReqId = 1;
let modules: Modules = {};

function send(message: WorkerToMain): void {
  port.postMessage(message);
}

function current(): Context {
  const ctx = contexts.getStore();
  if (!ctx) throw new Error("Convex syscall made outside of a running function");
  return ctx;
}

/** Sends a syscall to the main thread and waits for its reply. */
function request(op: string, args: string): Promise<Reply> {
  const ctx = current();
  const reqId = nextReqId++;
  return new Promise((resolve, reject) => {
    pending.set(reqId, { resolve, reject, call: ctx.call });
    const userMs = ctx.call.clock.pause();
    send({ type: "syscall", callId: ctx.call.message.callId, txId: ctx.txId, reqId, op, args, userMs });
  });
}

async function remote(op: string, args: string): Promise<string> {
  return (await request(op, args)).result;
}

function notice(op: string, args: string): void {
  const ctx = current();
  send({ type: "notice", callId: ctx.call.message.callId, txId: ctx.txId, op, args });
}

function tableNames(call: Call): TableNames {
  return (number) => call.tables.get(number);
}

// ---------------------------------------------------------------------------
// Synchronous syscalls

function syncSyscall(op: string, argsJson: string): string {
  const ctx = current();
  const args = JSON.parse(argsJson) as Record<string, unknown>;
  switch (op) {
    case "1.0/queryStream":
      return JSON.stringify({ queryId: ctx.call.streams.open(args.query) });
    case "1.0/queryCleanup": {
      const closed = ctx.call.streams.close(args.queryId as number);
      if (closed) notice("stream/close", JSON.stringify(closed));
      return JSON.stringify(true);
    }
    case "1.0/db/normalizeId": {
      const decoded = decodeId(String(args.idString));
      const ok = decoded !== null && ctx.call.tables.get(decoded.tableNumber) === args.table;
      return JSON.stringify({ id: ok ? args.idString : null });
    }
    case "1.0/getSnapshotTs":
      return JSON.stringify({ $integer: Buffer.from(bigIntLe(BigInt(ctx.call.message.snapshotTs))).toString("base64") });
    default:
      throw new Error(`Unknown operation ${op}`);
  }
}

function bigIntLe(n: bigint): Uint8Array {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64LE(BigInt.asIntN(64, n));
  return bytes;
}

// ---------------------------------------------------------------------------
// Asynchronous syscalls

async function asyncSyscall(op: string, argsJson: string): Promise<string> {
  const ctx = current();
  switch (op) {
    case "1.0/queryStreamNext":
      return await ctx.call.streams.next((JSON.parse(argsJson) as { queryId: number }).queryId, (args) =>
        request("stream/next", args),
      );
    case "1.0/getUserIdentity":
      if (ctx.call.message.identityError !== undefined) throw new Error(ctx.call.message.identityError);
      return JSON.stringify(ctx.identity);
    case "1.0/getFunctionMetadata":
      return JSON.stringify({ name: displayPath(ctx.address), componentPath: "" });
    case "1.0/getDeploymentMetadata":
      return JSON.stringify({ name: "local", region: null, class: "s16" });
    case "1.0/getRequestMetadata":
      return JSON.stringify({
        ip: null,
        userAgent: null,
        requestId: ctx.call.message.requestId,
        scheduledFunctionId: ctx.call.message.scheduledJobId,
        authToken: null,
      });
    case "1.0/runUdf":
      return await runNested(ctx, JSON.parse(argsJson) as NestedArgs);
    case "1.0/actions/action":
      return await runNestedAction(ctx, JSON.parse(argsJson) as NestedArgs);
    case "1.0/insert": {
      const result = await remote(op, argsJson);
      const { _id } = JSON.parse(result) as { _id: string };
      const decoded = decodeId(_id);
      if (decoded) ctx.call.tables.set(decoded.tableNumber, (JSON.parse(argsJson) as { table: string }).table);
      return result;
    }
    default:
      return await remote(op, argsJson);
  }
}

// ---------------------------------------------------------------------------
// Nested calls (same worker, same transaction for queries and mutations)

type NestedArgs = { udfType?: string; args: unknown; name?: string; reference?: string; functionHandle?: string };

function nestedAddress(args: NestedArgs): FunctionAddress {
  if (args.name === undefined) {
    throw new Error("Only function references by name are supported (components and function handles are not).");
  }
  return parseUdfPath(args.name);
}

function expectKind(fn: RegisteredFunction, kind: UdfKind, address: FunctionAddress): void {
  if (fn.kind !== kind) {
    const expected = kind[0]!.toUpperCase() + kind.slice(1);
    const actual = fn.kind[0]!.toUpperCase() + fn.kind.slice(1);
    throw new Error(`Trying to execute ${address.module}.js:${address.name} as ${expected}, but it is defined as ${actual}.`);
  }
}

async function runNested(parent: Context, args: NestedArgs): Promise<string> {
  const address = nestedAddress(args);
  const kind: UdfKind = args.udfType === "mutation" ? "mutation" : "query";
  if (kind === "mutation" && parent.kind !== "mutation") throw new Error("runMutation can only be called from a mutation");
  const fn = lookup(address);
  expectKind(fn, kind, address);
  const ctx: Context = { ...parent, kind, address };
  if (kind === "query") {
    try {
      return await contexts.run(ctx, async () => (await invoke(ctx, fn, JSON.stringify(args.args))).json);
    } catch (error) {
      throw nestedError(error);
    }
  }
  const savepoint = await remote("tx/savepoint", "{}");
  try {
    const result = await contexts.run(ctx, async () => (await invoke(ctx, fn, JSON.stringify(args.args))).json);
    await remote("tx/release", savepoint);
    return result;
  } catch (error) {
    await remote("tx/rollback", savepoint);
    throw nestedError(error);
  }
}

async function runNestedAction(parent: Context, args: NestedArgs): Promise<string> {
  const address = nestedAddress(args);
  const fn = lookup(address);
  expectKind(fn, "action", address);
  const ctx: Context = { ...parent, kind: "action", address, txId: 0 };
  try {
    return await contexts.run(ctx, async () => (await invoke(ctx, fn, JSON.stringify(args.args))).json);
  } catch (error) {
    throw nestedError(error);
  }
}

/** What `performAsyncSyscall` expects from a failed syscall: `message` and, for ConvexError, parsed `data`. */
function nestedError(error: unknown): unknown {
  const e = error as { message?: string; data?: unknown } | null;
  if (e && typeof e === "object" && Symbol.for("ConvexError") in e && typeof e.data === "string") {
    return Object.assign(new Error(e.message), { data: JSON.parse(e.data) });
  }
  return error;
}

// ---------------------------------------------------------------------------
// Invocation

function lookup(address: FunctionAddress): RegisteredFunction {
  const fn = modules[address.module]?.[address.name];
  if (!fn) throw new Error(`Could not find function for '${displayPath(address)}'.`);
  return fn;
}

class SystemError extends Error {}

type Invoked = { json: string; argsBytes: number; resultBytes: number };

async function invoke(ctx: Context, fn: RegisteredFunction, argsJson: string): Promise<Invoked> {
  const tables = tableNames(ctx.call);
  const path = canonicalPath(ctx.address);
  const args = JSON.parse(argsJson) as JSONValue;
  const shape = argsShapeError(args);
  if (shape !== null) throw new SystemError(shape.message);
  const argsSize = argsBytes(args);
  const argsError = argsSizeError(path, argsSize) ?? validateArgs(args, fn.argsValidator(), tables);
  if (argsError !== null) throw new SystemError(argsError);
  const json = await fn.invoke(ctx.call.message.requestId, argsJson);
  const result = JSON.parse(json) as JSONValue;
  const resultShape = valueShapeError(result);
  if (resultShape !== null) throw new SystemError(resultShape.message);
  const resultBytes = valueSize(result);
  const returnsError = resultSizeError(path, resultBytes) ?? validateReturns(result, fn.returnsValidator() as ValidatorJson | null, tables);
  if (returnsError !== null) throw new SystemError(returnsError);
  return { json, argsBytes: argsSize, resultBytes };
}

async function invokeHttp(request: HttpActionRequest): Promise<Invoked> {
  const router = httpRouter();
  if (router === null) throw new SystemError("This Convex deployment does not have HTTP actions enabled.");
  return { json: await runHttpRequest(router, request), argsBytes: 0, resultBytes: 0 };
}

async function run(message: RunMessage): Promise<void> {
  const call: Call = {
    message,
    logLines: [],
    tables: new Map(message.tables),
    streams: new StreamTable(),
    clock: new UserClock(),
    fixed: message.kind === "action" ? null : newRunClock(Date.now(), message.kind),
  };
  const ctx: Context = { call, txId: message.txId, kind: message.kind, address: message.address, identity: message.identity };
  try {
    const http = message.http;
    const invoked = await contexts.run(ctx, () => (http === undefined ? invoke(ctx, lookup(message.address), message.args) : invokeHttp(http)));
    const usage: RunUsage = { argsBytes: invoked.argsBytes, resultBytes: invoked.resultBytes, userMs: call.clock.elapsed() };
    closeStreams(ctx);
    send({ type: "done", callId: message.callId, ok: true, result: invoked.json, logLines: call.logLines, usage });
  } catch (error) {
    closeStreams(ctx);
    const callError = toCallError(error, data.functionsDir, error instanceof SystemError || error instanceof HttpResponseTooLarge);
    send({ type: "done", callId: message.callId, ok: false, error: callError, logLines: call.logLines });
  }
}

/** Streams the function left open still count as read up to what it consumed. */
function closeStreams(ctx: Context): void {
  for (const closed of ctx.call.streams.closeAll()) {
    send({ type: "notice", callId: ctx.call.message.callId, txId: ctx.txId, op: "stream/close", args: JSON.stringify(closed) });
  }
}

// ---------------------------------------------------------------------------
// Console capture

function installConsole(): void {
  const original = globalThis.console;
  const levels = { log: "LOG", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG" } as const;
  const captured = Object.create(original) as Console;
  for (const [method, level] of Object.entries(levels)) {
    (captured as unknown as Record<string, (...args: unknown[]) => void>)[method] = (...args: unknown[]) => {
      const ctx = contexts.getStore();
      if (!ctx) return (original as unknown as Record<string, (...a: unknown[]) => void>)[method]!(...args);
      appendLog(ctx.call.logLines, formatLogLine(level, args));
    };
  }
  globalThis.console = captured;
}

function appendLog(lines: string[], line: string): void {
  if (lines.length < MAX_LOG_LINES - 1) lines.push(line);
  else if (lines.length === MAX_LOG_LINES - 1) {
    lines.push(`[ERROR] Log overflow (maximum ${MAX_LOG_LINES}). Remaining log lines omitted.`);
  }
}

// ---------------------------------------------------------------------------
// Wiring

function onMessage(message: MainToWorker): void {
  if (message.type === "reply") {
    const waiter = pending.get(message.reqId);
    if (!waiter) return;
    pending.delete(message.reqId);
    waiter.call.clock.resume();
    for (const line of message.logLines ?? []) appendLog(waiter.call.logLines, line);
    if (message.ok) waiter.resolve({ result: message.result, docs: message.docs });
    else {
      const error = new Error(message.message) as Error & { data?: unknown };
      if (message.data !== undefined) error.data = JSON.parse(message.data);
      waiter.reject(error);
    }
  } else if (message.type === "run") {
    void run(message);
  } else {
    evaluateAuthConfig(data.authConfigPath, data.env).then(
      (authConfig) => send({ type: "analysis", ok: true, analysis: analyze(authConfig) }),
      (error: unknown) => send({ type: "analysis", ok: false, message: error instanceof Error ? error.message : String(error) }),
    );
  }
}

/**
 * A promise a function forgot to await may reject after the function returned; like
 * Convex, that does not fail other calls, so report it instead of letting Node kill the worker.
 */
function keepWorkerAlive(): void {
  const report = (kind: string) => (error: unknown) =>
    process.stderr.write(`[doctrina engine worker] ${kind}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.on("unhandledRejection", report("unhandled promise rejection"));
  process.on("uncaughtException", report("uncaught exception"));
}

async function main(): Promise<void> {
  process.setSourceMapsEnabled(true);
  keepWorkerAlive();
  (globalThis as unknown as { Convex: unknown }).Convex = { syscall: syncSyscall, asyncSyscall, jsSyscall: unsupportedJsSyscall };
  installConsole();
  installDeterminism(() => {
    const ctx = contexts.getStore();
    return ctx !== undefined && ctx.kind !== "action" ? ctx.call.fixed : null;
  });
  try {
    const loaded = (await import(pathToFileURL(data.bundlePath).href)) as { modules: Record<string, Record<string, unknown>> };
    modules = register(loaded.modules);
  } catch (error) {
    send({ type: "analysis", ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return;
  }
  port.on("message", onMessage);
  port.postMessage({ type: "ready" });
}

function unsupportedJsSyscall(op: string): never {
  throw new Error(`${op} is not supported by the Doctrina local backend.`);
}

void main();
