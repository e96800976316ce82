/**
 * Rules for `resources`: validation, who may read and manage one, and the rows
 * kept in step with it (`resourceCategories` mirrors `categories` and
 * `restricted`; favorites and downloads go when the resource goes).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Level } from "../validators";
import { canEditCourse, canLearn } from "./access";
import { canActFor, deny, fullName, hasInstructorRole, isPrivileged, type Caller } from "./auth";
import { httpUrl, labelList, requiredText } from "./checks";
import { addDownloads } from "./counters";
import { forbidden, invalid, mustGet, unauthenticated } from "./errors";
import { noteChange } from "./recounts";

export type ResourceInput = {
  title: string;
  description: string;
  type: string;
  url: string;
  difficulty: Level;
  categories?: string[];
  tags?: string[];
  thumbnailUrl?: string;
  author?: string;
  duration?: string;
  fileSize?: string;
  courseId?: Id<"courses">;
  restricted?: boolean;
  featured?: boolean;
};

type Editable = Omit<ResourceInput, "author"> & { author: string };

/** Categories and tags: each 1..50 characters, at most 20. */
const LABEL_LIMITS = { items: 20, length: 50 };

/** Rows deleted per transaction when a removed resource had many favorites or downloads. */
export const PURGE_BATCH = 500;

/** The resource's creator, admins and the service manage it. */
export const canManage = (caller: Caller, resource: Doc<"resources">): boolean => canActFor(caller, resource.createdBy);

/** Unrestricted resources are public; restricted ones need the course (or ownership, or admin rights). */
export async function canRead(ctx: QueryCtx, caller: Caller, resource: Doc<"resources">): Promise<boolean> {
  if (!resource.restricted || canManage(caller, resource)) return true;
  const course = resource.courseId === undefined ? null : await ctx.db.get(resource.courseId);
  return course !== null && (await canLearn(ctx, caller, course));
}

export async function requireReadable(ctx: QueryCtx, caller: Caller, resource: Doc<"resources">): Promise<void> {
  if (await canRead(ctx, caller, resource)) return;
  const signIn = "Sign in to open this restricted resource";
  deny(caller, "This resource is restricted to the students of its course", signIn);
}

/** Instructors, admins and the service add resources. */
export function requireCreator(caller: Caller): void {
  if (caller.kind === "anonymous") unauthenticated();
  if (!isPrivileged(caller) && !(caller.kind === "user" && hasInstructorRole(caller.user))) {
    forbidden("Only instructors and administrators may add resources");
  }
}

export function requireManager(caller: Caller, resource: Doc<"resources">): void {
  if (caller.kind === "anonymous") unauthenticated();
  if (!canManage(caller, resource)) forbidden("Only the resource's creator or an administrator may change it");
}

/**
 * Validates and normalizes the given fields against the current values
 * (`current` is undefined on create). Throws before anything is written.
 */
async function checkChanges(
  ctx: QueryCtx,
  caller: Caller,
  changes: Partial<ResourceInput>,
  current?: Doc<"resources">,
): Promise<Partial<Editable>> {
  const out: Partial<Editable> = { ...changes };
  if (changes.title !== undefined) out.title = requiredText(changes.title, "title", 200);
  if (changes.description !== undefined) out.description = requiredText(changes.description, "description", 5000);
  if (changes.type !== undefined) out.type = requiredText(changes.type, "type", 50).toLowerCase();
  if (changes.url !== undefined) out.url = httpUrl(changes.url, "url");
  if (changes.thumbnailUrl !== undefined) out.thumbnailUrl = httpUrl(changes.thumbnailUrl, "thumbnailUrl");
  if (changes.author !== undefined) out.author = requiredText(changes.author, "author", 200);
  if (changes.duration !== undefined) out.duration = requiredText(changes.duration, "duration", 50);
  if (changes.fileSize !== undefined) out.fileSize = requiredText(changes.fileSize, "fileSize", 50);
  if (changes.categories !== undefined) out.categories = labelList(changes.categories, "categories", LABEL_LIMITS);
  if (changes.tags !== undefined) out.tags = labelList(changes.tags, "tags", LABEL_LIMITS);
  if (changes.featured !== undefined && changes.featured !== (current?.featured ?? false) && !isPrivileged(caller)) {
    forbidden("Only administrators may feature resources");
  }
  if (changes.courseId !== undefined && changes.courseId !== current?.courseId) {
    const course = await mustGet(ctx, changes.courseId, "Course");
    if (!canEditCourse(caller, course)) forbidden("You may only attach resources to courses you teach");
  }
  const restricted = changes.restricted ?? current?.restricted ?? false;
  if (restricted && (changes.courseId ?? current?.courseId) === undefined) {
    invalid("A restricted resource must belong to a course (its students may open it)", "restricted");
  }
  return out;
}

