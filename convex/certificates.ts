/** `certificates`: issued on course completion, verified publicly. Rules live in `model/certificates.ts`. */
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import { canActFor, requireAdmin, requireSignedIn, requireUser } from "./model/auth";
import { batchSize } from "./model/batches";
import * as Certificates from "./model/certificates";
import { requireCourseEditor } from "./model/courseAccess";
import { forbidden, invalid, mustGet } from "./model/errors";
import { batchResult, certificateDoc, certificateVerification, paginated } from "./validators";

/** At most this many certificates are listed (about 1 KB each): far more than anyone earns. */
const MAX_LISTED_CERTIFICATES = 1000;

/**
 * The caller's certificates (one per completed course), newest first, at most
 * MAX_LISTED_CERTIFICATES (1,000); status as stored (see `model/certificates.ts`).
 */
export const listMine = query({
  args: {},
  returns: v.array(certificateDoc),
  handler: async (ctx) => {
    const user = await requireUser(ctx);
    return await ctx.db
      .query("certificates")
      .withIndex("by_user", (q) => q.eq("userId", user._id))
      .order("desc")
      .take(MAX_LISTED_CERTIFICATES);
  },
});

/** A certificate: its holder, admins and the service. */
export const get = query({
  args: { id: v.id("certificates") },
  returns: v.union(certificateDoc, v.null()),
  handler: async (ctx, { id }) => {
    const caller = await requireSignedIn(ctx);
    const certificate = await ctx.db.get(id);
    if (certificate === null) return null;
    if (!canActFor(caller, certificate.userId)) return forbidden("You may only read your own certificates");
    return certificate;
  },
});

/**
 * Public verification by code: status, names, course, dates and CE credits only
 * (never the holder's licence number); null for an unknown code.
 */
export const verify = query({
  args: { verificationCode: v.string() },
  returns: v.union(certificateVerification, v.null()),
  handler: async (ctx, { verificationCode }) => {
    const certificate = await Certificates.findByCode(ctx, verificationCode);
    if (certificate === null) return null;
    return {
      status: certificate.status,
      userName: certificate.userName,
      courseName: certificate.courseName,
      instructorName: certificate.instructorName,
      issueDate: certificate.issueDate,
      expiryDate: certificate.expiryDate,
      revokedAt: certificate.revokedAt,
      ceCreditHours: certificate.ceCreditHours,
      ceCreditType: certificate.ceCreditType,
      ceAccreditationStatement: certificate.ceAccreditationStatement,
    };
  },
});

/**
 * The course's instructor, admins and the service: the course's certificates
 * issued from `fromDate` (inclusive) to `toDate` (exclusive), both ISO 8601 and
 * optional, oldest first.
 */
export const listByCourse = query({
  args: {
    courseId: v.id("courses"),
    fromDate: v.optional(v.string()),
    toDate: v.optional(v.string()),
    paginationOpts: paginationOptsValidator,
  },
  returns: paginated(certificateDoc),
  handler: async (ctx, { courseId, fromDate, toDate, paginationOpts }) => {
    await requireCourseEditor(ctx, courseId);
    const from = fromDate === undefined ? "" : Certificates.isoTime(fromDate, "fromDate");
    const to = toDate === undefined ? undefined : Certificates.isoTime(toDate, "toDate");
    if (to !== undefined && to <= from) return invalid("toDate must be after fromDate", "toDate");
    return await ctx.db
      .query("certificates")
      .withIndex("by_course", (q) => {
        const after = q.eq("courseId", courseId).gte("issueDate", from);
        return to === undefined ? after : after.lt("issueDate", to);
      })
      .paginate(paginationOpts);
  },
});

/** Admins: revoke a certificate with a reason (verification shows it as revoked). */
export const revoke = mutation({
  args: { id: v.id("certificates"), reason: v.string() },
  returns: certificateDoc,
  handler: async (ctx, { id, reason }) => {
    await requireAdmin(ctx);
    await Certificates.revoke(ctx, await mustGet(ctx, id, "Certificate"), reason);
    return await mustGet(ctx, id, "Certificate");
  },
});

/** Admins: set (ISO 8601, after the issue date) or clear (`null`) a certificate's expiry date. */
export const setExpiry = mutation({
  args: { id: v.id("certificates"), expiryDate: v.union(v.string(), v.null()) },
  returns: certificateDoc,
  handler: async (ctx, { id, expiryDate }) => {
    await requireAdmin(ctx);
    await Certificates.setExpiry(ctx, await mustGet(ctx, id, "Certificate"), expiryDate);
    return await mustGet(ctx, id, "Certificate");
  },
});

/** Scheduled by `setExpiry` for the expiry moment: stores `expired` if the date still says so. */
export const expire = internalMutation({
  args: { id: v.id("certificates") },
  returns: v.null(),
  handler: async (ctx, { id }) => {
    await Certificates.expire(ctx, id);
    return null;
  },
});

/** Cron (daily): stores `expired` on valid certificates past their expiry date, batched. */
export const expireDue = internalMutation({
  args: { batchSize: v.optional(v.number()) },
  returns: batchResult,
  handler: async (ctx, args) => {
    const size = batchSize(args.batchSize);
    const result = await Certificates.expireDue(ctx, size);
    if (!result.done) await ctx.scheduler.runAfter(0, internal.certificates.expireDue, { batchSize: size });
    return result;
  },
});
