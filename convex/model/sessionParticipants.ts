/**
 * Rules for `sessionParticipants`: one row per user and session; joining only
 * scheduled or live sessions, never above `maxParticipants` present; leaving
 * sets `leftAt` and rejoining clears it.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { canLearn } from "./access";
import type { SignedInCaller, UserCaller } from "./auth";
import { forbidden, invalidState, limit, mustGet, notFound } from "./errors";
import { canManage, presentParticipants } from "./liveSessions";

export async function findParticipant(
  ctx: QueryCtx,
  sessionId: Id<"liveSessions">,
  userId: Id<"users">,
): Promise<Doc<"sessionParticipants"> | null> {
  return await ctx.db
    .query("sessionParticipants")
    .withIndex("by_session", (q) => q.eq("sessionId", sessionId).eq("userId", userId))
    .unique();
}

/** Sessions of a course are for those who can learn it. */
async function requireJoinable(ctx: QueryCtx, caller: UserCaller, session: Doc<"liveSessions">): Promise<void> {
  if (session.courseId !== undefined) {
    const course = await ctx.db.get(session.courseId);
    if (course !== null && !(await canLearn(ctx, caller, course))) {
      forbidden("This session is for the students of its course");
    }
  }
  if (session.status !== "scheduled" && session.status !== "live") {
    invalidState(`A ${session.status} session cannot be joined`, { status: session.status });
  }
}

/** Joins (or rejoins) the session; joining while present returns the existing row. */
export async function join(
  ctx: MutationCtx,
  caller: UserCaller,
  sessionId: Id<"liveSessions">,
): Promise<Id<"sessionParticipants">> {
  const session = await mustGet(ctx, sessionId, "Live session");
  await requireJoinable(ctx, caller, session);
  const existing = await findParticipant(ctx, sessionId, caller.user._id);
  if (existing !== null && existing.leftAt === undefined) return existing._id;
  if ((await presentParticipants(ctx, sessionId)).length >= session.maxParticipants) {
    limit("This session is full", { maxParticipants: session.maxParticipants });
  }
  if (existing !== null) {
    await ctx.db.patch(existing._id, { leftAt: undefined });
    return existing._id;
  }
  return await ctx.db.insert("sessionParticipants", { sessionId, userId: caller.user._id, joinedAt: Date.now() });
}

/** Leaves the session (NOT_FOUND if never joined); leaving twice keeps the first `leftAt`. */
export async function leave(ctx: MutationCtx, userId: Id<"users">, sessionId: Id<"liveSessions">): Promise<void> {
  const row = (await findParticipant(ctx, sessionId, userId)) ?? notFound("Participation in session", sessionId);
  if (row.leftAt === undefined) await ctx.db.patch(row._id, { leftAt: Date.now() });
}

/** The session's owner, admins and its participants (present or past) see who joined. */
export async function requireParticipantReader(
  ctx: QueryCtx,
  caller: SignedInCaller,
  sessionId: Id<"liveSessions">,
): Promise<void> {
  const session = await mustGet(ctx, sessionId, "Live session");
  if (canManage(caller, session)) return;
  if (caller.kind === "user" && (await findParticipant(ctx, sessionId, caller.user._id)) !== null) return;
  forbidden("Only the session's instructor, administrators and participants see who joined");
}
