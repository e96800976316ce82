/**
 * The server's single door to the engine: refuses internal functions to callers
 * without the admin key (whatever the engine does) and turns engine exceptions
 * into Convex-style "Server Error" results, so no bad function takes a request
 * path down with it.
 */
import { randomBytes } from "node:crypto";
import type { Deployment, Engine, FunctionInfo, JSONValue, ReadSet, UdfRequest, UdfResult } from "../engine/api.js";
import type { CliSnapshots } from "./http/cli/snapshots.js";
import { isSystemPath, systemQuery } from "./system/cliFunctions.js";
import { canonicalPath } from "./udfArgs.js";

/** Re-evaluated on any commit: used when the engine could not say what a query read. */
export const READS_EVERYTHING: ReadSet = { isInvalidatedBy: () => true };

export function newRequestId(): string {
  return randomBytes(8).toString("hex");
}

export function serverError(requestId: string): UdfResult {
  return { status: "error", errorMessage: `[Request ID: ${requestId}] Server Error`, logLines: [] };
}

type Tracked = { result: UdfResult; readSet: ReadSet };

export class FunctionRunner {
  private index: { source: FunctionInfo[]; byPath: Map<string, FunctionInfo> } | undefined;
  /** Identical subscription queries at one snapshot, already running: after a commit, every
   * connection watching the same query asks for it at once, and one run answers them all. */
  private readonly inFlight = new Map<string, Promise<Tracked>>();

  /** The URL clients reach this server at (`_system/cli/convexUrl:cloudUrl`), known once it listens. */
  cloudUrl = "";

  constructor(
    readonly engine: Engine,
    private readonly logError: (context: string, error: unknown) => void,
    private readonly deployment?: Deployment,
    /** `npx convex export` / `import` state, read by their `_system/cli` queries. */
    private readonly snapshots?: CliSnapshots,
  ) {}

  async run(request: UdfRequest): Promise<UdfResult> {
    if (isSystemPath(request.path)) return this.runSystem(request);
    const refused = this.refuse(request);
    if (refused !== undefined) return refused;
    try {
      return await this.engine.run(request);
    } catch (error) {
      this.logError(`running ${request.path}`, error);
      return serverError(request.requestId);
    }
  }

  runTracked(request: UdfRequest): Promise<Tracked> {
    // Queries are deterministic in (function, args, identity, snapshot, pagination journal).
    if (request.atTs === undefined) return this.runTrackedOnce(request);
    const key = JSON.stringify([request.path, request.args, request.caller, request.atTs.toString(), request.journal]);
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const run = this.runTrackedOnce(request).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, run);
    return run;
  }

  private async runTrackedOnce(request: UdfRequest): Promise<Tracked> {
    // System queries read deployment state outside the document store: any commit may change them.
    if (isSystemPath(request.path)) return { result: this.runSystem(request), readSet: READS_EVERYTHING };
    const refused = this.refuse(request);
    if (refused !== undefined) return { result: refused, readSet: READS_EVERYTHING };
    try {
      return await this.engine.runQueryTracked(request);
    } catch (error) {
      this.logError(`running query ${request.path}`, error);
      return { result: serverError(request.requestId), readSet: READS_EVERYTHING };
    }
  }

  /** `_system/*`: backend functions for the admin (the CLI), invisible to everyone else. */
  private runSystem(request: UdfRequest): UdfResult {
    const query = request.caller.admin && this.deployment !== undefined && this.snapshots !== undefined ? systemQuery(indexKey(request.path)) : undefined;
    if (query === undefined || (request.kind !== undefined && request.kind !== "query")) {
      return {
        status: "error",
        errorMessage: `[Request ID: ${request.requestId}] Server Error\nCould not find function for '${request.path}'.`,
        logLines: [],
      };
    }
    try {
      const args = (request.args ?? {}) as Record<string, JSONValue>;
      const value = query(args, { deployment: this.deployment!, functions: this.engine.functions(), cloudUrl: this.cloudUrl, snapshots: this.snapshots! });
      return { status: "success", value, logLines: [], ts: this.engine.latestTs() };
    } catch (error) {
      this.logError(`running ${request.path}`, error);
      return serverError(request.requestId);
    }
  }

  /** Internal functions do not exist for callers without the admin key (as in Convex). */
  private refuse(request: UdfRequest): UdfResult | undefined {
    if (request.caller.admin || this.lookup(request.path)?.visibility !== "internal") return undefined;
    return {
      status: "error",
      errorMessage:
        `[Request ID: ${request.requestId}] Server Error\nCould not find public function for '${request.path}'. ` +
        "Did you forget to run `npx convex dev` or `npx convex deploy`?",
      logLines: [],
    };
  }

  private lookup(path: string): FunctionInfo | undefined {
    const functions = this.engine.functions();
    if (this.index?.source !== functions) {
      this.index = { source: functions, byPath: new Map(functions.map((info) => [indexKey(info.path), info])) };
    }
    return this.index.byPath.get(path);
  }
}

function indexKey(path: string): string {
  try {
    return canonicalPath(path);
  } catch {
    return path;
  }
}
