"""`courseEnrollments`: who may learn which course (convex/courseEnrollments.ts)."""

from __future__ import annotations

from ..types import CourseEnrollment, CourseEnrollmentId, CourseId, EnrollmentStatus, UserId
from ..types._args.course_enrollments import (
    CourseEnrollmentsEnrollFreeArgs,
    CourseEnrollmentsGetArgs,
    CourseEnrollmentsGrantArgs,
    CourseEnrollmentsListByCourseArgs,
    CourseEnrollmentsListMineArgs,
    CourseEnrollmentsRevokeArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    pages,
    returns,
    returns_optional,
    sync,
)

__all__ = ["AsyncCourseEnrollments", "CourseEnrollments"]


class _CourseEnrollments:
    @staticmethod
    def enroll_free(course_id: CourseId) -> Call[CourseEnrollment]:
        """Enrolls the caller in a free, published course. Calls `courseEnrollments:enrollFree`."""
        return returns(CourseEnrollment, CourseEnrollmentsEnrollFreeArgs, course_id=course_id)

    @staticmethod
    def grant(*, user_id: UserId, course_id: CourseId) -> Call[CourseEnrollment]:
        """Admins: enrolls a user in any course (or reactivates a revoked enrollment).

        Calls `courseEnrollments:grant`.
        """
        return returns(CourseEnrollment, CourseEnrollmentsGrantArgs, user_id=user_id, course_id=course_id)

    @staticmethod
    def revoke(id: CourseEnrollmentId, *, reason: str | None = None) -> Call[CourseEnrollment]:
        """Admins: ends access at once (progress is kept). Calls `courseEnrollments:revoke`."""
        return returns(CourseEnrollment, CourseEnrollmentsRevokeArgs, id=id, reason=reason)

    @staticmethod
    def get(id: CourseEnrollmentId) -> Call[CourseEnrollment | None]:
        """An enrollment (its student, the course's editors, admins), or None.

        Calls `courseEnrollments:get`.
        """
        return returns_optional(CourseEnrollment, CourseEnrollmentsGetArgs, id=id)

    @staticmethod
    def list_mine(
        *, status: EnrollmentStatus | None = None, page_size: int | None = None
    ) -> PageCall[CourseEnrollment]:
        """The caller's enrollments, optionally of one status. Calls `courseEnrollments:listMine`."""
        return pages(CourseEnrollment, CourseEnrollmentsListMineArgs, page_size=page_size, status=status)

    @staticmethod
    def list_by_course(
        course_id: CourseId, *, status: EnrollmentStatus | None = None, page_size: int | None = None
    ) -> PageCall[CourseEnrollment]:
        """A course's enrollments: its editors and admins. Calls `courseEnrollments:listByCourse`."""
        return pages(
            CourseEnrollment,
            CourseEnrollmentsListByCourseArgs,
            page_size=page_size,
            course_id=course_id,
            status=status,
        )


class CourseEnrollments(SyncAPIResource):
    """`client.course_enrollments`: free enrollment, admin grants, who is enrolled."""

    enroll_free = sync(_CourseEnrollments.enroll_free)
    grant = sync(_CourseEnrollments.grant)
    revoke = sync(_CourseEnrollments.revoke)
    get = sync(_CourseEnrollments.get)
    list_mine = sync(_CourseEnrollments.list_mine)
    list_by_course = sync(_CourseEnrollments.list_by_course)


class AsyncCourseEnrollments(AsyncAPIResource):
    """`client.course_enrollments` of `AsyncDoctrina`."""

    enroll_free = asynchronous(_CourseEnrollments.enroll_free)
    grant = asynchronous(_CourseEnrollments.grant)
    revoke = asynchronous(_CourseEnrollments.revoke)
    get = asynchronous(_CourseEnrollments.get)
    list_mine = asynchronous(_CourseEnrollments.list_mine)
    list_by_course = asynchronous(_CourseEnrollments.list_by_course)
