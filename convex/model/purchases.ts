/**
 * Rules for `purchases`, the payment side of a paid enrollment.
 *
 * Lifecycle: open -> complete | expired, complete -> refunded. Only `complete`
 * grants access, and it does so through the enrollment it creates; a refund
 * revokes that enrollment (and the certificate earned with it) in the same
 * transaction. The payment provider's webhook reaches `complete`/`refund` through
 * internal functions, which may be retried: both are idempotent. Each sale and
 * refund also adds to the course's revenue buckets (model/revenue.ts).
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { batchOf, type BatchResult } from "./batches";
import * as Certificates from "./certificates";
import { requiredText } from "./checks";
import * as Enrollments from "./enrollments";
import { conflict, invalidState, mustGet } from "./errors";
import { notify } from "./notifications";
import * as Progress from "./progress";
import { recordChange } from "./audit";
import * as Revenue from "./revenue";

export const CHECKOUT_TTL_MS = 24 * 60 * 60 * 1000;
export const CURRENCY = "usd";
const MAX_SESSION_ID = 255;

/**
 * The caller's open checkout for a paid, published course they are not enrolled
 * in. An open checkout for the same course at the current price is reused; one
 * that lapsed or was priced differently is expired and replaced.
 */
export async function createCheckout(
  ctx: MutationCtx,
  user: Doc<"users">,
  courseId: Id<"courses">,
): Promise<Id<"purchases">> {
  const { course } = await Enrollments.joinableCourse(ctx, user._id, courseId, "purchase");
  const now = Date.now();
  // Bounded: this function leaves at most one open purchase per user and course (it reuses or expires the others).
  const open = await ctx.db
    .query("purchases")
    .withIndex("by_user_course", (q) => q.eq("userId", user._id).eq("courseId", courseId).eq("status", "open"))
    .collect();
  for (const purchase of open) {
    if (purchase.expiresAt > now && purchase.amount === course.price) return purchase._id;
    await ctx.db.patch(purchase._id, { status: "expired" });
  }
  return await ctx.db.insert("purchases", {
    userId: user._id,
    courseId,
    amount: course.price ?? 0,
    currency: CURRENCY,
    status: "open",
    createdAt: now,
    expiresAt: now + CHECKOUT_TTL_MS,
  });
}

/**
 * Payment succeeded. Idempotent on the checkout session id: the same session
 * again returns without writing; another session for a completed purchase, or a
 * session already used by another purchase, is a CONFLICT. An open checkout past
 * `expiresAt` still completes (the payment provider is the authority on whether
 * the customer paid); one the cron already marked `expired` does not.
 */
export async function complete(ctx: MutationCtx, id: Id<"purchases">, sessionId: string): Promise<Doc<"purchases">> {
  const purchase = await mustGet(ctx, id, "Purchase");
  const session = requiredText(sessionId, "stripeCheckoutSessionId", MAX_SESSION_ID);
  if (purchase.status !== "open") {
    if (purchase.stripeCheckoutSessionId === session) return purchase;
    if (purchase.status === "complete") return conflict("This purchase was completed by another checkout session");
    return invalidState(`A purchase that is ${purchase.status} cannot complete`, { status: purchase.status });
  }
  const other = await ctx.db
    .query("purchases")
    .withIndex("by_stripe_session", (q) => q.eq("stripeCheckoutSessionId", session))
    .first();
  if (other !== null) return conflict("This checkout session already completed another purchase");
  const completedAt = Date.now();
  await ctx.db.patch(id, { status: "complete", stripeCheckoutSessionId: session, completedAt });
  await Revenue.recordSale(ctx, purchase, completedAt);
  await recordChange(ctx, { action: "purchases.complete", targetId: id, details: purchaseDetails(purchase) });
  const course = await mustGet(ctx, purchase.courseId, "Course");
  await Progress.enrollReturning(ctx, course, { userId: purchase.userId, source: "purchase", purchaseId: id });
  await notify(ctx, purchase.userId, {
    type: "course_update",
    title: "You're enrolled",
    description: `Your purchase of ${course.title} is complete. Happy learning!`,
    link: `/courses/${purchase.courseId}`,
    metadata: { purchaseId: id, courseId: purchase.courseId },
  });
  return await mustGet(ctx, id, "Purchase");
}

const purchaseDetails = (purchase: Doc<"purchases">) => ({
  userId: purchase.userId,
  courseId: purchase.courseId,
  amount: purchase.amount,
  currency: purchase.currency,
});

/** An open checkout lapses; expiring an expired one again changes nothing. */
export async function expire(ctx: MutationCtx, id: Id<"purchases">): Promise<Doc<"purchases">> {
  const purchase = await mustGet(ctx, id, "Purchase");
  if (purchase.status === "expired") return purchase;
  if (purchase.status !== "open") return invalidState(`A ${purchase.status} purchase cannot expire`);
  await ctx.db.patch(id, { status: "expired" });
  return await mustGet(ctx, id, "Purchase");
}

/**
 * Money back: complete -> refunded, and in the same transaction the enrollment
 * this purchase paid for is revoked and the certificate earned with it revoked.
 * Refunding a refunded purchase again changes nothing (webhook retries).
 */
export async function refund(
  ctx: MutationCtx,
  id: Id<"purchases">,
  reason: string | undefined,
): Promise<Doc<"purchases">> {
  const purchase = await mustGet(ctx, id, "Purchase");
  if (purchase.status === "refunded") return purchase;
  if (purchase.status !== "complete") return invalidState(`A ${purchase.status} purchase cannot be refunded`);
  const refundReason = reason === undefined ? undefined : requiredText(reason, "reason", Enrollments.MAX_REASON);
  const refundedAt = Date.now();
  await ctx.db.patch(id, { status: "refunded", refundedAt, refundReason });
  await Revenue.recordRefund(ctx, purchase, refundedAt);
  await recordChange(ctx, { action: "purchases.refund", targetId: id, details: { ...purchaseDetails(purchase), reason: refundReason } });
  const enrollment = await ctx.db
    .query("courseEnrollments")
    .withIndex("by_purchase", (q) => q.eq("purchaseId", id))
    .unique();
  if (enrollment !== null && enrollment.status !== "revoked") {
    await Enrollments.revoke(ctx, enrollment, refundReason ?? "Purchase refunded");
    await Certificates.revokeForCourse(ctx, purchase.userId, purchase.courseId, "Purchase refunded");
  }
  await notify(ctx, purchase.userId, {
    type: "course_update",
    title: "Refund processed",
    description: "Your refund was processed and your access to the course has ended.",
    link: `/courses/${purchase.courseId}`,
    metadata: { purchaseId: id, courseId: purchase.courseId },
  });
  return await mustGet(ctx, id, "Purchase");
}

/** Marks up to `size` open checkouts past `expiresAt` expired; `done` when none are left. */
export async function expireStale(ctx: MutationCtx, size: number): Promise<BatchResult> {
  const stale = await ctx.db
    .query("purchases")
    .withIndex("by_status_expiry", (q) => q.eq("status", "open").lt("expiresAt", Date.now()))
    .take(size);
  for (const purchase of stale) await ctx.db.patch(purchase._id, { status: "expired" });
  return batchOf(stale.length, size);
}
