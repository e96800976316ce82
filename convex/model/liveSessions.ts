/**
 * Rules for `liveSessions`: scheduling by instructors, management by the owner
 * or admins, and the status machine scheduled -> live -> completed,
 * scheduled -> cancelled. Cancelling tells everyone present.
 */
import type { PaginationResult } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { LiveSessionStatus } from "../validators";
import { canEditCourse, canLearn } from "./access";
import { canActFor, requireSignedIn, type Caller, type UserCaller } from "./auth";
import { httpUrl, integerIn, requiredText } from "./checks";
import { forbidden, invalid, invalidState, mustGet } from "./errors";
import { requireCurrentLicense } from "./instructorApplications";
import { notify } from "./notifications";

/** Whole minutes: at most a day. */
export const MAX_DURATION_MINUTES = 24 * 60;
/** Keeps every per-session loop (capacity count, cancel notifications) within one transaction. */
export const MAX_PARTICIPANTS = 1000;

export type SessionInput = {
  title: string;
  description: string;
  scheduledFor: number;
  duration: number;
  maxParticipants: number;
  isRecorded?: boolean;
  courseId?: Id<"courses">;
};

export type SessionChanges = Partial<Omit<SessionInput, "courseId">> & { recordingUrl?: string };

const NEXT: Record<LiveSessionStatus, readonly LiveSessionStatus[]> = {
  scheduled: ["live", "cancelled"],
  live: ["completed"],
  completed: [],
  cancelled: [],
};

/** The session's instructor, admins and the service manage it. */
export const canManage = (caller: Caller, session: Doc<"liveSessions">): boolean =>
  canActFor(caller, session.instructorId);

/**
 * A session as `caller` may see it. The recording of a course's session is part
 * of the course, so only those who may learn the course (its editors and
 * enrolled students) and the session's managers get `recordingUrl`; a session
 * open to everyone shows its recording to everyone.
 */
export async function visibleSession(
  ctx: QueryCtx,
  caller: Caller,
  session: Doc<"liveSessions">,
): Promise<Doc<"liveSessions">> {
  if (session.recordingUrl === undefined || session.courseId === undefined || canManage(caller, session)) {
    return session;
  }
  const course = await ctx.db.get(session.courseId);
  if (course !== null && (await canLearn(ctx, caller, course))) return session;
  const { recordingUrl: _withheld, ...rest } = session;
  return rest;
}

export async function visibleSessionPage(
  ctx: QueryCtx,
  caller: Caller,
  page: PaginationResult<Doc<"liveSessions">>,
): Promise<PaginationResult<Doc<"liveSessions">>> {
  const visible = await Promise.all(page.page.map((session) => visibleSession(ctx, caller, session)));
  return { ...page, page: visible };
}

/**
 * Applies `change` to a session the caller manages (UNAUTHENTICATED, NOT_FOUND
 * or FORBIDDEN otherwise) and returns the session as changed.
 */
export async function changeManagedSession(
  ctx: MutationCtx,
  id: Id<"liveSessions">,
  change: (session: Doc<"liveSessions">) => Promise<void>,
): Promise<Doc<"liveSessions">> {
  const caller = await requireSignedIn(ctx);
  const session = await mustGet(ctx, id, "Live session");
  if (!canManage(caller, session)) forbidden("Only the session's instructor or an administrator may manage it");
  await change(session);
  return await mustGet(ctx, id, "Live session");
}

const checkFuture = (scheduledFor: number): number =>
  Number.isFinite(scheduledFor) && scheduledFor > Date.now()
    ? scheduledFor
    : invalid("scheduledFor must be in the future", "scheduledFor");

/** Validates the given fields (all optional, as for `update`). */
function checkFields(changes: SessionChanges): SessionChanges {
  return {
    ...changes,
    ...(changes.title === undefined ? {} : { title: requiredText(changes.title, "title", 200) }),
    ...(changes.description === undefined ? {} : { description: requiredText(changes.description, "description", 5000) }),
    ...(changes.scheduledFor === undefined ? {} : { scheduledFor: checkFuture(changes.scheduledFor) }),
    ...(changes.duration === undefined
      ? {}
      : { duration: integerIn(changes.duration, "duration", 1, MAX_DURATION_MINUTES) }),
    ...(changes.maxParticipants === undefined
      ? {}
      : { maxParticipants: integerIn(changes.maxParticipants, "maxParticipants", 1, MAX_PARTICIPANTS) }),
    ...(changes.recordingUrl === undefined ? {} : { recordingUrl: httpUrl(changes.recordingUrl, "recordingUrl") }),
  };
}

