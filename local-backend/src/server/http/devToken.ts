/** `POST /_doctrina/dev_token`: the admin mints a development JWT for a subject. */
import { badRequest, HttpError } from "../errors.js";
import { MAX_SMALL_BODY_BYTES, readJsonObject } from "./body.js";
import { callerOf, json, type HttpContext, type Reply } from "./context.js";

const DEFAULT_LIFETIME_SECONDS = 3600;
const MAX_LIFETIME_SECONDS = 30 * 24 * 3600;

export async function postDevToken(ctx: HttpContext): Promise<Reply> {
  const caller = await callerOf(ctx);
  if (!caller.admin) throw new HttpError(403, "BadDeployKey", "Minting development tokens requires the admin key");
  const body = await readJsonObject(ctx.req, MAX_SMALL_BODY_BYTES);
  const { subject, claims = {}, expiresInSeconds = DEFAULT_LIFETIME_SECONDS } = body;
  if (typeof subject !== "string" || subject.length === 0) {
    throw badRequest("BadJsonBody", "`subject` must be a non-empty string");
  }
  if (claims === null || typeof claims !== "object" || Array.isArray(claims)) {
    throw badRequest("BadJsonBody", "`claims` must be an object");
  }
  if (typeof expiresInSeconds !== "number" || !(expiresInSeconds > 0 && expiresInSeconds <= MAX_LIFETIME_SECONDS)) {
    throw badRequest("BadJsonBody", `\`expiresInSeconds\` must be a number in (0, ${MAX_LIFETIME_SECONDS}]`);
  }
  try {
    const token = await ctx.deps.devIssuer.mint({
      subject,
      claims: claims as Record<string, unknown>,
      expiresInSeconds: Math.ceil(expiresInSeconds),
    });
    return json({ token });
  } catch (error) {
    throw badRequest("BadJsonBody", (error as Error).message);
  }
}
