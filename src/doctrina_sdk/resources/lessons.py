"""`lessons`: the units of a module (convex/lessons.ts)."""

from __future__ import annotations

from ..types import CourseModuleId, CurriculumLesson, Lesson, LessonId, LessonType
from ..types._args.lessons import (
    LessonsCreateArgs,
    LessonsGetArgs,
    LessonsListByModuleArgs,
    LessonsPurgeArgs,
    LessonsRemoveArgs,
    LessonsReorderArgs,
    LessonsUpdateArgs,
)
from ._base import (
    AsyncAPIResource,
    Call,
    SyncAPIResource,
    asynchronous,
    returns,
    returns_list,
    returns_nothing,
    returns_optional,
    sync,
)

__all__ = ["AsyncLessons", "Lessons"]


class _Lessons:
    @staticmethod
    def create(
        *,
        module_id: CourseModuleId,
        title: str,
        type: LessonType,
        content: str,
        duration: float | None = None,
        passing_score: float | None = None,
    ) -> Call[Lesson]:
        """Appends a lesson to the module (the course's instructor or admins).

        ``duration`` is in minutes; ``passing_score`` (quiz lessons) a percentage, default 70.
        Calls `lessons:create`.
        """
        return returns(
            Lesson,
            LessonsCreateArgs,
            module_id=module_id,
            title=title,
            type=type,
            content=content,
            duration=duration,
            passing_score=passing_score,
        )

    @staticmethod
    def update(
        id: LessonId,
        *,
        title: str | None = None,
        type: LessonType | None = None,
        content: str | None = None,
        duration: float | None = None,
        passing_score: float | None = None,
    ) -> Call[Lesson]:
        """Edits the given fields; a quiz with questions keeps its type. Calls `lessons:update`."""
        return returns(
            Lesson,
            LessonsUpdateArgs,
            id=id,
            title=title,
            type=type,
            content=content,
            duration=duration,
            passing_score=passing_score,
        )

    @staticmethod
    def remove(id: LessonId) -> Call[None]:
        """Deletes the lesson with its questions, progress and attempts. Calls `lessons:remove`."""
        return returns_nothing(LessonsRemoveArgs, id=id)

    @staticmethod
    def purge(id: LessonId) -> Call[None]:
        """Service: continues a `remove` (the lesson's progress and attempts). Calls `lessons:purge`."""
        return returns_nothing(LessonsPurgeArgs, id=id)

    @staticmethod
    def reorder(module_id: CourseModuleId, *, lesson_ids: list[LessonId]) -> Call[list[Lesson]]:
        """Sets the order of all of the module's lessons; returns them in the new order.

        Calls `lessons:reorder`.
        """
        return returns_list(Lesson, LessonsReorderArgs, module_id=module_id, lesson_ids=lesson_ids)

    @staticmethod
    def get(id: LessonId) -> Call[CurriculumLesson | None]:
        """A lesson of a visible course, or None; ``content`` only for those who can learn it.

        Calls `lessons:get`.
        """
        return returns_optional(CurriculumLesson, LessonsGetArgs, id=id)

    @staticmethod
    def list_by_module(module_id: CourseModuleId) -> Call[list[CurriculumLesson]]:
        """A visible module's lessons in order; ``content`` only for those who can learn it.

        Calls `lessons:listByModule`.
        """
        return returns_list(CurriculumLesson, LessonsListByModuleArgs, module_id=module_id)


class Lessons(SyncAPIResource):
    """`client.lessons`: the units of a module."""

    create = sync(_Lessons.create)
    update = sync(_Lessons.update)
    remove = sync(_Lessons.remove)
    purge = sync(_Lessons.purge)
    reorder = sync(_Lessons.reorder)
    get = sync(_Lessons.get)
    list_by_module = sync(_Lessons.list_by_module)


class AsyncLessons(AsyncAPIResource):
    """`client.lessons` of `AsyncDoctrina`."""

    create = asynchronous(_Lessons.create)
    update = asynchronous(_Lessons.update)
    remove = asynchronous(_Lessons.remove)
    purge = asynchronous(_Lessons.purge)
    reorder = asynchronous(_Lessons.reorder)
    get = asynchronous(_Lessons.get)
    list_by_module = asynchronous(_Lessons.list_by_module)
