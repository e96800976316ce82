/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as auditLog from "../auditLog.js";
import type * as certificates from "../certificates.js";
import type * as courseDiscussions from "../courseDiscussions.js";
import type * as courseEnrollments from "../courseEnrollments.js";
import type * as courseModules from "../courseModules.js";
import type * as courseReviews from "../courseReviews.js";
import type * as courses from "../courses.js";
import type * as crons from "../crons.js";
import type * as events from "../events.js";
import type * as favorites from "../favorites.js";
import type * as http from "../http.js";
import type * as idempotencyKeys from "../idempotencyKeys.js";
import type * as instructorApplications from "../instructorApplications.js";
import type * as lessonProgress from "../lessonProgress.js";
import type * as lessons from "../lessons.js";
import type * as liveSessions from "../liveSessions.js";
import type * as migrations from "../migrations.js";
import type * as model_access from "../model/access.js";
import type * as model_audit from "../model/audit.js";
import type * as model_auth from "../model/auth.js";
import type * as model_batches from "../model/batches.js";
import type * as model_cascades from "../model/cascades.js";
import type * as model_catalogueImport from "../model/catalogueImport.js";
import type * as model_certificates from "../model/certificates.js";
import type * as model_checks from "../model/checks.js";
import type * as model_counters from "../model/counters.js";
import type * as model_courseAccess from "../model/courseAccess.js";
import type * as model_courses from "../model/courses.js";
import type * as model_curriculum from "../model/curriculum.js";
import type * as model_discussions from "../model/discussions.js";
import type * as model_enrollments from "../model/enrollments.js";
import type * as model_errors from "../model/errors.js";
import type * as model_events from "../model/events.js";
import type * as model_favorites from "../model/favorites.js";
import type * as model_idempotency from "../model/idempotency.js";
import type * as model_instructorApplications from "../model/instructorApplications.js";
import type * as model_learningImport from "../model/learningImport.js";
import type * as model_liveSessions from "../model/liveSessions.js";
import type * as model_migrations from "../model/migrations.js";
import type * as model_notifications from "../model/notifications.js";
import type * as model_progress from "../model/progress.js";
import type * as model_purchases from "../model/purchases.js";
import type * as model_quizAttempts from "../model/quizAttempts.js";
import type * as model_quizStats from "../model/quizStats.js";
import type * as model_recounts from "../model/recounts.js";
import type * as model_reports from "../model/reports.js";
import type * as model_resources from "../model/resources.js";
import type * as model_revenue from "../model/revenue.js";
import type * as model_reviews from "../model/reviews.js";
import type * as model_sessionParticipants from "../model/sessionParticipants.js";
import type * as model_stripe from "../model/stripe.js";
import type * as model_users from "../model/users.js";
import type * as model_wishlist from "../model/wishlist.js";
import type * as notifications from "../notifications.js";
import type * as purchases from "../purchases.js";
import type * as quizAttempts from "../quizAttempts.js";
import type * as quizQuestions from "../quizQuestions.js";
import type * as reports from "../reports.js";
import type * as resources from "../resources.js";
import type * as sessionParticipants from "../sessionParticipants.js";
import type * as users from "../users.js";
import type * as validators from "../validators.js";
import type * as wishlist from "../wishlist.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  auditLog: typeof auditLog;
  certificates: typeof certificates;
  courseDiscussions: typeof courseDiscussions;
  courseEnrollments: typeof courseEnrollments;
  courseModules: typeof courseModules;
  courseReviews: typeof courseReviews;
  courses: typeof courses;
  crons: typeof crons;
  events: typeof events;
  favorites: typeof favorites;
  http: typeof http;
  idempotencyKeys: typeof idempotencyKeys;
  instructorApplications: typeof instructorApplications;
  lessonProgress: typeof lessonProgress;
  lessons: typeof lessons;
  liveSessions: typeof liveSessions;
  migrations: typeof migrations;
  "model/access": typeof model_access;
  "model/audit": typeof model_audit;
  "model/auth": typeof model_auth;
  "model/batches": typeof model_batches;
  "model/cascades": typeof model_cascades;
  "model/catalogueImport": typeof model_catalogueImport;
  "model/certificates": typeof model_certificates;
  "model/checks": typeof model_checks;
  "model/counters": typeof model_counters;
  "model/courseAccess": typeof model_courseAccess;
  "model/courses": typeof model_courses;
  "model/curriculum": typeof model_curriculum;
  "model/discussions": typeof model_discussions;
  "model/enrollments": typeof model_enrollments;
  "model/errors": typeof model_errors;
  "model/events": typeof model_events;
  "model/favorites": typeof model_favorites;
  "model/idempotency": typeof model_idempotency;
  "model/instructorApplications": typeof model_instructorApplications;
  "model/learningImport": typeof model_learningImport;
  "model/liveSessions": typeof model_liveSessions;
  "model/migrations": typeof model_migrations;
  "model/notifications": typeof model_notifications;
  "model/progress": typeof model_progress;
  "model/purchases": typeof model_purchases;
  "model/quizAttempts": typeof model_quizAttempts;
  "model/quizStats": typeof model_quizStats;
  "model/recounts": typeof model_recounts;
  "model/reports": typeof model_reports;
  "model/resources": typeof model_resources;
  "model/revenue": typeof model_revenue;
  "model/reviews": typeof model_reviews;
  "model/sessionParticipants": typeof model_sessionParticipants;
  "model/stripe": typeof model_stripe;
  "model/users": typeof model_users;
  "model/wishlist": typeof model_wishlist;
  notifications: typeof notifications;
  purchases: typeof purchases;
  quizAttempts: typeof quizAttempts;
  quizQuestions: typeof quizQuestions;
  reports: typeof reports;
  resources: typeof resources;
  sessionParticipants: typeof sessionParticipants;
  users: typeof users;
  validators: typeof validators;
  wishlist: typeof wishlist;
}>;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {};
