/**
 * Rules for `quizAttempts`: quizzes are graded here, on the server, so the
 * correct answers never reach a student before they answer. An attempt stores
 * the answers and the score; the result returned to the student adds, per
 * question, the correct option and the explanation. A passing attempt completes
 * the lesson through the same path as `lessonProgress:complete`.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { UserCaller } from "./auth";
import { forbidden, invalid, invalidState, mustGet } from "./errors";
import * as Progress from "./progress";
import * as Enrollments from "./enrollments";
import { recordChange } from "./audit";

export const DEFAULT_PASSING_SCORE = 70;

/** Percentage of correct answers, rounded down so `score >= passingScore` never passes on rounding. */
export const scoreOf = (correct: number, total: number): number => Math.floor((correct * 100) / total);

function checkAnswers(answers: number[], questions: Doc<"quizQuestions">[]): void {
  if (answers.length !== questions.length) {
    invalid(`answers must hold one answer per question (${questions.length})`, "answers");
  }
  answers.forEach((answer, i) => {
    if (!Number.isInteger(answer) || answer < 0 || answer >= questions[i].options.length) {
      invalid(`answers[${i}] must be an option index in 0..${questions[i].options.length - 1}`, "answers");
    }
  });
}

/** Grades and stores an attempt by an enrolled student; returns the attempt with the answer key. */
export async function submit(ctx: MutationCtx, caller: UserCaller, lessonId: Id<"lessons">, answers: number[]) {
  const learning = await Progress.learnableLesson(ctx, caller, lessonId);
  if (!Enrollments.grantsAccess(learning.enrollment)) return forbidden("Only enrolled students take quizzes");
  const { lesson } = learning;
  if (lesson.type !== "quiz") return invalidState("This lesson is not a quiz");
  const questions = await ctx.db
    .query("quizQuestions")
    .withIndex("by_lesson", (q) => q.eq("lessonId", lessonId))
    .collect();
  if (questions.length === 0) return invalidState("This quiz has no questions yet");
  checkAnswers(answers, questions);
  const results = questions.map((question, i) => ({
    questionId: question._id,
    chosenOption: answers[i],
    correctOption: question.correctOption,
    correct: answers[i] === question.correctOption,
    explanation: question.explanation,
  }));
  const correctCount = results.filter((result) => result.correct).length;
  const score = scoreOf(correctCount, questions.length);
  const passingScore = lesson.passingScore ?? DEFAULT_PASSING_SCORE;
  const passed = score >= passingScore;
  const attemptId = await ctx.db.insert("quizAttempts", {
    userId: caller.user._id,
    lessonId,
    courseId: lesson.courseId,
    answers,
    correctCount,
    questionCount: questions.length,
    score,
    passed,
    createdAt: Date.now(),
  });
  await recordChange(ctx, { action: "quizAttempts.submit", targetId: attemptId, details: { userId: caller.user._id, lessonId, score, passed } });
  if (passed) await Progress.completeLesson(ctx, caller.user._id, learning);
  const attempt = await mustGet(ctx, attemptId, "Quiz attempt");
  return { ...attempt, passingScore, results };
}
