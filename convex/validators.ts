/**
 * Validators defined once: the schema (`schema.ts`), function arguments and
 * function return values all build on these. The Python SDK's models are
 * generated from the same definitions (`scripts/gen_models.py`), so a field
 * is named and typed in exactly one place.
 */
import { v, type Infer, type Validator, type Value } from "convex/values";

// ---------------------------------------------------------------- enums

export const level = v.union(
  v.literal("beginner"),
  v.literal("intermediate"),
  v.literal("advanced"),
);
export const visibility = v.union(v.literal("public"), v.literal("private"), v.literal("draft"));
export const lessonType = v.union(
  v.literal("video"),
  v.literal("document"),
  v.literal("quiz"),
  v.literal("assignment"),
);
export const notificationType = v.union(
  v.literal("course_update"),
  v.literal("message"),
  v.literal("announcement"),
  v.literal("community"),
  v.literal("live_session"),
  v.literal("certificate"),
  v.literal("milestone"),
);
export const liveSessionStatus = v.union(
  v.literal("scheduled"),
  v.literal("live"),
  v.literal("completed"),
  v.literal("cancelled"),
);
/** `refunded` is the seed's "consider adding refund tracking": only `complete` grants access. */
export const purchaseStatus = v.union(
  v.literal("open"),
  v.literal("complete"),
  v.literal("expired"),
  v.literal("refunded"),
);
export const certificateStatus = v.union(v.literal("valid"), v.literal("expired"), v.literal("revoked"));
export const applicationStatus = v.union(v.literal("pending"), v.literal("approved"), v.literal("rejected"));
export const enrollmentStatus = v.union(v.literal("active"), v.literal("completed"), v.literal("revoked"));
export const enrollmentSource = v.union(v.literal("purchase"), v.literal("free"), v.literal("admin"));
/**
 * Continuing-education credit types a course may award (docs/compliance.md):
 * CME physicians (AMA PRA Category 1), CNE nurses (ANCC contact hours), CE any
 * other licensed profession, CPD continuing professional development (UK, EU),
 * CDE dentists (ADA CERP), ACPE pharmacists.
 */
export const ceCreditType = v.union(
  v.literal("CME"),
  v.literal("CNE"),
  v.literal("CE"),
  v.literal("CPD"),
  v.literal("CDE"),
  v.literal("ACPE"),
);
/** A learner's licensed profession (docs/compliance.md). */
export const profession = v.union(
  v.literal("physician"),
  v.literal("physician_assistant"),
  v.literal("nurse_practitioner"),
  v.literal("registered_nurse"),
  v.literal("licensed_practical_nurse"),
  v.literal("dentist"),
  v.literal("pharmacist"),
  v.literal("esthetician"),
  v.literal("other"),
);
/** Legacy `users.role`, kept optional until `migrations:usersRoleToBooleans` has run everywhere. */
export const legacyRole = v.union(v.literal("admin"), v.literal("instructor"), v.literal("student"));

/** Course categories: the seed's "predefined list" (validated on every write). */
export const COURSE_CATEGORIES = [
  "botox",
  "fillers",
  "laser",
  "skin",
  "anatomy",
  "safety",
  "business",
  "other",
] as const;

export type Level = Infer<typeof level>;
export type Visibility = Infer<typeof visibility>;
export type LessonType = Infer<typeof lessonType>;
export type NotificationType = Infer<typeof notificationType>;
export type LiveSessionStatus = Infer<typeof liveSessionStatus>;
export type PurchaseStatus = Infer<typeof purchaseStatus>;
export type CertificateStatus = Infer<typeof certificateStatus>;
export type ApplicationStatus = Infer<typeof applicationStatus>;
export type EnrollmentStatus = Infer<typeof enrollmentStatus>;
export type CeCreditType = Infer<typeof ceCreditType>;
export type Profession = Infer<typeof profession>;

// ---------------------------------------------------------------- table fields
// Timestamps: numbers are Unix milliseconds; strings are ISO 8601 (the seed keeps
// both conventions: `users` and `certificates` use ISO strings).

