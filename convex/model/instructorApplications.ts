/**
 * Instructor vetting: a user submits their licence details, an admin approves
 * (the user becomes an instructor) or rejects with a reason. A user has at most
 * one pending application; the applicant is told the outcome by notification.
 *
 * Licence watch (docs/compliance.md): the instructor's licence on file is their
 * approved application that no later approval superseded. A daily cron tells them
 * 30 days before its `licenseExpiry`; once that day has passed they cannot publish
 * courses or schedule live sessions (INVALID_STATE) until a renewed application
 * (instructors may submit one at any time) is approved. An instructor appointed
 * by an admin without an application has no licence on file and is not watched.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { recordChange } from "./audit";
import { futureIsoDate, requiredText, textList, MAX_URL } from "./checks";
import { conflict, invalidState, mustGet } from "./errors";
import { notify } from "./notifications";

export type Submission = {
  licenseNumber: string;
  licenseState: string;
  licenseExpiry: string;
  insuranceProvider: string;
  documents: string[];
};

export function checkSubmission(input: Submission, now: number): Submission {
  return {
    licenseNumber: requiredText(input.licenseNumber, "licenseNumber", 50),
    licenseState: requiredText(input.licenseState, "licenseState", 100),
    licenseExpiry: futureIsoDate(input.licenseExpiry, "licenseExpiry", now),
    insuranceProvider: requiredText(input.insuranceProvider, "insuranceProvider", 200),
    documents: textList(input.documents, "documents", { minItems: 1, maxItems: 20, maxLength: MAX_URL }),
  };
}

export async function submit(
  ctx: MutationCtx,
  user: Doc<"users">,
  input: Submission,
): Promise<Id<"instructorApplications">> {
  const now = Date.now();
  const submission = checkSubmission(input, now);
  if ((await pendingOf(ctx, user._id)) !== null) {
    conflict("You already have a pending application", { field: "status" });
  }
  return await ctx.db.insert("instructorApplications", {
    ...submission,
    userId: user._id,
    status: "pending",
    submittedAt: now,
  });
}

/**
 * The user's pending application. Nobody can submit while one is pending, so a
 * pending application is always the user's newest one.
 */
async function pendingOf(ctx: MutationCtx, userId: Id<"users">): Promise<Doc<"instructorApplications"> | null> {
  const newest = await ctx.db
    .query("instructorApplications")
    .withIndex("by_user", (q) => q.eq("userId", userId))
    .order("desc")
    .first();
  return newest?.status === "pending" ? newest : null;
}

async function mustGetPending(ctx: MutationCtx, id: Id<"instructorApplications">) {
  const application = await mustGet(ctx, id, "Instructor application");
  if (application.status !== "pending") {
    invalidState(`This application was already ${application.status}`, { status: application.status });
  }
  return application;
}

export async function approve(
  ctx: MutationCtx,
  id: Id<"instructorApplications">,
  reviewer: Id<"users"> | undefined,
): Promise<void> {
  const application = await mustGetPending(ctx, id);
  await supersedeLicenses(ctx, application.userId);
  await ctx.db.patch(id, { status: "approved", reviewedAt: Date.now(), reviewedBy: reviewer });
  await ctx.db.patch(application.userId, { isInstructor: true, updatedAt: new Date().toISOString() });
  await recordChange(ctx, { action: "instructorApplications.approve", targetId: id, details: { userId: application.userId } });
  await notify(ctx, application.userId, {
    type: "milestone",
    title: "Your instructor application was approved",
    description: "You can now create and publish courses.",
    metadata: { applicationId: id },
  });
}

export async function reject(
  ctx: MutationCtx,
  id: Id<"instructorApplications">,
  reviewer: Id<"users"> | undefined,
  reason: string,
): Promise<void> {
  const rejectionReason = requiredText(reason, "reason", 1000);
  const application = await mustGetPending(ctx, id);
  await ctx.db.patch(id, { status: "rejected", reviewedAt: Date.now(), reviewedBy: reviewer, rejectionReason });
  await recordChange(ctx, { action: "instructorApplications.reject", targetId: id, details: { userId: application.userId, reason: rejectionReason } });
  await notify(ctx, application.userId, {
    type: "message",
    title: "Your instructor application was not approved",
    description: rejectionReason,
    metadata: { applicationId: id },
  });
}

