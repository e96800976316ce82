/**
 * The push routes of `npx convex dev` / `deploy` (convex 1.48, `src/cli/lib/deploy2.ts`):
 * `get_config_hashes`, then `deploy2/start_push` (analyse the code, stage it),
 * `wait_for_schema`, `finish_push` (swap it in), `report_push_completed`; `evaluate_push`
 * answers the index-deletion check of `deploy`.
 */
import { randomBytes } from "node:crypto";
import { DeploymentError, type FunctionInfo, type PushedModule } from "../../../engine/api.js";
import { SchemaValidationError } from "../../../engine/schemaChange.js";
import { badRequest, HttpError } from "../../errors.js";
import { SERVER_VERSION } from "../../version.js";
import { json, type HttpContext, type Reply } from "../context.js";
import { readCliJson } from "./body.js";
import { requireCli, type CliDeps, type StagedPush } from "./context.js";

const UDF_TYPE = { query: "Query", mutation: "Mutation", action: "Action" } as const;
/** The root component, the only one this backend runs. */
const ROOT = "";
const NO_INDEX_CHANGES = { [ROOT]: { added_indexes: [], removed_indexes: [], enabled_indexes: [], disabled_indexes: [] } };

/** The CLI pushes every module when the deployment lists no hashes: nothing to diff against. */
export async function getConfigHashes(ctx: HttpContext): Promise<Reply> {
  await requireCli(ctx);
  await readCliJson(ctx);
  return json({ config: { functions: "convex/", authInfo: [] }, moduleHashes: [], nodeDependencies: [], udfServerVersion: SERVER_VERSION });
}

export async function getCanonicalUrls(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  return json({ convexCloudUrl: cli.url(), convexSiteUrl: cli.siteUrl() });
}

function pushedModules(body: Record<string, unknown>): PushedModule[] {
  const components = body.componentDefinitions;
  if (Array.isArray(components) && components.length > 0) {
    throw badRequest("ComponentsNotSupported", "This backend runs the root component only");
  }
  const app = body.appDefinition as { changedModules?: unknown; unchangedModuleHashes?: unknown; schema?: unknown } | undefined;
  if (app === undefined || !Array.isArray(app.changedModules)) throw badRequest("BadJsonBody", "Missing field `appDefinition.changedModules`");
  if (Array.isArray(app.unchangedModuleHashes) && app.unchangedModuleHashes.length > 0) {
    throw badRequest("BadJsonBody", "`unchangedModuleHashes` names modules this deployment does not have");
  }
  // The schema travels next to the function modules, not among them.
  const modules: unknown[] = app.schema === undefined || app.schema === null ? app.changedModules : [...app.changedModules, app.schema];
  return modules.map((raw: unknown) => {
    const module = (raw ?? {}) as Record<string, unknown>;
    const sourceMap = typeof module.sourceMap === "string" ? module.sourceMap : null;
    const environment = module.environment === "node" ? "node" : "isolate";
    return { path: module.path as string, source: module.source as string, sourceMap, environment };
  });
}

async function stage(cli: CliDeps, body: Record<string, unknown>): Promise<StagedPush> {
  const modules = pushedModules(body);
  const dryRun = body.dryRun === true;
  try {
    const functions = await cli.deployment.push(modules, { dryRun: true });
    return { id: randomBytes(8).toString("hex"), modules, functions, dryRun, schemaFailure: null };
  } catch (error) {
    if (error instanceof SchemaValidationError) {
      const schemaFailure = { error: error.message, tableName: error.tableName };
      return { id: randomBytes(8).toString("hex"), modules, functions: [], dryRun, schemaFailure };
    }
    if (error instanceof DeploymentError) throw badRequest(error.code, error.message);
    throw error;
  }
}

function schemaChange(push: StagedPush): Record<string, unknown> {
  return { allocatedComponentIds: {}, schemaIds: { pushId: push.id }, indexDiffs: NO_INDEX_CHANGES };
}

