/** `notifications`: what the platform tells each user. Rules live in `model/notifications.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import { requireUser } from "./model/auth";
import { batchSize, DEFAULT_BATCH_SIZE } from "./model/batches";
import { mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Notifications from "./model/notifications";
import { batchResult, idempotencyKey, notificationDoc, notificationType, paginated } from "./validators";

/** The caller's notifications, newest first; `unreadOnly` for the unread ones. */
export const list = query({
  args: { unreadOnly: v.optional(v.boolean()), paginationOpts: paginationOptsValidator },
  returns: paginated(notificationDoc),
  handler: async (ctx, { unreadOnly, paginationOpts }) => {
    const user = await requireUser(ctx);
    const rows = unreadOnly
      ? Notifications.unreadNewestFirst(ctx, user._id)
      : ctx.db
          .query("notifications")
          .withIndex("by_user_created", (q) => q.eq("userId", user._id))
          .order("desc");
    return await rows.paginate(paginationOpts);
  },
});

/** The caller's newest 100 unread notifications (the SDK's live `watch_unread` subscribes to this). */
export const listUnread = query({
  args: {},
  returns: v.array(notificationDoc),
  handler: async (ctx) => {
    const user = await requireUser(ctx);
    return await Notifications.unreadNewestFirst(ctx, user._id).take(Notifications.UNREAD_LIST_LIMIT);
  },
});

/** How many unread notifications the caller has, counted up to 1000. */
export const unreadCount = query({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const user = await requireUser(ctx);
    const rows = await Notifications.unreadNewestFirst(ctx, user._id).take(Notifications.UNREAD_COUNT_LIMIT);
    return rows.length;
  },
});

/** Marks one of the caller's notifications read; anyone else's is NOT_FOUND. */
export const markRead = mutation({
  args: { id: v.id("notifications") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const user = await requireUser(ctx);
    const notification = await Notifications.ownNotification(ctx, user._id, id);
    if (!notification.read) await ctx.db.patch(id, { read: true });
    return null;
  },
});

/**
 * Marks every unread notification of the caller read; returns how many this
 * transaction marked. Beyond one batch the rest follow in background batches.
 */
export const markAllRead = mutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const user = await requireUser(ctx);
    const before = Date.now();
    const result = await Notifications.markReadBefore(ctx, user._id, before, DEFAULT_BATCH_SIZE);
    if (!result.done) {
      await ctx.scheduler.runAfter(0, internal.notifications.markAllReadBatch, { userId: user._id, before });
    }
    return result.processed;
  },
});

/** Continues `markAllRead` (only notifications that existed when it was called). */
export const markAllReadBatch = internalMutation({
  args: { userId: v.id("users"), before: v.number() },
  returns: batchResult,
  handler: async (ctx, args) => {
    const result = await Notifications.markReadBefore(ctx, args.userId, args.before, DEFAULT_BATCH_SIZE);
    if (!result.done) await ctx.scheduler.runAfter(0, internal.notifications.markAllReadBatch, args);
    return result;
  },
});

const newNotification = {
  userId: v.id("users"),
  type: notificationType,
  title: v.string(),
  description: v.string(),
  link: v.optional(v.string()),
  metadata: v.optional(v.any()),
};

/** Sends a user a notification (the service: announcements, messages). */
export const send = internalMutation({
  args: { ...newNotification, idempotencyKey },
  returns: notificationDoc,
  handler: async (ctx, { idempotencyKey: key, userId, ...input }) => {
    const id = await idempotent(ctx, { fn: "notifications:send", caller: "service", key, args: { userId, ...input } }, () =>
      Notifications.send(ctx, userId, input),
    );
    return await mustGet(ctx, id, "Notification");
  },
});

/**
 * Sends up to 500 notifications in one transaction (the service: a welcome to many
 * users); their ids, in order. Every row is checked as `send` checks it, and one bad
 * row fails the call, writing nothing.
 */
export const sendMany = internalMutation({
  args: { rows: v.array(v.object(newNotification)), idempotencyKey },
  returns: v.array(v.id("notifications")),
  handler: async (ctx, { rows, idempotencyKey: key }) =>
    await idempotent(ctx, { fn: "notifications:sendMany", caller: "service", key, args: { rows } }, () =>
      Notifications.sendMany(ctx, rows),
    ),
});

/**
 * Daily cron: moves notifications older than 90 days to `archivedNotifications`,
 * one batch per transaction, rescheduling itself while more remain. The cutoff
 * is fixed by the first run so the chain ends.
 */
export const archiveOld = internalMutation({
  args: { batchSize: v.optional(v.number()), cutoff: v.optional(v.number()) },
  returns: batchResult,
  handler: async (ctx, args) => {
    const size = batchSize(args.batchSize);
    const cutoff = args.cutoff ?? Date.now() - Notifications.ARCHIVE_AFTER_MS;
    const result = await Notifications.archiveBefore(ctx, cutoff, size);
    if (!result.done) {
      await ctx.scheduler.runAfter(0, internal.notifications.archiveOld, { batchSize: size, cutoff });
    }
    return result;
  },
});
