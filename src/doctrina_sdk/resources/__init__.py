"""One resource per table (and `migrations`); `Doctrina` and `AsyncDoctrina` inherit these mixins."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, cast

from ._base import AsyncLiveQuery, LiveQuery
from .certificates import AsyncCertificates, Certificates
from .course_discussions import AsyncCourseDiscussions, CourseDiscussions
from .course_enrollments import AsyncCourseEnrollments, CourseEnrollments
from .course_modules import AsyncCourseModules, CourseModules
from .course_reviews import AsyncCourseReviews, CourseReviews
from .courses import AsyncCourses, Courses
from .favorites import AsyncFavorites, Favorites
from .idempotency_keys import AsyncIdempotencyKeys, IdempotencyKeys
from .instructor_applications import AsyncInstructorApplications, InstructorApplications
from .lesson_progress import AsyncLessonProgress, LessonProgress
from .lessons import AsyncLessons, Lessons
from .live_sessions import AsyncLiveSessions, LiveSessions
from .migrations import AsyncMigrations, Migrations
from .notifications import AsyncNotifications, Notifications
from .purchases import AsyncPurchases, Purchases
from .quiz_attempts import AsyncQuizAttempts, QuizAttempts
from .quiz_questions import AsyncQuizQuestions, QuizQuestions
from .resources import AsyncResources, Resources
from .session_participants import AsyncSessionParticipants, SessionParticipants
from .users import AsyncUsers, BulkCreateReport, Users
from .wishlist import AsyncWishlist, Wishlist

if TYPE_CHECKING:
    from .._base_client import AsyncAPIClient, SyncAPIClient

__all__ = [
    "AsyncCertificates",
    "AsyncCourseDiscussions",
    "AsyncCourseEnrollments",
    "AsyncCourseModules",
    "AsyncCourseReviews",
    "AsyncCourses",
    "AsyncFavorites",
    "AsyncIdempotencyKeys",
    "AsyncInstructorApplications",
    "AsyncLessonProgress",
    "AsyncLessons",
    "AsyncLiveQuery",
    "AsyncLiveSessions",
    "AsyncMigrations",
    "AsyncNotifications",
    "AsyncPurchases",
    "AsyncQuizAttempts",
    "AsyncQuizQuestions",
    "AsyncResources",
    "AsyncResourcesMixin",
    "AsyncSessionParticipants",
    "AsyncUsers",
    "AsyncWishlist",
    "BulkCreateReport",
    "Certificates",
    "CourseDiscussions",
    "CourseEnrollments",
    "CourseModules",
    "CourseReviews",
    "Courses",
    "Favorites",
    "IdempotencyKeys",
    "InstructorApplications",
    "LessonProgress",
    "Lessons",
    "LiveQuery",
    "LiveSessions",
    "Migrations",
    "Notifications",
    "Purchases",
    "QuizAttempts",
    "QuizQuestions",
    "Resources",
    "ResourcesMixin",
    "SessionParticipants",
    "Users",
    "Wishlist",
]


class ResourcesMixin:
    """``client.<table>`` of the sync client (mixed into a `SyncAPIClient`)."""

    @cached_property
    def users(self) -> Users:
        return Users(cast("SyncAPIClient", self))

    @cached_property
    def instructor_applications(self) -> InstructorApplications:
        return InstructorApplications(cast("SyncAPIClient", self))

    @cached_property
    def courses(self) -> Courses:
        return Courses(cast("SyncAPIClient", self))

    @cached_property
    def course_modules(self) -> CourseModules:
        return CourseModules(cast("SyncAPIClient", self))

    @cached_property
    def lessons(self) -> Lessons:
        return Lessons(cast("SyncAPIClient", self))

    @cached_property
    def quiz_questions(self) -> QuizQuestions:
        return QuizQuestions(cast("SyncAPIClient", self))

    @cached_property
    def quiz_attempts(self) -> QuizAttempts:
        return QuizAttempts(cast("SyncAPIClient", self))

    @cached_property
    def purchases(self) -> Purchases:
        return Purchases(cast("SyncAPIClient", self))

    @cached_property
    def course_enrollments(self) -> CourseEnrollments:
        return CourseEnrollments(cast("SyncAPIClient", self))

    @cached_property
    def lesson_progress(self) -> LessonProgress:
        return LessonProgress(cast("SyncAPIClient", self))

    @cached_property
    def certificates(self) -> Certificates:
        return Certificates(cast("SyncAPIClient", self))

    @cached_property
    def course_reviews(self) -> CourseReviews:
        return CourseReviews(cast("SyncAPIClient", self))

    @cached_property
    def resources(self) -> Resources:
        return Resources(cast("SyncAPIClient", self))

    @cached_property
    def favorites(self) -> Favorites:
        return Favorites(cast("SyncAPIClient", self))

    @cached_property
    def wishlist(self) -> Wishlist:
        return Wishlist(cast("SyncAPIClient", self))

    @cached_property
    def course_discussions(self) -> CourseDiscussions:
        return CourseDiscussions(cast("SyncAPIClient", self))

    @cached_property
    def live_sessions(self) -> LiveSessions:
        return LiveSessions(cast("SyncAPIClient", self))

    @cached_property
    def session_participants(self) -> SessionParticipants:
        return SessionParticipants(cast("SyncAPIClient", self))

    @cached_property
    def notifications(self) -> Notifications:
        return Notifications(cast("SyncAPIClient", self))

    @cached_property
    def migrations(self) -> Migrations:
        return Migrations(cast("SyncAPIClient", self))

    @cached_property
    def idempotency_keys(self) -> IdempotencyKeys:
        return IdempotencyKeys(cast("SyncAPIClient", self))


class AsyncResourcesMixin:
    """``client.<table>`` of the async client (mixed into an `AsyncAPIClient`)."""

    @cached_property
    def users(self) -> AsyncUsers:
        return AsyncUsers(cast("AsyncAPIClient", self))

    @cached_property
    def instructor_applications(self) -> AsyncInstructorApplications:
        return AsyncInstructorApplications(cast("AsyncAPIClient", self))

    @cached_property
    def courses(self) -> AsyncCourses:
        return AsyncCourses(cast("AsyncAPIClient", self))

    @cached_property
    def course_modules(self) -> AsyncCourseModules:
        return AsyncCourseModules(cast("AsyncAPIClient", self))

    @cached_property
    def lessons(self) -> AsyncLessons:
        return AsyncLessons(cast("AsyncAPIClient", self))

    @cached_property
    def quiz_questions(self) -> AsyncQuizQuestions:
        return AsyncQuizQuestions(cast("AsyncAPIClient", self))

    @cached_property
    def quiz_attempts(self) -> AsyncQuizAttempts:
        return AsyncQuizAttempts(cast("AsyncAPIClient", self))

    @cached_property
    def purchases(self) -> AsyncPurchases:
        return AsyncPurchases(cast("AsyncAPIClient", self))

    @cached_property
    def course_enrollments(self) -> AsyncCourseEnrollments:
        return AsyncCourseEnrollments(cast("AsyncAPIClient", self))

    @cached_property
    def lesson_progress(self) -> AsyncLessonProgress:
        return AsyncLessonProgress(cast("AsyncAPIClient", self))

    @cached_property
    def certificates(self) -> AsyncCertificates:
        return AsyncCertificates(cast("AsyncAPIClient", self))

    @cached_property
    def course_reviews(self) -> AsyncCourseReviews:
        return AsyncCourseReviews(cast("AsyncAPIClient", self))

    @cached_property
    def resources(self) -> AsyncResources:
        return AsyncResources(cast("AsyncAPIClient", self))

    @cached_property
    def favorites(self) -> AsyncFavorites:
        return AsyncFavorites(cast("AsyncAPIClient", self))

    @cached_property
    def wishlist(self) -> AsyncWishlist:
        return AsyncWishlist(cast("AsyncAPIClient", self))

    @cached_property
    def course_discussions(self) -> AsyncCourseDiscussions:
        return AsyncCourseDiscussions(cast("AsyncAPIClient", self))

    @cached_property
    def live_sessions(self) -> AsyncLiveSessions:
        return AsyncLiveSessions(cast("AsyncAPIClient", self))

    @cached_property
    def session_participants(self) -> AsyncSessionParticipants:
        return AsyncSessionParticipants(cast("AsyncAPIClient", self))

    @cached_property
    def notifications(self) -> AsyncNotifications:
        return AsyncNotifications(cast("AsyncAPIClient", self))

    @cached_property
    def migrations(self) -> AsyncMigrations:
        return AsyncMigrations(cast("AsyncAPIClient", self))

    @cached_property
    def idempotency_keys(self) -> AsyncIdempotencyKeys:
        return AsyncIdempotencyKeys(cast("AsyncAPIClient", self))
