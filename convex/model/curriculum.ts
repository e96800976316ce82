/**
 * Rules for a course's curriculum: modules, their lessons, and quiz questions.
 *
 * Siblings (a course's modules, a module's lessons, a lesson's questions) have a
 * dense `order` 0..n-1: appends take n, removals renumber the rest, and reorders
 * take a full permutation. `courses.lessonCount` changes with every lesson insert
 * and delete. Deleting a lesson deletes what hangs off it (questions at once,
 * progress and quiz attempts in bounded batches afterwards: `lessons:purge`);
 * deleting a module marks it `deletingAt` (gone for readers at once) and
 * `model/cascades.ts` deletes it with its lessons in bounded batches.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { Infer } from "convex/values";
import type { curriculumLesson, LessonType } from "../validators";
import { integerIn, optionalText, requiredText, textList } from "./checks";
import { addLessons } from "./counters";
import { invalid, invalidState, limit } from "./errors";

export const MAX_MODULES_PER_COURSE = 50;
export const MAX_LESSONS_PER_MODULE = 100;
export const MAX_LESSONS_PER_COURSE = 300;
export const MAX_QUESTIONS_PER_LESSON = 50;
const MAX_LESSON_MINUTES = 10_000;
const MAX_CONTENT = 100_000;
/**
 * The most lesson content one course holds, in UTF-16 units (each at most 3 bytes of UTF-8).
 * Reading every lesson of a course (progress, recounts, the curriculum, cascades) then stays
 * under 12 MiB, inside Convex's 16 MiB read limit with room for the rest of the transaction.
 */
export const MAX_CONTENT_PER_COURSE = 4_000_000;

// ---------------------------------------------------------------- ordered siblings

/**
 * The course's modules in order, without those being deleted. Bounded: at most
 * MAX_MODULES_PER_COURSE live ones, plus those whose deletion cascade is still running.
 */
export async function modulesOf(ctx: QueryCtx, courseId: Id<"courses">): Promise<Doc<"courseModules">[]> {
  const rows = await ctx.db
    .query("courseModules")
    .withIndex("by_course", (q) => q.eq("courseId", courseId))
    .collect();
  return rows.filter((module) => module.deletingAt === undefined);
}

/** Bounded: a module holds at most MAX_LESSONS_PER_MODULE lessons. */
export async function lessonsOf(ctx: QueryCtx, moduleId: Id<"courseModules">): Promise<Doc<"lessons">[]> {
  return await ctx.db
    .query("lessons")
    .withIndex("by_module", (q) => q.eq("moduleId", moduleId))
    .collect();
}

/** Bounded: a quiz holds at most MAX_QUESTIONS_PER_LESSON questions. */
export async function questionsOf(ctx: QueryCtx, lessonId: Id<"lessons">): Promise<Doc<"quizQuestions">[]> {
  return await ctx.db
    .query("quizQuestions")
    .withIndex("by_lesson", (q) => q.eq("lessonId", lessonId))
    .collect();
}

type Ordered = Doc<"courseModules"> | Doc<"lessons"> | Doc<"quizQuestions">;

/** Gives `rows` the orders 0..n-1 in the sequence given, patching only what moved. */
export async function renumber(ctx: MutationCtx, rows: Ordered[]): Promise<void> {
  for (const [order, row] of rows.entries()) {
    if (row.order !== order) await ctx.db.patch(row._id, { order });
  }
}

/** `rows` in the order of `ids`, which must list each of them exactly once. */
export function permute<T extends Ordered>(rows: T[], ids: readonly T["_id"][], field: string): T[] {
  const byId = new Map<string, T>(rows.map((row) => [row._id, row]));
  const seen = new Set<string>();
  for (const id of ids) {
    if (!byId.has(id) || seen.has(id)) return invalid(`${field} must list each item exactly once`, field);
    seen.add(id);
  }
  if (seen.size !== rows.length) return invalid(`${field} must list all ${rows.length} items`, field);
  return ids.map((id) => byId.get(id) as T);
}

// ---------------------------------------------------------------- modules

export type ModuleInput = { title?: string; description?: string };

/** An empty description removes it. */
export function checkModuleFields(input: ModuleInput): ModuleInput {
  return {
    ...(input.title === undefined ? {} : { title: requiredText(input.title, "title", 200) }),
    ...(input.description === undefined
      ? {}
      : { description: optionalText(input.description, "description", 2000) || undefined }),
  };
}

