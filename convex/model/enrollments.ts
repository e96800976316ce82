/**
 * Rules for `courseEnrollments`: the one row per user and course that grants
 * access (`model/access.ts`). Status moves active -> completed (all lessons done)
 * and active|completed -> revoked (refund, admin); a revoked row is reactivated
 * rather than duplicated. `studentCount` (sharded, `model/counters.ts`) counts
 * active + completed rows and changes in the same transaction as the status.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { requiredText } from "./checks";
import * as Counters from "./counters";
import { conflict, invalidState, mustGet } from "./errors";
import { recordChange, type Change } from "./audit";
import { noteChange } from "./recounts";

type Source = Doc<"courseEnrollments">["source"];

export const MAX_REASON = 500;

export async function findEnrollment(
  ctx: QueryCtx,
  userId: Id<"users">,
  courseId: Id<"courses">,
): Promise<Doc<"courseEnrollments"> | null> {
  return await ctx.db
    .query("courseEnrollments")
    .withIndex("by_user_course", (q) => q.eq("userId", userId).eq("courseId", courseId))
    .unique();
}

export const grantsAccess = (enrollment: Doc<"courseEnrollments"> | null): boolean =>
  enrollment !== null && enrollment.status !== "revoked";

/**
 * Enrolls `userId` in `courseId`, creating the row or reactivating a revoked one.
 * An enrollment that already grants access keeps its status; a purchase is
 * recorded on it so a later refund of that purchase revokes it.
 */
export async function enroll(
  ctx: MutationCtx,
  input: { userId: Id<"users">; courseId: Id<"courses">; source: Source; purchaseId?: Id<"purchases"> },
): Promise<Id<"courseEnrollments">> {
  const existing = await findEnrollment(ctx, input.userId, input.courseId);
  const origin = { source: input.source, purchaseId: input.purchaseId };
  if (existing === null) {
    await Counters.addStudents(ctx, input.courseId, 1);
    const id = await ctx.db.insert("courseEnrollments", {
      userId: input.userId,
      courseId: input.courseId,
      status: "active",
      ...origin,
      enrolledAt: Date.now(),
    });
    await noteChange(ctx, "students", input.courseId, null, id);
    await recordChange(ctx, enrollmentChange(id, input));
    return id;
  }
  if (existing.status === "revoked") {
    await Counters.addStudents(ctx, input.courseId, 1);
    await ctx.db.patch(existing._id, {
      status: "active",
      ...origin,
      enrolledAt: Date.now(),
      completedAt: undefined,
      revokedAt: undefined,
      revokeReason: undefined,
    });
    await noteChange(ctx, "students", input.courseId, existing, existing._id);
    await recordChange(ctx, enrollmentChange(existing._id, input));
  } else if (input.purchaseId !== undefined) {
    await ctx.db.patch(existing._id, origin);
  }
  return existing._id;
}

/** A new or reactivated enrollment: an admin's is a grant. */
const enrollmentChange = (id: Id<"courseEnrollments">, input: Parameters<typeof enroll>[1]): Change => ({
  action: input.source === "admin" ? "courseEnrollments.grant" : "courseEnrollments.enroll",
  targetId: id,
  details: { userId: input.userId, courseId: input.courseId, source: input.source, purchaseId: input.purchaseId },
});

/**
 * The published course `userId` may join by `route`: free courses through
 * `enrollFree`, paid ones through a checkout. INVALID_STATE for an unpublished
 * course or the other route, CONFLICT when already enrolled. Returns the course
 * and the user's (revoked) enrollment, if any.
 */
export async function joinableCourse(
  ctx: QueryCtx,
  userId: Id<"users">,
  courseId: Id<"courses">,
  route: "free" | "purchase",
): Promise<{ course: Doc<"courses">; enrollment: Doc<"courseEnrollments"> | null }> {
  const course = await mustGet(ctx, courseId, "Course");
  if (route === "free") {
    if (!isPublished(course)) return invalidState("This course is not open for enrollment");
    if (!isFree(course)) return invalidState("This course is paid: use purchases:createCheckout");
  } else {
    if (!isPublished(course)) return invalidState("This course is not for sale");
    if (isFree(course)) return invalidState("This course is free: use courseEnrollments:enrollFree");
  }
  const enrollment = await findEnrollment(ctx, userId, courseId);
  if (grantsAccess(enrollment)) return conflict("You are already enrolled in this course");
  return { course, enrollment };
}

/** Enrolls `userId` in a free published course; a revoked enrollment stays revoked (an admin grant undoes it). */
export async function enrollFree(ctx: MutationCtx, userId: Id<"users">, courseId: Id<"courses">) {
  const { enrollment } = await joinableCourse(ctx, userId, courseId, "free");
  if (enrollment !== null) return invalidState("Your enrollment in this course was revoked");
  return await enroll(ctx, { userId, courseId, source: "free" });
}

/** Revokes access; a row that is already revoked is left as it is. */
export async function revoke(
  ctx: MutationCtx,
  enrollment: Doc<"courseEnrollments">,
  reason: string | undefined,
): Promise<void> {
  if (enrollment.status === "revoked") return;
  await Counters.addStudents(ctx, enrollment.courseId, -1);
  await ctx.db.patch(enrollment._id, {
    status: "revoked",
    revokedAt: Date.now(),
    revokeReason: reason === undefined ? undefined : requiredText(reason, "reason", MAX_REASON),
  });
  await noteChange(ctx, "students", enrollment.courseId, enrollment, enrollment._id);
  await recordChange(ctx, { action: "courseEnrollments.revoke", targetId: enrollment._id, details: { ...ofEnrollment(enrollment), reason } });
}

export async function markCompleted(ctx: MutationCtx, enrollment: Doc<"courseEnrollments">): Promise<void> {
  await ctx.db.patch(enrollment._id, { status: "completed", completedAt: Date.now() });
  // Not counted again, but its place in a running recount's scan moves (model/recounts.ts).
  await noteChange(ctx, "students", enrollment.courseId, enrollment, enrollment._id);
  await recordChange(ctx, { action: "courseEnrollments.complete", targetId: enrollment._id, details: ofEnrollment(enrollment) });
}

const ofEnrollment = (enrollment: Doc<"courseEnrollments">) => ({
  userId: enrollment.userId,
  courseId: enrollment.courseId,
});

/** Free courses: price unset or 0. */
export const isFree = (course: Doc<"courses">): boolean => (course.price ?? 0) === 0;

/** In the public catalog: published, not archived, not being deleted. */
export const isPublished = (course: Doc<"courses">): boolean =>
  course.visibility === "public" && course.archivedAt === undefined && course.deletingAt === undefined;
