/**
 * Rules for `certificates`: one per user and course, issued when an enrolled
 * student completes a course with `certificateEnabled` (every lesson complete,
 * every quiz passed: `Progress.requirementsMet`). Names, CE credits and the
 * holder's licence are copied onto the certificate so later changes to the course
 * or the user do not change it. Status is valid | expired |
 * revoked, always as stored: queries never read the clock, because Convex
 * caches a query's result and re-runs it only when what it read changes, not
 * as time passes. Expiry is written instead: `setExpiry` schedules
 * `certificates:expire` for the expiry moment, and the daily cron
 * (`expireDue`) catches any certificate that got its date another way.
 */
import type { Doc, Id } from "../_generated/dataModel";
import { internal } from "../_generated/api";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { fullName } from "./auth";
import { batchOf, type BatchResult } from "./batches";
import { requiredText } from "./checks";
import { invalid, invalidState, mustGet } from "./errors";
import { notify } from "./notifications";
import { recordChange } from "./audit";

export const TEMPLATE_ID = "default";
export const MAX_REASON = 500;

// Crockford base32: no I, L, O, U, so codes read back unambiguously.
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 20; // 100 random bits
const ISO_DATE = /^\d{4}-\d{2}-\d{2}($|T)/;

/** `XXXX-XXXX-XXXX-XXXX-XXXX` from the platform's cryptographic random source. */
export function newVerificationCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(CODE_LENGTH));
  // 256 is a multiple of 32, so `byte % 32` is uniform.
  const chars = Array.from(bytes, (byte) => CODE_ALPHABET[byte % CODE_ALPHABET.length]);
  return Array.from({ length: CODE_LENGTH / 4 }, (_, i) => chars.slice(i * 4, i * 4 + 4).join("")).join("-");
}

export async function findByCode(ctx: QueryCtx, code: string): Promise<Doc<"certificates"> | null> {
  return await ctx.db
    .query("certificates")
    .withIndex("by_verification", (q) => q.eq("verificationCode", code.trim().toUpperCase()))
    .unique();
}

export async function findForCourse(
  ctx: QueryCtx,
  userId: Id<"users">,
  courseId: Id<"courses">,
): Promise<Doc<"certificates"> | null> {
  return await ctx.db
    .query("certificates")
    .withIndex("by_user_course", (q) => q.eq("userId", userId).eq("courseId", courseId))
    .unique();
}

/** The credits and licence a certificate keeps as they were at issue (`undefined` fields are left out). */
const issuedWith = (course: Doc<"courses">, user: Doc<"users">) => ({
  ceCreditHours: course.ceCreditHours,
  ceCreditType: course.ceCreditType,
  ceAccreditationStatement: course.ceAccreditationStatement,
  licenseNumber: user.licenseNumber,
  licenseState: user.licenseState,
  profession: user.profession,
});

/** Issues the user's certificate for the course, or returns the one they already have. */
export async function issue(
  ctx: MutationCtx,
  userId: Id<"users">,
  course: Doc<"courses">,
): Promise<Id<"certificates">> {
  const existing = await findForCourse(ctx, userId, course._id);
  if (existing !== null) return existing._id;
  const user = await mustGet(ctx, userId, "User");
  const instructor = await ctx.db.get(course.instructorId);
  let verificationCode = newVerificationCode();
  while ((await findByCode(ctx, verificationCode)) !== null) verificationCode = newVerificationCode();
  const id = await ctx.db.insert("certificates", {
    userId,
    userName: fullName(user),
    courseId: course._id,
    courseName: course.title,
    instructorId: course.instructorId,
    instructorName: instructor === null ? "" : fullName(instructor),
    issueDate: new Date().toISOString(),
    verificationCode,
    templateId: TEMPLATE_ID,
    status: "valid",
    ...issuedWith(course, user),
  });
  await recordChange(ctx, { action: "certificates.issue", targetId: id, details: { userId, courseId: course._id, verificationCode } });
  await notify(ctx, userId, {
    type: "certificate",
    title: "Your certificate is ready",
    description: `You completed ${course.title}. Your certificate code is ${verificationCode}.`,
    link: `/certificates/${id}`,
    metadata: { certificateId: id, courseId: course._id },
  });
  return id;
}

