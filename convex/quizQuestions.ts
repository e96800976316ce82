/**
 * `quizQuestions`: the questions of quiz lessons. Authors see full documents;
 * students see questions without the answer key (`quizAttempts:submit` grades).
 */
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { callerKey, getCaller } from "./model/auth";
import { requireLearnableCourse, requireLessonEditor, requireQuestionEditor } from "./model/courseAccess";
import * as Curriculum from "./model/curriculum";
import { mustGet } from "./model/errors";
import { idempotent } from "./model/idempotency";
import { idempotencyKey, quizQuestionDoc, quizQuestionInput, studentQuizQuestion } from "./validators";

/** The course's instructor or admins: a question appended to a quiz lesson. */
export const create = mutation({
  args: {
    lessonId: v.id("lessons"),
    ...quizQuestionInput,
    idempotencyKey,
  },
  returns: quizQuestionDoc,
  handler: async (ctx, { idempotencyKey: key, lessonId, ...input }) => {
    const { caller, lesson } = await requireLessonEditor(ctx, lessonId);
    const id = await idempotent(
      ctx,
      { fn: "quizQuestions:create", caller: callerKey(caller), key, args: { lessonId, ...input } },
      () => Curriculum.insertQuestion(ctx, lesson, input),
    );
    return await mustGet(ctx, id, "Quiz question");
  },
});

/** The course's instructor or admins; `correctOption` must stay within the (new) options. */
export const update = mutation({
  args: {
    id: v.id("quizQuestions"),
    question: v.optional(v.string()),
    options: v.optional(v.array(v.string())),
    correctOption: v.optional(v.number()),
    explanation: v.optional(v.string()),
  },
  returns: quizQuestionDoc,
  handler: async (ctx, { id, ...changes }) => {
    const { question } = await requireQuestionEditor(ctx, id);
    await ctx.db.patch(id, Curriculum.checkQuestionFields(changes, question));
    return await mustGet(ctx, id, "Quiz question");
  },
});

/** The course's instructor or admins. */
export const remove = mutation({
  args: { id: v.id("quizQuestions") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    const { question } = await requireQuestionEditor(ctx, id);
    await Curriculum.removeQuestion(ctx, question);
    return null;
  },
});

/** The course's instructor or admins: the new order of all of the lesson's questions. */
export const reorder = mutation({
  args: { lessonId: v.id("lessons"), questionIds: v.array(v.id("quizQuestions")) },
  returns: v.array(quizQuestionDoc),
  handler: async (ctx, { lessonId, questionIds }) => {
    await requireLessonEditor(ctx, lessonId);
    const questions = Curriculum.permute(await Curriculum.questionsOf(ctx, lessonId), questionIds, "questionIds");
    await Curriculum.renumber(ctx, questions);
    return await Curriculum.questionsOf(ctx, lessonId);
  },
});

/** Those who can learn the course: the quiz's questions in order, without answers or explanations. */
export const listForLesson = query({
  args: { lessonId: v.id("lessons") },
  returns: v.array(studentQuizQuestion),
  handler: async (ctx, { lessonId }) => {
    const caller = await getCaller(ctx);
    const lesson = await mustGet(ctx, lessonId, "Lesson");
    await requireLearnableCourse(ctx, caller, lesson.courseId, "Enroll in this course to take its quizzes");
    return (await Curriculum.questionsOf(ctx, lessonId)).map(Curriculum.studentView);
  },
});

/** The course's instructor or admins: full questions with answer keys and explanations. */
export const listForEditing = query({
  args: { lessonId: v.id("lessons") },
  returns: v.array(quizQuestionDoc),
  handler: async (ctx, { lessonId }) => {
    await requireLessonEditor(ctx, lessonId);
    return await Curriculum.questionsOf(ctx, lessonId);
  },
});