export const userFields = {
  firstName: v.string(),
  lastName: v.string(),
  email: v.string(),
  image: v.optional(v.string()),
  // Optional while legacy rows hold only `role` (the widen stage of the role
  // migration, docs/compliance.md); read them through `hasInstructorRole`/`hasAdminRole`.
  isInstructor: v.optional(v.boolean()),
  isAdmin: v.optional(v.boolean()),
  phone: v.optional(v.string()),
  externalId: v.optional(v.string()),
  lastLogin: v.optional(v.string()),
  createdAt: v.optional(v.string()),
  updatedAt: v.optional(v.string()),
  role: v.optional(legacyRole),
  /** The learner's professional licence, copied onto each certificate they earn (docs/compliance.md). */
  licenseNumber: v.optional(v.string()),
  licenseState: v.optional(v.string()),
  profession: v.optional(profession),
};

export const courseFields = {
  title: v.string(),
  description: v.string(),
  instructorId: v.id("users"),
  level: v.optional(level),
  duration: v.optional(v.string()),
  price: v.optional(v.number()),
  thumbnailUrl: v.optional(v.string()),
  rating: v.optional(v.number()),
  reviewCount: v.optional(v.number()),
  createdAt: v.number(),
  updatedAt: v.number(),
  longDescription: v.optional(v.string()),
  category: v.string(),
  tags: v.array(v.string()),
  visibility,
  certificateEnabled: v.boolean(),
  discussionEnabled: v.boolean(),
  lessonCount: v.number(),
  /** The sum of the course's `studentCountShards`, rolled up shortly after each change (`model/counters.ts`). */
  studentCount: v.number(),
  whatYouWillLearn: v.optional(v.array(v.string())),
  requirements: v.optional(v.array(v.string())),
  /** Sum of review ratings: `rating` is always `ratingSum / reviewCount`, never drifting. */
  ratingSum: v.optional(v.number()),
  /** Title, description and tags in one field for the `search_text` index. */
  searchText: v.optional(v.string()),
  publishedAt: v.optional(v.number()),
  /** Set instead of deleting once anyone has enrolled (soft delete). */
  archivedAt: v.optional(v.number()),
  /** Set by `courses:remove`: the course reads as missing while `model/cascades.ts` deletes it in batches. */
  deletingAt: v.optional(v.number()),
  /** CE credits a completion earns (hours in quarter hours); `ceCreditType` is set whenever hours are. */
  ceCreditHours: v.optional(v.number()),
  ceCreditType: v.optional(ceCreditType),
  ceAccreditationStatement: v.optional(v.string()),
};

/**
 * One shard of a course's student count (`model/counters.ts`): enrolments add
 * to a random shard, so concurrent ones rarely write the same document; the
 * shards' sum is the count, copied to `courses.studentCount` by a rollup.
 */
export const studentCountShardFields = {
  courseId: v.id("courses"),
  shard: v.number(),
  count: v.number(),
  /** Changed since the last rollup (one is scheduled). */
  pending: v.boolean(),
};

/** The counters a batched recount (`model/recounts.ts`) can check, one job per counter and counted row. */
export const recountedCounter = v.union(
  v.literal("students"),
  v.literal("reviews"),
  v.literal("favorites"),
  v.literal("downloads"),
  v.literal("replies"),
);

/** A running batched recount: the scan position and what it counted up to there (`model/recounts.ts`). */
export const counterRecountFields = {
  counter: recountedCounter,
  /** The course, resource or post whose rows are counted. */
  targetId: v.string(),
  repair: v.boolean(),
  /** The index key of the last row scanned (`null`: none yet); rows at or before it are counted in `count`. */
  lastKey: v.union(v.array(v.union(v.string(), v.number())), v.null()),
  count: v.number(),
  /** The sum of the counted rows' weights (ratings, for reviews). */
  sum: v.number(),
};

export const courseTagFields = {
  courseId: v.id("courses"),
  tag: v.string(),
  /** Copied from the course so "public courses with tag X" is one index range. */
  visibility,
  createdAt: v.number(),
};

export const courseModuleFields = {
  courseId: v.id("courses"),
  title: v.string(),
  description: v.optional(v.string()),
  order: v.number(),
  createdAt: v.number(),
  updatedAt: v.number(),
  /** Set by `courseModules:remove`: hidden from the curriculum while `model/cascades.ts` deletes it in batches. */
  deletingAt: v.optional(v.number()),
};

