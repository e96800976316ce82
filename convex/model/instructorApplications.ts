/**
 * Instructor vetting: a user submits their licence details, an admin approves
 * (the user becomes an instructor) or rejects with a reason. A user has at most
 * one pending application; the applicant is told the outcome by notification.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { hasInstructorRole } from "./auth";
import { futureIsoDate, requiredText, textList, MAX_URL } from "./checks";
import { conflict, invalidState, mustGet } from "./errors";
import { notify } from "./notifications";
import { recordChange } from "./audit";

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
  if (hasInstructorRole(user)) invalidState("You are already an instructor");
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
