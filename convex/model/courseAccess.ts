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

/** The caller and the course they may edit: UNAUTHENTICATED, NOT_FOUND or FORBIDDEN otherwise. */
export async function requireCourseEditor(ctx: QueryCtx, courseId: Id<"courses">) {
  const caller = await requireSignedIn(ctx);
  return { caller, course: mustEdit(caller, await mustGet(ctx, courseId, "Course")) };
}

export async function requireModuleEditor(ctx: QueryCtx, moduleId: Id<"courseModules">) {
  const caller = await requireSignedIn(ctx);
  const module = await mustGet(ctx, moduleId, "Module");
  return { caller, module, course: mustEdit(caller, await mustGet(ctx, module.courseId, "Course")) };
}

export async function requireLessonEditor(ctx: QueryCtx, lessonId: Id<"lessons">) {
  const caller = await requireSignedIn(ctx);
  const lesson = await mustGet(ctx, lessonId, "Lesson");
  return { caller, lesson, course: mustEdit(caller, await mustGet(ctx, lesson.courseId, "Course")) };
}

export async function requireQuestionEditor(ctx: QueryCtx, questionId: Id<"quizQuestions">) {
  const caller = await requireSignedIn(ctx);
  const question = await mustGet(ctx, questionId, "Quiz question");
  return { caller, question, course: mustEdit(caller, await mustGet(ctx, question.courseId, "Course")) };
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
  return course !== null && (await canSeeCourse(ctx, caller, course)) ? course : null;
}

/** `visibleCourse`, with a hidden course NOT_FOUND like a missing one. */
export async function mustSeeCourse(ctx: QueryCtx, caller: Caller, courseId: Id<"courses">): Promise<Doc<"courses">> {
  return (await visibleCourse(ctx, caller, courseId)) ?? notFound("Course", courseId);
}

/** For list reads under a course: NOT_FOUND when missing, UNAUTHENTICATED/FORBIDDEN when hidden. */
export async function requireVisibleCourse(ctx: QueryCtx, caller: Caller, courseId: Id<"courses">) {
  const course = await mustGet(ctx, courseId, "Course");
  return (await canSeeCourse(ctx, caller, course)) ? course : deny(caller, "This course is not published");
}

/** The course if the caller can learn it (`canLearn`): NOT_FOUND when missing, else UNAUTHENTICATED/FORBIDDEN. */
export async function requireLearnableCourse(
  ctx: QueryCtx,
  caller: Caller,
  courseId: Id<"courses">,
  message: string,
): Promise<Doc<"courses">> {
  const course = await mustGet(ctx, courseId, "Course");
  return (await canLearn(ctx, caller, course)) ? course : deny(caller, message);
}