export const lessonFields = {
  moduleId: v.id("courseModules"),
  courseId: v.id("courses"),
  title: v.string(),
  type: lessonType,
  content: v.string(),
  duration: v.optional(v.number()),
  order: v.number(),
  /** Quiz lessons: percentage of correct answers needed to pass (default 70). */
  passingScore: v.optional(v.number()),
  /** Quiz lessons: attempts a learner may make (unlimited when absent). */
  maxAttempts: v.optional(v.number()),
  /** Quiz lessons: whole minutes a learner waits after a failed attempt before the next. */
  attemptCooldownMinutes: v.optional(v.number()),
  createdAt: v.number(),
  updatedAt: v.number(),
};

export const quizQuestionFields = {
  lessonId: v.id("lessons"),
  courseId: v.id("courses"),
  question: v.string(),
  options: v.array(v.string()),
  correctOption: v.number(),
  explanation: v.optional(v.string()),
  order: v.number(),
};

/** What a caller gives to make a lesson (`lessons:create`, the bulk catalogue): the rest is derived. */
export const lessonInput = {
  title: lessonFields.title,
  type: lessonFields.type,
  content: lessonFields.content,
  duration: lessonFields.duration,
  passingScore: lessonFields.passingScore,
  maxAttempts: lessonFields.maxAttempts,
  attemptCooldownMinutes: lessonFields.attemptCooldownMinutes,
};

/** What a caller gives to make a quiz question (`quizQuestions:create`, the bulk catalogue). */
export const quizQuestionInput = {
  question: quizQuestionFields.question,
  options: quizQuestionFields.options,
  correctOption: quizQuestionFields.correctOption,
  explanation: quizQuestionFields.explanation,
};

export const quizAttemptFields = {
  userId: v.id("users"),
  lessonId: v.id("lessons"),
  courseId: v.id("courses"),
  answers: v.array(v.number()),
  correctCount: v.number(),
  questionCount: v.number(),
  /** 0..100 */
  score: v.number(),
  passed: v.boolean(),
  createdAt: v.number(),
};

export const courseReviewFields = {
  courseId: v.id("courses"),
  userId: v.id("users"),
  userName: v.string(),
  userImage: v.optional(v.string()),
  rating: v.number(),
  content: v.string(),
  createdAt: v.number(),
  updatedAt: v.optional(v.number()),
};

export const lessonProgressFields = {
  userId: v.id("users"),
  courseId: v.id("courses"),
  lessonId: v.id("lessons"),
  completed: v.boolean(),
  completedAt: v.optional(v.number()),
  /** Seconds spent on the lesson, accumulated. */
  timeSpent: v.number(),
  updatedAt: v.number(),
  /** Quiz lessons: the passing attempt that completed it (the only way a quiz completes). */
  quizAttemptId: v.optional(v.id("quizAttempts")),
  /** Quiz lessons: the best score of the learner's attempts, kept with every attempt (reports read it). */
  bestScore: v.optional(v.number()),
};

export const instructorApplicationFields = {
  userId: v.id("users"),
  status: applicationStatus,
  licenseNumber: v.string(),
  licenseState: v.string(),
  /** ISO date (YYYY-MM-DD). */
  licenseExpiry: v.string(),
  insuranceProvider: v.string(),
  documents: v.array(v.string()),
  submittedAt: v.number(),
  reviewedAt: v.optional(v.number()),
  reviewedBy: v.optional(v.id("users")),
  rejectionReason: v.optional(v.string()),
  /** Set on an approved application when a renewed one is approved: it no longer is the instructor's licence. */
  supersededAt: v.optional(v.number()),
  /** When the licence watch told the instructor this licence expires within 30 days. */
  expiryNotifiedAt: v.optional(v.number()),
};

export const courseDiscussionFields = {
  courseId: v.id("courses"),
  userId: v.id("users"),
  userName: v.string(),
  title: v.optional(v.string()),
  content: v.string(),
  parentId: v.optional(v.id("courseDiscussions")),
  replyCount: v.number(),
  createdAt: v.number(),
  updatedAt: v.number(),
  deletedAt: v.optional(v.number()),
};

export const wishlistFields = {
  userId: v.id("users"),
  courseId: v.id("courses"),
  addedAt: v.number(),
};

