/**
 * The engine's interface to the protocol layer (src/server). The engine owns the
 * document store, transactions, function execution, scheduler and crons; the
 * server owns HTTP, the WebSocket sync protocol and authentication.
 */

/** Convex-encoded JSON (`{"$integer": ...}` etc. for non-JSON values). */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

export type UdfKind = "query" | "mutation" | "action";

/** What `ctx.auth.getUserIdentity()` returns inside a function. */
export type UserIdentity = {
  tokenIdentifier: string;
  subject: string;
  issuer: string;
  [claim: string]: JSONValue;
};

export type Caller = {
  identity: UserIdentity | null;
  /** Holds the admin key: may call internal functions. */
  admin: boolean;
};

export type UdfRequest = {
  /** `module:function`, `module.js:function`, `dir/module:function`, or `module` (default export). */
  path: string;
  /** A convex-encoded JSON object (the server unwraps the legacy `[args]` form). */
  args: JSONValue;
  /**
   * The same arguments as JSON, already checked for nesting: the server parses large bodies
   * off its event loop and hands them on this way. When set, `args` is not read.
   */
  argsJson?: string;
  /** The endpoint's kind; `undefined` accepts any kind (`/api/function`, `/api/run`). */
  kind?: UdfKind;
  caller: Caller;
  requestId: string;
  /** Queries only: read at this snapshot timestamp instead of the latest. */
  atTs?: bigint;
  /**
   * Queries only: the `journal` a previous run of this subscription returned (sync protocol
   * `journal`). A paginated query then ends its page where it ended before, so re-runs
   * after writes do not shift items between pages.
   */
  journal?: string | null;
};

export type UdfResult =
  | {
      status: "success";
      value: JSONValue;
      logLines: string[];
      /** Snapshot ts a query read at, or the commit ts of a mutation. */
      ts: bigint;
      /** Queries that paginated: pass back as `journal` when re-running the same subscription. */
      journal?: string | null;
    }
  | {
      status: "error";
      /** The Convex-style message, e.g. `[Request ID: x] Server Error\nUncaught ConvexError: ...`. */
      errorMessage: string;
      /** Present only for a thrown `ConvexError`: its data, convex-encoded. */
      errorData?: JSONValue;
      /** Set when the failure is the backend's, not the function's: `OptimisticConcurrencyControlFailure`
       * (retries exhausted, nothing committed; Convex answers HTTP 503). */
      errorCode?: string;
      logLines: string[];
    };

/**
 * Everything a query read (index key ranges and search queries); tells whether a later
 * commit can change its result. Precise: a write outside every range read is ignored.
 * Commits at or before the snapshot the query read (its result `ts`) never invalidate it.
 */
export interface ReadSet {
  isInvalidatedBy(commit: Commit): boolean;
}

/** One committed transaction, in commit order. */
export interface Commit {
  readonly ts: bigint;
}

export type AuthProvider =
  | { kind: "oidc"; domain: string; applicationID: string }
  | { kind: "customJwt"; issuer: string; jwks: string; algorithm: "RS256" | "ES256"; applicationID?: string };

export type FunctionInfo = {
  path: string;
  kind: UdfKind;
  visibility: "public" | "internal";
  /** `exportArgs()` / `exportReturns()` JSON. */
  args: JSONValue;
  returns: JSONValue;
};

/** Progress of a snapshot export or import, in documents. */
export type SnapshotProgress = { table: string; documents: number; totalDocuments: number };

/** `npx convex import` modes: every imported table must be empty (default), add, or replace their documents. */
export type ImportMode = "requireEmpty" | "append" | "replace";

/** What `npx convex import` uploads: an export ZIP, or one table (`--table`) in one of three formats. */
export type ImportFormat = "zip" | "jsonLines" | "jsonArray" | "csv";
/** One table of an import's confirmation summary (Convex's "table | create | delete"). */
export type ImportTableChange = { table: string; added: number; deleted: number; existing: number };

export type SnapshotExportCounts = { ts: bigint; tables: number; documents: number };
export type SnapshotImportCounts = { tables: number; documents: number; deleted: number };

/** An HTTP request for `convex/http.ts` (Convex serves these at the deployment's site URL). */
export type HttpActionCall = {
  method: string;
  /** Absolute, as the action's `request.url` shows it. */
  url: string;
  headers: [string, string][];
  /** null for GET, HEAD and OPTIONS, whose bodies Convex does not pass on. */
  body: Buffer | null;
  caller: Caller;
  /** Set when the `Authorization` header did not verify: the action still runs, `getUserIdentity` throws this. */
  identityError?: string;
  requestId: string;
};

export type HttpActionReply = { status: number; headers: [string, string][]; body: Buffer };

/** One route of `http.ts` (`HttpRouter.getRoutes()`); prefix routes end in `*`. */
export type HttpRoute = { path: string; method: string };

