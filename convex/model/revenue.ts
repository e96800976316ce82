/**
 * Revenue aggregates for `reports:revenue`. Summing purchases at report time
 * would read every purchase of every course, past Convex's per-transaction
 * limits at scale; so each completed purchase and each refund adds to its
 * course's bucket for the UTC day and the UTC month it happened in, in the same
 * transaction. A report since a day then reads, per course, at most the rest of
 * that day's month in day buckets plus one bucket per later month.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

type Amounts = { purchases: number; refunds: number; grossCents: number; refundedCents: number };
export type CourseRevenue = Amounts & { netCents: number };

// A century of months: a report never spans more.
const MAX_MONTHS = 1200;
const ZERO: Amounts = { purchases: 0, refunds: 0, grossCents: 0, refundedCents: 0 };

const dayOf = (time: number): string => new Date(time).toISOString().slice(0, 10);

async function addToBucket(
  ctx: MutationCtx,
  courseId: Id<"courses">,
  granularity: "day" | "month",
  period: string,
  delta: Partial<Amounts>,
): Promise<void> {
  const row = await ctx.db
    .query("revenueBuckets")
    .withIndex("by_course_period", (q) => q.eq("courseId", courseId).eq("granularity", granularity).eq("period", period))
    .unique();
  const sum = (key: keyof Amounts) => (row?.[key] ?? 0) + (delta[key] ?? 0);
  const amounts = { purchases: sum("purchases"), refunds: sum("refunds"), grossCents: sum("grossCents"), refundedCents: sum("refundedCents") };
  if (row === null) await ctx.db.insert("revenueBuckets", { courseId, granularity, period, ...amounts });
  else await ctx.db.patch(row._id, amounts);
}

async function record(ctx: MutationCtx, courseId: Id<"courses">, at: number, delta: Partial<Amounts>): Promise<void> {
  const day = dayOf(at);
  await addToBucket(ctx, courseId, "day", day, delta);
  await addToBucket(ctx, courseId, "month", day.slice(0, 7), delta);
}

/** A purchase completed: one sale of `amount` cents (marked on the purchase, so it is counted once). */
export async function recordSale(ctx: MutationCtx, purchase: Doc<"purchases">, at: number): Promise<void> {
  await record(ctx, purchase.courseId, at, { purchases: 1, grossCents: purchase.amount });
  await ctx.db.patch(purchase._id, { revenueRecorded: "sale" });
}

/** A purchase refunded: one refund of `amount` cents, on the day of the refund. */
export async function recordRefund(ctx: MutationCtx, purchase: Doc<"purchases">, at: number): Promise<void> {
  await record(ctx, purchase.courseId, at, { refunds: 1, refundedCents: purchase.amount });
  await ctx.db.patch(purchase._id, { revenueRecorded: "refund" });
}

/**
 * Counts a purchase made before the buckets existed (`migrations:backfillRevenue`):
 * whatever of its sale and refund `revenueRecorded` says is not counted yet.
 * Idempotent: a purchase counted in full is left alone. Returns whether it wrote.
 */
export async function backfillPurchase(ctx: MutationCtx, purchase: Doc<"purchases">): Promise<boolean> {
  const sold = purchase.status === "complete" || purchase.status === "refunded";
  const needsSale = sold && purchase.revenueRecorded === undefined;
  const needsRefund = purchase.status === "refunded" && purchase.revenueRecorded !== "refund";
  if (needsSale) await recordSale(ctx, purchase, purchase.completedAt ?? purchase.createdAt);
  if (needsRefund) await recordRefund(ctx, purchase, purchase.refundedAt ?? purchase.completedAt ?? purchase.createdAt);
  return needsSale || needsRefund;
}

/** The course's sales and refunds from the UTC day `since` (YYYY-MM-DD) on. */
export async function courseRevenueSince(ctx: QueryCtx, courseId: Id<"courses">, since: string): Promise<CourseRevenue> {
  const month = since.slice(0, 7);
  const days = await ctx.db
    .query("revenueBuckets")
    .withIndex("by_course_period", (q) =>
      q.eq("courseId", courseId).eq("granularity", "day").gte("period", since).lte("period", `${month}-31`),
    )
    .take(31);
  const months = await ctx.db
    .query("revenueBuckets")
    .withIndex("by_course_period", (q) => q.eq("courseId", courseId).eq("granularity", "month").gt("period", month))
    .take(MAX_MONTHS);
  const total = [...days, ...months].reduce<Amounts>(
    (sum, row) => ({
      purchases: sum.purchases + row.purchases,
      refunds: sum.refunds + row.refunds,
      grossCents: sum.grossCents + row.grossCents,
      refundedCents: sum.refundedCents + row.refundedCents,
    }),
    ZERO,
  );
  return { ...total, netCents: total.grossCents - total.refundedCents };
}