// ---------------------------------------------------------------- licence watch

/** Days before `licenseExpiry` the instructor is told. */
export const EXPIRY_NOTICE_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
// Approved applications of one user a renewal supersedes: one, or a few after legacy data.
const MAX_APPROVED_PER_USER = 10;

/** `YYYY-MM-DD` (UTC) of a moment: the form `licenseExpiry` is written in. */
export const isoDay = (time: number): string => new Date(time).toISOString().slice(0, 10);

/** A renewal was approved: earlier approved applications stop being the licence on file. */
async function supersedeLicenses(ctx: MutationCtx, userId: Id<"users">): Promise<void> {
  const approved = await ctx.db
    .query("instructorApplications")
    .withIndex("by_user_status", (q) => q.eq("userId", userId).eq("status", "approved"))
    .take(MAX_APPROVED_PER_USER);
  const now = Date.now();
  for (const row of approved) if (row.supersededAt === undefined) await ctx.db.patch(row._id, { supersededAt: now });
}

/** The instructor's licence on file: their newest approved application, or null. */
export async function licenseOnFile(
  ctx: QueryCtx,
  userId: Id<"users">,
): Promise<Doc<"instructorApplications"> | null> {
  return await ctx.db
    .query("instructorApplications")
    .withIndex("by_user_status", (q) => q.eq("userId", userId).eq("status", "approved"))
    .order("desc")
    .first();
}

/** INVALID_STATE when the instructor's licence on file expired (`action`: what it stops). */
export async function requireCurrentLicense(ctx: QueryCtx, instructorId: Id<"users">, action: string): Promise<void> {
  const license = await licenseOnFile(ctx, instructorId);
  if (license !== null && license.licenseExpiry < isoDay(Date.now())) {
    invalidState(
      `The instructor's licence expired on ${license.licenseExpiry}: ${action} needs a renewed application, approved`,
      { licenseExpiry: license.licenseExpiry },
    );
  }
}

/** Current licences (approved, not superseded) expiring before `before` (YYYY-MM-DD), soonest first. */
export function expiringLicenses(ctx: QueryCtx, before: string) {
  return ctx.db
    .query("instructorApplications")
    .withIndex("by_status_superseded_expiry", (q) =>
      q.eq("status", "approved").eq("supersededAt", undefined).lt("licenseExpiry", before),
    );
}

/**
 * One batch of the daily licence watch: notifies each instructor whose licence
 * on file expires within EXPIRY_NOTICE_DAYS (and has not expired) once per
 * licence (`expiryNotifiedAt`). Returns the cursor of the next batch, or null.
 */
export async function notifyExpiring(
  ctx: MutationCtx,
  size: number,
  cursor: string | null,
): Promise<{ notified: number; cursor: string | null }> {
  const now = Date.now();
  const today = isoDay(now);
  const horizon = isoDay(now + EXPIRY_NOTICE_DAYS * DAY_MS);
  const page = await ctx.db
    .query("instructorApplications")
    .withIndex("by_status_superseded_expiry", (q) =>
      q.eq("status", "approved").eq("supersededAt", undefined).gte("licenseExpiry", today).lte("licenseExpiry", horizon),
    )
    .paginate({ numItems: size, cursor });
  let notified = 0;
  for (const license of page.page) {
    if (license.expiryNotifiedAt !== undefined) continue;
    await ctx.db.patch(license._id, { expiryNotifiedAt: now });
    await notify(ctx, license.userId, {
      type: "message",
      title: "Your licence expires soon",
      description: `Your licence ${license.licenseNumber} expires on ${license.licenseExpiry}. Submit a renewed application to keep publishing courses and scheduling sessions.`,
      link: "/instructor/apply",
      metadata: { applicationId: license._id, licenseExpiry: license.licenseExpiry },
    });
    notified += 1;
  }
  return { notified, cursor: page.isDone ? null : page.continueCursor };
}
