/**
 * Notifications: every workflow that tells a user something goes through
 * `notify`. Each user reads and changes only their own; another user's
 * notification is NOT_FOUND, never FORBIDDEN, so ids reveal nothing. Rows older
 * than 90 days move to `archivedNotifications` (daily cron, `archiveOld`).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { NotificationType } from "../validators";
import { batchOf, type BatchResult } from "./batches";
import { httpUrl, requiredText } from "./checks";
import { invalid, limit, mustGet, notFound } from "./errors";

export type NewNotification = {
  type: NotificationType;
  title: string;
  description: string;
  link?: string;
  metadata?: unknown;
};

export const ARCHIVE_AFTER_MS = 90 * 24 * 60 * 60 * 1000;
/** What `listUnread` (the SDK's live `watch_unread`) returns at most. */
export const UNREAD_LIST_LIMIT = 100;
/** `unreadCount` stops counting here (a badge shows "999+"), keeping the live query cheap. */
export const UNREAD_COUNT_LIMIT = 1000;
/**
 * `sendMany`'s rows per call: each reads its user and writes one notification, so a full call
 * is 500 reads and 500 writes (of Convex's 4,096 and 16,000) and, at the longest title and
 * description, about 1.2 MB written (of 16 MiB).
 */
export const MAX_SEND_MANY = 500;

export async function notify(
  ctx: MutationCtx,
  userId: Id<"users">,
  notification: NewNotification,
): Promise<Id<"notifications">> {
  return await ctx.db.insert("notifications", {
    ...notification,
    userId,
    read: false,
    createdAt: Date.now(),
  });
}

/** `notify` for input from outside (the service): the user must exist, text non-empty, link a path or URL. */
export async function send(ctx: MutationCtx, userId: Id<"users">, input: NewNotification): Promise<Id<"notifications">> {
  await mustGet(ctx, userId, "User");
  return await notify(ctx, userId, {
    ...input,
    title: requiredText(input.title, "title", 200),
    description: requiredText(input.description, "description", 2000),
    ...(input.link === undefined ? {} : { link: checkLink(input.link) }),
  });
}

/** `send` for each of `rows`, in order, in one transaction: one bad row fails them all, writing nothing. */
export async function sendMany(
  ctx: MutationCtx,
  rows: (NewNotification & { userId: Id<"users"> })[],
): Promise<Id<"notifications">[]> {
  if (rows.length > MAX_SEND_MANY) return limit(`At most ${MAX_SEND_MANY} rows per call`, { max: MAX_SEND_MANY });
  const ids: Id<"notifications">[] = [];
  for (const { userId, ...input } of rows) ids.push(await send(ctx, userId, input));
  return ids;
}

/** An in-app path ("/courses/...") or an http(s) URL. */
function checkLink(link: string): string {
  const text = link.trim();
  if (text.startsWith("/") && !text.startsWith("//")) return text;
  return text.includes(":") ? httpUrl(text, "link") : invalid("link must be a path or an http(s) URL", "link");
}

/** The user's own notification; anyone else's is NOT_FOUND. */
export async function ownNotification(
  ctx: QueryCtx,
  userId: Id<"users">,
  id: Id<"notifications">,
): Promise<Doc<"notifications">> {
  const notification = await ctx.db.get(id);
  return notification !== null && notification.userId === userId ? notification : notFound("Notification", id);
}

export function unreadNewestFirst(ctx: QueryCtx, userId: Id<"users">) {
  return ctx.db
    .query("notifications")
    .withIndex("by_user_read", (q) => q.eq("userId", userId).eq("read", false))
    .order("desc");
}

/** Marks up to `size` unread notifications created at or before `before` as read. */
export async function markReadBefore(
  ctx: MutationCtx,
  userId: Id<"users">,
  before: number,
  size: number,
): Promise<BatchResult> {
  const rows = await ctx.db
    .query("notifications")
    .withIndex("by_user_read", (q) => q.eq("userId", userId).eq("read", false).lte("createdAt", before))
    .take(size);
  for (const row of rows) await ctx.db.patch(row._id, { read: true });
  return batchOf(rows.length, size);
}

/** Moves up to `size` notifications created before `cutoff` into `archivedNotifications`. */
export async function archiveBefore(ctx: MutationCtx, cutoff: number, size: number): Promise<BatchResult> {
  const rows = await ctx.db
    .query("notifications")
    .withIndex("by_created", (q) => q.lt("createdAt", cutoff))
    .take(size);
  const archivedAt = Date.now();
  for (const { _id, _creationTime, ...fields } of rows) {
    await ctx.db.insert("archivedNotifications", { ...fields, archivedAt });
    await ctx.db.delete(_id);
  }
  return batchOf(rows.length, size);
}
