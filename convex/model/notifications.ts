/** Creating notifications: every workflow that tells a user something goes through `notify`. */
import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { NotificationType } from "../validators";

export type NewNotification = {
  type: NotificationType;
  title: string;
  description: string;
  link?: string;
  metadata?: unknown;
};

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
