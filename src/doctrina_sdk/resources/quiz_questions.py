"""`quizQuestions`: the questions of quiz lessons (convex/quizQuestions.ts)."""

from __future__ import annotations

from ..types import LessonId, QuizQuestion, QuizQuestionId, StudentQuizQuestion
from ..types._args.quiz_questions import (
    QuizQuestionsCreateArgs,
    QuizQuestionsListForEditingArgs,
    QuizQuestionsListForLessonArgs,
    QuizQuestionsRemoveArgs,
    QuizQuestionsReorderArgs,
    QuizQuestionsUpdateArgs,
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
from .quiz_attempts import _QuizAttempts

__all__ = ["AsyncQuizQuestions", "QuizQuestions"]


class _QuizQuestions:
    @staticmethod
    def create(
        *,
        lesson_id: LessonId,
        question: str,
        options: list[str],
        correct_option: int,
        explanation: str | None = None,
    ) -> Call[QuizQuestion]:
        """Appends a question to a quiz lesson: 2 to 10 ``options``, ``correct_option`` their index.

        Calls `quizQuestions:create`.
        """
        return returns(
            QuizQuestion,
            QuizQuestionsCreateArgs,
            lesson_id=lesson_id,
            question=question,
            options=options,
            correct_option=correct_option,
            explanation=explanation,
        )

    @staticmethod
    def update(
        id: QuizQuestionId,
        *,
        question: str | None = None,
        options: list[str] | None = None,
        correct_option: int | None = None,
        explanation: str | None = None,
    ) -> Call[QuizQuestion]:
        """Edits the given fields; ``correct_option`` must stay within the options.

        Calls `quizQuestions:update`.
        """
        return returns(
            QuizQuestion,
            QuizQuestionsUpdateArgs,
            id=id,
            question=question,
            options=options,
            correct_option=correct_option,
            explanation=explanation,
        )

    @staticmethod
    def remove(id: QuizQuestionId) -> Call[None]:
        """Deletes the question. Calls `quizQuestions:remove`."""
        return returns_nothing(QuizQuestionsRemoveArgs, id=id)

    @staticmethod
    def reorder(lesson_id: LessonId, *, question_ids: list[QuizQuestionId]) -> Call[list[QuizQuestion]]:
        """Sets the order of all of the quiz's questions; returns them in the new order.

        Calls `quizQuestions:reorder`.
        """
        return returns_list(
            QuizQuestion, QuizQuestionsReorderArgs, lesson_id=lesson_id, question_ids=question_ids
        )

    @staticmethod
    def list_for_lesson(lesson_id: LessonId) -> Call[list[StudentQuizQuestion]]:
        """The quiz as a student sees it: questions in order, without answers or explanations.

        Calls `quizQuestions:listForLesson`.
        """
        return returns_list(StudentQuizQuestion, QuizQuestionsListForLessonArgs, lesson_id=lesson_id)

    @staticmethod
    def list_for_editing(lesson_id: LessonId) -> Call[list[QuizQuestion]]:
        """The course's instructor or admins: full questions with answer keys.

        Calls `quizQuestions:listForEditing`.
        """
        return returns_list(QuizQuestion, QuizQuestionsListForEditingArgs, lesson_id=lesson_id)


class QuizQuestions(SyncAPIResource):
    """`client.quiz_questions`: writing quizzes, and taking them (`submit_attempt`)."""

    create = sync(_QuizQuestions.create)
    update = sync(_QuizQuestions.update)
    remove = sync(_QuizQuestions.remove)
    reorder = sync(_QuizQuestions.reorder)
    list_for_lesson = sync(_QuizQuestions.list_for_lesson)
    list_for_editing = sync(_QuizQuestions.list_for_editing)
    submit_attempt = sync(_QuizAttempts.submit)


class AsyncQuizQuestions(AsyncAPIResource):
    """`client.quiz_questions` of `AsyncDoctrina`."""

    create = asynchronous(_QuizQuestions.create)
    update = asynchronous(_QuizQuestions.update)
    remove = asynchronous(_QuizQuestions.remove)
    reorder = asynchronous(_QuizQuestions.reorder)
    list_for_lesson = asynchronous(_QuizQuestions.list_for_lesson)
    list_for_editing = asynchronous(_QuizQuestions.list_for_editing)
    submit_attempt = asynchronous(_QuizAttempts.submit)