export const courseEnrollmentFields = {
  userId: v.id("users"),
  courseId: v.id("courses"),
  status: enrollmentStatus,
  source: enrollmentSource,
  purchaseId: v.optional(v.id("purchases")),
  enrolledAt: v.number(),
  completedAt: v.optional(v.number()),
  revokedAt: v.optional(v.number()),
  revokeReason: v.optional(v.string()),
};

export const resourceFields = {
  title: v.string(),
  description: v.string(),
  type: v.string(),
  categories: v.array(v.string()),
  tags: v.array(v.string()),
  url: v.string(),
  thumbnailUrl: v.optional(v.string()),
  author: v.string(),
  dateAdded: v.string(),
  featured: v.boolean(),
  downloadCount: v.number(),
  favoriteCount: v.number(),
  rating: v.number(),
  reviewCount: v.number(),
  difficulty: level,
  duration: v.optional(v.string()),
  fileSize: v.optional(v.string()),
  courseId: v.optional(v.id("courses")),
  restricted: v.boolean(),
  /** The user who created it (owner for edits); absent for service imports. */
  createdBy: v.optional(v.id("users")),
  searchText: v.optional(v.string()),
};

export const resourceCategoryFields = {
  resourceId: v.id("resources"),
  category: v.string(),
  /** Copied from the resource so public lookups stay one index range. */
  restricted: v.boolean(),
};

export const resourceDownloadFields = {
  resourceId: v.id("resources"),
  userId: v.optional(v.id("users")),
  downloadedAt: v.number(),
};

export const favoriteFields = {
  userId: v.id("users"),
  resourceId: v.id("resources"),
  createdAt: v.number(),
};

export const notificationFields = {
  userId: v.id("users"),
  title: v.string(),
  description: v.string(),
  type: notificationType,
  read: v.boolean(),
  createdAt: v.number(),
  link: v.optional(v.string()),
  metadata: v.optional(v.any()),
};

export const archivedNotificationFields = {
  ...notificationFields,
  archivedAt: v.number(),
};

export const liveSessionFields = {
  title: v.string(),
  description: v.string(),
  instructorId: v.id("users"),
  scheduledFor: v.number(),
  duration: v.number(),
  isRecorded: v.boolean(),
  maxParticipants: v.number(),
  status: liveSessionStatus,
  recordingUrl: v.optional(v.string()),
  courseId: v.optional(v.id("courses")),
  startedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  createdAt: v.number(),
  updatedAt: v.number(),
};

export const sessionParticipantFields = {
  sessionId: v.id("liveSessions"),
  userId: v.id("users"),
  joinedAt: v.number(),
  leftAt: v.optional(v.number()),
};

export const certificateFields = {
  userId: v.id("users"),
  userName: v.string(),
  courseId: v.id("courses"),
  courseName: v.string(),
  instructorId: v.id("users"),
  instructorName: v.string(),
  issueDate: v.string(),
  expiryDate: v.optional(v.string()),
  verificationCode: v.string(),
  templateId: v.string(),
  status: certificateStatus,
  revokedAt: v.optional(v.string()),
  revocationReason: v.optional(v.string()),
  /** What the certificate was issued with, kept when the course or the holder changes. */
  ceCreditHours: v.optional(v.number()),
  ceCreditType: v.optional(ceCreditType),
  ceAccreditationStatement: v.optional(v.string()),
  licenseNumber: v.optional(v.string()),
  licenseState: v.optional(v.string()),
  profession: v.optional(profession),
};

export const purchaseFields = {
  userId: v.id("users"),
  courseId: v.id("courses"),
  amount: v.number(),
  currency: v.string(),
  status: purchaseStatus,
  createdAt: v.number(),
  /** When an `open` checkout lapses to `expired`. */
  expiresAt: v.number(),
  stripeCheckoutSessionId: v.optional(v.string()),
  completedAt: v.optional(v.number()),
  refundedAt: v.optional(v.number()),
  refundReason: v.optional(v.string()),
  /** What `revenueBuckets` already count of this purchase (its sale, or its sale and refund). */
  revenueRecorded: v.optional(v.union(v.literal("sale"), v.literal("refund"))),
};

/**
 * Revenue of a course over one UTC day or month (`period` "YYYY-MM-DD" or
 * "YYYY-MM"), written in the same transaction as each completed purchase and
 * refund, so `reports:revenue` sums at most a month of days and a row per month.
 */
