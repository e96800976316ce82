/**
 * Who may edit or read a course, resolved at the top of course and curriculum
 * functions. Hidden courses read as missing: `null` from `get...` queries
 * (`visibleCourse`), NOT_FOUND where a course must exist (`mustSeeCourse`); list
 * queries of the curriculum under a hidden course fail with UNAUTHENTICATED or
 * FORBIDDEN (`requireVisibleCourse`), as do reads that need `canLearn`.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { canEditCourse, canLearn, canSeeCourse } from "./access";
import { deny, requireSignedIn, type Caller } from "./auth";
import { forbidden, mustGet, notFound } from "./errors";

/** The course, NOT_FOUND when missing or being deleted (`deletingAt`: it reads as gone). */
export async function mustGetCourse(ctx: QueryCtx, courseId: Id<"courses">): Promise<Doc<"courses">> {
  const course = await mustGet(ctx, courseId, "Course");
  return course.deletingAt === undefined ? course : notFound("Course", courseId);
}

/** The module, NOT_FOUND when missing or being deleted. */
export async function mustGetModule(ctx: QueryCtx, moduleId: Id<"courseModules">): Promise<Doc<"courseModules">> {
  const module = await mustGet(ctx, moduleId, "Module");
  return module.deletingAt === undefined ? module : notFound("Module", moduleId);
}

/** The lesson, or null when missing or in a module being deleted. */
export async function liveLesson(ctx: QueryCtx, lessonId: Id<"lessons">): Promise<Doc<"lessons"> | null> {
  const lesson = await ctx.db.get(lessonId);
  if (lesson === null) return null;
  const module = await ctx.db.get(lesson.moduleId);
  return module === null || module.deletingAt !== undefined ? null : lesson;
}

/** The caller and the course they may edit: UNAUTHENTICATED, NOT_FOUND or FORBIDDEN otherwise. */
export async function requireCourseEditor(ctx: QueryCtx, courseId: Id<"courses">) {
  const caller = await requireSignedIn(ctx);
  return { caller, course: mustEdit(caller, await mustGetCourse(ctx, courseId)) };
}

export async function requireModuleEditor(ctx: QueryCtx, moduleId: Id<"courseModules">) {
  const caller = await requireSignedIn(ctx);
  const module = await mustGetModule(ctx, moduleId);
  return { caller, module, course: mustEdit(caller, await mustGetCourse(ctx, module.courseId)) };
}

export async function requireLessonEditor(ctx: QueryCtx, lessonId: Id<"lessons">) {
  const caller = await requireSignedIn(ctx);
  const lesson = await mustGet(ctx, lessonId, "Lesson");
  await mustGetModule(ctx, lesson.moduleId);
  return { caller, lesson, course: mustEdit(caller, await mustGetCourse(ctx, lesson.courseId)) };
}

export async function requireQuestionEditor(ctx: QueryCtx, questionId: Id<"quizQuestions">) {
  const caller = await requireSignedIn(ctx);
  const question = await mustGet(ctx, questionId, "Quiz question");
  return { caller, question, course: mustEdit(caller, await mustGetCourse(ctx, question.courseId)) };
}

export function mustEdit(caller: Caller, course: Doc<"courses">): Doc<"courses"> {
  if (!canEditCourse(caller, course)) forbidden("Only the course's instructor or an administrator may do this");
  return course;
}

/** The course if the caller may see it, else null (hidden courses read as missing). */
export async function visibleCourse(
  ctx: QueryCtx,
  caller: Caller,
  courseId: Id<"courses">,
): Promise<Doc<"courses"> | null> {
  const course = await ctx.db.get(courseId);
  if (course === null || course.deletingAt !== undefined) return null;
  return (await canSeeCourse(ctx, caller, course)) ? course : null;
}

/** `visibleCourse`, with a hidden course NOT_FOUND like a missing one. */
export async function mustSeeCourse(ctx: QueryCtx, caller: Caller, courseId: Id<"courses">): Promise<Doc<"courses">> {
  return (await visibleCourse(ctx, caller, courseId)) ?? notFound("Course", courseId);
}

/** For list reads under a course: NOT_FOUND when missing, UNAUTHENTICATED/FORBIDDEN when hidden. */
export async function requireVisibleCourse(ctx: QueryCtx, caller: Caller, courseId: Id<"courses">) {
  const course = await mustGetCourse(ctx, courseId);
  return (await canSeeCourse(ctx, caller, course)) ? course : deny(caller, "This course is not published");
}

/** The course if the caller can learn it (`canLearn`): NOT_FOUND when missing, else UNAUTHENTICATED/FORBIDDEN. */
export async function requireLearnableCourse(
  ctx: QueryCtx,
  caller: Caller,
  courseId: Id<"courses">,
  message: string,
): Promise<Doc<"courses">> {
  const course = await mustGetCourse(ctx, courseId);
  return (await canLearn(ctx, caller, course)) ? course : deny(caller, message);
}
