/** `liveSessions`: scheduled live trainings. Rules live in `model/liveSessions.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { callerKey, getCaller, requireInstructor } from "./model/auth";
import { mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Sessions from "./model/liveSessions";
import { idempotencyKey, liveSessionDoc, paginated } from "./validators";

/**
 * Schedules a session (instructors): `scheduledFor` (Unix ms) in the future,
 * `duration` whole minutes, `maxParticipants` a positive whole number;
 * `courseId` only for a course the instructor teaches.
 */
export const schedule = mutation({
  args: {
    title: v.string(),
    description: v.string(),
    scheduledFor: v.number(),
    duration: v.number(),
    maxParticipants: v.number(),
    isRecorded: v.optional(v.boolean()),
    courseId: v.optional(v.id("courses")),
    idempotencyKey,
  },
  returns: liveSessionDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const caller = await requireInstructor(ctx, "Only instructors may schedule live sessions");
    const id = await idempotent(ctx, { fn: "liveSessions:schedule", caller: callerKey(caller), key, args: input }, () =>
      Sessions.insertSession(ctx, caller, input),
    );
    return await mustGet(ctx, id, "Live session");
  },
});

/** Changes details (owner, admins); see `model/liveSessions.ts` for what each status allows. */
export const update = mutation({
  args: {
    id: v.id("liveSessions"),
    title: v.optional(v.string()),
    description: v.optional(v.string()),
    scheduledFor: v.optional(v.number()),
    duration: v.optional(v.number()),
    maxParticipants: v.optional(v.number()),
    isRecorded: v.optional(v.boolean()),
    recordingUrl: v.optional(v.string()),
  },
  returns: liveSessionDoc,
  handler: async (ctx, { id, ...changes }) =>
    await Sessions.changeManagedSession(ctx, id, (session) => Sessions.updateSession(ctx, session, changes)),
});

/** scheduled -> live. */
export const start = mutation({
  args: { id: v.id("liveSessions") },
  returns: liveSessionDoc,
  handler: async (ctx, { id }) =>
    await Sessions.changeManagedSession(ctx, id, (session) => Sessions.startSession(ctx, session)),
});

/** live -> completed; everyone still present leaves. */
export const complete = mutation({
  args: { id: v.id("liveSessions"), recordingUrl: v.optional(v.string()) },
  returns: liveSessionDoc,
  handler: async (ctx, { id, recordingUrl }) =>
    await Sessions.changeManagedSession(ctx, id, (session) => Sessions.completeSession(ctx, session, recordingUrl)),
});

/** scheduled -> cancelled; every participant present gets a `live_session` notification. */
export const cancel = mutation({
  args: { id: v.id("liveSessions"), reason: v.optional(v.string()) },
  returns: liveSessionDoc,
  handler: async (ctx, { id, reason }) =>
    await Sessions.changeManagedSession(ctx, id, (session) => Sessions.cancelSession(ctx, session, reason)),
});

/** A session or null. Anyone. */
export const get = query({
  args: { id: v.id("liveSessions") },
  returns: v.union(liveSessionDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    const session = await ctx.db.get(id);
    return session === null ? null : await Sessions.visibleSession(ctx, caller, session);
  },
});

/**
 * Scheduled sessions that have not started, soonest first. Anyone. `after`
 * (Unix ms) drops those scheduled before it: clients pass the current time in a
 * coarse bucket (the SDK: the current minute), because Convex caches a query's
 * result until what it read changes, so a query must not read the clock itself.
 */
export const listUpcoming = query({
  args: { paginationOpts: paginationOptsValidator, after: v.optional(v.number()) },
  returns: paginated(liveSessionDoc),
  handler: async (ctx, { paginationOpts, after }) => {
    const caller = await getCaller(ctx);
    const sessions = ctx.db.query("liveSessions");
    const query =
      after === undefined
        ? sessions.withIndex("by_status", (q) => q.eq("status", "scheduled"))
        : sessions.withIndex("by_status", (q) => q.eq("status", "scheduled").gte("scheduledFor", after));
    return await Sessions.visibleSessionPage(ctx, caller, await query.paginate(paginationOpts));
  },
});

/** Sessions live now, by their scheduled time. Anyone. */
export const listLive = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(liveSessionDoc),
  handler: async (ctx, { paginationOpts }) => {
    const caller = await getCaller(ctx);
    const page = await ctx.db
      .query("liveSessions")
      .withIndex("by_status", (q) => q.eq("status", "live"))
      .paginate(paginationOpts);
    return await Sessions.visibleSessionPage(ctx, caller, page);
  },
});

/** An instructor's sessions, latest scheduled first. Anyone. */
export const listByInstructor = query({
  args: { instructorId: v.id("users"), paginationOpts: paginationOptsValidator },
  returns: paginated(liveSessionDoc),
  handler: async (ctx, { instructorId, paginationOpts }) => {
    const caller = await getCaller(ctx);
    const page = await ctx.db
      .query("liveSessions")
      .withIndex("by_instructor", (q) => q.eq("instructorId", instructorId))
      .order("desc")
      .paginate(paginationOpts);
    return await Sessions.visibleSessionPage(ctx, caller, page);
  },
});