export const revenueBucketFields = {
  courseId: v.id("courses"),
  granularity: v.union(v.literal("day"), v.literal("month")),
  period: v.string(),
  purchases: v.number(),
  refunds: v.number(),
  grossCents: v.number(),
  refundedCents: v.number(),
};

/** One question's answer tally within a quiz's stats shard. */
export const quizItemTally = v.object({
  questionId: v.id("quizQuestions"),
  answered: v.number(),
  correct: v.number(),
  /** Answers per option index. */
  optionCounts: v.array(v.number()),
});

/**
 * One shard of a quiz's item statistics: every attempt adds its answers to a
 * random shard in the same transaction, so concurrent attempts rarely conflict.
 */
export const quizItemStatShardFields = {
  lessonId: v.id("lessons"),
  shard: v.number(),
  attempts: v.number(),
  items: v.array(quizItemTally),
};

/** Results of idempotent writes, so a repeated `idempotencyKey` returns the first result. */
export const idempotencyKeyFields = {
  /** `<function>|<caller>`: keys never collide across functions or callers. */
  scope: v.string(),
  key: v.string(),
  argsHash: v.string(),
  result: v.any(),
  createdAt: v.number(),
};

// ---------------------------------------------------------------- audit trail and event feed
// `model/audit.ts` writes one `auditLog` entry and one `events` row per state change.

/** What an audit entry records: `<module>.<function>` of the change (docs/compliance.md). */
export const AUDIT_ACTIONS = [
  "users.setRoles",
  "instructorApplications.approve",
  "instructorApplications.reject",
  "courses.publish",
  "courses.unpublish",
  "courses.archive",
  "courses.remove",
  "purchases.complete",
  "purchases.refund",
  "courseEnrollments.enroll",
  "courseEnrollments.grant",
  "courseEnrollments.revoke",
  "courseEnrollments.complete",
  "certificates.issue",
  "certificates.revoke",
  "certificates.setExpiry",
  "certificates.expire",
  "lessonProgress.complete",
  "quizAttempts.submit",
] as const;
export const auditAction = v.union(...AUDIT_ACTIONS.map((action) => v.literal(action)));
/** Who acted: a signed-in user, the service (as itself or for `actorId`), or the system (scheduler, crons). */
export const actorKind = v.union(v.literal("user"), v.literal("service"), v.literal("system"));
/** Flat, scalar details of a change (ids, reasons, amounts): an entry never embeds a whole document. */
export const changeDetails = v.record(v.string(), v.union(v.string(), v.number(), v.boolean(), v.null()));

/** Event types of the feed: each audit action emits one (docs/compliance.md lists which). */
export const EVENT_TYPES = [
  "user.rolesChanged",
  "instructorApplication.approved",
  "instructorApplication.rejected",
  "course.published",
  "course.unpublished",
  "course.archived",
  "course.removed",
  "purchase.completed",
  "purchase.refunded",
  "enrollment.created",
  "enrollment.revoked",
  "enrollment.completed",
  "certificate.issued",
  "certificate.revoked",
  "certificate.expiryChanged",
  "certificate.expired",
  "lesson.completed",
  "quiz.submitted",
] as const;
export const eventType = v.union(...EVENT_TYPES.map((type) => v.literal(type)));

export type AuditAction = Infer<typeof auditAction>;
export type EventType = Infer<typeof eventType>;

export const auditLogFields = {
  /** When the transaction that made the change ran (Unix ms). */
  at: v.number(),
  action: auditAction,
  actorKind,
  /** The acting user; for the service, the user it acted as (absent when it acted as itself). */
  actorId: v.optional(v.id("users")),
  targetTable: v.string(),
  targetId: v.string(),
  details: changeDetails,
};

export const eventFields = {
  type: eventType,
  /** Position in the feed, assigned by `events:sequence` after commit; absent while pending. */
  cursor: v.optional(v.number()),
  targetId: v.string(),
  data: changeDetails,
};

/** The one row holding the feed's last assigned cursor (`model/events.ts`). */
export const feedCounterFields = { lastCursor: v.number() };

// ---------------------------------------------------------------- function arguments

/** Optional on every write that creates something; see `model/idempotency.ts`. */
export const idempotencyKey = v.optional(v.string());

