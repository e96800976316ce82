/**
 * The loaded `convex/` modules: registered functions (the objects `queryGeneric` etc.
 * return, with `invokeQuery/invokeMutation/invokeAction` and `exportArgs/exportReturns`),
 * and the analysis the engine needs at start (functions, schema, crons, auth config).
 */
import type { JSONValue, UdfKind } from "../api.js";
import type { ValidatorJson } from "../validator.js";
import type { Analysis, AnalyzedFunction, HttpRoute } from "./protocol.js";

type Registered = {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  isRouter?: boolean;
  invokeQuery?: (args: string) => Promise<string>;
  invokeMutation?: (args: string) => Promise<string>;
  invokeAction?: (requestId: string, args: string) => Promise<string>;
  exportArgs?: () => string;
  exportReturns?: () => string;
};

export type RegisteredFunction = {
  kind: UdfKind;
  visibility: "public" | "internal";
  exportedArgs: string;
  exportedReturns: string;
  argsValidator(): ValidatorJson | null;
  returnsValidator(): ValidatorJson | null;
  /** Runs the handler with convex-encoded JSON args (an object); returns convex-encoded JSON. */
  invoke(requestId: string, argsJson: string): Promise<string>;
};

export type Modules = Record<string, Record<string, RegisteredFunction>>;

let rawModules: Record<string, Record<string, unknown>> = {};

function kindOf(value: Registered): UdfKind | null {
  if (value.isQuery) return "query";
  if (value.isMutation) return "mutation";
  if (value.isAction) return "action";
  return null;
}

function memo<T>(compute: () => T): () => T {
  let cached: { value: T } | null = null;
  return () => (cached ??= { value: compute() }).value;
}

function wrap(value: Registered, kind: UdfKind): RegisteredFunction {
  const exportedArgs = value.exportArgs?.() ?? '{"type":"any"}';
  const exportedReturns = value.exportReturns?.() ?? "null";
  return {
    kind,
    visibility: value.isPublic ? "public" : "internal",
    exportedArgs,
    exportedReturns,
    argsValidator: memo(() => JSON.parse(exportedArgs) as ValidatorJson | null),
    returnsValidator: memo(() => JSON.parse(exportedReturns) as ValidatorJson | null),
    invoke: (requestId, argsJson) => {
      const wrapped = `[${argsJson}]`;
      if (kind === "query") return value.invokeQuery!(wrapped);
      if (kind === "mutation") return value.invokeMutation!(wrapped);
      return value.invokeAction!(requestId, wrapped);
    },
  };
}

export function register(loaded: Record<string, Record<string, unknown>>): Modules {
  rawModules = loaded;
  const modules: Modules = {};
  for (const [path, exports] of Object.entries(loaded)) {
    const functions: Record<string, RegisteredFunction> = {};
    for (const [name, value] of Object.entries(exports)) {
      const kind = value !== null && typeof value === "function" ? kindOf(value as Registered) : null;
      if (kind !== null) functions[name] = wrap(value as Registered, kind);
    }
    modules[path] = functions;
  }
  return modules;
}

function defaultExport(path: string): unknown {
  return rawModules[path]?.default;
}

function exported(path: string): string | null {
  const value = defaultExport(path) as { export?: () => string } | undefined;
  return typeof value?.export === "function" ? value.export() : null;
}

/** `authConfig`: evaluated on its own (worker/authConfig.ts). */
export function analyze(authConfig: JSONValue | null): Analysis {
  const functions: AnalyzedFunction[] = [];
  for (const [module, exports] of Object.entries(register(rawModules))) {
    for (const [name, fn] of Object.entries(exports)) {
      functions.push({ module, name, kind: fn.kind, visibility: fn.visibility, args: fn.exportedArgs, returns: fn.exportedReturns });
    }
  }
  return {
    functions,
    schema: exported("schema"),
    crons: exported("crons"),
    authConfig,
    httpRoutes: httpRoutes(),
  };
}

/** The default export of `http` when it is an `HttpRouter` (convex/server's `httpRouter()`). */
export function httpRouter(): HttpRouterLike | null {
  const value = defaultExport("http") as HttpRouterLike | undefined;
  return value?.isRouter === true ? value : null;
}

export type HttpRouterLike = {
  isRouter: true;
  getRoutes(): [string, string, unknown][];
  lookup(path: string, method: string): [{ invokeHttpAction(request: Request): Promise<Response> }, string, string] | null;
};

function httpRoutes(): HttpRoute[] | null {
  const router = httpRouter();
  return router === null ? null : router.getRoutes().map(([path, method]) => ({ path, method }));
}
