/** `courseEnrollments`: who may learn in a course. Rules live in `model/enrollments.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { canEditCourse } from "./model/access";
import { callerKey, canActFor, requireAdmin, requireSignedIn, requireUser, requireUserCaller } from "./model/auth";
import { requireCourseEditor } from "./model/courseAccess";
import { forbidden, mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import * as Enrollments from "./model/enrollments";
import * as LearningImport from "./model/learningImport";
import * as Progress from "./model/progress";
import { courseEnrollmentDoc, enrollmentStatus, idempotencyKey, learningImportResult, learningImportRow, paginated } from "./validators";

/** Enrolls the caller in a free (price 0 or unset) published course. */
export const enrollFree = mutation({
  args: { courseId: v.id("courses"), idempotencyKey },
  returns: courseEnrollmentDoc,
  handler: async (ctx, { courseId, idempotencyKey: key }) => {
    const caller = await requireUserCaller(ctx);
    const id = await idempotent(
      ctx,
      { fn: "courseEnrollments:enrollFree", caller: callerKey(caller), key, args: { courseId } },
      () => Enrollments.enrollFree(ctx, caller.user._id, courseId),
    );
    return await mustGet(ctx, id, "Enrollment");
  },
});

/** Admins: enroll a user in any course (or reactivate a revoked enrollment). */
export const grant = mutation({
  args: { userId: v.id("users"), courseId: v.id("courses") },
  returns: courseEnrollmentDoc,
  handler: async (ctx, { userId, courseId }) => {
    await requireAdmin(ctx);
    await mustGet(ctx, userId, "User");
    const course = await mustGet(ctx, courseId, "Course");
    const id = await Progress.enrollReturning(ctx, course, { userId, source: "admin" });
    return await mustGet(ctx, id, "Enrollment");
  },
});

/**
 * Bulk learning (service only: imports, `doctrina seed`): per row, enrols the user
 * (free, or a checkout paid at once), completes the lessons in order (a quiz with
 * `answers` through a graded attempt) and posts the review, by the same rules as
 * the learner's own calls. A row already enrolled is `exists` and writes nothing.
 * LIMIT past 50 rows, 300 lessons, or 4000 lessons in the rows' courses (a course
 * counted per row; model/learningImport.ts); one bad row fails the call and writes nothing.
 */
export const importLearning = internalMutation({
  args: { rows: v.array(learningImportRow) },
  returns: v.array(learningImportResult),
  handler: async (ctx, { rows }) => await LearningImport.importLearning(ctx, rows),
});

/** Admins: revoke an enrollment (access ends at once; progress is kept). */
export const revoke = mutation({
  args: { id: v.id("courseEnrollments"), reason: v.optional(v.string()) },
  returns: courseEnrollmentDoc,
  handler: async (ctx, { id, reason }) => {
    await requireAdmin(ctx);
    await Enrollments.revoke(ctx, await mustGet(ctx, id, "Enrollment"), reason);
    return await mustGet(ctx, id, "Enrollment");
  },
});

/** An enrollment: its student, the course's editors, admins. */
export const get = query({
  args: { id: v.id("courseEnrollments") },
  returns: v.union(courseEnrollmentDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await requireSignedIn(ctx);
    const enrollment = await ctx.db.get(id);
    if (enrollment === null) return null;
    if (canActFor(caller, enrollment.userId)) return enrollment;
    const course = await ctx.db.get(enrollment.courseId);
    if (course !== null && canEditCourse(caller, course)) return enrollment;
    return forbidden("You may only read your own enrollments");
  },
});

/** The caller's enrollments, optionally of one status. */
export const listMine = query({
  args: { paginationOpts: paginationOptsValidator, status: v.optional(enrollmentStatus) },
  returns: paginated(courseEnrollmentDoc),
  handler: async (ctx, { paginationOpts, status }) => {
    const user = await requireUser(ctx);
    return await ctx.db
      .query("courseEnrollments")
      .withIndex("by_user", (q) =>
        status === undefined ? q.eq("userId", user._id) : q.eq("userId", user._id).eq("status", status),
      )
      .paginate(paginationOpts);
  },
});

/** A course's enrollments: its editors and admins. */
export const listByCourse = query({
  args: { courseId: v.id("courses"), paginationOpts: paginationOptsValidator, status: v.optional(enrollmentStatus) },
  returns: paginated(courseEnrollmentDoc),
  handler: async (ctx, { courseId, paginationOpts, status }) => {
    await requireCourseEditor(ctx, courseId);
    return await ctx.db
      .query("courseEnrollments")
      .withIndex("by_course", (q) =>
        status === undefined ? q.eq("courseId", courseId) : q.eq("courseId", courseId).eq("status", status),
      )
      .paginate(paginationOpts);
  },
});