// ---------------------------------------------------------------- documents (return values)

const systemFields = <T extends string>(table: T) => ({ _id: v.id(table), _creationTime: v.number() });

export const userDoc = v.object({ ...systemFields("users"), ...userFields });
export const courseDoc = v.object({ ...systemFields("courses"), ...courseFields });
export const courseTagDoc = v.object({ ...systemFields("courseTags"), ...courseTagFields });
export const courseModuleDoc = v.object({ ...systemFields("courseModules"), ...courseModuleFields });
export const lessonDoc = v.object({ ...systemFields("lessons"), ...lessonFields });
export const quizQuestionDoc = v.object({ ...systemFields("quizQuestions"), ...quizQuestionFields });
export const quizAttemptDoc = v.object({ ...systemFields("quizAttempts"), ...quizAttemptFields });
export const courseReviewDoc = v.object({ ...systemFields("courseReviews"), ...courseReviewFields });
export const lessonProgressDoc = v.object({ ...systemFields("lessonProgress"), ...lessonProgressFields });
export const instructorApplicationDoc = v.object({
  ...systemFields("instructorApplications"),
  ...instructorApplicationFields,
});
export const courseDiscussionDoc = v.object({ ...systemFields("courseDiscussions"), ...courseDiscussionFields });
export const wishlistDoc = v.object({ ...systemFields("wishlist"), ...wishlistFields });
export const courseEnrollmentDoc = v.object({ ...systemFields("courseEnrollments"), ...courseEnrollmentFields });
export const resourceDoc = v.object({ ...systemFields("resources"), ...resourceFields });
export const favoriteDoc = v.object({ ...systemFields("favorites"), ...favoriteFields });
export const notificationDoc = v.object({ ...systemFields("notifications"), ...notificationFields });
export const liveSessionDoc = v.object({ ...systemFields("liveSessions"), ...liveSessionFields });
export const sessionParticipantDoc = v.object({
  ...systemFields("sessionParticipants"),
  ...sessionParticipantFields,
});
export const certificateDoc = v.object({ ...systemFields("certificates"), ...certificateFields });
export const purchaseDoc = v.object({ ...systemFields("purchases"), ...purchaseFields });
export const auditLogDoc = v.object({ ...systemFields("auditLog"), ...auditLogFields });

/** The return shape of a `paginate()` query over `item`. */
export const paginated = <T extends Validator<Value, "required", string>>(item: T) =>
  v.object({
    page: v.array(item),
    isDone: v.boolean(),
    continueCursor: v.string(),
    splitCursor: v.optional(v.union(v.string(), v.null())),
    pageStatus: v.optional(
      v.union(v.literal("SplitRecommended"), v.literal("SplitRequired"), v.null()),
    ),
  });

// ---------------------------------------------------------------- API shapes
// Every object a function returns that is not a table document is defined here
// and registered in `shapes` under its Python model name; scripts/gen_models.py
// generates one pydantic model per entry (and one per table from schema.ts).

export const publicProfile = v.object({
  _id: v.id("users"),
  firstName: v.string(),
  lastName: v.string(),
  image: v.optional(v.string()),
  isInstructor: v.boolean(),
});

// ---- users, instructor applications, courses and curriculum shapes

/** One row of `users:createMany`: what happened to `rows[index]`. */
export const bulkCreateRowResult = v.object({
  index: v.number(),
  status: v.union(v.literal("created"), v.literal("exists"), v.literal("invalid")),
  /** The new user (`created`) or the one already holding the email (`exists`). */
  id: v.optional(v.id("users")),
  /** Why the row was not imported (`invalid`). */
  error: v.optional(v.string()),
});

/** `users:createMany`: one result per input row, in input order. */
export const bulkCreateResult = v.object({ results: v.array(bulkCreateRowResult) });

/** A lesson as a reader sees it: `content` only for those who can learn the course. */
export const curriculumLesson = v.object({
  ...systemFields("lessons"),
  ...lessonFields,
  content: v.optional(v.string()),
});

/** A module of a course outline with its lessons in order. */
export const curriculumModule = v.object({
  ...systemFields("courseModules"),
  ...courseModuleFields,
  lessons: v.array(curriculumLesson),
});

