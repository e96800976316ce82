/**
 * Who may learn in a course. Access comes from an enrollment (`active` or
 * `completed`), never from a purchase directly: purchases create enrollments when
 * they complete and revoke them when refunded, free courses and admin grants
 * create them without a purchase.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { canActFor, type Caller } from "./auth";
import { findEnrollment, grantsAccess, isPublished } from "./enrollments";

export async function isEnrolled(ctx: QueryCtx, userId: Id<"users">, courseId: Id<"courses">): Promise<boolean> {
  return grantsAccess(await findEnrollment(ctx, userId, courseId));
}

/** The course's own instructor, admins and the service may edit it (not while it is being deleted). */
export const canEditCourse = (caller: Caller, course: Doc<"courses">): boolean =>
  course.deletingAt === undefined && canActFor(caller, course.instructorId);

/** Full content (lesson content, restricted resources, discussions): editors and enrolled students. */
export async function canLearn(ctx: QueryCtx, caller: Caller, course: Doc<"courses">): Promise<boolean> {
  if (course.deletingAt !== undefined) return false;
  if (canEditCourse(caller, course)) return true;
  return caller.kind === "user" && (await isEnrolled(ctx, caller.user._id, course._id));
}

/** The catalog entry (title, outline, reviews): public courses for everyone, others for editors and students. */
export async function canSeeCourse(ctx: QueryCtx, caller: Caller, course: Doc<"courses">): Promise<boolean> {
  if (isPublished(course)) return true;
  return await canLearn(ctx, caller, course);
}
