/**
 * Data migrations and counter audits. Each call handles one batch of a table
 * (cursor-paginated, within Convex's per-transaction limits); the functions in
 * `migrations.ts` continue through the table via the scheduler. Each batch is
 * idempotent, so re-running a migration or a batch is always safe.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { hasAdminRole, hasInstructorRole } from "./auth";
import { backfillQuizRow } from "./progress";
import { QUIZ_STAT_SHARDS } from "./quizStats";
import * as Recounts from "./recounts";
import { backfillPurchase } from "./revenue";

export type CounterTable = "courses" | "resources" | "courseDiscussions";
type Drift = Recounts.Drift;
type Page = { cursor: string | null; size: number };

/** The boolean roles a legacy `role` stands for; `student` is neither. */
export function rolePatch(user: Doc<"users">): Partial<Doc<"users">> | null {
  if (user.role === undefined) return null;
  return {
    isAdmin: hasAdminRole(user),
    isInstructor: hasInstructorRole(user),
    role: undefined,
    updatedAt: new Date().toISOString(),
  };
}

/**
 * `users.role` -> `isAdmin`/`isInstructor`, then `role` removed; users without `role` are untouched.
 * With `dryRun`, counts the users it would change and writes nothing.
 */
export async function usersRoleToBooleans(ctx: MutationCtx, { cursor, size }: Page, dryRun = false) {
  const batch = await ctx.db.query("users").paginate({ cursor, numItems: size });
  let updated = 0;
  for (const user of batch.page) {
    const patch = rolePatch(user);
    if (patch === null) continue;
    if (!dryRun) await ctx.db.patch(user._id, patch);
    updated++;
  }
  return {
    processed: batch.page.length,
    updated,
    done: batch.isDone,
    cursor: batch.isDone ? null : batch.continueCursor,
  };
}

/**
 * Checks one batch of rows' denormalized counters (with `repair`, writes the
 * recounts). Each counter is a batched recount (model/recounts.ts): run here
 * while the batch's `scanSize` rows last, the rest returned in `continued` for
 * the caller to schedule; a counter already being recounted is left to that run.
 */
export async function recountCounters(
  ctx: MutationCtx,
  table: CounterTable,
  page: Page,
  options: { repair: boolean; scanSize: number },
) {
  const batch = await ctx.db.query(table).paginate({ cursor: page.cursor, numItems: page.size });
  const drift: Drift[] = [];
  const continued: Id<"counterRecounts">[] = [];
  let budget = options.scanSize;
  for (const doc of batch.page) {
    if (table === "courses") drift.push(...(await Recounts.lessonDrift(ctx, doc as Doc<"courses">, options.repair)));
    for (const counter of Recounts.COUNTERS_OF[table]) {
      const job = await Recounts.start(ctx, counter, doc._id, options.repair);
      if (job === null) continue;
      const result = budget > 0 ? await Recounts.step(ctx, job, budget) : { scanned: 0, drift: null };
      budget -= result.scanned;
      if (result.drift === null) continued.push(job._id);
      else drift.push(...result.drift);
    }
  }
  return {
    report: {
      table,
      checked: batch.page.length,
      drift,
      repaired: options.repair && drift.length > 0,
      pending: continued.length,
      done: batch.isDone,
      cursor: batch.isDone ? null : batch.continueCursor,
    },
    continued,
  };
}

/** One batch of a compliance backfill: quiz progress rows (`bestScore`, `quizAttemptId`) or purchases (revenue). */
export async function backfill(ctx: MutationCtx, table: "lessonProgress" | "purchases", { cursor, size }: Page) {
  const batch = await ctx.db.query(table).paginate({ cursor, numItems: size });
  let updated = 0;
  for (const row of batch.page) {
    const wrote =
      table === "purchases"
        ? await backfillPurchase(ctx, row as Doc<"purchases">)
        : await backfillQuizRow(ctx, row as Doc<"lessonProgress">);
    if (wrote) updated++;
  }
  return {
    processed: batch.page.length,
    updated,
    done: batch.isDone,
    cursor: batch.isDone ? null : batch.continueCursor,
  };
}

/** The tallies of the first quiz after `after` in `by_lesson_shard` order (one row per shard), or null. */
async function nextQuizTallies(ctx: MutationCtx, after: Id<"lessons"> | null) {
  const first = await ctx.db
    .query("quizItemStatShards")
    .withIndex("by_lesson_shard", (q) => (after === null ? q : q.gt("lessonId", after)))
    .first();
  if (first === null) return null;
  const rows = await ctx.db
    .query("quizItemStatShards")
    .withIndex("by_lesson_shard", (q) => q.eq("lessonId", first.lessonId))
    .take(QUIZ_STAT_SHARDS);
  return { lessonId: first.lessonId, rows };
}

/**
 * One batch of removing quiz tallies whose lesson is gone: before the fix,
 * deleting a lesson (or its module or course) left its `quizItemStatShards`
 * behind. A batch walks `size` quizzes' tallies; the cursor is the last quiz's
 * lesson id. A batch reads each quiz's lesson (up to 100 KB of content) once, so
 * it counts quizzes, not rows. With `dryRun`, counts the rows it would remove
 * and writes nothing.
 */
export async function removeOrphanedQuizTallies(
  ctx: MutationCtx,
  { cursor, size }: { cursor: Id<"lessons"> | null; size: number },
  dryRun = false,
) {
  let processed = 0;
  let removed = 0;
  let last = cursor;
  for (let quizzes = 0; quizzes < size; quizzes++) {
    const next = await nextQuizTallies(ctx, last);
    if (next === null) return { processed, removed, done: true, cursor: null };
    last = next.lessonId;
    processed += next.rows.length;
    if ((await ctx.db.get(next.lessonId)) !== null) continue;
    if (!dryRun) for (const row of next.rows) await ctx.db.delete(row._id);
    removed += next.rows.length;
  }
  return { processed, removed, done: false, cursor: last };
}
