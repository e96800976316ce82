/**
 * The Doctrina data model: the single source of truth for every layer.
 *
 * Field validators live in `validators.ts`; this file names the tables and their
 * indexes. Compound indexes exist wherever a query would otherwise read an index
 * range and then `.filter()` on another field. Convex indexes an array field as
 * one value, so array membership ("courses tagged X", "resources in category Y")
 * is served by the join tables `courseTags` and `resourceCategories`, which the
 * model helpers keep in step with `courses.tags` and `resources.categories`.
 */
import { defineSchema, defineTable } from "convex/server";
import {
  archivedNotificationFields,
  auditLogFields,
  certificateFields,
  courseDiscussionFields,
  courseEnrollmentFields,
  courseFields,
  courseModuleFields,
  courseReviewFields,
  courseTagFields,
  eventFields,
  feedCounterFields,
  favoriteFields,
  idempotencyKeyFields,
  instructorApplicationFields,
  lessonFields,
  lessonProgressFields,
  liveSessionFields,
  notificationFields,
  purchaseFields,
  quizItemStatShardFields,
  revenueBucketFields,
  quizAttemptFields,
  quizQuestionFields,
  resourceCategoryFields,
  resourceDownloadFields,
  resourceFields,
  sessionParticipantFields,
  studentCountShardFields,
  counterRecountFields,
  userFields,
  wishlistFields,
} from "./validators";

