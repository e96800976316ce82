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
import * as Migrations from "./model/migrations";
import { migrationReport, recountReport } from "./validators";

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
 * report; batches continued in the background log theirs. Page through the
 * reports yourself with `autoContinue: false` and the returned `cursor`.
 */
export const recountCounters = internalMutation({
  args: {
    table: recountReport.fields.table,
    repair: v.boolean(),
    cursor: v.optional(v.string()),
    batchSize: v.optional(v.number()),
    autoContinue: v.optional(v.boolean()),
  },
  returns: recountReport,
  handler: async (ctx, args) => {
    // Every row costs a recount (several index reads), so batches are smaller than the cron jobs'.
    const size = batchSize(args.batchSize, 100, 500);
    const report = await Migrations.recountCounters(
      ctx,
      args.table,
      { cursor: args.cursor ?? null, size },
      args.repair,
    );
    if (report.drift.length > 0) console.warn(`recountCounters ${args.table}: drift`, JSON.stringify(report.drift));
    if (report.cursor !== null && args.autoContinue !== false) {
      await ctx.scheduler.runAfter(0, internal.migrations.recountCounters, {
        table: args.table,
        repair: args.repair,
        cursor: report.cursor,
        batchSize: size,
      });
    }
    return report;
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
