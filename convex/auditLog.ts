/**
 * `auditLog`: the append-only record of every state change (who, what, when).
 * Entries are written by `model/audit.ts` in the transaction of the change they
 * record; no function updates or deletes one. Read by admins and the service.
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { query } from "./_generated/server";
import { requireAdmin } from "./model/auth";
import * as Audit from "./model/audit";
import { auditAction, auditLogDoc, paginated } from "./validators";

/**
 * Audit entries, oldest first (`order: "desc"` for newest first), filtered by at
 * most one of `targetId`, `actorId`, `action`, and by time (`since` inclusive,
 * `until` exclusive, Unix ms). Admins and the service only.
 */
export const list = query({
  args: {
    targetId: v.optional(v.string()),
    actorId: v.optional(v.id("users")),
    action: v.optional(auditAction),
    since: v.optional(v.number()),
    until: v.optional(v.number()),
    order: v.optional(v.union(v.literal("asc"), v.literal("desc"))),
    paginationOpts: paginationOptsValidator,
  },
  returns: paginated(auditLogDoc),
  handler: async (ctx, { order, paginationOpts, ...filter }) => {
    await requireAdmin(ctx);
    return await Audit.auditQuery(ctx, filter)
      .order(order ?? "asc")
      .paginate(paginationOpts);
  },
});
