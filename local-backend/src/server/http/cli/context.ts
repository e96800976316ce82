/** What the CLI routes share: the deployment, the function log, pushes between start and finish. */
import type { Deployment, FunctionInfo, PushedModule } from "../../../engine/api.js";
import { HttpError } from "../../errors.js";
import { callerOf, type HttpContext } from "../context.js";
import type { FunctionLog } from "./functionLog.js";
import type { CliSnapshots } from "./snapshots.js";

/** A push that `start_push` analysed, waiting for `finish_push`. */
export type StagedPush = {
  id: string;
  modules: PushedModule[];
  functions: FunctionInfo[];
  dryRun: boolean;
  /** A stored document violates the pushed schema: `wait_for_schema` reports it (Convex checks documents there). */
  schemaFailure: { error: string; tableName: string } | null;
};

export type CliDeps = {
  deployment: Deployment;
  log: FunctionLog;
  /** `npx convex export` / `import` state. */
  snapshots: CliSnapshots;
  /** The latest staged push: a newer `start_push` supersedes it (Convex: "raceDetected"). */
  staged: { push: StagedPush | null };
  /** The functions running now. */
  functions: () => FunctionInfo[];
  /** The URL this server is reached at. */
  url: () => string;
  /** Where HTTP actions are served (`convexSiteUrl`, which `npx convex dev` writes as `CONVEX_SITE_URL`). */
  siteUrl: () => string;
};

/** Every CLI route is for the deployment's admin (as `npx convex` sends it), and needs a deployment. */
export async function requireCli(ctx: HttpContext): Promise<CliDeps> {
  const caller = await callerOf(ctx);
  if (!caller.admin) throw new HttpError(403, "BadDeployKey", `${ctx.url.pathname} requires the deployment admin key`);
  const cli = ctx.deps.cli;
  if (cli === undefined) throw new HttpError(404, "NotFound", `No route for ${ctx.url.pathname}`);
  return cli;
}
