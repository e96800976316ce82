/**
 * Rules for `quizAttempts`: quizzes are graded here, on the server, so the
 * correct answers never reach a student before they answer. An attempt stores
 * the answers and the score; the result returned to the student adds, per
 * question, the correct option and the explanation. A passing attempt completes
 * the lesson through the same path as `lessonProgress:complete`, and it is the
 * only way a quiz lesson completes. A quiz may limit attempts (`maxAttempts`:
 * LIMIT once used up) and make a learner wait after a failed attempt
 * (`attemptCooldownMinutes`: INVALID_STATE with `retryAt`, Unix ms). Every
 * attempt also keeps the learner's best score on their progress row and adds its
 * answers to the quiz's item statistics (model/quizStats.ts).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import type { UserCaller } from "./auth";
import { forbidden, invalid, invalidState, limit, mustGet } from "./errors";
import * as Progress from "./progress";
import * as Enrollments from "./enrollments";
import * as QuizStats from "./quizStats";
import { recordChange } from "./audit";
import { questionsOf } from "./curriculum";

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

const MINUTE_MS = 60_000;

/** Refuses an attempt past the quiz's `maxAttempts` (LIMIT) or within its cool-down after a failed one. */
async function checkAttemptAllowed(ctx: MutationCtx, userId: Id<"users">, lesson: Doc<"lessons">): Promise<void> {
  const attempts = () =>
    ctx.db.query("quizAttempts").withIndex("by_user_lesson", (q) => q.eq("userId", userId).eq("lessonId", lesson._id));
  const { maxAttempts, attemptCooldownMinutes: cooldown = 0 } = lesson;
  if (maxAttempts !== undefined && (await attempts().take(maxAttempts)).length >= maxAttempts) {
    limit(`This quiz allows ${maxAttempts} attempts and you have used them`, { max: maxAttempts });
  }
  if (cooldown === 0) return;
  const last = await attempts().order("desc").first();
  const retryAt = last === null || last.passed ? 0 : last.createdAt + cooldown * MINUTE_MS;
  if (retryAt > Date.now()) invalidState(`Wait ${cooldown} minutes after a failed attempt before the next`, { retryAt });
}

/**
 * What the bulk import already holds for an attempt: the learning (from
 * `Progress.checkLearnable`) and the quiz's questions, read once per call rather
 * than per attempt; `courseLater` as in `Progress.completeLesson`.
 */
export type Preloaded = { learning?: Progress.Learning; questions?: Doc<"quizQuestions">[]; courseLater?: boolean };

/** Grades and stores an attempt by an enrolled student; returns the attempt with the answer key. */
export async function submit(
  ctx: MutationCtx,
  caller: UserCaller,
  lessonId: Id<"lessons">,
  answers: number[],
  preloaded: Preloaded = {},
) {
  const { courseLater = false } = preloaded;
  const learning = preloaded.learning ?? (await Progress.learnableLesson(ctx, caller, lessonId));
  if (!Enrollments.grantsAccess(learning.enrollment)) return forbidden("Only enrolled students take quizzes");
  const { lesson } = learning;
  if (lesson.type !== "quiz") return invalidState("This lesson is not a quiz");
  const questions = preloaded.questions ?? (await questionsOf(ctx, lessonId));
  if (questions.length === 0) return invalidState("This quiz has no questions yet");
  checkAnswers(answers, questions);
  await checkAttemptAllowed(ctx, caller.user._id, lesson);
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
  await Progress.recordScore(ctx, caller.user._id, lesson, score);
  await QuizStats.recordAttempt(ctx, lessonId, results, questions);
  await recordChange(ctx, { action: "quizAttempts.submit", targetId: attemptId, details: { userId: caller.user._id, lessonId, score, passed } });
  if (passed) await Progress.completeLesson(ctx, caller.user._id, learning, { quizAttemptId: attemptId, courseLater });
  const attempt = await mustGet(ctx, attemptId, "Quiz attempt");
  return { ...attempt, passingScore, results };
}
