/** `lessonProgress`: time spent and completion per lesson. Rules live in `model/progress.ts`. */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import { requireUserCaller } from "./model/auth";
import { mustSeeCourse } from "./model/courseAccess";
import { mustGet } from "./model/errors";
import * as Progress from "./model/progress";
import { courseProgress as courseProgressShape, lessonProgressDoc } from "./validators";

/**
 * Marks a lesson complete for the caller (enrolled, or an editor previewing).
 * A quiz lesson is INVALID_STATE here: only a passing `quizAttempts:submit` completes it.
 * Idempotent: completing a completed lesson changes nothing, `timeSpent` included.
 */
export const complete = mutation({
  args: { lessonId: v.id("lessons"), timeSpent: v.optional(v.number()) },
  returns: lessonProgressDoc,
  handler: async (ctx, { lessonId, timeSpent }) => {
    const caller = await requireUserCaller(ctx);
    const seconds = timeSpent === undefined ? 0 : Progress.checkSeconds(timeSpent, "timeSpent", 0);
    const learning = await Progress.learnableLesson(ctx, caller, lessonId);
    const id = await Progress.completeLesson(ctx, caller.user._id, learning, { timeSpent: seconds });
    return await mustGet(ctx, id, "Lesson progress");
  },
});

/** Adds time spent on a lesson (whole seconds, 1..86400 per call). */
export const recordTime = mutation({
  args: { lessonId: v.id("lessons"), seconds: v.number() },
  returns: lessonProgressDoc,
  handler: async (ctx, { lessonId, seconds }) => {
    const caller = await requireUserCaller(ctx);
    const checked = Progress.checkSeconds(seconds, "seconds", 1);
    const { lesson } = await Progress.learnableLesson(ctx, caller, lessonId);
    const id = await Progress.recordTime(ctx, caller.user._id, lesson, checked);
    return await mustGet(ctx, id, "Lesson progress");
  },
});

/** The caller's progress through a course they can see. */
export const courseProgress = query({
  args: { courseId: v.id("courses") },
  returns: courseProgressShape,
  handler: async (ctx, { courseId }) => {
    const caller = await requireUserCaller(ctx);
    await mustSeeCourse(ctx, caller, courseId);
    return await Progress.courseProgress(ctx, caller.user._id, courseId);
  },
});

/**
 * Scheduled when lessons leave a course (`lessons:remove`, `courseModules:remove`):
 * one batch of its active learners is re-evaluated, and an active learner who has
 * now done every remaining lesson completes the course; then the next batch.
 */
export const reevaluate = internalMutation({
  args: { courseId: v.id("courses"), cursor: v.union(v.string(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { courseId, cursor }) => {
    const next = await Progress.reevaluateCourse(ctx, courseId, cursor);
    if (next !== null) await ctx.scheduler.runAfter(0, internal.lessonProgress.reevaluate, { courseId, cursor: next });
    return null;
  },
});
