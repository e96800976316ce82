/**
 * `requireUser` for rules that take a `Caller` (access checks such as
 * `canLearn`): the signed-in user, with `requireUser`'s errors otherwise.
 */
import type { QueryCtx } from "../_generated/server";
import { getCaller, type Caller } from "./auth";
import { forbidden, unauthenticated } from "./errors";

export type UserCaller = Extract<Caller, { kind: "user" }>;

export async function requireUserCaller(ctx: QueryCtx): Promise<UserCaller> {
  const caller = await getCaller(ctx);
  if (caller.kind === "user") return caller;
  return caller.kind === "service"
    ? forbidden("This acts for a user: call it with acting_as(user_id)")
    : unauthenticated();
}
