/**
 * The audit trail and the event feed's outbox. Every state change an auditor or
 * an integrating service needs calls `recordChange` once, inside the mutation
 * that makes the change: one `auditLog` entry and one pending `events` row are
 * written in that same transaction, so a change never commits without its
 * record and a record never exists without its change (a refused call throws,
 * which rolls all three back). Entries are append-only: nothing in convex/
 * patches or deletes `auditLog` (tests/convex/auditLog.test.ts checks it), and
 * they are kept at least 6 years (docs/compliance.md).
 */
import type { UserIdentity } from "convex/server";
import type { Infer } from "convex/values";
import type { Id } from "../_generated/dataModel";
import { internal } from "../_generated/api";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { findUserByExternalId, isServiceItself, SERVICE_ISSUER } from "./auth";
import { invalid } from "./errors";
import type { actorKind, AuditAction, changeDetails, EventType } from "../validators";

export type Details = Infer<typeof changeDetails>;
type Actor = { actorKind: Infer<typeof actorKind>; actorId?: Id<"users"> };

/** The feed's event for each audited action. */
export const EVENT_OF: Record<AuditAction, EventType> = {
  "users.setRoles": "user.rolesChanged",
  "instructorApplications.approve": "instructorApplication.approved",
  "instructorApplications.reject": "instructorApplication.rejected",
  "courses.publish": "course.published",
  "courses.unpublish": "course.unpublished",
  "courses.archive": "course.archived",
  "courses.remove": "course.removed",
  "purchases.complete": "purchase.completed",
  "purchases.refund": "purchase.refunded",
  "courseEnrollments.enroll": "enrollment.created",
  "courseEnrollments.grant": "enrollment.created",
  "courseEnrollments.revoke": "enrollment.revoked",
  "courseEnrollments.complete": "enrollment.completed",
  "certificates.issue": "certificate.issued",
  "certificates.revoke": "certificate.revoked",
  "certificates.setExpiry": "certificate.expiryChanged",
  "certificates.expire": "certificate.expired",
  "lessonProgress.complete": "lesson.completed",
  "quizAttempts.submit": "quiz.submitted",
};

export type Change = { action: AuditAction; targetId: string; details?: Record<string, Details[string] | undefined> };

/**
 * Records one state change: its audit entry and its feed event, then asks the
 * sequencer to give the event its cursor once this transaction has committed.
 * `undefined` details are left out (Convex records hold no `undefined`).
 */
export async function recordChange(ctx: MutationCtx, change: Change): Promise<void> {
  const details = definedOnly(change.details ?? {});
  const targetTable = change.action.split(".")[0];
  const actor = await actorOf(ctx);
  const { action, targetId } = change;
  await ctx.db.insert("auditLog", { at: Date.now(), action, ...actor, targetTable, targetId, details });
  await ctx.db.insert("events", { type: EVENT_OF[action], targetId, data: { ...details, targetTable } });
  await scheduleSequencer(ctx);
}

// The transactions (by their `ctx.db`, one per execution) that already scheduled the sequencer.
const sequencerScheduled = new WeakSet<MutationCtx["db"]>();

/**
 * One sequencer run per transaction, however many changes it records: a run
 * numbers every pending event (rescheduling itself until none is left), so a
 * bulk call recording thousands of changes would otherwise queue thousands of
 * runs that conflict with one another on `feedCounters`.
 */
async function scheduleSequencer(ctx: MutationCtx): Promise<void> {
  if (sequencerScheduled.has(ctx.db)) return;
  await ctx.scheduler.runAfter(0, internal.events.sequence, {});
  sequencerScheduled.add(ctx.db);
}

/**
 * Who is acting, from the identity alone (helpers need no caller argument): no
 * identity is the system (the scheduler, crons, internal calls with the bare
 * admin key); the service's issuer is the service, acting as itself or as the
 * user its subject names; any other identity is the signed-in user.
 */
async function actorOf(ctx: QueryCtx): Promise<Actor> {
  const identity = await identityOf(ctx);
  if (identity === null) return { actorKind: "system" };
  if (isServiceItself(identity)) return { actorKind: "service" };
  if (identity.issuer === SERVICE_ISSUER) {
    const userId = ctx.db.normalizeId("users", identity.subject);
    return userId === null ? { actorKind: "service" } : { actorKind: "service", actorId: userId };
  }
  const user = await findUserByExternalId(ctx, identity.subject);
  return user === null ? { actorKind: "user" } : { actorKind: "user", actorId: user._id };
}

// The caller's identity by transaction (`ctx.auth`, one per execution): it cannot change within one.
const identities = new WeakMap<QueryCtx["auth"], Promise<UserIdentity | null>>();

/** `ctx.auth.getUserIdentity()`, asked once per transaction however many changes it records. */
function identityOf(ctx: QueryCtx): Promise<UserIdentity | null> {
  let identity = identities.get(ctx.auth);
  if (identity === undefined) {
    identity = ctx.auth.getUserIdentity();
    identities.set(ctx.auth, identity);
  }
  return identity;
}

function definedOnly(details: Record<string, Details[string] | undefined>): Details {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)) as Details;
}

// ---------------------------------------------------------------- reading the trail

export type AuditFilter = {
  targetId?: string;
  actorId?: Id<"users">;
  action?: AuditAction;
  /** Inclusive lower bound on `at` (Unix ms). */
  since?: number;
  /** Exclusive upper bound on `at` (Unix ms). */
  until?: number;
};

/**
 * The entries matching `filter`, oldest first, as one index range: at most one
 * of `targetId`, `actorId`, `action` (each has its index, all ending in `at`),
 * and any time range on `at`. VALIDATION for two keys at once, which no index
 * serves without scanning.
 */
export function auditQuery(ctx: QueryCtx, filter: AuditFilter) {
  const keys = (["targetId", "actorId", "action"] as const).filter((key) => filter[key] !== undefined);
  if (keys.length > 1) invalid(`Filter by one of targetId, actorId, action at a time (got ${keys.join(", ")})`, keys[1]);
  const { since, until } = filter;
  if (since !== undefined && until !== undefined && until <= since) invalid("until must be after since", "until");
  const table = ctx.db.query("auditLog");
  if (filter.targetId !== undefined) {
    const targetId = filter.targetId;
    return table.withIndex("by_target", (q) => timeRange(q.eq("targetId", targetId), since, until));
  }
  if (filter.actorId !== undefined) {
    const actorId = filter.actorId;
    return table.withIndex("by_actor", (q) => timeRange(q.eq("actorId", actorId), since, until));
  }
  if (filter.action !== undefined) {
    const action = filter.action;
    return table.withIndex("by_action", (q) => timeRange(q.eq("action", action), since, until));
  }
  return table.withIndex("by_at", (q) => timeRange(q, since, until));
}

type AtRange<R> = { gte(field: "at", value: number): AtUpper<R>; lt(field: "at", value: number): R } & R;
type AtUpper<R> = { lt(field: "at", value: number): R } & R;

function timeRange<R>(q: AtRange<R>, since: number | undefined, until: number | undefined): R {
  const lower = since === undefined ? q : q.gte("at", since);
  return until === undefined ? lower : lower.lt("at", until);
}
