/** Shared setup for engine tests: a fresh engine over the fixture project in a temp dir. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { createEngine, type Caller, type Deployment, type Engine, type EngineOptions, type JSONValue, type UdfKind, type UdfResult } from "../../src/engine/index.js";

export const FIXTURE = fileURLToPath(new URL("../fixtures/convex", import.meta.url));
export const PROJECT = fileURLToPath(new URL("../../../convex", import.meta.url));

export const anonymous: Caller = { identity: null, admin: false };
export const admin: Caller = { identity: null, admin: true };

export type TestEngine = {
  engine: Engine & Deployment;
  dataDir: string;
  call(path: string, args?: JSONValue, options?: { caller?: Caller; kind?: UdfKind }): Promise<UdfResult>;
  value(path: string, args?: JSONValue, options?: { caller?: Caller; kind?: UdfKind }): Promise<JSONValue>;
  close(): Promise<void>;
  /** Closes the engine and removes its data directory. */
  dispose(): Promise<void>;
};

let requests = 0;

export async function tempDir(): Promise<string> {
  return await mkdtemp(join(tmpdir(), "doctrina-engine-"));
}

export async function startEngine(options: Partial<EngineOptions> = {}): Promise<TestEngine> {
  const dataDir = options.dataDir ?? (await tempDir());
  const engine = await createEngine({ functionsDir: FIXTURE, ...options, dataDir });
  const call = (path: string, args: JSONValue = {}, opts: { caller?: Caller; kind?: UdfKind } = {}) =>
    engine.run({ path, args, caller: opts.caller ?? anonymous, kind: opts.kind, requestId: `test-${++requests}` });
  const value = async (path: string, args: JSONValue = {}, opts: { caller?: Caller; kind?: UdfKind } = {}) => {
    const result = await call(path, args, opts);
    expect(result, JSON.stringify(result, bigintSafe)).toMatchObject({ status: "success" });
    return (result as Extract<UdfResult, { status: "success" }>).value;
  };
  let closed = false;
  const close = async () => {
    if (!closed) await engine.close();
    closed = true;
  };
  return { engine, dataDir, call, value, close, dispose: async () => {
    await close();
    await rm(dataDir, { recursive: true, force: true });
  } };
}

export function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export function errorOf(result: UdfResult): Extract<UdfResult, { status: "error" }> {
  expect(result.status, JSON.stringify(result, bigintSafe)).toBe("error");
  return result as Extract<UdfResult, { status: "error" }>;
}

export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
