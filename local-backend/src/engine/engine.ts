/**
 * The engine: wires the bundle, the analyze step, the store and its persistence, the
 * worker pools, the scheduler and crons behind the `Engine` interface.
 */
import { mkdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import {
  DeploymentError,
  type AuthProvider,
  type Commit,
  type Deployment,
  type Engine,
  type EnvVarChange,
  type FunctionInfo,
  type FunctionLogEntry,
  type HttpActionCall,
  type HttpActionReply,
  type HttpRoute,
  type ImportFormat,
  type ImportMode,
  type ImportTableChange,
  type PushedModule,
  type ReadSet,
  type SnapshotExportCounts,
  type SnapshotImportCounts,
  type SnapshotProgress,
  type TablePage,
  type UdfRequest,
  type UdfResult,
} from "./api.js";
import { authProviders, CHANGED_AUTH_CONFIG, PUSHED_AUTH_CONFIG, refusedCode } from "./codeRefusal.js";
import { argsShapeError } from "./callLimits.js";
import { Committer } from "./committer.js";
import { CronRunner } from "./crons.js";
import { lockedMessage, readHolder, removeHolder, writeHolder } from "./durability/holder.js";
import { DataDirLockedError, Persistence } from "./durability/persistence.js";
import { applyEnvChanges, readDeploymentEnv, writeDeploymentEnv } from "./env.js";
import { functionInfos, FunctionRegistry } from "./functions.js";
import { NO_HTTP_ACTIONS, replyFromOutcome, textReply } from "./httpActions.js";
import { Runner, type Outcome } from "./runner.js";
import { Scheduler } from "./scheduler.js";
import { displayPath } from "./paths.js";
import { removeOtherPushes, writePushedBundle } from "./pushedBundle.js";
import { savePushedVersion, startingBundles } from "./pushedVersion.js";
import { parseSchema } from "./schema.js";
import { applySchemaChange, validateExistingDocuments } from "./schemaChange.js";
import { exportSnapshot } from "./snapshot/export.js";
import { importSnapshot, previewImport } from "./snapshot/import.js";
import { importSource } from "./snapshot/sources.js";
import { TableBrowser } from "./tableBrowser.js";
import { Database, nextTimestamp } from "./store/database.js";
import { ReadSetImpl } from "./store/readset.js";
import { analyzeBundle } from "./worker/analyze.js";
import { WorkerPool } from "./worker/pool.js";
import type { Analysis, CallError, WorkerData } from "./worker/protocol.js";
import { workerScript } from "./workerScript.js";

export type EngineOptions = {
  /** Where the database and build artifacts live; one engine at a time (the store is locked). */
  dataDir: string;
  /** The Convex functions directory (`convex/`). */
  functionsDir: string;
  /** User-code time limit per query or mutation (ms). Default 1000, as Convex. */
  queryMutationTimeoutMs?: number;
  /** Time limit per action (ms). Default 600000. */
  actionTimeoutMs?: number;
  /** Workers for queries and mutations. Default max(4, 2 x CPUs). */
  maxWorkers?: number;
  /** Workers for actions. Default 16. */
  maxActionWorkers?: number;
  /** Deployment environment variables; default: `<dataDir>/env.json`. */
  env?: Record<string, string>;
  /**
   * Convex's system environment variables (`CONVEX_CLOUD_URL`, `CONVEX_SITE_URL`): every function sees
   * them over the deployment's own; `npx convex env list/set` neither shows nor stores them.
   */
  systemEnv?: Record<string, string>;
  /** Variables the deployment has unless `env` / env.json sets them (the local backend's own defaults). */
  defaultEnv?: Record<string, string>;
};

export function errorResult(requestId: string, error: CallError, logLines: string[]): UdfResult {
  const message = `[Request ID: ${requestId}] Server Error\n${error.message}\n${error.frames ?? ""}`;
  const code = error.code === undefined ? {} : { errorCode: error.code };
  return error.data === undefined
    ? { status: "error", errorMessage: message, ...code, logLines }
    : { status: "error", errorMessage: message, errorData: JSON.parse(error.data), ...code, logLines };
}

function toResult(requestId: string, outcome: Outcome): UdfResult {
  if (!outcome.ok) return errorResult(requestId, outcome.error, outcome.logLines);
  const result: UdfResult = { status: "success", value: JSON.parse(outcome.value), logLines: outcome.logLines, ts: outcome.ts };
  return outcome.journal ? { ...result, journal: outcome.journal } : result;
}

/** The providers the starting code trusts; its auth config is refused as a push of it would be. */
function startingProviders(analysis: Analysis): AuthProvider[] {
  try {
    return authProviders(analysis.authConfig, PUSHED_AUTH_CONFIG);
  } catch (error) {
    const refusal = error as DeploymentError;
    throw new Error(`${refusal.code}: ${refusal.message}`);
  }
}

/** The parts of the engine a push replaces. */
type Code = { data: WorkerData; schema: string | null; crons: CronRunner; providers: AuthProvider[]; httpRoutes: HttpRoute[] | null };

export class LocalEngine implements Engine, Deployment {
  private closing: Promise<void> | null = null;
  /** Pushes and environment changes, one at a time. */
  private changes: Promise<unknown> = Promise.resolve();
  private readonly pushListeners = new Set<() => void>();

  private constructor(
    private readonly dataDir: string,
    private readonly db: Database,
    private readonly persistence: Persistence,
    private readonly committer: Committer,
    private readonly runner: Runner,
    private readonly registry: FunctionRegistry,
    private readonly pools: WorkerPool[],
    private readonly scheduler: Scheduler,
    private code: Code,
    private readonly files: { script: string; buildDir: string },
    private readonly systemEnv: Record<string, string>,
  ) {}

  static async create(options: EngineOptions): Promise<LocalEngine> {
    const dataDir = resolve(options.dataDir);
    const functionsDir = resolve(options.functionsDir);
    await mkdir(dataDir, { recursive: true });
    const persistence = await openLocked(dataDir);
    try {
      return await LocalEngine.start(options, dataDir, functionsDir, persistence);
    } catch (error) {
      persistence.close();
      await removeHolder(dataDir);
      throw error;
    }
  }

  private static async start(options: EngineOptions, dataDir: string, functionsDir: string, persistence: Persistence): Promise<LocalEngine> {
    const buildDir = join(dataDir, "build");
    const env = { ...options.defaultEnv, ...(options.env ?? (await readDeploymentEnv(dataDir))), ...options.systemEnv };
    const [bundles, script] = await Promise.all([startingBundles(dataDir, functionsDir, buildDir), workerScript(buildDir)]);
    const data: WorkerData = { bundlePath: bundles.functions, authConfigPath: bundles.authConfig, functionsDir, env };
    const analysis = await analyzeBundle(script, data);
    const db = new Database(parseSchema(analysis.schema), 0n);
    await persistence.load(db, join(dataDir, "db"));
    for (const table of db.schema.tables.keys()) db.ensureTableNumber(table);
    persistence.persistTables();
    db.advanceTo(nextTimestamp(db.latest.ts));
    const workers = options.maxWorkers ?? Math.max(4, 2 * availableParallelism());
    const txPool = new WorkerPool(script, data, workers);
    const actionPool = new WorkerPool(script, data, options.maxActionWorkers ?? 16);
    await txPool.warm(2);
    const committer = new Committer(db, persistence);
    const registry = new FunctionRegistry(analysis.functions);
    const runner = new Runner(db, committer, registry, txPool, actionPool, {
      queryMutationMs: options.queryMutationTimeoutMs ?? 1000,
      actionMs: options.actionTimeoutMs ?? 600_000,
    });
    const scheduler = new Scheduler(runner);
    const crons = new CronRunner(runner, analysis.crons);
    const code: Code = { data, schema: analysis.schema, crons, providers: startingProviders(analysis), httpRoutes: analysis.httpRoutes };
    const engine = new LocalEngine(dataDir, db, persistence, committer, runner, registry, [txPool, actionPool], scheduler, code, { script, buildDir }, options.systemEnv ?? {});
    committer.onCommit((commit) => scheduler.onCommit(commit));
    await scheduler.start();
    await crons.start();
    return engine;
  }

  async run(request: UdfRequest): Promise<UdfResult> {
    return (await this.execute(request)).result;
  }

  async runQueryTracked(request: UdfRequest): Promise<{ result: UdfResult; readSet: ReadSet }> {
    return await this.execute({ ...request, kind: request.kind ?? "query" });
  }

  private async execute(request: UdfRequest): Promise<{ result: UdfResult; readSet: ReadSet }> {
    const startedAtMs = Date.now();
    const started = performance.now();
    const executed = await this.executeResolved(request);
    if (executed.kind !== null) {
      const { result } = executed.tracked;
      this.runner.logs.emit({
        kind: executed.kind,
        caller: "client",
        path: executed.path,
        requestId: request.requestId,
        startedAtMs,
        durationMs: performance.now() - started,
        logLines: result.logLines,
        error: result.status === "error" ? result.errorMessage.replace(/^\[Request ID: [^\]]*\] Server Error\n?/, "") : null,
      });
    }
    return executed.tracked;
  }

  private async executeResolved(
    request: UdfRequest,
  ): Promise<{ tracked: { result: UdfResult; readSet: ReadSet }; kind: FunctionLogEntry["kind"] | null; path: string }> {
    const tracked = (result: UdfResult, readSet: ReadSet, kind: FunctionLogEntry["kind"] | null = null, path = "") => ({
      tracked: { result, readSet },
      kind,
      path,
    });
    const empty = new ReadSetImpl(this.db.published.ts);
    const fail = (message: string) => tracked(errorResult(request.requestId, { message, system: true }, []), empty);
    const resolved = this.registry.resolve(request.path, request.kind, request.caller);
    if (typeof resolved === "string") return fail(resolved);
    const ctx = { identity: request.caller.identity, requestId: request.requestId };
    // Before anything recursive (JSON.stringify included) touches the value.
    const shape = request.argsJson === undefined ? argsShapeError(request.args) : null;
    if (shape !== null) return fail(shape.message);
    const args = request.argsJson ?? JSON.stringify(request.args);
    const { kind } = resolved.fn;
    const path = displayPath(resolved.address);
    if (kind === "query") {
      const snapshot = request.atTs === undefined ? this.db.published : this.db.snapshotAt(request.atTs);
      if (snapshot === null) return fail(`Timestamp ${request.atTs} is older than the retained history.`);
      const { outcome, readSet } = await this.runner.runQuery(resolved.address, args, ctx, snapshot, request.journal ?? null);
      return tracked(toResult(request.requestId, outcome), readSet, kind, path);
    }
    const outcome =
      kind === "mutation"
        ? await this.runner.runMutation(resolved.address, args, ctx)
        : await this.runner.runAction(resolved.address, args, ctx);
    return tracked(toResult(request.requestId, outcome), empty, kind, path);
  }

  latestTs(): bigint {
    return this.db.published.ts;
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    return this.committer.onCommit(listener);
  }

  commitsSince(ts: bigint): Commit[] | null {
    return this.db.publishedCommitsAfter(ts);
  }

  functions(): FunctionInfo[] {
    return this.registry.list();
  }

  authProviders(): AuthProvider[] {
    return this.code.providers;
  }

  httpRoutes(): HttpRoute[] | null {
    return this.code.httpRoutes;
  }

  async runHttpAction(call: HttpActionCall): Promise<HttpActionReply> {
    if (this.code.httpRoutes === null) return textReply(404, NO_HTTP_ACTIONS);
    const startedAtMs = Date.now();
    const started = performance.now();
    const request = { method: call.method, url: call.url, headers: call.headers, body: call.body?.toString("base64") ?? null };
    const ctx = { identity: call.caller.identity, requestId: call.requestId };
    const outcome = await this.runner.runHttpAction(request, ctx, call.identityError);
    this.runner.logs.emit({
      kind: "httpAction",
      caller: "client",
      path: `${call.method} ${new URL(call.url).pathname}`,
      requestId: call.requestId,
      startedAtMs,
      durationMs: performance.now() - started,
      logLines: outcome.logLines,
      error: outcome.ok ? null : outcome.error.message,
    });
    return replyFromOutcome(call.requestId, outcome);
  }

  push(modules: PushedModule[], options: { dryRun: boolean }): Promise<FunctionInfo[]> {
    return this.serialized(async () => {
      const pushed = await writePushedBundle(this.files.buildDir, modules);
      let analysis: Analysis;
      try {
        const data: WorkerData = { ...this.code.data, bundlePath: pushed.functions, authConfigPath: pushed.authConfig };
        analysis = await this.analyze(data);
        if (!options.dryRun) {
          // Saved first: a push that is acknowledged is also the code the next start serves.
          await savePushedVersion(this.dataDir, data.functionsDir, modules);
          await this.swapIn(data, analysis);
        }
      } finally {
        await removeOtherPushes(this.files.buildDir, this.code.data.bundlePath);
      }
      if (!options.dryRun) for (const listener of this.pushListeners) listener();
      return functionInfos(analysis.functions);
    });
  }

  /** Loads the pushed code once; refuses code that does not load and a schema that stored documents violate. */
  private async analyze(data: WorkerData): Promise<Analysis> {
    let analysis: Analysis;
    try {
      analysis = await analyzeBundle(this.files.script, data);
      authProviders(analysis.authConfig, PUSHED_AUTH_CONFIG);
    } catch (error) {
      throw refusedCode(error, PUSHED_AUTH_CONFIG);
    }
    if (analysis.schema !== this.code.schema) validateExistingDocuments(this.db, parseSchema(analysis.schema));
    return analysis;
  }

  private async swapIn(data: WorkerData, analysis: Analysis): Promise<void> {
    if (analysis.schema !== this.code.schema) await applySchemaChange(this.db, this.persistence, parseSchema(analysis.schema));
    await Promise.all(this.pools.map((pool) => pool.reload(data)));
    this.registry.replace(analysis.functions);
    this.code.crons.stop();
    const crons = new CronRunner(this.runner, analysis.crons);
    this.code = { data, schema: analysis.schema, crons, providers: authProviders(analysis.authConfig, PUSHED_AUTH_CONFIG), httpRoutes: analysis.httpRoutes };
    await crons.start();
  }

  onPush(listener: () => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  environmentVariables(): Record<string, string> {
    return Object.fromEntries(Object.entries(this.code.data.env).filter(([name]) => !(name in this.systemEnv)));
  }

  updateEnvironmentVariables(changes: EnvVarChange[]): Promise<void> {
    return this.serialized(async () => {
      const env = applyEnvChanges(this.environmentVariables(), changes);
      const data: WorkerData = { ...this.code.data, env: { ...env, ...this.systemEnv } };
      const providers = await this.reevaluatedProviders(data);
      await writeDeploymentEnv(this.dataDir, env);
      await Promise.all(this.pools.map((pool) => pool.reload(data)));
      this.code = { ...this.code, data, providers };
    });
  }

  /** Like Convex, an environment change re-evaluates the auth config and is refused if that fails. */
  private async reevaluatedProviders(data: WorkerData): Promise<AuthProvider[]> {
    if (data.authConfigPath === null) return this.code.providers;
    try {
      return authProviders((await analyzeBundle(this.files.script, data)).authConfig, CHANGED_AUTH_CONFIG);
    } catch (error) {
      throw refusedCode(error, CHANGED_AUTH_CONFIG);
    }
  }

  tables(): { name: string; documents: number }[] {
    return this.tableBrowser().tables();
  }

  tableDocuments(table: string, order: "asc" | "desc", cursor: string | null, numItems: number): TablePage {
    return this.tableBrowser().page(table, order, cursor, numItems);
  }

  private tableBrowser(): TableBrowser {
    return new TableBrowser(this.db.published, [...this.db.tableNumbers().keys()]);
  }

  onFunctionLog(listener: (entry: FunctionLogEntry) => void): () => void {
    return this.runner.logs.on(listener);
  }

  private serialized<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changes.then(change, change);
    this.changes = next.catch(() => undefined);
    return next;
  }

  async exportSnapshot(zipPath: string, options: { onProgress?: (progress: SnapshotProgress) => void } = {}): Promise<SnapshotExportCounts> {
    return await exportSnapshot(this.db, resolve(zipPath), options.onProgress);
  }

  async importSnapshot(
    path: string,
    options: { mode: ImportMode; format?: ImportFormat; table?: string; onProgress?: (progress: SnapshotProgress) => void },
  ): Promise<SnapshotImportCounts> {
    return await importSnapshot({ db: this.db, persistence: this.persistence, committer: this.committer }, resolve(path), importSource(options), options.mode, options.onProgress);
  }

  async previewImport(path: string, options: { mode: ImportMode; format?: ImportFormat; table?: string }): Promise<ImportTableChange[]> {
    return await previewImport(this.db, resolve(path), importSource(options), options.mode);
  }

  /** Stops timers and workers (in-flight calls fail), writes queued commits, releases the data directory. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.scheduler.stop();
      this.code.crons.stop();
      await Promise.all(this.pools.map((pool) => pool.close()));
      this.persistence.close();
      await removeHolder(this.dataDir);
    })();
    return this.closing;
  }
}

/** Opens the store of `dataDir`, refusing with the holder's pid and URL when another engine has it. */
async function openLocked(dataDir: string): Promise<Persistence> {
  try {
    const persistence = await Persistence.open(join(dataDir, "db"));
    await writeHolder(dataDir, { pid: process.pid, url: null });
    return persistence;
  } catch (error) {
    if (error instanceof DataDirLockedError) throw new DataDirLockedError(lockedMessage(dataDir, await readHolder(dataDir)));
    throw error;
  }
}
