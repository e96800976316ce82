/** `instructorApplications`: instructor vetting. Rules live in `model/instructorApplications.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Id } from "./_generated/dataModel";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import {
  callerKey,
  canActFor,
  requireAdmin,
  requireSignedIn,
  requireUser,
  requireUserCaller,
  type Caller,
} from "./model/auth";
import { batchSize } from "./model/batches";
import { isoDate } from "./model/checks";
import { forbidden, mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Applications from "./model/instructorApplications";
import { applicationStatus, batchResult, idempotencyKey, instructorApplicationDoc, paginated } from "./validators";

const reviewerOf = (caller: Caller): Id<"users"> | undefined => (caller.kind === "user" ? caller.user._id : undefined);

/**
 * The caller applies to teach: licence details and supporting documents. One
 * pending application at a time; an instructor submits one to renew their licence.
 */
export const submit = mutation({
  args: {
    licenseNumber: v.string(),
    licenseState: v.string(),
    licenseExpiry: v.string(),
    insuranceProvider: v.string(),
    documents: v.array(v.string()),
    idempotencyKey,
  },
  returns: instructorApplicationDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const caller = await requireUserCaller(ctx);
    const id = await idempotent(
      ctx,
      { fn: "instructorApplications:submit", caller: callerKey(caller), key, args: input },
      () => Applications.submit(ctx, caller.user, input),
    );
    return await mustGet(ctx, id, "Instructor application");
  },
});

/** Admins: pending -> approved; the applicant becomes an instructor and is notified. */
export const approve = mutation({
  args: { id: v.id("instructorApplications") },
  returns: instructorApplicationDoc,
  handler: async (ctx, { id }) => {
    const caller = await requireAdmin(ctx);
    await Applications.approve(ctx, id, reviewerOf(caller));
    return await mustGet(ctx, id, "Instructor application");
  },
});

/** Admins: pending -> rejected with a reason the applicant is notified of. */
export const reject = mutation({
  args: { id: v.id("instructorApplications"), reason: v.string() },
  returns: instructorApplicationDoc,
  handler: async (ctx, { id, reason }) => {
    const caller = await requireAdmin(ctx);
    await Applications.reject(ctx, id, reviewerOf(caller), reason);
    return await mustGet(ctx, id, "Instructor application");
  },
});

/** An application: its applicant, admins and the service; null when missing. */
export const get = query({
  args: { id: v.id("instructorApplications") },
  returns: v.union(instructorApplicationDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await requireSignedIn(ctx);
    const application = await ctx.db.get(id);
    if (application !== null && !canActFor(caller, application.userId)) {
      return forbidden("You may only read your own applications");
    }
    return application;
  },
});

/** The caller's applications, newest first. */
export const listMine = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(instructorApplicationDoc),
  handler: async (ctx, { paginationOpts }) => {
    const user = await requireUser(ctx);
    return await ctx.db
      .query("instructorApplications")
      .withIndex("by_user", (q) => q.eq("userId", user._id))
      .order("desc")
      .paginate(paginationOpts);
  },
});

/** Admins: applications in one status, oldest first (the review queue). */
export const listByStatus = query({
  args: { status: applicationStatus, paginationOpts: paginationOptsValidator },
  returns: paginated(instructorApplicationDoc),
  handler: async (ctx, { status, paginationOpts }) => {
    await requireAdmin(ctx);
    return await ctx.db
      .query("instructorApplications")
      .withIndex("by_status", (q) => q.eq("status", status))
      .paginate(paginationOpts);
  },
});

/**
 * Admins: current licences (approved applications no renewal superseded) whose
 * `licenseExpiry` is before `before` (YYYY-MM-DD), soonest first; expired ones included.
 */
export const listExpiring = query({
  args: { before: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginated(instructorApplicationDoc),
  handler: async (ctx, { before, paginationOpts }) => {
    await requireAdmin(ctx);
    return await Applications.expiringLicenses(ctx, isoDate(before, "before")).paginate(paginationOpts);
  },
});

/** Cron (daily): tells instructors whose licence expires within 30 days, once per licence, in batches. */
export const notifyExpiring = internalMutation({
  args: { batchSize: v.optional(v.number()), cursor: v.optional(v.union(v.string(), v.null())) },
  returns: batchResult,
  handler: async (ctx, args) => {
    const size = batchSize(args.batchSize);
    const { notified, cursor } = await Applications.notifyExpiring(ctx, size, args.cursor ?? null);
    if (cursor !== null) {
      await ctx.scheduler.runAfter(0, internal.instructorApplications.notifyExpiring, { batchSize: size, cursor });
    }
    return { processed: notified, done: cursor === null };
  },
});
