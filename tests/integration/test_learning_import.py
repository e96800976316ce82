"""`course_enrollments.import_learning` (bulk learning: imports, `doctrina seed`) is the service's alone.

Real signed-in callers (verified development JWTs), a learner and an admin, are refused
as Convex refuses a client calling an internal function, and their call writes nothing;
the service's identical call enrols, completes and reports, and its re-run is `exists`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from doctrina_sdk import Doctrina, FunctionError, LocalBackend
from doctrina_sdk.types import CourseId, LessonId, UserId
from doctrina_sdk.types._args.course_enrollments import (
    CourseEnrollmentsImportLearningArgsRow as LearningRow,
)
from doctrina_sdk.types._args.course_enrollments import (
    CourseEnrollmentsImportLearningArgsRowLesson as LessonDone,
)

pytestmark = pytest.mark.integration


def signed_in(backend: LocalBackend, name: str) -> tuple[Doctrina, UserId]:
    """A client holding a development JWT of a new subject, and its user."""
    address = f"{name}-{uuid.uuid4().hex[:12]}@clinic.example"
    token = backend.dev_token(f"sub-{uuid.uuid4().hex}", claims={"email": address, "email_verified": True})
    client = Doctrina(url=backend.url, auth_token=token)
    return client, client.users.ensure_current().id


@pytest.fixture
def course(backend: LocalBackend) -> tuple[CourseId, LessonId]:
    """A published free course of one video lesson, by a new instructor."""
    service = backend.client()
    instructor = service.users.create(
        first_name="Ines", last_name="Import", email=f"{uuid.uuid4().hex}@clinic.example"
    )
    service.users.set_roles(instructor.id, is_instructor=True)
    as_instructor = service.acting_as(instructor.id)
    created = as_instructor.courses.create(
        title="Laser Safety", description="Before any laser", category="laser"
    )
    module = as_instructor.course_modules.create(course_id=created.id, title="Core")
    lesson = as_instructor.lessons.create(
        module_id=module.id, title="Eyewear", type="video", content="https://video.example/eyewear"
    )
    as_instructor.courses.publish(created.id)
    return created.id, lesson.id


@pytest.fixture
def callers(backend: LocalBackend) -> Iterator[tuple[Doctrina, Doctrina, UserId]]:
    (learner, learner_id), (admin, admin_id) = signed_in(backend, "learner"), signed_in(backend, "admin")
    backend.client().users.set_roles(admin_id, is_admin=True)
    yield learner, admin, learner_id
    learner.close()
    admin.close()


def test_only_the_service_imports_learning(
    backend: LocalBackend, course: tuple[CourseId, LessonId], callers: tuple[Doctrina, Doctrina, UserId]
) -> None:
    course_id, lesson_id = course
    learner, admin, learner_id = callers
    rows = [LearningRow(user_id=learner_id, course_id=course_id, lessons=[LessonDone(lesson_id=lesson_id)])]
    for caller in (learner, admin):
        with pytest.raises(FunctionError, match="Could not find public function"):
            caller.course_enrollments.import_learning(rows=rows)
    assert learner.course_enrollments.list_mine().to_list() == []

    (result,) = backend.client().course_enrollments.import_learning(rows=rows)
    assert result.status == "created"
    (enrollment,) = learner.course_enrollments.list_mine().to_list()
    assert (enrollment.id, enrollment.status) == (result.enrollment_id, "completed")
    assert result.certificate_code is None  # the course grants no certificate

    (again,) = backend.client().course_enrollments.import_learning(rows=rows)
    assert (again.status, again.enrollment_id) == ("exists", result.enrollment_id)
