/** `lessons`: the lessons of a module. Rules live in `model/curriculum.ts`. */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import { canLearn } from "./model/access";
import { callerKey, getCaller } from "./model/auth";
import {
  liveLesson,
  mustGetModule,
  requireLessonEditor,
  requireModuleEditor,
  requireVisibleCourse,
  visibleCourse,
} from "./model/courseAccess";
import { purgeLessonRows } from "./model/cascades";
import * as Curriculum from "./model/curriculum";
import { mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import { curriculumLesson, idempotencyKey, lessonDoc, lessonInput, lessonType } from "./validators";

/**
 * The course's instructor or admins: a lesson appended to a module. `duration`
 * is in whole minutes. Quiz lessons only: `passingScore` (0..100) defaults to 70;
 * `maxAttempts` (1..100, unlimited when absent) and `attemptCooldownMinutes`
 * (0..43200, the wait after a failed attempt) govern retakes.
 */
export const create = mutation({
  args: {
    moduleId: v.id("courseModules"),
    ...lessonInput,
    idempotencyKey,
  },
  returns: lessonDoc,
  handler: async (ctx, { idempotencyKey: key, moduleId, ...input }) => {
    const { caller, module, course } = await requireModuleEditor(ctx, moduleId);
    const id = await idempotent(
      ctx,
      { fn: "lessons:create", caller: callerKey(caller), key, args: { moduleId, ...input } },
      () => Curriculum.insertLesson(ctx, module, course, input),
    );
    return await mustGet(ctx, id, "Lesson");
  },
});

/** The course's instructor or admins. A quiz with questions keeps its type until they are removed. */
export const update = mutation({
  args: {
    id: v.id("lessons"),
    title: v.optional(v.string()),
    type: v.optional(lessonType),
    content: v.optional(v.string()),
    duration: v.optional(v.number()),
    passingScore: v.optional(v.number()),
    maxAttempts: v.optional(v.number()),
    attemptCooldownMinutes: v.optional(v.number()),
  },
  returns: lessonDoc,
  handler: async (ctx, { id, ...changes }) => {
    const { lesson } = await requireLessonEditor(ctx, id);
    await Curriculum.updateLesson(ctx, lesson, changes);
    return await mustGet(ctx, id, "Lesson");
  },
});

/**
 * The course's instructor or admins: deletes the lesson with its questions at
 * once; its progress, attempts and quiz tallies (one per learner, unbounded) follow in
 * batches (`lessons:purge`). Progress of a deleted lesson never counts; learners
 * who have now done every remaining lesson complete (`lessonProgress:reevaluate`).
 */
export const remove = mutation({
  args: { id: v.id("lessons") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const { lesson } = await requireLessonEditor(ctx, id);
    await Curriculum.removeLesson(ctx, lesson);
    await ctx.scheduler.runAfter(0, internal.lessons.purge, { id });
    await ctx.scheduler.runAfter(0, internal.lessonProgress.reevaluate, { courseId: lesson.courseId, cursor: null });
    return null;
  },
});

/** Continues `remove`: one batch of a deleted lesson's rows, then the next, until none remain. */
export const purge = internalMutation({
  args: { id: v.id("lessons") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    if (!(await purgeLessonRows(ctx, id))) await ctx.scheduler.runAfter(0, internal.lessons.purge, { id });
    return null;
  },
});

/** The course's instructor or admins: the new order of all of the module's lessons. */
export const reorder = mutation({
  args: { moduleId: v.id("courseModules"), lessonIds: v.array(v.id("lessons")) },
  returns: v.array(lessonDoc),
  handler: async (ctx, { moduleId, lessonIds }) => {
    await requireModuleEditor(ctx, moduleId);
    const lessons = Curriculum.permute(await Curriculum.lessonsOf(ctx, moduleId), lessonIds, "lessonIds");
    await Curriculum.renumber(ctx, lessons);
    return await Curriculum.lessonsOf(ctx, moduleId);
  },
});

/** A lesson of a visible course (null when missing or hidden); `content` only for those who can learn it. */
export const get = query({
  args: { id: v.id("lessons") },
  returns: v.union(curriculumLesson, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await getCaller(ctx);
    const lesson = await liveLesson(ctx, id);
    const course = lesson === null ? null : await visibleCourse(ctx, caller, lesson.courseId);
    if (lesson === null || course === null) return null;
    return Curriculum.lessonView(lesson, await canLearn(ctx, caller, course));
  },
});

/** A visible course's module's lessons in order; `content` only for those who can learn it. */
export const listByModule = query({
  args: { moduleId: v.id("courseModules") },
  returns: v.array(curriculumLesson),
  handler: async (ctx, { moduleId }) => {
    const caller = await getCaller(ctx);
    const module = await mustGetModule(ctx, moduleId);
    const course = await requireVisibleCourse(ctx, caller, module.courseId);
    const learner = await canLearn(ctx, caller, course);
    return (await Curriculum.lessonsOf(ctx, moduleId)).map((lesson) => Curriculum.lessonView(lesson, learner));
  },
});