/** `courses:getWithCurriculum`: the course, whether the caller can learn it, and its outline. */
export const courseWithCurriculum = v.object({
  ...systemFields("courses"),
  ...courseFields,
  canLearn: v.boolean(),
  modules: v.array(curriculumModule),
});

/** `quizQuestions:listForLesson`: a question without its answer key. */
export const studentQuizQuestion = v.object({
  ...systemFields("quizQuestions"),
  lessonId: v.id("lessons"),
  courseId: v.id("courses"),
  question: v.string(),
  options: v.array(v.string()),
  order: v.number(),
});

// ---- learning and commerce shapes (purchases, enrollments, progress, quizzes, certificates, migrations)

/** `lessonProgress:courseProgress`: the caller's progress; `percent` is an integer 0..100. */
export const courseProgress = v.object({
  courseId: v.id("courses"),
  completedLessons: v.number(),
  totalLessons: v.number(),
  percent: v.number(),
  completedLessonIds: v.array(v.id("lessons")),
  completed: v.boolean(),
});

/** `certificates:verify`: what the public may learn about a certificate (no ids, no user data). */
export const certificateVerification = v.object({
  status: certificateStatus,
  userName: v.string(),
  courseName: v.string(),
  instructorName: v.string(),
  issueDate: v.string(),
  expiryDate: v.optional(v.string()),
  revokedAt: v.optional(v.string()),
  /** The CE credits it awards; never the holder's licence number. */
  ceCreditHours: v.optional(v.number()),
  ceCreditType: v.optional(ceCreditType),
  ceAccreditationStatement: v.optional(v.string()),
});

/** One graded question of a quiz attempt, revealed only after answering. */
export const quizQuestionResult = v.object({
  questionId: v.id("quizQuestions"),
  chosenOption: v.number(),
  correctOption: v.number(),
  correct: v.boolean(),
  explanation: v.optional(v.string()),
});

/** `quizAttempts:submit`: the stored attempt plus the answers key, now that the caller answered. */
export const quizAttemptResult = v.object({
  ...quizAttemptDoc.fields,
  passingScore: v.number(),
  results: v.array(quizQuestionResult),
});

/** One denormalized field that differs from its recount. */
export const counterDrift = v.object({
  id: v.string(),
  field: v.string(),
  expected: v.union(v.number(), v.null()),
  found: v.union(v.number(), v.null()),
});

/** `migrations:recountCounters`: one batch's drift (repaired when `repair`) and where to go on. */
export const recountReport = v.object({
  table: v.union(v.literal("courses"), v.literal("resources"), v.literal("courseDiscussions")),
  checked: v.number(),
  drift: v.array(counterDrift),
  repaired: v.boolean(),
  /** Recounts too large for this batch, continued in the background; each logs its drift when it ends. */
  pending: v.number(),
  done: v.boolean(),
  cursor: v.union(v.string(), v.null()),
});

/** `migrations:usersRoleToBooleans`: one batch; later batches continue in the background. */
export const migrationReport = v.object({
  processed: v.number(),
  updated: v.number(),
  done: v.boolean(),
  cursor: v.union(v.string(), v.null()),
});

/**
 * `migrations:removeOrphanedQuizTallies`: one batch; `processed` tally rows looked at, `removed` those
 * deleted (with `dryRun`, that would be); `cursor` is the last quiz's lesson id.
 */
export const removalReport = v.object({
  processed: v.number(),
  removed: v.number(),
  done: v.boolean(),
  cursor: v.union(v.id("lessons"), v.null()),
});

/** An event of the feed as consumers read it (`events:list`): always sequenced. */
export const feedEvent = v.object({
  _id: v.id("events"),
  _creationTime: v.number(),
  ...eventFields,
  cursor: v.number(),
});

/** Cron batches (`expireStale`, `expireDue`, idempotency cleanup): rows changed, and whether none are left. */
export const batchResult = v.object({ processed: v.number(), done: v.boolean() });

// ---- community, resources and notifications shapes

/** `resources:recordDownload`: where to fetch the file (the download was counted). */
export const downloadLink = v.object({ url: v.string() });

/** `favorites:listMine`: the favorite and its resource (`null` once deleted or no longer readable). */
export const favoriteWithResource = v.object({
  ...favoriteDoc.fields,
  resource: v.union(resourceDoc, v.null()),
});

// ---- reports shapes