export interface Engine {
  /** Runs a function of any kind; a kind mismatch or unknown function is an error result. */
  run(request: UdfRequest): Promise<UdfResult>;
  /** Runs a query and returns what it read, for subscriptions. */
  runQueryTracked(request: UdfRequest): Promise<{ result: UdfResult; readSet: ReadSet }>;
  /** The latest commit timestamp (u64 nanoseconds, monotonic across restarts). */
  latestTs(): bigint;
  /**
   * Called after each commit (mutations, scheduled functions, crons, actions' runMutation),
   * in timestamp order, once the commit is durable and visible to queries.
   */
  onCommit(listener: (commit: Commit) => void): () => void;
  /**
   * Commits published after `ts`, oldest first (about the last 30 s are kept); `null` if
   * `ts` is older than that. Lets a subscriber registered after its query ran catch the
   * commits it missed in between: check them against the query's read set.
   */
  commitsSince?(ts: bigint): Commit[] | null;
  functions(): FunctionInfo[];
  authProviders(): AuthProvider[];
  /** Runs `http.ts`'s router on a request: its Response, a 404 without HTTP actions, Convex's 500 JSON when it throws. */
  runHttpAction?(call: HttpActionCall): Promise<HttpActionReply>;
  /** The routes `http.ts` defines; null when the deployment has no HTTP actions. */
  httpRoutes?(): HttpRoute[] | null;
  /**
   * Writes the published snapshot to `zipPath` in the `npx convex export` ZIP format
   * (user tables, real IDs and table numbers, export_json values).
   */
  exportSnapshot?(zipPath: string, options?: { onProgress?: (progress: SnapshotProgress) => void }): Promise<SnapshotExportCounts>;
  /**
   * Imports an `npx convex export` ZIP (or, with `table`, one table from a JSON Lines, JSON
   * array or CSV file) with the CLI's semantics, all or nothing: every document is validated
   * first; a bad one rejects with `SnapshotImportError` naming file, row and field.
   */
  importSnapshot?(
    path: string,
    options: { mode: ImportMode; format?: ImportFormat; table?: string; onProgress?: (progress: SnapshotProgress) => void },
  ): Promise<SnapshotImportCounts>;
  /** The per-table summary of that import, without writing; rejects as the import would (`SnapshotImportError`). */
  previewImport?(path: string, options: { mode: ImportMode; format?: ImportFormat; table?: string }): Promise<ImportTableChange[]>;
  close(): Promise<void>;
}

/** One module of a CLI push (`appDefinition.changedModules`): an esbuild output file. */
export type PushedModule = {
  /** `users.js`, `model/auth.js`, `_deps/ABC123.js`. */
  path: string;
  source: string;
  sourceMap: string | null;
  environment: "isolate" | "node";
};

/** Who started a call: a client (HTTP or WebSocket), the scheduler, a cron, or an action (its runQuery/runMutation). */
export type LogCaller = "client" | "scheduler" | "cron" | "action";

/** One finished function call, as `npx convex logs` shows it. */
export type FunctionLogEntry = {
  kind: UdfKind | "httpAction";
  caller: LogCaller;
  /** `users:create`; `POST /stripe/webhook` for an HTTP action. */
  path: string;
  requestId: string;
  /** Start, in ms since the epoch. */
  startedAtMs: number;
  durationMs: number;
  logLines: string[];
  /** The error message of a failed call. */
  error: string | null;
};

export type EnvVarChange = { name: string; value: string | null };

export type TablePage = { page: JSONValue[]; isDone: boolean; continueCursor: string };

/** A push or environment change that cannot be applied; nothing was changed. */
export class DeploymentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the Convex CLI manages on a deployment (pushes, environment variables, table browsing,
 * function logs). Separate from `Engine` so the protocol layer's tests can run without it.
 */
export interface Deployment {
  /**
   * Analyses the pushed modules and, unless `dryRun`, swaps them in: calls that already started
   * finish on the old code, every later call runs the new code. Returns the pushed code's
   * functions. Throws `DeploymentError`.
   */
  push(modules: PushedModule[], options: { dryRun: boolean }): Promise<FunctionInfo[]>;
  /** Called after each push is swapped in (subscriptions re-run). */
  onPush(listener: () => void): () => void;
  environmentVariables(): Record<string, string>;
  /** Validated all together: one bad change refuses them all (`DeploymentError`). */
  updateEnvironmentVariables(changes: EnvVarChange[]): Promise<void>;
  /** User tables with their document counts, by name. */
  tables(): { name: string; documents: number }[];
  /** A page of one table's documents in creation order, convex-encoded. */
  tableDocuments(table: string, order: "asc" | "desc", cursor: string | null, numItems: number): TablePage;
  onFunctionLog(listener: (entry: FunctionLogEntry) => void): () => void;
}
