/** `quizAttempts`: server-graded quiz submissions. Rules live in `model/quizAttempts.ts`. */
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { callerKey, requireUser, requireUserCaller } from "./model/auth";
import { listLimit } from "./model/checks";
import { idempotent } from "./model/idempotency";
import * as QuizAttempts from "./model/quizAttempts";
import { idempotencyKey, quizAttemptDoc, quizAttemptResult } from "./validators";

const MAX_LIST = 100;

/**
 * Submits answers (one option index per question, in question order) to a quiz
 * lesson. Graded here; the result includes the correct options and explanations.
 * A passing attempt completes the lesson.
 */
export const submit = mutation({
  args: { lessonId: v.id("lessons"), answers: v.array(v.number()), idempotencyKey },
  returns: quizAttemptResult,
  handler: async (ctx, { lessonId, answers, idempotencyKey: key }) => {
    const caller = await requireUserCaller(ctx);
    return await idempotent(
      ctx,
      { fn: "quizAttempts:submit", caller: callerKey(caller), key, args: { lessonId, answers } },
      () => QuizAttempts.submit(ctx, caller, lessonId, answers),
    );
  },
});

/** The caller's attempts at a quiz, newest first (at most `limit`, default and maximum 100). */
export const listMine = query({
  args: { lessonId: v.id("lessons"), limit: v.optional(v.number()) },
  returns: v.array(quizAttemptDoc),
  handler: async (ctx, { lessonId, limit }) => {
    const user = await requireUser(ctx);
    return await ctx.db
      .query("quizAttempts")
      .withIndex("by_user_lesson", (q) => q.eq("userId", user._id).eq("lessonId", lessonId))
      .order("desc")
      .take(listLimit(limit, MAX_LIST, MAX_LIST));
  },
});