/** What `startPushResponse` parses: the analysis per module, the root component, no schema changes. */
function startPushResponse(cli: CliDeps, push: StagedPush): Record<string, unknown> {
  return {
    environmentVariables: cli.deployment.environmentVariables(),
    externalDepsId: null,
    componentDefinitionPackages: {},
    appAuth: [],
    analysis: {
      [ROOT]: {
        definition: {
          path: ROOT,
          definitionType: { type: "app" },
          childComponents: [],
          httpMounts: {},
          exports: { type: "branch", branch: [] },
        },
        schema: null,
        functions: analyzedModules(push.functions),
        udfConfig: { serverVersion: SERVER_VERSION, importPhaseRngSeed: null, importPhaseUnixTimestamp: null },
      },
    },
    app: {
      definitionPath: ROOT,
      componentPath: ROOT,
      args: {},
      childComponents: {},
      httpRoutes: { httpModuleRoutes: null, mounts: [] },
      exports: {},
    },
    schemaChange: schemaChange(push),
  };
}

function analyzedModules(functions: FunctionInfo[]): Record<string, unknown> {
  const modules: Record<string, { functions: unknown[]; httpRoutes: null; cronSpecs: null; sourceMapped: null }> = {};
  for (const fn of functions) {
    const colon = fn.path.indexOf(":");
    const [module, name] = colon < 0 ? [fn.path, "default"] : [fn.path.slice(0, colon), fn.path.slice(colon + 1)];
    const entry = (modules[`${module}.js`] ??= { functions: [], httpRoutes: null, cronSpecs: null, sourceMapped: null });
    entry.functions.push({
      name,
      pos: null,
      udfType: UDF_TYPE[fn.kind],
      visibility: { kind: fn.visibility },
      args: JSON.stringify(fn.args),
      returns: JSON.stringify(fn.returns),
    });
  }
  return modules;
}

export async function startPush(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const push = await stage(cli, await readCliJson(ctx));
  cli.staged.push = push;
  return json(startPushResponse(cli, push));
}

export async function evaluatePush(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  return json({ schemaChange: schemaChange(await stage(cli, await readCliJson(ctx))) });
}

function stagedFor(cli: CliDeps, change: unknown): StagedPush | null {
  const id = (change as { schemaIds?: { pushId?: unknown } } | undefined)?.schemaIds?.pushId;
  const staged = cli.staged.push;
  return staged !== null && staged.id === id ? staged : null;
}

/** The staged push validated its schema against the stored documents at `start_push`: report how that went. */
export async function waitForSchema(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const body = await readCliJson(ctx);
  const staged = stagedFor(cli, body.schemaChange);
  if (staged === null) return json({ type: "raceDetected" });
  if (staged.schemaFailure === null) return json({ type: "complete" });
  return json({ type: "failed", ...staged.schemaFailure, componentPath: "" });
}

export async function finishPush(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const body = await readCliJson(ctx);
  const start = body.startPush as { schemaChange?: unknown } | undefined;
  const push = stagedFor(cli, start?.schemaChange);
  if (push === null) throw new HttpError(409, "RaceDetected", "Schema was overwritten by another push.");
  const before = new Set(cli.functions().map((fn) => fn.path.split(":")[0]!));
  if (!push.dryRun && body.dryRun !== true) {
    cli.staged.push = null;
    try {
      await cli.deployment.push(push.modules, { dryRun: false });
    } catch (error) {
      if (error instanceof DeploymentError) throw badRequest(error.code, error.message);
      throw error;
    }
  }
  const after = new Set(push.functions.map((fn) => fn.path.split(":")[0]!));
  return json({
    authDiff: { added: [], removed: [] },
    definitionDiffs: {},
    componentDiffs: {
      [ROOT]: {
        diffType: { type: "modify" },
        moduleDiff: { added: [...after].filter((m) => !before.has(m)), removed: [...before].filter((m) => !after.has(m)) },
        udfConfigDiff: null,
        cronDiff: { added: [], updated: [], deleted: [] },
        indexDiff: NO_INDEX_CHANGES[ROOT],
        schemaDiff: null,
      },
    },
  });
}

export async function reportPushCompleted(ctx: HttpContext): Promise<Reply> {
  await requireCli(ctx);
  await readCliJson(ctx);
  return json({});
}
