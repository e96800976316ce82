/**
 * The `_system/cli/*` queries the Convex CLI subscribes to (`npx convex data`, `env list/get`,
 * `function-spec`, the index checks of `deploy`), answered from the deployment directly:
 * they are part of the backend, not of the pushed `convex/` code. Admin key only.
 */
import type { Deployment, FunctionInfo, JSONValue } from "../../engine/api.js";
import type { CliSnapshots } from "../http/cli/snapshots.js";

export type SystemContext = { deployment: Deployment; functions: FunctionInfo[]; cloudUrl: string; snapshots: CliSnapshots };
type SystemQuery = (args: Record<string, JSONValue>, ctx: SystemContext) => JSONValue;

const KIND_NAME = { query: "Query", mutation: "Mutation", action: "Action" } as const;

function paginationOpts(args: Record<string, JSONValue>): { cursor: string | null; numItems: number } {
  const opts = args.paginationOpts as { cursor?: unknown; numItems?: unknown } | undefined;
  const cursor = typeof opts?.cursor === "string" ? opts.cursor : null;
  const numItems = typeof opts?.numItems === "number" && opts.numItems > 0 ? opts.numItems : 100;
  return { cursor, numItems };
}

function envList(ctx: SystemContext): JSONValue {
  return Object.entries(ctx.deployment.environmentVariables())
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({ name, value }));
}

/** As `_system/cli/modules:apiSpec`: `users.js:create`, `Query`, `{kind: "public"}`, validators. */
function apiSpec(ctx: SystemContext): JSONValue {
  return ctx.functions.map((fn) => {
    const colon = fn.path.indexOf(":");
    const [module, name] = colon < 0 ? [fn.path, "default"] : [fn.path.slice(0, colon), fn.path.slice(colon + 1)];
    return {
      identifier: `${module}.js:${name}`,
      functionType: KIND_NAME[fn.kind],
      visibility: { kind: fn.visibility },
      args: fn.args,
      returns: fn.returns ?? { type: "any" },
    };
  });
}

const QUERIES: Record<string, SystemQuery> = {
  "_system/cli/tables:default": (_args, ctx) => ({
    page: ctx.deployment.tables().map(({ name }) => ({ name })),
    isDone: true,
    continueCursor: "end",
  }),
  "_system/cli/tableData:default": (args, ctx) => {
    const { cursor, numItems } = paginationOpts(args);
    const order = args.order === "asc" ? "asc" : "desc";
    return ctx.deployment.tableDocuments(String(args.table), order, cursor, numItems);
  },
  "_system/cli/tableSize:default": (args, ctx) =>
    ctx.deployment.tables().find(({ name }) => name === args.tableName)?.documents ?? 0,
  "_system/cli/queryEnvironmentVariables:default": (_args, ctx) => envList(ctx),
  "_system/cli/queryEnvironmentVariables:get": (args, ctx) => {
    const value = ctx.deployment.environmentVariables()[String(args.name)];
    return value === undefined ? null : { name: String(args.name), value };
  },
  "_system/cli/modules:apiSpec": (_args, ctx) => apiSpec(ctx),
  "_system/cli/convexUrl:cloudUrl": (_args, ctx) => ctx.cloudUrl,
  "_system/cli/exports:getLatest": (_args, ctx) => ctx.snapshots.exportDocument(),
  "_system/cli/queryImport:default": (args, ctx) => ctx.snapshots.importDocument(String(args.importId)),
  "_system/cli/queryImport:list": (_args, ctx) => ctx.snapshots.importList(),
};

export function isSystemPath(path: string): boolean {
  return path.startsWith("_system/");
}

export function systemQuery(path: string): SystemQuery | undefined {
  return QUERIES[path];
}