/** Revokes a certificate with a reason and tells its holder; a revoked one stays as it is. */
export async function revoke(ctx: MutationCtx, certificate: Doc<"certificates">, reason: string): Promise<void> {
  const revocationReason = requiredText(reason, "reason", MAX_REASON);
  if (certificate.status === "revoked") return;
  await ctx.db.patch(certificate._id, { status: "revoked", revokedAt: new Date().toISOString(), revocationReason });
  await recordChange(ctx, { action: "certificates.revoke", targetId: certificate._id, details: { ...holder(certificate), reason: revocationReason } });
  await notify(ctx, certificate.userId, {
    type: "certificate",
    title: "Certificate revoked",
    description: `Your certificate for ${certificate.courseName} was revoked: ${revocationReason}`,
    metadata: { certificateId: certificate._id, courseId: certificate.courseId },
  });
}

export async function revokeForCourse(
  ctx: MutationCtx,
  userId: Id<"users">,
  courseId: Id<"courses">,
  reason: string,
): Promise<void> {
  const certificate = await findForCourse(ctx, userId, courseId);
  if (certificate !== null) await revoke(ctx, certificate, reason);
}

/** An ISO 8601 date or time as `issueDate` writes it (`toISOString`), so string order is time order. */
export function isoTime(value: string, field: string): string {
  const time = ISO_DATE.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? invalid(`${field} must be an ISO 8601 date`, field) : new Date(time).toISOString();
}

/** Sets or clears the expiry date (ISO 8601, after the issue date); recertification policies use it. */
export async function setExpiry(
  ctx: MutationCtx,
  certificate: Doc<"certificates">,
  expiryDate: string | null,
): Promise<void> {
  if (certificate.status === "revoked") return invalidState("A revoked certificate cannot change");
  // Recorded first: a refused date below throws, which rolls the record back with the rest.
  await recordChange(ctx, { action: "certificates.setExpiry", targetId: certificate._id, details: { ...holder(certificate), expiryDate } });
  if (expiryDate === null) {
    await ctx.db.patch(certificate._id, { expiryDate: undefined, status: "valid" });
    return;
  }
  const iso = isoTime(expiryDate, "expiryDate");
  const time = Date.parse(iso);
  if (iso <= certificate.issueDate) return invalid("expiryDate must be after the issue date", "expiryDate");
  const lapsed = time <= Date.now();
  await ctx.db.patch(certificate._id, { expiryDate: iso, status: lapsed ? "expired" : "valid" });
  if (!lapsed) await ctx.scheduler.runAt(time, internal.certificates.expire, { id: certificate._id });
}

/** Stores `expired` if the certificate is valid and its expiry date has come (it may have moved since scheduling). */
export async function expire(ctx: MutationCtx, id: Id<"certificates">): Promise<void> {
  const certificate = await ctx.db.get(id);
  if (certificate?.status !== "valid" || certificate.expiryDate === undefined) return;
  if (Date.parse(certificate.expiryDate) <= Date.now()) await markExpired(ctx, certificate);
}

async function markExpired(ctx: MutationCtx, certificate: Doc<"certificates">): Promise<void> {
  await ctx.db.patch(certificate._id, { status: "expired" });
  await recordChange(ctx, { action: "certificates.expire", targetId: certificate._id, details: holder(certificate) });
}

const holder = (certificate: Doc<"certificates">) => ({ userId: certificate.userId, courseId: certificate.courseId });

/** Stores `expired` on up to `size` valid certificates whose expiry date has passed. */
export async function expireDue(ctx: MutationCtx, size: number): Promise<BatchResult> {
  const now = new Date().toISOString();
  // Certificates without an expiry date sort before every string; `gt("")` skips them.
  const due = await ctx.db
    .query("certificates")
    .withIndex("by_status_expiry", (q) => q.eq("status", "valid").gt("expiryDate", "").lt("expiryDate", now))
    .take(size);
  for (const certificate of due) await markExpired(ctx, certificate);
  return batchOf(due.length, size);
}