export async function insertModule(
  ctx: MutationCtx,
  courseId: Id<"courses">,
  input: { title: string; description?: string },
): Promise<Id<"courseModules">> {
  const fields = checkModuleFields(input);
  const siblings = await modulesOf(ctx, courseId);
  if (siblings.length >= MAX_MODULES_PER_COURSE) {
    limit(`A course may have at most ${MAX_MODULES_PER_COURSE} modules`, { max: MAX_MODULES_PER_COURSE });
  }
  const now = Date.now();
  return await ctx.db.insert("courseModules", {
    courseId,
    title: fields.title ?? input.title,
    description: fields.description,
    order: siblings.length,
    createdAt: now,
    updatedAt: now,
  });
}

/** Hides the module at once and renumbers the rest; `courseModules:purge` then deletes it with its lessons. */
export async function removeModule(ctx: MutationCtx, module: Doc<"courseModules">): Promise<void> {
  await ctx.db.patch(module._id, { deletingAt: Date.now() });
  await renumber(ctx, await modulesOf(ctx, module.courseId));
}

// ---------------------------------------------------------------- lessons

export type LessonInput = {
  title?: string;
  type?: LessonType;
  content?: string;
  duration?: number;
  passingScore?: number;
  maxAttempts?: number;
  attemptCooldownMinutes?: number;
};

export const MAX_QUIZ_ATTEMPTS = 100;
/** 30 days. */
export const MAX_COOLDOWN_MINUTES = 30 * 24 * 60;
const QUIZ_ONLY = ["passingScore", "maxAttempts", "attemptCooldownMinutes"] as const;

/** Checks a lesson's fields as they will be after the write (`current` for updates). */
export function checkLessonFields(input: LessonInput, current?: Doc<"lessons">): LessonInput {
  const fields: LessonInput = { ...input };
  if (input.title !== undefined) fields.title = requiredText(input.title, "title", 200);
  if (input.content !== undefined) fields.content = optionalText(input.content, "content", MAX_CONTENT);
  if (input.duration !== undefined) fields.duration = integerIn(input.duration, "duration", 1, MAX_LESSON_MINUTES);
  const type = input.type ?? current?.type;
  for (const field of QUIZ_ONLY) {
    if (input[field] !== undefined && type !== "quiz") invalid(`${field} applies to quiz lessons only`, field);
  }
  if (input.passingScore !== undefined) fields.passingScore = integerIn(input.passingScore, "passingScore", 0, 100);
  if (input.maxAttempts !== undefined) {
    fields.maxAttempts = integerIn(input.maxAttempts, "maxAttempts", 1, MAX_QUIZ_ATTEMPTS);
  }
  if (input.attemptCooldownMinutes !== undefined) {
    const minutes = integerIn(input.attemptCooldownMinutes, "attemptCooldownMinutes", 0, MAX_COOLDOWN_MINUTES);
    fields.attemptCooldownMinutes = minutes;
  }
  return fields;
}

export async function insertLesson(
  ctx: MutationCtx,
  module: Doc<"courseModules">,
  course: Doc<"courses">,
  input: Required<Pick<LessonInput, "title" | "type" | "content">> & LessonInput,
): Promise<Id<"lessons">> {
  const fields = checkLessonFields(input);
  const siblings = await lessonsOf(ctx, module._id);
  if (siblings.length >= MAX_LESSONS_PER_MODULE) {
    limit(`A module may have at most ${MAX_LESSONS_PER_MODULE} lessons`, { max: MAX_LESSONS_PER_MODULE });
  }
  if (course.lessonCount >= MAX_LESSONS_PER_COURSE) {
    limit(`A course may have at most ${MAX_LESSONS_PER_COURSE} lessons`, { max: MAX_LESSONS_PER_COURSE });
  }
  await checkCourseContent(ctx, course._id, (fields.content ?? input.content).length);
  const now = Date.now();
  const lessonId = await ctx.db.insert("lessons", {
    moduleId: module._id,
    courseId: module.courseId,
    title: fields.title ?? input.title,
    type: input.type,
    content: fields.content ?? input.content,
    duration: fields.duration,
    passingScore: fields.passingScore,
    maxAttempts: fields.maxAttempts,
    attemptCooldownMinutes: fields.attemptCooldownMinutes,
    order: siblings.length,
    createdAt: now,
    updatedAt: now,
  });
  await addLessons(ctx, module.courseId, 1);
  return lessonId;
}

export async function updateLesson(ctx: MutationCtx, lesson: Doc<"lessons">, changes: LessonInput): Promise<void> {
  const fields = checkLessonFields(changes, lesson);
  if (fields.content !== undefined && fields.content.length > lesson.content.length) {
    await checkCourseContent(ctx, lesson.courseId, fields.content.length - lesson.content.length);
  }
  const patch: Partial<Doc<"lessons">> = { ...fields, updatedAt: Date.now() };
  if (fields.type !== undefined && fields.type !== "quiz" && lesson.type === "quiz") {
    if ((await questionsOf(ctx, lesson._id)).length > 0) {
      invalidState("Remove this quiz's questions before changing its type", { field: "type" });
    }
    patch.passingScore = undefined;
    patch.maxAttempts = undefined;
    patch.attemptCooldownMinutes = undefined;
  }
  await ctx.db.patch(lesson._id, patch);
}

