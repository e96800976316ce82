"""`quizAttempts`: graded answers to quizzes (convex/quizAttempts.ts)."""

from __future__ import annotations

from ..types import LessonId, QuizAttempt, QuizAttemptResult
from ..types._args.quiz_attempts import QuizAttemptsListMineArgs, QuizAttemptsSubmitArgs
from ._base import AsyncAPIResource, Call, SyncAPIResource, asynchronous, returns, returns_list, sync

__all__ = ["AsyncQuizAttempts", "QuizAttempts"]


class _QuizAttempts:
    @staticmethod
    def submit(*, lesson_id: LessonId, answers: list[int]) -> Call[QuizAttemptResult]:
        """Submits the caller's answers (one option index per question), graded on the server.

        Passing completes the lesson. The result reveals each question's correct option and
        explanation. Calls `quizAttempts:submit`.
        """
        return returns(QuizAttemptResult, QuizAttemptsSubmitArgs, lesson_id=lesson_id, answers=answers)

    @staticmethod
    def list_mine(lesson_id: LessonId, *, limit: int | None = None) -> Call[list[QuizAttempt]]:
        """The caller's attempts at a quiz, newest first (``limit`` <= 100, default 100).

        Calls `quizAttempts:listMine`.
        """
        return returns_list(QuizAttempt, QuizAttemptsListMineArgs, lesson_id=lesson_id, limit=limit)


class QuizAttempts(SyncAPIResource):
    """`client.quiz_attempts`: the caller's graded quiz attempts."""

    submit = sync(_QuizAttempts.submit)
    list_mine = sync(_QuizAttempts.list_mine)


class AsyncQuizAttempts(AsyncAPIResource):
    """`client.quiz_attempts` of `AsyncDoctrina`."""

    submit = asynchronous(_QuizAttempts.submit)
    list_mine = asynchronous(_QuizAttempts.list_mine)
