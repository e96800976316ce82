/** Rules for `favorites`: one row per user and resource, `resources.favoriteCount` kept in step. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Caller, UserCaller } from "./auth";
import { addFavorites } from "./counters";
import { notFound } from "./errors";
import { canRead, requireReadable } from "./resources";
import { noteChange } from "./recounts";

export async function findFavorite(
  ctx: QueryCtx,
  userId: Id<"users">,
  resourceId: Id<"resources">,
): Promise<Doc<"favorites"> | null> {
  return await ctx.db
    .query("favorites")
    .withIndex("by_user_resource", (q) => q.eq("userId", userId).eq("resourceId", resourceId))
    .unique();
}

/** Adds the favorite (the user must be able to read the resource) or removes it; returns whether it now is one. */
export async function toggleFavorite(
  ctx: MutationCtx,
  caller: UserCaller,
  resourceId: Id<"resources">,
): Promise<boolean> {
  const existing = await findFavorite(ctx, caller.user._id, resourceId);
  const resource = await ctx.db.get(resourceId);
  if (existing !== null) {
    await ctx.db.delete(existing._id);
    // A deleted resource's favorites are being purged; there is no counter left to change.
    if (resource !== null) {
      await addFavorites(ctx, resourceId, -1);
      await noteChange(ctx, "favorites", resourceId, existing, existing._id);
    }
    return false;
  }
  if (resource === null) return notFound("Resource", resourceId);
  await requireReadable(ctx, caller, resource);
  const id = await ctx.db.insert("favorites", { userId: caller.user._id, resourceId, createdAt: Date.now() });
  await addFavorites(ctx, resourceId, 1);
  await noteChange(ctx, "favorites", resourceId, null, id);
  return true;
}

/** The favorite with its resource, or `resource: null` once it is gone or no longer readable. */
export async function withResource(ctx: QueryCtx, caller: Caller, favorite: Doc<"favorites">) {
  const resource = await ctx.db.get(favorite.resourceId);
  const readable = resource !== null && (await canRead(ctx, caller, resource));
  return { ...favorite, resource: readable ? resource : null };
}