/** The creator's name, unless given; the service (no user) must name the author. */
function defaultAuthor(caller: Caller): string {
  return caller.kind === "user" ? fullName(caller.user) : invalid("author is required", "author");
}

export async function insertResource(ctx: MutationCtx, caller: Caller, input: ResourceInput): Promise<Id<"resources">> {
  const checked = (await checkChanges(ctx, caller, input)) as Editable;
  const fields = {
    ...checked,
    author: checked.author ?? defaultAuthor(caller),
    categories: checked.categories ?? [],
    tags: checked.tags ?? [],
    restricted: checked.restricted ?? false,
    featured: checked.featured ?? false,
  };
  const id = await ctx.db.insert("resources", {
    ...fields,
    dateAdded: new Date().toISOString(),
    downloadCount: 0,
    favoriteCount: 0,
    rating: 0,
    reviewCount: 0,
    createdBy: caller.kind === "user" ? caller.user._id : undefined,
    searchText: searchText(fields),
  });
  await syncCategories(ctx, id);
  return id;
}

export async function updateResource(
  ctx: MutationCtx,
  caller: Caller,
  resource: Doc<"resources">,
  changes: Partial<ResourceInput>,
): Promise<void> {
  const checked = await checkChanges(ctx, caller, changes, resource);
  const next = { ...resource, ...checked };
  await ctx.db.patch(resource._id, { ...checked, searchText: searchText(next) });
  await syncCategories(ctx, resource._id);
}

const searchText = (r: Pick<Doc<"resources">, "title" | "description" | "author" | "categories" | "tags">): string =>
  [r.title, r.description, r.author, ...r.categories, ...r.tags].join(" ");

/** One `resourceDownloads` row per download, `downloadCount` in step; anonymous downloads have no user. */
export async function recordDownload(ctx: MutationCtx, caller: Caller, resource: Doc<"resources">): Promise<void> {
  const id = await ctx.db.insert("resourceDownloads", {
    resourceId: resource._id,
    userId: caller.kind === "user" ? caller.user._id : undefined,
    downloadedAt: Date.now(),
  });
  await addDownloads(ctx, resource._id, 1);
  await noteChange(ctx, "downloads", resource._id, null, id);
}

/** Makes the resource's `resourceCategories` rows exactly one per category, with its `restricted` flag. */
async function syncCategories(ctx: MutationCtx, resourceId: Id<"resources">): Promise<void> {
  const resource = await mustGet(ctx, resourceId, "Resource");
  const missing = new Set(resource.categories);
  for (const row of await categoryRows(ctx, resourceId)) {
    if (!missing.delete(row.category)) await ctx.db.delete(row._id);
    else if (row.restricted !== resource.restricted) await ctx.db.patch(row._id, { restricted: resource.restricted });
  }
  for (const category of missing) {
    await ctx.db.insert("resourceCategories", { resourceId, category, restricted: resource.restricted });
  }
}

/** Bounded: `categories` holds at most 20 entries. */
const categoryRows = (ctx: QueryCtx, resourceId: Id<"resources">) =>
  ctx.db
    .query("resourceCategories")
    .withIndex("by_resource", (q) => q.eq("resourceId", resourceId))
    .collect();

/** Deletes the resource and its category rows; returns whether favorites or downloads remain to purge. */
export async function deleteResource(ctx: MutationCtx, resourceId: Id<"resources">): Promise<boolean> {
  for (const row of await categoryRows(ctx, resourceId)) await ctx.db.delete(row._id);
  await ctx.db.delete(resourceId);
  return await purgeDependents(ctx, resourceId);
}

/** Deletes up to PURGE_BATCH favorites and downloads of a deleted resource; true while more remain. */
export async function purgeDependents(ctx: MutationCtx, resourceId: Id<"resources">): Promise<boolean> {
  const favorites = await ctx.db
    .query("favorites")
    .withIndex("by_resource", (q) => q.eq("resourceId", resourceId))
    .take(PURGE_BATCH);
  const downloads = await ctx.db
    .query("resourceDownloads")
    .withIndex("by_resource", (q) => q.eq("resourceId", resourceId))
    .take(PURGE_BATCH);
  for (const row of [...favorites, ...downloads]) await ctx.db.delete(row._id);
  return favorites.length === PURGE_BATCH || downloads.length === PURGE_BATCH;
}
