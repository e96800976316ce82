/** `sessionParticipants`: who joined which live session. Rules live in `model/sessionParticipants.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { requireSignedIn, requireUser, requireUserCaller } from "./model/auth";
import { mustGet } from "./model/errors";
import * as Participants from "./model/sessionParticipants";
import { paginated, sessionParticipantDoc } from "./validators";

/**
 * Joins a scheduled or live session (LIMIT when full). Joining while present
 * returns the existing row; rejoining after leaving clears `leftAt`.
 */
export const join = mutation({
  args: { sessionId: v.id("liveSessions") },
  returns: sessionParticipantDoc,
  handler: async (ctx, { sessionId }) => {
    const caller = await requireUserCaller(ctx);
    const id = await Participants.join(ctx, caller, sessionId);
    return await mustGet(ctx, id, "Participant");
  },
});

/** Leaves a session the caller joined. */
export const leave = mutation({
  args: { sessionId: v.id("liveSessions") },
  returns: v.null(),
  handler: async (ctx, { sessionId }) => {
    const user = await requireUser(ctx);
    await Participants.leave(ctx, user._id, sessionId);
    return null;
  },
});

/** A session's participants (present and past) in the order they joined: its owner, admins, participants. */
export const listBySession = query({
  args: { sessionId: v.id("liveSessions"), paginationOpts: paginationOptsValidator },
  returns: paginated(sessionParticipantDoc),
  handler: async (ctx, { sessionId, paginationOpts }) => {
    await Participants.requireParticipantReader(ctx, await requireSignedIn(ctx), sessionId);
    return await ctx.db
      .query("sessionParticipants")
      .withIndex("by_session_joined", (q) => q.eq("sessionId", sessionId))
      .paginate(paginationOpts);
  },
});

/** The sessions the caller joined, latest first. */
export const listMine = query({
  args: { paginationOpts: paginationOptsValidator },
  returns: paginated(sessionParticipantDoc),
  handler: async (ctx, { paginationOpts }) => {
    const user = await requireUser(ctx);
    return await ctx.db
      .query("sessionParticipants")
      .withIndex("by_user", (q) => q.eq("userId", user._id))
      .order("desc")
      .paginate(paginationOpts);
  },
});