/**
 * LIMIT unless the course's lessons can take `added` more units of content. Reads every lesson
 * of the course: at most MAX_LESSONS_PER_COURSE, holding at most MAX_CONTENT_PER_COURSE.
 */
async function checkCourseContent(ctx: QueryCtx, courseId: Id<"courses">, added: number): Promise<void> {
  const lessons = await ctx.db
    .query("lessons")
    .withIndex("by_course", (q) => q.eq("courseId", courseId))
    .take(MAX_LESSONS_PER_COURSE);
  const total = lessons.reduce((sum, lesson) => sum + lesson.content.length, 0);
  if (total + added > MAX_CONTENT_PER_COURSE) {
    limit(`A course's lessons may hold at most ${MAX_CONTENT_PER_COURSE} characters of content`, {
      max: MAX_CONTENT_PER_COURSE,
    });
  }
}

/** Deletes the lesson and its questions; `lessons:purge` then deletes its progress and attempts in batches. */
export async function removeLesson(ctx: MutationCtx, lesson: Doc<"lessons">): Promise<void> {
  for (const question of await questionsOf(ctx, lesson._id)) await ctx.db.delete(question._id);
  await ctx.db.delete(lesson._id);
  await addLessons(ctx, lesson.courseId, -1);
  await renumber(ctx, await lessonsOf(ctx, lesson.moduleId));
}

/** A lesson for readers: its content only for those who can learn the course. */
export function lessonView(lesson: Doc<"lessons">, canLearn: boolean): Infer<typeof curriculumLesson> {
  if (canLearn) return lesson;
  const { content: _hidden, ...outline } = lesson;
  return outline;
}

// ---------------------------------------------------------------- quiz questions

export type QuestionInput = { question?: string; options?: string[]; correctOption?: number; explanation?: string };

/** Checks a question as it will be after the write (`current` for updates). An empty explanation removes it. */
export function checkQuestionFields(input: QuestionInput, current?: Doc<"quizQuestions">): QuestionInput {
  const fields: QuestionInput = { ...input };
  if (input.question !== undefined) fields.question = requiredText(input.question, "question", 1000);
  if (input.options !== undefined) {
    fields.options = textList(input.options, "options", { minItems: 2, maxItems: 10, maxLength: 500 });
    const distinct = new Set(fields.options.map((option) => option.toLowerCase()));
    if (distinct.size !== fields.options.length) invalid("options must differ from each other", "options");
  }
  if (input.explanation !== undefined) {
    fields.explanation = optionalText(input.explanation, "explanation", 2000) || undefined;
  }
  const options = fields.options ?? current?.options ?? [];
  const correctOption = input.correctOption ?? current?.correctOption;
  if (correctOption !== undefined && (input.correctOption !== undefined || input.options !== undefined)) {
    integerIn(correctOption, "correctOption", 0, options.length - 1);
  }
  return fields;
}

export async function insertQuestion(
  ctx: MutationCtx,
  lesson: Doc<"lessons">,
  input: Required<Pick<QuestionInput, "question" | "options" | "correctOption">> & QuestionInput,
): Promise<Id<"quizQuestions">> {
  const fields = checkQuestionFields(input);
  if (lesson.type !== "quiz") invalidState("Questions belong to quiz lessons only", { type: lesson.type });
  const siblings = await questionsOf(ctx, lesson._id);
  if (siblings.length >= MAX_QUESTIONS_PER_LESSON) {
    limit(`A quiz may have at most ${MAX_QUESTIONS_PER_LESSON} questions`, { max: MAX_QUESTIONS_PER_LESSON });
  }
  return await ctx.db.insert("quizQuestions", {
    lessonId: lesson._id,
    courseId: lesson.courseId,
    question: fields.question ?? input.question,
    options: fields.options ?? input.options,
    correctOption: input.correctOption,
    explanation: fields.explanation,
    order: siblings.length,
  });
}

export async function removeQuestion(ctx: MutationCtx, question: Doc<"quizQuestions">): Promise<void> {
  await ctx.db.delete(question._id);
  await renumber(ctx, await questionsOf(ctx, question.lessonId));
}

/** What a student sees of a question: no answer key, no explanation. */
export const studentView = (question: Doc<"quizQuestions">) => ({
  _id: question._id,
  _creationTime: question._creationTime,
  lessonId: question.lessonId,
  courseId: question.courseId,
  question: question.question,
  options: question.options,
  order: question.order,
});