/** Scheduling needs an instructor whose licence on file has not expired (model/instructorApplications.ts). */
export async function insertSession(ctx: MutationCtx, caller: UserCaller, input: SessionInput) {
  const fields = checkFields(input) as SessionInput;
  await requireCurrentLicense(ctx, caller.user._id, "scheduling");
  if (input.courseId !== undefined) {
    const course = await mustGet(ctx, input.courseId, "Course");
    if (!canEditCourse(caller, course)) forbidden("You may only schedule sessions for courses you teach");
  }
  const now = Date.now();
  return await ctx.db.insert("liveSessions", {
    ...fields,
    isRecorded: fields.isRecorded ?? false,
    instructorId: caller.user._id,
    status: "scheduled",
    createdAt: now,
    updatedAt: now,
  });
}

/**
 * Details change while the session has not ended; the time only while it is
 * scheduled; the recording URL once it is completed. `maxParticipants` never
 * drops below the participants present.
 */
export async function updateSession(ctx: MutationCtx, session: Doc<"liveSessions">, changes: SessionChanges) {
  const checked = checkFields(changes);
  const { recordingUrl, scheduledFor, ...details } = checked;
  if (Object.keys(details).length > 0 && session.status !== "scheduled" && session.status !== "live") {
    invalidState(`A ${session.status} session can no longer be changed`, { status: session.status });
  }
  if (scheduledFor !== undefined && session.status !== "scheduled") {
    invalidState("Only a scheduled session can be moved", { status: session.status });
  }
  if (recordingUrl !== undefined && session.status !== "completed") {
    invalidState("The recording is added once the session is completed", { status: session.status });
  }
  if (checked.maxParticipants !== undefined) {
    const present = await presentParticipants(ctx, session._id);
    if (checked.maxParticipants < present.length) {
      invalid(`${present.length} participants are present; maxParticipants cannot be lower`, "maxParticipants");
    }
  }
  await ctx.db.patch(session._id, { ...checked, updatedAt: Date.now() });
}

/** Moves the session to `to` if the status machine allows it; INVALID_STATE otherwise. */
export async function transition(
  ctx: MutationCtx,
  session: Doc<"liveSessions">,
  to: LiveSessionStatus,
  fields: Partial<Doc<"liveSessions">> = {},
): Promise<void> {
  if (!NEXT[session.status].includes(to)) {
    invalidState(`A ${session.status} session cannot become ${to}`, { status: session.status, to });
  }
  await ctx.db.patch(session._id, { ...fields, status: to, updatedAt: Date.now() });
}

/** Participants currently in the session (no `leftAt`); bounded by MAX_PARTICIPANTS. */
export async function presentParticipants(ctx: QueryCtx, sessionId: Id<"liveSessions">) {
  return await ctx.db
    .query("sessionParticipants")
    .withIndex("by_session_present", (q) => q.eq("sessionId", sessionId).eq("leftAt", undefined))
    .take(MAX_PARTICIPANTS);
}

export async function startSession(ctx: MutationCtx, session: Doc<"liveSessions">) {
  await transition(ctx, session, "live", { startedAt: Date.now() });
}

export async function completeSession(ctx: MutationCtx, session: Doc<"liveSessions">, recordingUrl?: string) {
  const now = Date.now();
  const url = recordingUrl === undefined ? {} : { recordingUrl: httpUrl(recordingUrl, "recordingUrl") };
  await transition(ctx, session, "completed", { endedAt: now, ...url });
  // Everyone still present leaves when the session ends.
  for (const row of await presentParticipants(ctx, session._id)) await ctx.db.patch(row._id, { leftAt: now });
}

export async function cancelSession(ctx: MutationCtx, session: Doc<"liveSessions">, reason?: string) {
  const why = reason === undefined ? undefined : requiredText(reason, "reason", 500);
  await transition(ctx, session, "cancelled", { endedAt: Date.now() });
  for (const row of await presentParticipants(ctx, session._id)) {
    await notify(ctx, row.userId, {
      type: "live_session",
      title: `Cancelled: ${session.title}`,
      description: why ?? `The live session "${session.title}" was cancelled.`,
      metadata: { sessionId: session._id },
    });
  }
}
