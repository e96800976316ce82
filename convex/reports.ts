/**
 * `reports`: read-only reports for admins, instructors and notebooks, paginated
 * (the SDK's pages turn into DataFrames). Rules and bounds live in `model/reports.ts`.
 */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { query } from "./_generated/server";
import { requireAdmin } from "./model/auth";
import { requireCourseEditor, requireLessonEditor } from "./model/courseAccess";
import { invalid, invalidState } from "./model/errors";
import * as Reports from "./model/reports";
import { ceTranscriptRow, courseRosterRow, paginated, quizItemStats as quizItemStatsShape, revenueRow } from "./validators";

/**
 * The course's instructor, admins and the service: one row per learner (any
 * enrollment status) with progress, mean best quiz score, completion,
 * certificate status and the CE credits it carries. At most 25 rows a page.
 */
export const courseRoster = query({
  args: { courseId: v.id("courses"), paginationOpts: paginationOptsValidator },
  returns: paginated(courseRosterRow),
  handler: async (ctx, { courseId, paginationOpts }) => {
    await requireCourseEditor(ctx, courseId);
    return await Reports.courseRoster(ctx, courseId, paginationOpts);
  },
});

/**
 * Admins and the service: every certificate issued under a licence number (as
 * its holder had it when the certificate was issued), with its CE credits, oldest first.
 */
export const ceTranscript = query({
  args: { licenseNumber: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginated(ceTranscriptRow),
  handler: async (ctx, { licenseNumber, paginationOpts }) => {
    await requireAdmin(ctx);
    if (licenseNumber.trim() === "") return invalid("licenseNumber must not be empty", "licenseNumber");
    return await Reports.ceTranscript(ctx, licenseNumber, paginationOpts);
  },
});

/**
 * Admins and the service: per course, completed purchases and refunds (USD
 * cents) from the UTC day of `since` (Unix ms) on, and the net. Courses without
 * either are left out, so a page may hold fewer rows than asked (at most 10).
 */
export const revenue = query({
  args: { since: v.number(), paginationOpts: paginationOptsValidator },
  returns: paginated(revenueRow),
  handler: async (ctx, { since, paginationOpts }) => {
    await requireAdmin(ctx);
    if (!Number.isFinite(since) || since < 0) return invalid("since must be a time in Unix ms", "since");
    return await Reports.revenue(ctx, new Date(since).toISOString().slice(0, 10), paginationOpts);
  },
});

/**
 * The course's instructor, admins and the service: how each question of a quiz
 * was answered over every attempt (answers, correct share, per-option counts).
 */
export const quizItemStats = query({
  args: { lessonId: v.id("lessons") },
  returns: quizItemStatsShape,
  handler: async (ctx, { lessonId }) => {
    const { lesson } = await requireLessonEditor(ctx, lessonId);
    if (lesson.type !== "quiz") return invalidState("This lesson is not a quiz");
    return await Reports.quizItemStatistics(ctx, lessonId);
  },
});
