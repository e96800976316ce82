/**
 * Reports for admins, instructors and notebooks (`reports:*`). Each is a page of
 * rows read through indexes, with a page size capped so that the work per row
 * (a learner's progress rows, a course's revenue buckets) keeps one page far
 * inside Convex's per-transaction limits however large the course or catalogue
 * grows: 100k learners are 100k/ROSTER_PAGE_MAX pages, never one big scan.
 * Figures that would need a scan of unbounded rows are precomputed in the same
 * transaction as the change: best quiz scores on `lessonProgress`
 * (model/progress.ts), sales in `revenueBuckets` (model/revenue.ts), answer
 * tallies in `quizItemStatShards` (model/quizStats.ts).
 */
import type { PaginationOptions, PaginationResult } from "convex/server";
import type { Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import type { ceTranscriptRow, courseRosterRow, quizItemStats, revenueRow } from "../validators";
import { fullName } from "./auth";
import * as Certificates from "./certificates";
import { questionsOf } from "./curriculum";
import { isDone, liveLessons, progressRows } from "./progress";
import { quizTotals } from "./quizStats";
import { courseRevenueSince } from "./revenue";
import { normalizeLicense } from "./users";

/** Learners per roster page: each reads up to 600 progress rows. */
export const ROSTER_PAGE_MAX = 25;
/** Courses per revenue page: each reads up to 31 day and 1200 month buckets. */
export const REVENUE_PAGE_MAX = 10;

/** `paginationOpts` with `numItems` capped at `max`. */
const capped = (opts: PaginationOptions, max: number): PaginationOptions => ({
  ...opts,
  numItems: Math.max(1, Math.min(opts.numItems, max)),
});

const mapPage = async <T, U>(page: PaginationResult<T>, row: (item: T) => Promise<U | null>) => {
  const rows = await Promise.all(page.page.map(row));
  return { ...page, page: rows.filter((item): item is Awaited<U> => item !== null) };
};

type RosterRow = Infer<typeof courseRosterRow>;

async function rosterRow(ctx: QueryCtx, lessons: Doc<"lessons">[], enrollment: Doc<"courseEnrollments">) {
  const user = await ctx.db.get(enrollment.userId);
  if (user === null) return null;
  const rows = await progressRows(ctx, enrollment.userId, enrollment.courseId);
  const completedLessons = lessons.filter((lesson) => isDone(lesson, rows.get(lesson._id))).length;
  const scores = lessons.flatMap((lesson) => rows.get(lesson._id)?.bestScore ?? []);
  const certificate = await Certificates.findForCourse(ctx, enrollment.userId, enrollment.courseId);
  const row: RosterRow = {
    userId: user._id,
    userName: fullName(user),
    email: user.email,
    enrollmentStatus: enrollment.status,
    enrolledAt: enrollment.enrolledAt,
    completedAt: enrollment.completedAt,
    completedLessons,
    totalLessons: lessons.length,
    percent: lessons.length === 0 ? 0 : Math.floor((completedLessons * 100) / lessons.length),
    quizScore: scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length,
    certificateStatus: certificate?.status ?? null,
    ceCreditHours: certificate?.ceCreditHours ?? null,
    ceCreditType: certificate?.ceCreditType ?? null,
  };
  return row;
}

/** One page of a course's learners (every enrollment, any status), in enrolment order. */
export async function courseRoster(ctx: QueryCtx, courseId: Id<"courses">, opts: PaginationOptions) {
  const lessons = await liveLessons(ctx, courseId);
  const page = await ctx.db
    .query("courseEnrollments")
    .withIndex("by_course", (q) => q.eq("courseId", courseId))
    .paginate(capped(opts, ROSTER_PAGE_MAX));
  return await mapPage(page, (enrollment) => rosterRow(ctx, lessons, enrollment));
}

const transcriptRow = (certificate: Doc<"certificates">): Infer<typeof ceTranscriptRow> => ({
  certificateId: certificate._id,
  userId: certificate.userId,
  userName: certificate.userName,
  courseId: certificate.courseId,
  courseName: certificate.courseName,
  issueDate: certificate.issueDate,
  status: certificate.status,
  ceCreditHours: certificate.ceCreditHours ?? null,
  ceCreditType: certificate.ceCreditType ?? null,
  ceAccreditationStatement: certificate.ceAccreditationStatement ?? null,
  licenseNumber: certificate.licenseNumber ?? "",
  licenseState: certificate.licenseState ?? null,
  profession: certificate.profession ?? null,
});

/** Every certificate issued under the licence number (as the holder held it then), oldest first. */
export async function ceTranscript(ctx: QueryCtx, licenseNumber: string, opts: PaginationOptions) {
  const page = await ctx.db
    .query("certificates")
    .withIndex("by_license", (q) => q.eq("licenseNumber", normalizeLicense(licenseNumber)))
    .paginate(opts);
  return { ...page, page: page.page.map(transcriptRow) };
}

/** One page of courses with their sales and refunds since the UTC day `since`; courses with neither are left out. */
export async function revenue(ctx: QueryCtx, since: string, opts: PaginationOptions) {
  const page = await ctx.db.query("courses").paginate(capped(opts, REVENUE_PAGE_MAX));
  return await mapPage(page, async (course): Promise<Infer<typeof revenueRow> | null> => {
    const totals = await courseRevenueSince(ctx, course._id, since);
    if (totals.purchases === 0 && totals.refunds === 0) return null;
    return { courseId: course._id, courseTitle: course.title, ...totals };
  });
}

/** How each current question of the quiz was answered, in question order. */
export async function quizItemStatistics(ctx: QueryCtx, lessonId: Id<"lessons">): Promise<Infer<typeof quizItemStats>> {
  const totals = await quizTotals(ctx, lessonId);
  const questions = await questionsOf(ctx, lessonId);
  const items = questions.map((question) => {
    const tally = totals.byQuestion.get(question._id);
    const answered = tally?.answered ?? 0;
    const correct = tally?.correct ?? 0;
    const counts = tally?.optionCounts ?? [];
    return {
      questionId: question._id,
      order: question.order,
      question: question.question,
      answered,
      correct,
      correctRate: answered === 0 ? null : correct / answered,
      optionCounts: question.options.map((_, i) => counts[i] ?? 0),
    };
  });
  return { lessonId, attempts: totals.attempts, items };
}
