/** `users`: accounts, roles, and the caller's own user. Rules live in `model/users.ts`. */
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { callerKey, canActFor, getCaller, requireAdmin } from "./model/auth";
import { forbidden, notFound, unauthenticated } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Users from "./model/users";
import { idempotencyKey, userDoc } from "./validators";

/** Creates a user (a student). Admins and the service only. */
export const create = mutation({
  args: {
    firstName: v.string(),
    lastName: v.string(),
    email: v.string(),
    image: v.optional(v.string()),
    phone: v.optional(v.string()),
    idempotencyKey,
  },
  returns: userDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const caller = await requireAdmin(ctx);
    const userId = await idempotent(
      ctx,
      { fn: "users:create", caller: callerKey(caller), key, args: input },
      () => Users.insertUser(ctx, input),
    );
    return (await ctx.db.get(userId)) ?? notFound("User", userId);
  },
});

/** A user by id: the user themself, admins and the service. */
export const get = query({
  args: { id: v.id("users") },
  returns: v.union(userDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    if (caller.kind === "anonymous") return unauthenticated();
    if (!canActFor(caller, id)) return forbidden("You may only read your own user");
    return await ctx.db.get(id);
  },
});

/** A user by email (case-insensitive): admins and the service. */
export const getByEmail = query({
  args: { email: v.string() },
  returns: v.union(userDoc, v.null()),
  handler: async (ctx, { email }) => {
    await requireAdmin(ctx);
    return await Users.getByEmail(ctx, email);
  },
});
