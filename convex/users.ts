/** `users`: accounts, roles, and the caller's own user. Rules live in `model/users.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { internalMutation, mutation, query } from "./_generated/server";
import { callerKey, canActFor, getCaller, hasInstructorRole, requireAdmin, requireSignedIn } from "./model/auth";
import { forbidden, limit, mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Users from "./model/users";
import { bulkCreateResult, idempotencyKey, paginated, profession, publicProfile, userDoc } from "./validators";

const newUserArgs = {
  firstName: v.string(),
  lastName: v.string(),
  email: v.string(),
  image: v.optional(v.string()),
  phone: v.optional(v.string()),
};

const toPublicProfile = (user: Doc<"users">) => ({
  _id: user._id,
  firstName: user.firstName,
  lastName: user.lastName,
  image: user.image,
  isInstructor: hasInstructorRole(user),
});

/** Creates a user (a student). Admins and the service only. */
export const create = mutation({
  args: { ...newUserArgs, idempotencyKey },
  returns: userDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const caller = await requireAdmin(ctx);
    const userId = await idempotent(ctx, { fn: "users:create", caller: callerKey(caller), key, args: input }, () =>
      Users.insertUser(ctx, input),
    );
    return Users.withRoles(await mustGet(ctx, userId, "User"));
  },
});

/** A user by id: the user themself, admins and the service. */
export const get = query({
  args: { id: v.id("users") },
  returns: v.union(userDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await requireSignedIn(ctx);
    if (!canActFor(caller, id)) return forbidden("You may only read your own user");
    return Users.withRolesOrNull(await ctx.db.get(id));
  },
});

/** A user by email (case-insensitive): admins and the service. */
export const getByEmail = query({
  args: { email: v.string() },
  returns: v.union(userDoc, v.null()),
  handler: async (ctx, { email }) => {
    await requireAdmin(ctx);
    return Users.withRolesOrNull(await Users.getByEmail(ctx, email));
  },
});

/** What anyone may know about a user: name, picture, whether they teach. */
export const getPublicProfile = query({
  args: { id: v.id("users") },
  returns: v.union(publicProfile, v.null()),
  handler: async (ctx, { id }) => {
    await getCaller(ctx);
    const user = await ctx.db.get(id);
    return user === null ? null : toPublicProfile(user);
  },
});

/** The caller's user, created or linked from the sign-in identity on first call; sets `lastLogin`. */
export const ensureCurrentUser = mutation({
  args: {},
  returns: userDoc,
  handler: async (ctx) => {
    const userId = await Users.ensureCurrentUser(ctx);
    return Users.withRoles(await mustGet(ctx, userId, "User"));
  },
});

/** The caller's user; null for anonymous callers, the service itself, or before `ensureCurrentUser`. */
export const me = query({
  args: {},
  returns: v.union(userDoc, v.null()),
  handler: async (ctx) => Users.withRolesOrNull(await Users.findCurrentUser(ctx)),
});

/**
 * Profile edits by the user themself, admins or the service; an empty `image`,
 * `phone`, `licenseNumber` or `licenseState` removes it. The licence fields
 * (`profession` from the documented list) are copied onto certificates earned later.
 */
export const update = mutation({
  args: {
    id: v.id("users"),
    firstName: v.optional(v.string()),
    lastName: v.optional(v.string()),
    image: v.optional(v.string()),
    phone: v.optional(v.string()),
    licenseNumber: v.optional(v.string()),
    licenseState: v.optional(v.string()),
    profession: v.optional(profession),
  },
  returns: userDoc,
  handler: async (ctx, { id, ...changes }) => {
    const caller = await requireSignedIn(ctx);
    if (!canActFor(caller, id)) return forbidden("You may only edit your own user");
    await Users.updateProfile(ctx, await mustGet(ctx, id, "User"), changes);
    return Users.withRoles(await mustGet(ctx, id, "User"));
  },
});

/** Grants or withdraws roles. Admins and the service; an admin cannot drop their own admin role. */
export const setRoles = mutation({
  args: { id: v.id("users"), isInstructor: v.optional(v.boolean()), isAdmin: v.optional(v.boolean()) },
  returns: userDoc,
  handler: async (ctx, { id, ...roles }) => {
    const caller = await requireAdmin(ctx);
    const actor = caller.kind === "user" ? caller.user._id : null;
    await Users.setRoles(ctx, actor, await mustGet(ctx, id, "User"), roles);
    return Users.withRoles(await mustGet(ctx, id, "User"));
  },
});

/** Instructors' public profiles, for anyone. */
export const listInstructors = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(publicProfile),
  handler: async (ctx, { paginationOpts }) => {
    await getCaller(ctx);
    const result = await ctx.db
      .query("users")
      .withIndex("by_isInstructor", (q) => q.eq("isInstructor", true))
      .paginate(paginationOpts);
    return { ...result, page: result.page.map(toPublicProfile) };
  },
});

/** Administrators' users: admins and the service. */
export const listAdmins = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(userDoc),
  handler: async (ctx, { paginationOpts }) => {
    await requireAdmin(ctx);
    const result = await ctx.db
      .query("users")
      .withIndex("by_isAdmin", (q) => q.eq("isAdmin", true))
      .paginate(paginationOpts);
    return { ...result, page: result.page.map(Users.withRoles) };
  },
});

/**
 * Bulk import (service only): up to 500 rows, one result per row (`created`,
 * `exists` with the holder of the email, or `invalid` with the reason). A bad row
 * never fails the batch; re-running a batch reports `exists` for its users.
 */
export const createMany = internalMutation({
  args: { rows: v.array(v.object(newUserArgs)), idempotencyKey },
  returns: bulkCreateResult,
  handler: async (ctx, { rows, idempotencyKey: key }) => {
    if (rows.length > Users.MAX_BULK_ROWS) {
      return limit(`At most ${Users.MAX_BULK_ROWS} rows per call`, { max: Users.MAX_BULK_ROWS });
    }
    const results = await idempotent(ctx, { fn: "users:createMany", caller: "service", key, args: { rows } }, () =>
      Users.createMany(ctx, rows),
    );
    return { results };
  },
});
