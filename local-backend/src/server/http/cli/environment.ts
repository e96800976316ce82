/** `POST /api/update_environment_variables` (`npx convex env set/remove`): `{changes: [{name, value|null}]}`. */
import { DeploymentError, type EnvVarChange } from "../../../engine/api.js";
import { badRequest } from "../../errors.js";
import { json, type HttpContext, type Reply } from "../context.js";
import { readCliJson } from "./body.js";
import { requireCli } from "./context.js";

function parseChanges(raw: unknown): EnvVarChange[] {
  if (!Array.isArray(raw)) throw badRequest("BadJsonBody", "Missing field `changes`");
  return raw.map((change: unknown) => {
    const { name, value } = (change ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== "string") throw badRequest("BadJsonBody", "Every change needs a string `name`");
    if (value !== undefined && value !== null && typeof value !== "string") {
      throw badRequest("BadJsonBody", `The value of ${name} must be a string or null`);
    }
    return { name, value: typeof value === "string" ? value : null };
  });
}

export async function updateEnvironmentVariables(ctx: HttpContext): Promise<Reply> {
  const cli = await requireCli(ctx);
  const changes = parseChanges((await readCliJson(ctx)).changes);
  try {
    await cli.deployment.updateEnvironmentVariables(changes);
  } catch (error) {
    if (error instanceof DeploymentError) throw badRequest(error.code, error.message);
    throw error;
  }
  return json({});
}