export default defineSchema({
  users: defineTable(userFields)
    .index("by_email", ["email"])
    .index("by_externalId", ["externalId"])
    .index("by_isInstructor", ["isInstructor"])
    .index("by_isAdmin", ["isAdmin"]),

  courses: defineTable(courseFields)
    .index("by_instructor", ["instructorId"])
    // An instructor's public courses, for everyone but the instructor and admins.
    .index("by_instructor_visibility", ["instructorId", "visibility"])
    .index("by_category", ["category"])
    .index("by_visibility", ["visibility"])
    .index("by_visibility_category", ["visibility", "category"])
    .index("by_visibility_level", ["visibility", "level"])
    // The catalog filtered by category and level at once.
    .index("by_visibility_category_level", ["visibility", "category", "level"])
    // Featured courses: public, rating >= 4.5, best first.
    .index("by_visibility_rating", ["visibility", "rating"])
    .searchIndex("search_text", {
      searchField: "searchText",
      filterFields: ["visibility", "category", "level"],
    }),

  studentCountShards: defineTable(studentCountShardFields).index("by_course_shard", ["courseId", "shard"]),
  counterRecounts: defineTable(counterRecountFields).index("by_target", ["targetId", "counter"]),

  // The seed's `courses.by_tags`, as a join table (see the header comment).
  courseTags: defineTable(courseTagFields)
    .index("by_tags", ["tag", "visibility"])
    .index("by_course", ["courseId", "tag"]),

  // `by_course` serves curriculum order; `by_order` is the seed's platform-wide
  // ordering index (e.g. auditing that every course's orders are dense).
  courseModules: defineTable(courseModuleFields)
    .index("by_course", ["courseId", "order"])
    .index("by_order", ["order", "courseId"]),

  lessons: defineTable(lessonFields)
    .index("by_module", ["moduleId", "order"])
    .index("by_course", ["courseId"])
    .index("by_type", ["courseId", "type"]),

  quizQuestions: defineTable(quizQuestionFields).index("by_lesson", ["lessonId", "order"]),

  // Sharded per-question answer tallies of a quiz (`reports:quizItemStats`).
  quizItemStatShards: defineTable(quizItemStatShardFields).index("by_lesson_shard", ["lessonId", "shard"]),

  quizAttempts: defineTable(quizAttemptFields)
    .index("by_user_lesson", ["userId", "lessonId", "createdAt"])
    .index("by_lesson", ["lessonId"])
    // A learner's passing (or best failed) attempt at a quiz: `migrations:backfillQuizProgress`.
    .index("by_user_lesson_passed", ["userId", "lessonId", "passed", "score"]),

  courseReviews: defineTable(courseReviewFields)
    .index("by_course", ["courseId", "createdAt"])
    .index("by_user", ["userId", "courseId"])
    .index("by_rating", ["courseId", "rating"]),

  lessonProgress: defineTable(lessonProgressFields)
    .index("by_user_course", ["userId", "courseId", "completed"])
    .index("by_user_lesson", ["userId", "lessonId"])
    .index("by_lesson", ["lessonId"]),

  instructorApplications: defineTable(instructorApplicationFields)
    .index("by_user", ["userId", "submittedAt"])
    .index("by_status", ["status", "submittedAt"])
    // The user's newest approved application is their licence on file.
    .index("by_user_status", ["userId", "status", "submittedAt"])
    // Current licences (approved, not superseded) by expiry: the licence watch and `listExpiring`.
    .index("by_status_superseded_expiry", ["status", "supersededAt", "licenseExpiry"]),

  courseDiscussions: defineTable(courseDiscussionFields)
    // Top-level threads of a course: parentId is undefined.
    .index("by_course", ["courseId", "parentId", "createdAt"])
    .index("by_user", ["userId"])
    .index("by_parent", ["parentId", "createdAt"])
    // A post's replies that are not deleted (`deletedAt` undefined): what `replyCount` counts.
    .index("by_parent_deleted", ["parentId", "deletedAt"]),

  wishlist: defineTable(wishlistFields)
    .index("by_user", ["userId", "courseId"])
    .index("by_course", ["courseId"]),

  courseEnrollments: defineTable(courseEnrollmentFields)
    .index("by_user_course", ["userId", "courseId"])
    .index("by_user", ["userId", "status"])
    .index("by_course", ["courseId", "status"])
    .index("by_purchase", ["purchaseId"]),

  resources: defineTable(resourceFields)
    .index("by_course", ["courseId"])
    // A course's unrestricted resources, for callers who cannot learn the course.
    .index("by_course_restricted", ["courseId", "restricted"])
    .index("by_restricted", ["restricted", "dateAdded"])
    .index("by_featured", ["featured", "restricted"])
    .index("by_creator", ["createdBy"])
    .searchIndex("search_text", {
      searchField: "searchText",
      filterFields: ["restricted", "difficulty", "type"],
    }),

  // `resources.categories` as a join table (the seed's "search by category").
  resourceCategories: defineTable(resourceCategoryFields)
    .index("by_category", ["category", "restricted"])
    .index("by_resource", ["resourceId", "category"]),

  // One row per download: `resources.downloadCount` always equals their count.
  resourceDownloads: defineTable(resourceDownloadFields)
    .index("by_resource", ["resourceId"])
    .index("by_user", ["userId"]),

  favorites: defineTable(favoriteFields)
    .index("by_user_resource", ["userId", "resourceId"])
    .index("by_resource", ["resourceId"]),

  notifications: defineTable(notificationFields)
    .index("by_user_created", ["userId", "createdAt"])
    .index("by_user_read", ["userId", "read", "createdAt"])
    .index("by_created", ["createdAt"]),

  // Notifications older than 90 days, moved here by the daily cron.
  archivedNotifications: defineTable(archivedNotificationFields).index("by_user_created", [
    "userId",
    "createdAt",
  ]),

  liveSessions: defineTable(liveSessionFields)
    .index("by_status", ["status", "scheduledFor"])
    .index("by_instructor", ["instructorId", "scheduledFor"])
    .index("by_course", ["courseId"]),

  sessionParticipants: defineTable(sessionParticipantFields)
    .index("by_session", ["sessionId", "userId"])
    // Participants in the order they joined.
    .index("by_session_joined", ["sessionId", "joinedAt"])
    // Participants currently in the session have no `leftAt`.
    .index("by_session_present", ["sessionId", "leftAt"])
    .index("by_user", ["userId"]),

  certificates: defineTable(certificateFields)
    .index("by_user", ["userId"])
    .index("by_verification", ["verificationCode"])
    .index("by_user_course", ["userId", "courseId"])
    .index("by_course", ["courseId", "issueDate"])
    .index("by_status_expiry", ["status", "expiryDate"])
    // Every certificate issued under a licence number (`reports:ceTranscript`).
    .index("by_license", ["licenseNumber", "issueDate"]),

  purchases: defineTable(purchaseFields)
    .index("by_user", ["userId", "status"])
    .index("by_course", ["courseId", "status"])
    .index("by_user_course", ["userId", "courseId", "status"])
    .index("by_stripe_session", ["stripeCheckoutSessionId"])
    .index("by_status_expiry", ["status", "expiresAt"]),

  revenueBuckets: defineTable(revenueBucketFields).index("by_course_period", ["courseId", "granularity", "period"]),

  idempotencyKeys: defineTable(idempotencyKeyFields)
    .index("by_scope_key", ["scope", "key"])
    .index("by_created", ["createdAt"]),

  // Append-only (docs/compliance.md): one entry per state change, never patched or deleted.
  auditLog: defineTable(auditLogFields)
    .index("by_target", ["targetId", "at"])
    .index("by_actor", ["actorId", "at"])
    .index("by_action", ["action", "at"])
    .index("by_at", ["at"]),

  // The outbox: written pending (no cursor) with each change, sequenced after commit.
  events: defineTable(eventFields).index("by_cursor", ["cursor"]),
  feedCounters: defineTable(feedCounterFields),
});
