/** `lessonProgress`: time spent and completion per lesson. Rules live in `model/progress.ts`. */
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { requireUserCaller } from "./model/auth";
import { mustSeeCourse } from "./model/courseAccess";
import { mustGet } from "./model/errors";
import * as Progress from "./model/progress";
import { courseProgress as courseProgressShape, lessonProgressDoc } from "./validators";

/**
 * Marks a lesson complete for the caller (enrolled, or an editor previewing).
 * Idempotent: completing a completed lesson changes nothing, `timeSpent` included.
 */
export const complete = mutation({
  args: { lessonId: v.id("lessons"), timeSpent: v.optional(v.number()) },
  returns: lessonProgressDoc,
  handler: async (ctx, { lessonId, timeSpent }) => {
    const caller = await requireUserCaller(ctx);
    const seconds = timeSpent === undefined ? 0 : Progress.checkSeconds(timeSpent, "timeSpent", 0);
    const learning = await Progress.learnableLesson(ctx, caller, lessonId);
    const id = await Progress.completeLesson(ctx, caller.user._id, learning, seconds);
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
