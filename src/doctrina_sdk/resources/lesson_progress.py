"""`lessonProgress`: completed lessons and time spent (convex/lessonProgress.ts)."""

from __future__ import annotations

from ..types import CourseId, CourseProgress, LessonId
from ..types import LessonProgress as LessonProgressDoc
from ..types._args.lesson_progress import (
    LessonProgressCompleteArgs,
    LessonProgressCourseProgressArgs,
    LessonProgressRecordTimeArgs,
)
from ._base import AsyncAPIResource, Call, SyncAPIResource, asynchronous, returns, sync

__all__ = ["AsyncLessonProgress", "LessonProgress"]


class _LessonProgress:
    @staticmethod
    def complete(lesson_id: LessonId, *, time_spent: float | None = None) -> Call[LessonProgressDoc]:
        """Marks a lesson done for the caller (idempotent), adding ``time_spent`` seconds.

        Completing the last lesson completes the course (and issues its certificate).
        Calls `lessonProgress:complete`.
        """
        return returns(
            LessonProgressDoc, LessonProgressCompleteArgs, lesson_id=lesson_id, time_spent=time_spent
        )

    @staticmethod
    def record_time(lesson_id: LessonId, *, seconds: int) -> Call[LessonProgressDoc]:
        """Adds time spent on a lesson (whole seconds, 1..86400 per call).

        Calls `lessonProgress:recordTime`.
        """
        return returns(LessonProgressDoc, LessonProgressRecordTimeArgs, lesson_id=lesson_id, seconds=seconds)

    @staticmethod
    def course_progress(course_id: CourseId) -> Call[CourseProgress]:
        """The caller's progress through a course: lessons done, total, percent.

        Calls `lessonProgress:courseProgress`.
        """
        return returns(CourseProgress, LessonProgressCourseProgressArgs, course_id=course_id)


class LessonProgress(SyncAPIResource):
    """`client.lesson_progress`: the caller's progress through lessons and courses."""

    complete = sync(_LessonProgress.complete)
    record_time = sync(_LessonProgress.record_time)
    course_progress = sync(_LessonProgress.course_progress)


class AsyncLessonProgress(AsyncAPIResource):
    """`client.lesson_progress` of `AsyncDoctrina`."""

    complete = asynchronous(_LessonProgress.complete)
    record_time = asynchronous(_LessonProgress.record_time)
    course_progress = asynchronous(_LessonProgress.course_progress)
