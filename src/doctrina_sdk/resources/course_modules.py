"""`courseModules`: the chapters of a course (convex/courseModules.ts)."""

from __future__ import annotations

from ..types import CourseId, CourseModule, CourseModuleId
from ..types._args.course_modules import (
    CourseModulesCreateArgs,
    CourseModulesListByCourseArgs,
    CourseModulesPurgeArgs,
    CourseModulesRemoveArgs,
    CourseModulesReorderArgs,
    CourseModulesUpdateArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    SyncAPIResource,
    asynchronous,
    returns,
    returns_list,
    returns_nothing,
    sync,
)

__all__ = ["AsyncCourseModules", "CourseModules"]


class _CourseModules:
    @staticmethod
    def create(*, course_id: CourseId, title: str, description: str | None = None) -> Call[CourseModule]:
        """Appends a module to the course (its instructor or admins). Calls `courseModules:create`."""
        return returns(
            CourseModule, CourseModulesCreateArgs, course_id=course_id, title=title, description=description
        )

    @staticmethod
    def update(
        id: CourseModuleId, *, title: str | None = None, description: str | None = None
    ) -> Call[CourseModule]:
        """Edits title and description (an empty description removes it). Calls `courseModules:update`."""
        return returns(CourseModule, CourseModulesUpdateArgs, id=id, title=title, description=description)

    @staticmethod
    def remove(id: CourseModuleId) -> Call[None]:
        """Deletes the module with its lessons, their questions and progress. Calls `courseModules:remove`."""
        return returns_nothing(CourseModulesRemoveArgs, id=id)

    @staticmethod
    def purge(id: CourseModuleId) -> Call[None]:
        """Service: continues a `remove`, one batch of the module's lessons. Calls `courseModules:purge`."""
        return returns_nothing(CourseModulesPurgeArgs, id=id)

    @staticmethod
    def reorder(course_id: CourseId, *, module_ids: list[CourseModuleId]) -> Call[list[CourseModule]]:
        """Sets the order of all of the course's modules; returns them in the new order.

        Calls `courseModules:reorder`.
        """
        return returns_list(
            CourseModule, CourseModulesReorderArgs, course_id=course_id, module_ids=module_ids
        )

    @staticmethod
    def list_by_course(course_id: CourseId) -> Call[list[CourseModule]]:
        """A visible course's modules, in order. Calls `courseModules:listByCourse`."""
        return returns_list(CourseModule, CourseModulesListByCourseArgs, course_id=course_id)


class CourseModules(SyncAPIResource):
    """`client.course_modules`: the chapters of a course."""

    create = sync(_CourseModules.create)
    update = sync(_CourseModules.update)
    remove = sync(_CourseModules.remove)
    purge = sync(_CourseModules.purge)
    reorder = sync(_CourseModules.reorder)
    list_by_course = sync(_CourseModules.list_by_course)


class AsyncCourseModules(AsyncAPIResource):
    """`client.course_modules` of `AsyncDoctrina`."""

    create = asynchronous(_CourseModules.create)
    update = asynchronous(_CourseModules.update)
    remove = asynchronous(_CourseModules.remove)
    purge = asynchronous(_CourseModules.purge)
    reorder = asynchronous(_CourseModules.reorder)
    list_by_course = asynchronous(_CourseModules.list_by_course)