/** `reports:courseRoster`: one learner of a course. `percent` is an integer 0..100. */
export const courseRosterRow = v.object({
  userId: v.id("users"),
  userName: v.string(),
  email: v.string(),
  enrollmentStatus,
  enrolledAt: v.number(),
  completedAt: v.optional(v.number()),
  completedLessons: v.number(),
  totalLessons: v.number(),
  percent: v.number(),
  /** Mean of the learner's best score on each quiz they attempted; null before any attempt. */
  quizScore: v.union(v.number(), v.null()),
  certificateStatus: v.union(certificateStatus, v.null()),
  ceCreditHours: v.union(v.number(), v.null()),
  ceCreditType: v.union(ceCreditType, v.null()),
});

/** `reports:ceTranscript`: one certificate issued under a licence, with its credits. */
export const ceTranscriptRow = v.object({
  certificateId: v.id("certificates"),
  userId: v.id("users"),
  userName: v.string(),
  courseId: v.id("courses"),
  courseName: v.string(),
  issueDate: v.string(),
  status: certificateStatus,
  ceCreditHours: v.union(v.number(), v.null()),
  ceCreditType: v.union(ceCreditType, v.null()),
  ceAccreditationStatement: v.union(v.string(), v.null()),
  licenseNumber: v.string(),
  licenseState: v.union(v.string(), v.null()),
  profession: v.union(profession, v.null()),
});

/** `reports:revenue`: one course's completed purchases and refunds since a day (cents, USD). */
export const revenueRow = v.object({
  courseId: v.id("courses"),
  courseTitle: v.string(),
  purchases: v.number(),
  refunds: v.number(),
  grossCents: v.number(),
  refundedCents: v.number(),
  netCents: v.number(),
});

/** `reports:quizItemStats`: how a quiz's question was answered across every attempt. */
export const quizItemStat = v.object({
  questionId: v.id("quizQuestions"),
  order: v.number(),
  question: v.string(),
  answered: v.number(),
  correct: v.number(),
  /** Share of answers that were correct, 0..1; null before any answer. */
  correctRate: v.union(v.number(), v.null()),
  optionCounts: v.array(v.number()),
});

/** `reports:quizItemStats`: the quiz's attempt count and one entry per current question, in order. */
export const quizItemStats = v.object({
  lessonId: v.id("lessons"),
  attempts: v.number(),
  items: v.array(quizItemStat),
});

/** One learner's learning in one course, for `courseEnrollments:importLearning`. */
export const learningImportRow = v.object({
  userId: v.id("users"),
  courseId: v.id("courses"),
  lessons: v.array(
    v.object({ lessonId: v.id("lessons"), timeSpent: v.optional(v.number()), answers: v.optional(v.array(v.number())) }),
  ),
  review: v.optional(v.object({ rating: v.number(), content: v.string() })),
});

export const learningImportResult = v.object({
  userId: v.id("users"),
  courseId: v.id("courses"),
  status: v.union(v.literal("created"), v.literal("exists")),
  enrollmentId: v.id("courseEnrollments"),
  purchaseId: v.optional(v.id("purchases")),
  certificateCode: v.optional(v.string()),
});

export const shapes = {
  CourseRosterRow: courseRosterRow,
  CeTranscriptRow: ceTranscriptRow,
  RevenueRow: revenueRow,
  QuizItemStat: quizItemStat,
  QuizItemStats: quizItemStats,
  PublicProfile: publicProfile,
  BulkCreateRowResult: bulkCreateRowResult,
  BulkCreateResult: bulkCreateResult,
  CurriculumLesson: curriculumLesson,
  CurriculumModule: curriculumModule,
  CourseWithCurriculum: courseWithCurriculum,
  StudentQuizQuestion: studentQuizQuestion,
  DownloadLink: downloadLink,
  FavoriteWithResource: favoriteWithResource,
  CourseProgress: courseProgress,
  CertificateVerification: certificateVerification,
  QuizQuestionResult: quizQuestionResult,
  QuizAttemptResult: quizAttemptResult,
  CounterDrift: counterDrift,
  RecountReport: recountReport,
  MigrationReport: migrationReport,
  RemovalReport: removalReport,
  BatchResult: batchResult,
  FeedEvent: feedEvent,
  LearningImportResult: learningImportResult,
};
