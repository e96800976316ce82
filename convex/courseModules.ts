/** `courseModules`: the sections of a course's curriculum. Rules live in `model/curriculum.ts`. */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import { callerKey, getCaller } from "./model/auth";
import { requireCourseEditor, requireModuleEditor, requireVisibleCourse } from "./model/courseAccess";
import { purgeModule } from "./model/cascades";
import * as Curriculum from "./model/curriculum";
import { mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import { courseModuleDoc, idempotencyKey } from "./validators";

/** The course's instructor or admins: a module appended after the course's last one. */
export const create = mutation({
  args: { courseId: v.id("courses"), title: v.string(), description: v.optional(v.string()), idempotencyKey },
  returns: courseModuleDoc,
  handler: async (ctx, { idempotencyKey: key, ...input }) => {
    const { caller } = await requireCourseEditor(ctx, input.courseId);
    const id = await idempotent(ctx, { fn: "courseModules:create", caller: callerKey(caller), key, args: input }, () =>
      Curriculum.insertModule(ctx, input.courseId, input),
    );
    return await mustGet(ctx, id, "Module");
  },
});

/** The course's instructor or admins: title and description (an empty description removes it). */
export const update = mutation({
  args: { id: v.id("courseModules"), title: v.optional(v.string()), description: v.optional(v.string()) },
  returns: courseModuleDoc,
  handler: async (ctx, { id, ...changes }) => {
    await requireModuleEditor(ctx, id);
    await ctx.db.patch(id, { ...Curriculum.checkModuleFields(changes), updatedAt: Date.now() });
    return await mustGet(ctx, id, "Module");
  },
});

/**
 * The course's instructor or admins: deletes the module with its lessons, their
 * questions and progress. The module leaves the curriculum at once
 * (`deletingAt`); its rows are deleted in bounded batches by `courseModules:purge`.
 */
export const remove = mutation({
  args: { id: v.id("courseModules") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const { module } = await requireModuleEditor(ctx, id);
    await Curriculum.removeModule(ctx, module);
    await ctx.scheduler.runAfter(0, internal.courseModules.purge, { id });
    await ctx.scheduler.runAfter(0, internal.lessonProgress.reevaluate, { courseId: module.courseId, cursor: null });
    return null;
  },
});

/** Continues `remove`: one batch of the module's lessons and their rows, then the next, until it is gone. */
export const purge = internalMutation({
  args: { id: v.id("courseModules") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    if (!(await purgeModule(ctx, id))) await ctx.scheduler.runAfter(0, internal.courseModules.purge, { id });
    return null;
  },
});

/** The course's instructor or admins: the new order of all of the course's modules. */
export const reorder = mutation({
  args: { courseId: v.id("courses"), moduleIds: v.array(v.id("courseModules")) },
  returns: v.array(courseModuleDoc),
  handler: async (ctx, { courseId, moduleIds }) => {
    await requireCourseEditor(ctx, courseId);
    const modules = Curriculum.permute(await Curriculum.modulesOf(ctx, courseId), moduleIds, "moduleIds");
    await Curriculum.renumber(ctx, modules);
    return await Curriculum.modulesOf(ctx, courseId);
  },
});

/** A visible course's modules in order. */
export const listByCourse = query({
  args: { courseId: v.id("courses") },
  returns: v.array(courseModuleDoc),
  handler: async (ctx, { courseId }) => {
    await requireVisibleCourse(ctx, await getCaller(ctx), courseId);
    return await Curriculum.modulesOf(ctx, courseId);
  },
});
