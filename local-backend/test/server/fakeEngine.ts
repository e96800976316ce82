/**
 * A small in-memory Engine for testing the protocol layer on its own: a versioned
 * key-value store (so `atTs` reads work), key-level read sets, serialized
 * mutations, and a handful of functions shaped like the engine's fixtures.
 */
import type {
  AuthProvider,
  Caller,
  Commit,
  Engine,
  FunctionInfo,
  JSONValue,
  ReadSet,
  UdfKind,
  UdfRequest,
  UdfResult,
} from "../../src/engine/api.js";

type Ctx = {
  caller: Caller;
  read(key: string): JSONValue;
  write(key: string, value: JSONValue): void;
  log(line: string): void;
  runMutation(path: string, args: JSONValue): Promise<JSONValue>;
};

type Fn = {
  kind: UdfKind;
  visibility?: "public" | "internal";
  journal?: (previous: string | null | undefined) => string;
  handler(ctx: Ctx, args: Record<string, JSONValue>): Promise<JSONValue> | JSONValue;
};

export class UserError extends Error {
  constructor(readonly data: JSONValue) {
    super(typeof data === "string" ? data : "ConvexError");
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const FUNCTIONS: Record<string, Fn> = {
  "counter:get": { kind: "query", handler: (ctx) => ctx.read("counter") ?? 0 },
  "counter:increment": {
    kind: "mutation",
    handler: (ctx, args) => {
      const next = (Number(ctx.read("counter") ?? 0)) + Number(args.by ?? 1);
      ctx.write("counter", next);
      return next;
    },
  },
  "counter:slowIncrement": {
    kind: "mutation",
    handler: async (ctx) => {
      const current = Number(ctx.read("counter") ?? 0);
      await sleep(20);
      ctx.write("counter", current + 1);
      return current + 1;
    },
  },
  "counter:other": { kind: "query", handler: (ctx) => ctx.read("other") ?? null },
  "counter:setOther": {
    kind: "mutation",
    handler: (ctx, args) => {
      ctx.write("other", args.value ?? null);
      return null;
    },
  },
  "values:special": {
    kind: "query",
    handler: () => ({
      int: { $integer: "BQAAAAAAAAA=" },
      float: 1,
      half: 1.5,
      nan: { $float: "AAAAAAAA+H8=" },
      negZero: { $float: "AAAAAAAAAIA=" },
      bytes: { $bytes: "AQID" },
      list: [1, 2],
    }),
  },
  "values:echo": { kind: "query", handler: (_ctx, args) => args },
  "errors:convexError": {
    kind: "mutation",
    handler: () => {
      throw new UserError({ code: "NOT_FOUND", message: "missing" });
    },
  },
  "errors:queryConvexError": {
    kind: "query",
    handler: () => {
      throw new UserError({ code: "FORBIDDEN", message: "no" });
    },
  },
  "errors:plain": {
    kind: "mutation",
    handler: () => {
      throw new Error("boom");
    },
  },
  "errors:engineCrash": { kind: "query", handler: () => ({}) },
  "auth:whoami": { kind: "query", handler: (ctx) => ctx.caller.identity as JSONValue },
  "secret:internalQuery": { kind: "query", visibility: "internal", handler: () => "secret" },
  "secret:internalMutation": { kind: "mutation", visibility: "internal", handler: () => "done" },
  "logs:chatty": {
    kind: "query",
    handler: (ctx) => {
      ctx.log("[LOG] 'hello'");
      return "ok";
    },
  },
  "actions:echo": { kind: "action", handler: (_ctx, args) => args },
  "actions:slow": {
    kind: "action",
    handler: async (_ctx, args) => {
      await sleep(Number(args.ms ?? 1000));
      return "slept";
    },
  },
  "actions:incrementTwice": {
    kind: "action",
    handler: async (ctx) => {
      await ctx.runMutation("counter:increment", {});
      return ctx.runMutation("counter:increment", {});
    },
  },
  "pages:first": {
    kind: "query",
    handler: (ctx) => ctx.read("counter") ?? 0,
    // Echoes the journal it was given, or starts one: enough to see it travel.
    journal: (previous) => previous ?? "page-end-1",
  },
  "slow:query": {
    kind: "query",
    handler: async (ctx, args) => {
      await sleep(Number(args.ms ?? 1000));
      return ctx.read("counter") ?? 0;
    },
  },
};

class KeyReadSet implements ReadSet {
  constructor(readonly keys: Set<string>) {}
  isInvalidatedBy(commit: Commit): boolean {
    return [...(commit as FakeCommit).keys].some((key) => this.keys.has(key));
  }
}

type FakeCommit = Commit & { keys: Set<string> };

export class FakeEngine implements Engine {
  readonly calls: UdfRequest[] = [];
  providers: AuthProvider[] = [];
  /** Tests flip this to see the server survive an engine that throws. */
  crashOn = new Set<string>(["errors:engineCrash"]);
  private readonly history = new Map<string, Array<[bigint, JSONValue]>>();
  private ts = 1_700_000_000_000_000_000n;
  private readonly listeners = new Set<(commit: Commit) => void>();
  private mutex: Promise<unknown> = Promise.resolve();
  closed = false;

  latestTs(): bigint {
    return this.ts;
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  functions(): FunctionInfo[] {
    return Object.entries(FUNCTIONS).map(([path, fn]) => ({
      path,
      kind: fn.kind,
      visibility: fn.visibility ?? "public",
      args: null,
      returns: null,
    }));
  }

  authProviders(): AuthProvider[] {
    return this.providers;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async run(request: UdfRequest): Promise<UdfResult> {
    return (await this.execute(request)).result;
  }

  async runQueryTracked(request: UdfRequest): Promise<{ result: UdfResult; readSet: ReadSet }> {
    const { result, reads } = await this.execute({ ...request, kind: "query" });
    return { result, readSet: new KeyReadSet(reads) };
  }

  private async execute(request: UdfRequest): Promise<{ result: UdfResult; reads: Set<string> }> {
    this.calls.push(request);
    if (this.crashOn.has(request.path)) throw new Error("engine bug");
    const fn = FUNCTIONS[request.path];
    const reads = new Set<string>();
    const notFound = `Could not find public function for '${request.path}'.`;
    if (fn === undefined || (fn.visibility === "internal" && !request.caller.admin)) {
      return { result: this.error(request, notFound), reads };
    }
    if (request.kind !== undefined && request.kind !== fn.kind) {
      return { result: this.error(request, `Trying to execute ${request.path} as ${request.kind}, but it is defined as ${fn.kind}.`), reads };
    }
    if (fn.kind === "mutation") return this.serialized(() => this.invoke(fn, request, reads));
    return this.invoke(fn, request, reads);
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.mutex.then(work, work);
    this.mutex = next.catch(() => undefined);
    return next;
  }

  private async invoke(fn: Fn, request: UdfRequest, reads: Set<string>): Promise<{ result: UdfResult; reads: Set<string> }> {
    const snapshot = request.atTs ?? this.ts;
    const writes = new Map<string, JSONValue>();
    const logLines: string[] = [];
    const ctx: Ctx = {
      caller: request.caller,
      read: (key) => {
        reads.add(key);
        return writes.has(key) ? writes.get(key)! : this.readAt(key, snapshot);
      },
      write: (key, value) => void writes.set(key, value),
      log: (line) => void logLines.push(line),
      runMutation: async (path, args) => {
        const result = await this.run({ path, args, kind: "mutation", caller: request.caller, requestId: request.requestId });
        if (result.status === "error") throw new Error(result.errorMessage);
        return result.value;
      },
    };
    try {
      // As the real engine: a large body's arguments arrive as JSON (`argsJson`).
      const args = request.argsJson === undefined ? request.args : (JSON.parse(request.argsJson) as JSONValue);
      const value = await fn.handler(ctx, args as Record<string, JSONValue>);
      const ts = fn.kind === "mutation" ? this.commit(writes) : snapshot;
      return { result: { status: "success", value, logLines, ts, journal: fn.journal?.(request.journal) }, reads };
    } catch (error) {
      if (error instanceof UserError) {
        const result: UdfResult = {
          status: "error",
          errorMessage: `[Request ID: ${request.requestId}] Server Error\nUncaught ConvexError: ${JSON.stringify(error.data)}`,
          errorData: error.data,
          logLines,
        };
        return { result, reads };
      }
      return { result: this.error(request, `Uncaught Error: ${(error as Error).message}`, logLines), reads };
    }
  }

  private error(request: UdfRequest, message: string, logLines: string[] = []): UdfResult {
    return { status: "error", errorMessage: `[Request ID: ${request.requestId}] Server Error\n${message}`, logLines };
  }

  private readAt(key: string, ts: bigint): JSONValue {
    const versions = this.history.get(key) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i][0] <= ts) return versions[i][1];
    return null;
  }

  /** Writes from outside a function (a "scheduled job" in tests). */
  commitExternally(key: string, value: JSONValue): bigint {
    return this.commit(new Map([[key, value]]));
  }

  private commit(writes: Map<string, JSONValue>): bigint {
    this.ts += 1000n;
    for (const [key, value] of writes) {
      const versions = this.history.get(key) ?? [];
      versions.push([this.ts, value]);
      this.history.set(key, versions);
    }
    const commit: FakeCommit = { ts: this.ts, keys: new Set(writes.keys()) };
    for (const listener of this.listeners) listener(commit);
    return this.ts;
  }
}
