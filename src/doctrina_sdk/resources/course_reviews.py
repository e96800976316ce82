"""`courseReviews`: students' ratings of courses (convex/courseReviews.ts)."""

from __future__ import annotations

from ..types import CourseId, CourseReview, CourseReviewId
from ..types._args.course_reviews import (
    CourseReviewsCreateArgs,
    CourseReviewsGetMineArgs,
    CourseReviewsListByCourseArgs,
    CourseReviewsRemoveArgs,
    CourseReviewsUpdateArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    pages,
    returns,
    returns_nothing,
    returns_optional,
    sync,
)

__all__ = ["AsyncCourseReviews", "CourseReviews"]


class _CourseReviews:
    @staticmethod
    def create(*, course_id: CourseId, rating: int, content: str) -> Call[CourseReview]:
        """Reviews a course the caller is enrolled in, once: ``rating`` 1..5 stars.

        The course's rating and review count change in the same transaction.
        Calls `courseReviews:create`.
        """
        return returns(
            CourseReview, CourseReviewsCreateArgs, course_id=course_id, rating=rating, content=content
        )

    @staticmethod
    def update(
        id: CourseReviewId, *, rating: int | None = None, content: str | None = None
    ) -> Call[CourseReview]:
        """Edits the caller's own review. Calls `courseReviews:update`."""
        return returns(CourseReview, CourseReviewsUpdateArgs, id=id, rating=rating, content=content)

    @staticmethod
    def remove(id: CourseReviewId) -> Call[None]:
        """Deletes a review: its author, admins and the service. Calls `courseReviews:remove`."""
        return returns_nothing(CourseReviewsRemoveArgs, id=id)

    @staticmethod
    def list_by_course(course_id: CourseId, *, page_size: int | None = None) -> PageCall[CourseReview]:
        """A visible course's reviews, newest first. Calls `courseReviews:listByCourse`."""
        return pages(CourseReview, CourseReviewsListByCourseArgs, page_size=page_size, course_id=course_id)

    @staticmethod
    def get_mine(course_id: CourseId) -> Call[CourseReview | None]:
        """The caller's review of a course, or None. Calls `courseReviews:getMine`."""
        return returns_optional(CourseReview, CourseReviewsGetMineArgs, course_id=course_id)


class CourseReviews(SyncAPIResource):
    """`client.course_reviews`: ratings and reviews of courses."""

    create = sync(_CourseReviews.create)
    update = sync(_CourseReviews.update)
    remove = sync(_CourseReviews.remove)
    list_by_course = sync(_CourseReviews.list_by_course)
    get_mine = sync(_CourseReviews.get_mine)


class AsyncCourseReviews(AsyncAPIResource):
    """`client.course_reviews` of `AsyncDoctrina`."""

    create = asynchronous(_CourseReviews.create)
    update = asynchronous(_CourseReviews.update)
    remove = asynchronous(_CourseReviews.remove)
    list_by_course = asynchronous(_CourseReviews.list_by_course)
    get_mine = asynchronous(_CourseReviews.get_mine)
