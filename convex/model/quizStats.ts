/**
 * Per-question answer tallies of a quiz, for `reports:quizItemStats`. Counting
 * attempts at report time would read every attempt (one per learner and try,
 * far past Convex's 32,000 documents per transaction at 100k learners), so each
 * attempt adds its answers here in its own transaction. A quiz's tallies are
 * split over QUIZ_STAT_SHARDS rows and an attempt writes one picked at random:
 * two concurrent attempts conflict only when they pick the same shard (the
 * pattern of `studentCountShards`, model/counters.ts). The report sums the shards.
 */
import type { Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import type { quizItemTally } from "../validators";

export const QUIZ_STAT_SHARDS = 8;

type Tally = Infer<typeof quizItemTally>;
export type Answered = { questionId: Id<"quizQuestions">; chosenOption: number; correct: boolean };

function addAnswer(items: Tally[], answer: Answered, optionCount: number): Tally[] {
  const index = items.findIndex((item) => item.questionId === answer.questionId);
  const current = index === -1 ? { questionId: answer.questionId, answered: 0, correct: 0, optionCounts: [] } : items[index];
  const optionCounts = Array.from({ length: Math.max(optionCount, current.optionCounts.length) }, (_, i) =>
    (current.optionCounts[i] ?? 0) + (i === answer.chosenOption ? 1 : 0),
  );
  const next = { ...current, answered: current.answered + 1, correct: current.correct + (answer.correct ? 1 : 0), optionCounts };
  return index === -1 ? [...items, next] : items.map((item, i) => (i === index ? next : item));
}

/** Adds one attempt's answers to a random shard of the quiz's tallies. */
export async function recordAttempt(
  ctx: MutationCtx,
  lessonId: Id<"lessons">,
  answers: Answered[],
  questions: Doc<"quizQuestions">[],
): Promise<void> {
  const shard = Math.floor(Math.random() * QUIZ_STAT_SHARDS);
  const row = await ctx.db
    .query("quizItemStatShards")
    .withIndex("by_lesson_shard", (q) => q.eq("lessonId", lessonId).eq("shard", shard))
    .unique();
  let items = row?.items ?? [];
  answers.forEach((answer, i) => {
    items = addAnswer(items, answer, questions[i].options.length);
  });
  if (row === null) await ctx.db.insert("quizItemStatShards", { lessonId, shard, attempts: 1, items });
  else await ctx.db.patch(row._id, { attempts: row.attempts + 1, items });
}

/** The quiz's attempts and each question's tallies, summed over its shards. */
export async function quizTotals(ctx: QueryCtx, lessonId: Id<"lessons">) {
  const shards = await ctx.db
    .query("quizItemStatShards")
    .withIndex("by_lesson_shard", (q) => q.eq("lessonId", lessonId))
    .take(QUIZ_STAT_SHARDS);
  const byQuestion = new Map<Id<"quizQuestions">, Tally>();
  for (const shard of shards) {
    for (const item of shard.items) {
      const sum = byQuestion.get(item.questionId);
      if (sum === undefined) {
        byQuestion.set(item.questionId, item);
        continue;
      }
      const length = Math.max(sum.optionCounts.length, item.optionCounts.length);
      byQuestion.set(item.questionId, {
        questionId: item.questionId,
        answered: sum.answered + item.answered,
        correct: sum.correct + item.correct,
        optionCounts: Array.from({ length }, (_, i) => (sum.optionCounts[i] ?? 0) + (item.optionCounts[i] ?? 0)),
      });
    }
  }
  return { attempts: shards.reduce((total, shard) => total + shard.attempts, 0), byQuestion };
}
