"""`courses`: the course wizard, the publication life cycle and the catalog (convex/courses.ts)."""

from __future__ import annotations

from typing import Literal

from ..types import Course, CourseId, CourseWithCurriculum, Level, UserId
from ..types._args.courses import (
    CoursesArchiveArgs,
    CoursesCreateArgs,
    CoursesGetArgs,
    CoursesGetWithCurriculumArgs,
    CoursesListArgs,
    CoursesListByInstructorArgs,
    CoursesListByTagArgs,
    CoursesListFeaturedArgs,
    CoursesPublishArgs,
    CoursesPurgeArgs,
    CoursesRemoveArgs,
    CoursesRollUpStudentsArgs,
    CoursesSearchArgs,
    CoursesUnpublishArgs,
    CoursesUpdateArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    PageCall,
    SyncAPIResource,
    asynchronous,
    pages,
    returns,
    returns_list,
    returns_nothing,
    returns_optional,
    sync,
)

__all__ = ["AsyncCourses", "Courses"]


class _Courses:
    @staticmethod
    def create(
        *,
        title: str,
        description: str,
        category: str,
        level: Level | None = None,
        duration: str | None = None,
        price: float | None = None,
        thumbnail_url: str | None = None,
        long_description: str | None = None,
        tags: list[str] | None = None,
        certificate_enabled: bool | None = None,
        discussion_enabled: bool | None = None,
        what_you_will_learn: list[str] | None = None,
        requirements: list[str] | None = None,
    ) -> Call[Course]:
        """Creates a draft course owned by the caller (an instructor). Calls `courses:create`.

        ``price`` is in cents (0 or None: free); ``category`` is one of the platform's categories.
        """
        return returns(
            Course,
            CoursesCreateArgs,
            title=title,
            description=description,
            category=category,
            level=level,
            duration=duration,
            price=price,
            thumbnail_url=thumbnail_url,
            long_description=long_description,
            tags=tags,
            certificate_enabled=certificate_enabled,
            discussion_enabled=discussion_enabled,
            what_you_will_learn=what_you_will_learn,
            requirements=requirements,
        )

    @staticmethod
    def update(
        id: CourseId,
        *,
        title: str | None = None,
        description: str | None = None,
        category: str | None = None,
        level: Level | None = None,
        duration: str | None = None,
        price: float | None = None,
        thumbnail_url: str | None = None,
        long_description: str | None = None,
        tags: list[str] | None = None,
        certificate_enabled: bool | None = None,
        discussion_enabled: bool | None = None,
        what_you_will_learn: list[str] | None = None,
        requirements: list[str] | None = None,
    ) -> Call[Course]:
        """Edits the given fields (owner or admin); an empty string removes an optional text.

        Calls `courses:update`.
        """
        return returns(
            Course,
            CoursesUpdateArgs,
            id=id,
            title=title,
            description=description,
            category=category,
            level=level,
            duration=duration,
            price=price,
            thumbnail_url=thumbnail_url,
            long_description=long_description,
            tags=tags,
            certificate_enabled=certificate_enabled,
            discussion_enabled=discussion_enabled,
            what_you_will_learn=what_you_will_learn,
            requirements=requirements,
        )

    @staticmethod
    def publish(id: CourseId) -> Call[Course]:
        """Puts the course in the public catalog; it needs at least one lesson. Calls `courses:publish`."""
        return returns(Course, CoursesPublishArgs, id=id)

    @staticmethod
    def unpublish(id: CourseId, *, visibility: Literal["private", "draft"]) -> Call[Course]:
        """Takes the course out of the catalog. Calls `courses:unpublish`."""
        return returns(Course, CoursesUnpublishArgs, id=id, visibility=visibility)

    @staticmethod
    def archive(id: CourseId) -> Call[Course]:
        """Retires the course from the catalog; enrolled students keep access. Calls `courses:archive`."""
        return returns(Course, CoursesArchiveArgs, id=id)

    @staticmethod
    def remove(id: CourseId) -> Call[None]:
        """Deletes a course nobody ever enrolled in, with its curriculum. Calls `courses:remove`."""
        return returns_nothing(CoursesRemoveArgs, id=id)

    @staticmethod
    def purge(id: CourseId) -> Call[None]:
        """Service: continues a `remove`, one batch of the course's rows. Calls `courses:purge`."""
        return returns_nothing(CoursesPurgeArgs, id=id)

    @staticmethod
    def roll_up_students(id: CourseId) -> Call[None]:
        """Service: copies the sharded student count to `student_count`. Calls `courses:rollUpStudents`."""
        return returns_nothing(CoursesRollUpStudentsArgs, id=id)

    @staticmethod
    def get(id: CourseId) -> Call[Course | None]:
        """A course the caller may see, or None. Calls `courses:get`."""
        return returns_optional(Course, CoursesGetArgs, id=id)

    @staticmethod
    def get_with_curriculum(id: CourseId) -> Call[CourseWithCurriculum | None]:
        """The course with its modules and lessons in one round trip, or None.

        Lesson ``content`` is present only for callers who can learn the course.
        Calls `courses:getWithCurriculum`.
        """
        return returns_optional(CourseWithCurriculum, CoursesGetWithCurriculumArgs, id=id)

    @staticmethod
    def list_by_instructor(instructor_id: UserId, *, page_size: int | None = None) -> PageCall[Course]:
        """An instructor's courses: public ones, or all for the owner and admins.

        Calls `courses:listByInstructor`.
        """
        return pages(Course, CoursesListByInstructorArgs, page_size=page_size, instructor_id=instructor_id)

    @staticmethod
    def list_by_tag(tag: str, *, page_size: int | None = None) -> PageCall[Course]:
        """Public courses with ``tag``, fetched lazily. Calls `courses:listByTag`."""
        return pages(Course, CoursesListByTagArgs, page_size=page_size, tag=tag)

    @staticmethod
    def list_featured(*, limit: int | None = None) -> Call[list[Course]]:
        """Public courses rated 4.5 or more, best first (``limit`` <= 50, default 10).

        Calls `courses:listFeatured`.
        """
        return returns_list(Course, CoursesListFeaturedArgs, limit=limit)

    @staticmethod
    def search(
        query: str, *, category: str | None = None, level: Level | None = None, limit: int | None = None
    ) -> Call[list[Course]]:
        """Public courses matching ``query``, most relevant first. Calls `courses:search`."""
        return returns_list(
            Course, CoursesSearchArgs, query=query, category=category, level=level, limit=limit
        )

    # Defined last: from here on, `list` in this class body is the method, not the builtin.
    @staticmethod
    def list(
        *, category: str | None = None, level: Level | None = None, page_size: int | None = None
    ) -> PageCall[Course]:
        """The public catalog, optionally by category and level, fetched lazily. Calls `courses:list`."""
        return pages(Course, CoursesListArgs, page_size=page_size, category=category, level=level)


