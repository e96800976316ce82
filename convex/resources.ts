/** `resources`: supplementary material (PDFs, templates, videos). Rules live in `model/resources.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import { internalMutation, mutation, query, type QueryCtx } from "./_generated/server";
import { canLearn } from "./model/access";
import { callerKey, getCaller, requireUser } from "./model/auth";
import { listLimit, normalizeLabel, requiredText } from "./model/checks";
import { mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Resources from "./model/resources";
import { downloadLink, idempotencyKey, level, paginated, resourceDoc } from "./validators";

const editable = {
  title: v.optional(v.string()),
  description: v.optional(v.string()),
  type: v.optional(v.string()),
  url: v.optional(v.string()),
  difficulty: v.optional(level),
  categories: v.optional(v.array(v.string())),
  tags: v.optional(v.array(v.string())),
  thumbnailUrl: v.optional(v.string()),
  author: v.optional(v.string()),
  duration: v.optional(v.string()),
  fileSize: v.optional(v.string()),
  courseId: v.optional(v.id("courses")),
  restricted: v.optional(v.boolean()),
  featured: v.optional(v.boolean()),
};

/**
 * Creates a resource. Instructors and admins (and the service, which must name
 * the `author`); `featured` only for admins; `courseId` only for courses the
 * caller may edit; `restricted` resources must belong to a course.
 */
export const create = mutation({
  args: {
    ...editable,
    title: v.string(),
    description: v.string(),
    type: v.string(),
    url: v.string(),
    difficulty: level,
    idempotencyKey,
  },
  returns: resourceDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const caller = await getCaller(ctx);
    Resources.requireCreator(caller);
    const id = await idempotent(ctx, { fn: "resources:create", caller: callerKey(caller), key, args: input }, () =>
      Resources.insertResource(ctx, caller, input),
    );
    return await mustGet(ctx, id, "Resource");
  },
});

/** Changes a resource: its creator or an admin (`featured` only admins). */
export const update = mutation({
  args: { id: v.id("resources"), ...editable },
  returns: resourceDoc,
  handler: async (ctx, { id, ...changes }) => {
    const caller = await getCaller(ctx);
    const resource = await mustGet(ctx, id, "Resource");
    Resources.requireManager(caller, resource);
    await Resources.updateResource(ctx, caller, resource, changes);
    return await mustGet(ctx, id, "Resource");
  },
});

/**
 * Deletes a resource with its category rows, favorites and downloads. Very
 * popular resources finish purging favorites/downloads in follow-up transactions.
 */
export const remove = mutation({
  args: { id: v.id("resources") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    const resource = await mustGet(ctx, id, "Resource");
    Resources.requireManager(caller, resource);
    if (await Resources.deleteResource(ctx, id)) {
      await ctx.scheduler.runAfter(0, internal.resources.purgeDependents, { resourceId: id });
    }
    return null;
  },
});

/** Continues `remove` for resources with more than one batch of favorites or downloads. */
export const purgeDependents = internalMutation({
  args: { resourceId: v.id("resources") },
  returns: v.null(),
  handler: async (ctx, { resourceId }) => {
    if (await Resources.purgeDependents(ctx, resourceId)) {
      await ctx.scheduler.runAfter(0, internal.resources.purgeDependents, { resourceId });
    }
    return null;
  },
});

/** A resource or null. Restricted ones: students of its course, its creator and admins. */
export const get = query({
  args: { id: v.id("resources") },
  returns: v.union(resourceDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    const resource = await ctx.db.get(id);
    if (resource === null) return null;
    await Resources.requireReadable(ctx, caller, resource);
    return resource;
  },
});

/** Unrestricted resources, newest first. */
export const list = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(resourceDoc),
  handler: async (ctx, { paginationOpts }) => {
    await getCaller(ctx);
    return await ctx.db
      .query("resources")
      .withIndex("by_restricted", (q) => q.eq("restricted", false))
      .order("desc")
      .paginate(paginationOpts);
  },
});

/** A course's resources, newest first: all of them for those who can learn it, else the unrestricted ones. */
export const listByCourse = query({
  args: { courseId: v.id("courses"), paginationOpts: paginationOptsValidator },
  returns: paginated(resourceDoc),
  handler: async (ctx, { courseId, paginationOpts }) => {
    const caller = await getCaller(ctx);
    const course = await mustGet(ctx, courseId, "Course");
    const everything = await canLearn(ctx, caller, course);
    const rows = everything
      ? ctx.db.query("resources").withIndex("by_course", (q) => q.eq("courseId", courseId))
      : ctx.db
          .query("resources")
          .withIndex("by_course_restricted", (q) => q.eq("courseId", courseId).eq("restricted", false));
    return await rows.order("desc").paginate(paginationOpts);
  },
});

/** Unrestricted resources in a category (normalized like `categories`), newest first. */
export const listByCategory = query({
  args: { category: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginated(resourceDoc),
  handler: async (ctx, { category, paginationOpts }) => {
    await getCaller(ctx);
    const label = normalizeLabel(category);
    const result = await ctx.db
      .query("resourceCategories")
      .withIndex("by_category", (q) => q.eq("category", label).eq("restricted", false))
      .order("desc")
      .paginate(paginationOpts);
    return { ...result, page: await resourcesOf(ctx, result.page) };
  },
});

async function resourcesOf(ctx: QueryCtx, rows: Doc<"resourceCategories">[]): Promise<Doc<"resources">[]> {
  const resources = await Promise.all(rows.map((row) => ctx.db.get(row.resourceId)));
  return resources.filter((resource): resource is Doc<"resources"> => resource !== null);
}

/** Featured unrestricted resources, newest first; `limit` 1..50 (default 10). */
export const listFeatured = query({
  args: { limit: v.optional(v.number()) },
  returns: v.array(resourceDoc),
  handler: async (ctx, { limit }) => {
    await getCaller(ctx);
    return await ctx.db
      .query("resources")
      .withIndex("by_featured", (q) => q.eq("featured", true).eq("restricted", false))
      .order("desc")
      .take(listLimit(limit, 10));
  },
});

/** Full-text search over unrestricted resources, best match first; `limit` 1..50 (default 20). */
export const search = query({
  args: {
    query: v.string(),
    type: v.optional(v.string()),
    difficulty: v.optional(level),
    limit: v.optional(v.number()),
  },
  returns: v.array(resourceDoc),
  handler: async (ctx, args) => {
    await getCaller(ctx);
    const text = requiredText(args.query, "query", 200);
    return await ctx.db
      .query("resources")
      .withSearchIndex("search_text", (q) => {
        const base = q.search("searchText", text).eq("restricted", false);
        const typed = args.type === undefined ? base : base.eq("type", args.type.trim().toLowerCase());
        return args.difficulty === undefined ? typed : typed.eq("difficulty", args.difficulty);
      })
      .take(listLimit(args.limit, 20));
  },
});

/** Counts a download (one `resourceDownloads` row) and returns the file's URL. Anyone who may read it. */
export const recordDownload = mutation({
  args: { id: v.id("resources") },
  returns: downloadLink,
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    const resource = await mustGet(ctx, id, "Resource");
    await Resources.requireReadable(ctx, caller, resource);
    await Resources.recordDownload(ctx, caller, resource);
    return { url: resource.url };
  },
});

/** The resources the signed-in instructor created, newest first. */
export const listMine = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(resourceDoc),
  handler: async (ctx, { paginationOpts }) => {
    const user = await requireUser(ctx);
    return await ctx.db
      .query("resources")
      .withIndex("by_creator", (q) => q.eq("createdBy", user._id))
      .order("desc")
      .paginate(paginationOpts);
  },
});
