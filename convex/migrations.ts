/**
 * Internal migrations and audits, run by the service (`Convex <adminKey>`). Each
 * call handles one batch and, unless `autoContinue: false`, schedules the next
 * batch itself, so one call walks the whole table. Rules live in
 * `model/migrations.ts`.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { batchSize } from "./model/batches";
import { integerIn } from "./model/checks";
import * as Migrations from "./model/migrations";
import * as Recounts from "./model/recounts";
import { migrationReport, recountReport, removalReport } from "./validators";

/**
 * Legacy `users.role` to `isAdmin`/`isInstructor`; returns this batch's report. With
 * `dryRun`, `updated` counts the users it would change and nothing is written.
 */
export const usersRoleToBooleans = internalMutation({
  args: {
    cursor: v.optional(v.string()),
    batchSize: v.optional(v.number()),
    autoContinue: v.optional(v.boolean()),
    dryRun: v.optional(v.boolean()),
  },
  returns: migrationReport,
  handler: async (ctx, args) => {
    const size = batchSize(args.batchSize);
    const dryRun = args.dryRun ?? false;
    const report = await Migrations.usersRoleToBooleans(ctx, { cursor: args.cursor ?? null, size }, dryRun);
    if (report.cursor !== null && args.autoContinue !== false) {
      await ctx.scheduler.runAfter(0, internal.migrations.usersRoleToBooleans, {
        cursor: report.cursor,
        batchSize: size,
        dryRun,
      });
    }
    return report;
  },
});

/**
 * Audits denormalized counters against recounts: reports drift (id, field,
 * expected, found) and, with `repair`, writes the recounts. Returns this batch's
 * report; batches continued in the background log theirs, and so does each
 * recount too large for one batch (`pending`), continued by `recountStep`. Page
 * through the reports yourself with `autoContinue: false` and the returned `cursor`.
 */
export const recountCounters = internalMutation({
  args: {
    table: recountReport.fields.table,
    repair: v.boolean(),
    cursor: v.optional(v.string()),
    batchSize: v.optional(v.number()),
    scanSize: v.optional(v.number()),
    autoContinue: v.optional(v.boolean()),
  },
  returns: recountReport,
  handler: async (ctx, args) => {
    // Each row costs about a dozen index reads and writes: 150 rows stay under half of the 4,096 intervals.
    const size = batchSize(args.batchSize, 50, 150);
    const scanSize = recountScanSize(args.scanSize);
    const options = { repair: args.repair, scanSize };
    const { report, continued } = await Migrations.recountCounters(ctx, args.table, { cursor: args.cursor ?? null, size }, options);
    if (report.drift.length > 0) console.warn(`recountCounters ${args.table}: drift`, JSON.stringify(report.drift));
    for (const id of continued) await ctx.scheduler.runAfter(0, internal.migrations.recountStep, { id, scanSize });
    if (report.cursor !== null && args.autoContinue !== false) {
      await ctx.scheduler.runAfter(0, internal.migrations.recountCounters, {
        table: args.table,
        repair: args.repair,
        cursor: report.cursor,
        batchSize: size,
        scanSize,
      });
    }
    return report;
  },
});

const recountScanSize = (value: number | undefined): number =>
  integerIn(value ?? Recounts.MAX_RECOUNT_STEP, "scanSize", 1, Recounts.MAX_RECOUNT_STEP);

/** One step of a recount too large for one transaction (model/recounts.ts); schedules the next until it ends. */
export const recountStep = internalMutation({
  args: { id: v.id("counterRecounts"), scanSize: v.optional(v.number()) },
  returns: v.null(),
  handler: async (ctx, args) => {
    const job = await ctx.db.get(args.id);
    if (job === null) return null;
    const scanSize = recountScanSize(args.scanSize);
    const { drift } = await Recounts.step(ctx, job, scanSize);
    if (drift === null) await ctx.scheduler.runAfter(0, internal.migrations.recountStep, { id: job._id, scanSize });
    else if (drift.length > 0) console.warn(`recountCounters ${job.counter} of ${job.targetId}: drift`, JSON.stringify(drift));
    return null;
  },
});

/**
 * Widens quiz progress written before a quiz needed its passing attempt: each
 * quiz row gets `bestScore` and, if the learner passed, `quizAttemptId`
 * (docs/compliance.md). Run once after deploying; idempotent, batched.
 */
export const backfillQuizProgress = internalMutation({
  args: { cursor: v.optional(v.string()), batchSize: v.optional(v.number()), autoContinue: v.optional(v.boolean()) },
  returns: migrationReport,
  handler: async (ctx, args) => {
    // Each row costs up to three reads (its lesson, two attempt lookups).
    const size = batchSize(args.batchSize, 200, 1000);
    const report = await Migrations.backfill(ctx, "lessonProgress", { cursor: args.cursor ?? null, size });
    if (report.cursor !== null && args.autoContinue !== false) {
      await ctx.scheduler.runAfter(0, internal.migrations.backfillQuizProgress, { cursor: report.cursor, batchSize: size });
    }
    return report;
  },
});

/** Counts purchases made before `revenueBuckets` existed into them, once each (docs/compliance.md). */
export const backfillRevenue = internalMutation({
  args: { cursor: v.optional(v.string()), batchSize: v.optional(v.number()), autoContinue: v.optional(v.boolean()) },
  returns: migrationReport,
  handler: async (ctx, args) => {
    // Each purchase writes up to four buckets and itself.
    const size = batchSize(args.batchSize, 200, 1000);
    const report = await Migrations.backfill(ctx, "purchases", { cursor: args.cursor ?? null, size });
    if (report.cursor !== null && args.autoContinue !== false) {
      await ctx.scheduler.runAfter(0, internal.migrations.backfillRevenue, { cursor: report.cursor, batchSize: size });
    }
    return report;
  },
});

/**
 * Deletes quiz tallies (`quizItemStatShards`) whose lesson no longer exists, left
 * behind by lesson, module and course deletions before they took them along
 * (docs/compliance.md). `batchSize` counts quizzes; the cursor is a lesson id.
 * Returns this batch's report; with `dryRun`, `removed` counts the rows it would
 * delete and nothing is written. Idempotent, batched.
 */
export const removeOrphanedQuizTallies = internalMutation({
  args: {
    cursor: v.optional(v.id("lessons")),
    batchSize: v.optional(v.number()),
    autoContinue: v.optional(v.boolean()),
    dryRun: v.optional(v.boolean()),
  },
  returns: removalReport,
  handler: async (ctx, args) => {
    // Each quiz costs about a dozen read intervals (two queries, its lesson, up to 8 deletes), but
    // its lesson alone can be 100 KB read: 32 quizzes of 50-question tallies read under 5 MB,
    // leaving room under the 16 MiB limit for tallies of questions since deleted.
    const size = batchSize(args.batchSize, 32, 32);
    const dryRun = args.dryRun ?? false;
    const report = await Migrations.removeOrphanedQuizTallies(ctx, { cursor: args.cursor ?? null, size }, dryRun);
    if (report.cursor !== null && args.autoContinue !== false) {
      await ctx.scheduler.runAfter(0, internal.migrations.removeOrphanedQuizTallies, {
        cursor: report.cursor,
        batchSize: size,
        dryRun,
      });
    }
    return report;
  },
});