class Courses(SyncAPIResource):
    """`client.courses`: the course wizard, publication and the catalog."""

    create = sync(_Courses.create)
    update = sync(_Courses.update)
    publish = sync(_Courses.publish)
    unpublish = sync(_Courses.unpublish)
    archive = sync(_Courses.archive)
    remove = sync(_Courses.remove)
    purge = sync(_Courses.purge)
    roll_up_students = sync(_Courses.roll_up_students)
    get = sync(_Courses.get)
    get_with_curriculum = sync(_Courses.get_with_curriculum)
    list = sync(_Courses.list)
    list_by_instructor = sync(_Courses.list_by_instructor)
    list_by_tag = sync(_Courses.list_by_tag)
    list_featured = sync(_Courses.list_featured)
    search = sync(_Courses.search)


class AsyncCourses(AsyncAPIResource):
    """`client.courses` of `AsyncDoctrina`."""

    create = asynchronous(_Courses.create)
    update = asynchronous(_Courses.update)
    publish = asynchronous(_Courses.publish)
    unpublish = asynchronous(_Courses.unpublish)
    archive = asynchronous(_Courses.archive)
    remove = asynchronous(_Courses.remove)
    purge = asynchronous(_Courses.purge)
    roll_up_students = asynchronous(_Courses.roll_up_students)
    get = asynchronous(_Courses.get)
    get_with_curriculum = asynchronous(_Courses.get_with_curriculum)
    list = asynchronous(_Courses.list)
    list_by_instructor = asynchronous(_Courses.list_by_instructor)
    list_by_tag = asynchronous(_Courses.list_by_tag)
    list_featured = asynchronous(_Courses.list_featured)
    search = asynchronous(_Courses.search)
