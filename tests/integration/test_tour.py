"""The SDK tour (docs: /work/shared/design/sdk-tour.md), every call as written, on the real local backend.

The backend is shared by the whole session, so emails carry a per-run suffix; the
tour's other values are used as written.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from datetime import date, datetime, timedelta, timezone
from typing import TypeVar

import pytest

from doctrina_sdk import (
    AsyncDoctrina,
    AuthenticationError,
    ConflictError,
    DoctrinaError,
    LocalBackend,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from doctrina_sdk.types import CourseId, UserId

pytestmark = pytest.mark.integration

T = TypeVar("T")


def test_tour(backend: LocalBackend) -> None:
    run = uuid.uuid4().hex[:8]
    service = backend.client()
    anon = backend.client(anonymous=True)

    # ---------------------------------------------------------------- users and roles
    jane = service.users.create(first_name="Jane", last_name="Doe", email=f"jane.{run}@clinic.example")
    assert jane.is_instructor is False
    assert jane.is_admin is False
    assert service.users.get(jane.id).email == f"jane.{run}@clinic.example"
    assert service.users.get_by_email(f"jane.{run}@clinic.example").id == jane.id
    assert service.users.get_by_email("nobody@example.com") is None
    as_jane = service.acting_as(jane.id)
    me = as_jane.users.ensure_current()
    assert me.id == jane.id
    assert me.last_login is not None
    assert service.users.set_roles(jane.id, is_admin=True).is_admin is True

    # ---------------------------------------------------------------- instructor vetting
    app = as_jane.instructor_applications.submit(
        license_number="RN123456",
        license_state="CA",
        license_expiry=date(2028, 1, 31),
        insurance_provider="MedPro",
        documents=["https://files.example/license.pdf"],
    )
    assert app.status == "pending"
    assert app.license_expiry == date(2028, 1, 31)
    service.instructor_applications.approve(app.id)
    assert service.users.get(jane.id).is_instructor is True

    # ---------------------------------------------------------------- courses and curriculum
    course = as_jane.courses.create(
        title="Botox Foundations",
        description="Safe neurotoxin practice",
        category="botox",
        level="beginner",
        price=49900,
        tags=["neurotoxins", "anatomy"],
        certificate_enabled=True,
    )
    assert course.visibility == "draft"
    assert course.instructor_id == jane.id
    anatomy = as_jane.course_modules.create(course_id=course.id, title="Anatomy")
    video = as_jane.lessons.create(
        module_id=anatomy.id,
        title="Facial muscles",
        type="video",
        content="https://video.example/1",
        duration=12,
    )
    quiz = as_jane.lessons.create(module_id=anatomy.id, title="Check yourself", type="quiz", content="")
    as_jane.quiz_questions.create(
        lesson_id=quiz.id,
        question="Which muscle raises the brow?",
        options=["Frontalis", "Procerus", "Masseter"],
        correct_option=0,
        explanation="The frontalis elevates the brow.",
    )
    as_jane.courses.publish(course.id)

    full = anon.courses.get_with_curriculum(course.id)
    assert full is not None
    assert [m.title for m in full.modules] == ["Anatomy"]
    assert [lesson.title for lesson in full.modules[0].lessons] == ["Facial muscles", "Check yourself"]
    listed = {c.id: c for c in anon.courses.list(category="botox")}
    assert course.id in listed
    assert listed[course.id].price == 49900
    assert listed[course.id].student_count == 0

    # ---------------------------------------------------------------- buying, learning, certificates
    bob = service.users.create(first_name="Bob", last_name="Lee", email=f"bob.{run}@clinic.example")
    as_bob = service.acting_as(bob.id)
    checkout = as_bob.purchases.create_checkout(course_id=course.id)
    assert checkout.status == "open"
    assert checkout.amount == 49900
    service.purchases.complete(checkout.id, stripe_checkout_session_id=f"cs_test_{run}")
    service.purchases.complete(checkout.id, stripe_checkout_session_id=f"cs_test_{run}")  # webhook retried
    assert as_bob.purchases.has_access(course.id)

    as_bob.lesson_progress.complete(lesson_id=video.id, time_spent=720)
    attempt = as_bob.quiz_questions.submit_attempt(lesson_id=quiz.id, answers=[0])
    assert attempt.passed
    assert attempt.results[0].explanation == "The frontalis elevates the brow."
    progress = as_bob.lesson_progress.course_progress(course.id)
    assert progress.completed_lessons == progress.total_lessons == 2
    assert progress.percent == 100

    cert = as_bob.certificates.list()[0]
    check = anon.certificates.verify(cert.verification_code)
    assert check is not None
    assert check.status == "valid"
    assert check.course_name == "Botox Foundations"
    assert check.issue_date.tzinfo is not None
    assert anon.certificates.verify("no-such-code") is None

    # ---------------------------------------------------------------- reviews, sessions, resources
    as_bob.course_reviews.create(course_id=course.id, rating=5, content="Clear and practical")
    reviewed = anon.courses.get(course.id)
    assert reviewed is not None
    assert reviewed.rating == 5
    assert reviewed.review_count == 1

    session = as_jane.live_sessions.schedule(
        title="Live injection demo",
        description="Q&A",
        max_participants=12,
        duration=60,
        scheduled_for=datetime.now(timezone.utc) + timedelta(days=3),
    )
    assert session.scheduled_for > datetime.now(timezone.utc)
    as_bob.live_sessions.join(session.id)
    assert [p.user_id for p in as_jane.live_sessions.participants(session.id)] == [bob.id]

    guide = as_jane.resources.create(
        title="Dilution chart",
        description="Units per vial",
        type="pdf",
        url="https://files.example/chart.pdf",
        difficulty="beginner",
        categories=["injection-techniques"],
        tags=["dilution"],
    )
    assert as_bob.favorites.toggle(resource_id=guide.id) is True
    assert as_bob.favorites.toggle(resource_id=guide.id) is False

    unread = list(as_bob.notifications.list(unread_only=True))
    assert unread, "buying and certification notify the buyer"
    for n in unread:
        as_bob.notifications.mark_read(n.id)
    assert as_bob.notifications.unread_count() == 0

    # ---------------------------------------------------------------- errors
    with pytest.raises(PermissionDeniedError) as denied:  # bob is not an instructor
        as_bob.courses.create(title="Mine", description="x", category="botox")
    assert denied.value.code == "FORBIDDEN"
    assert denied.value.message
    assert not any(c.title == "Mine" for c in anon.courses.list(category="botox"))
    with pytest.raises(ConflictError):
        service.users.create(first_name="Jane", last_name="Again", email=f"jane.{run}@clinic.example")
    with pytest.raises(ValidationError):
        service.users.create(first_name="", last_name="Blank", email=f"blank.{run}@clinic.example")
    draft = as_jane.courses.create(title="Draft", description="x", category="botox")
    as_jane.courses.remove(draft.id)
    assert as_jane.courses.get(draft.id) is None
    with pytest.raises(NotFoundError):
        as_jane.courses.publish(draft.id)
    with pytest.raises(AuthenticationError):
        anon.users.ensure_current()
    assert isinstance(AuthenticationError("x"), DoctrinaError)

    # ---------------------------------------------------------------- bulk
    rows = [
        {"first_name": "S", "last_name": str(i), "email": f"s{i}.{run}@example.com"} for i in range(1_200)
    ]
    report = service.users.create_many(rows)
    assert len(report.results) == 1_200
    assert len(report.created) == 1_200
    again = service.users.create_many(rows[:10])
    assert [r.status for r in again.results] == ["exists"] * 10
    assert [r.id for r in again.results] == [r.id for r in report.results[:10]]

    # ---------------------------------------------------------------- live queries and async
    asyncio.run(asyncio.wait_for(live_and_async(backend, bob_id=bob.id, course_id=course.id), 120))


async def live_and_async(backend: LocalBackend, *, bob_id: UserId, course_id: CourseId) -> None:
    async with AsyncDoctrina(url=backend.url, admin_key=backend.admin_key) as client:
        async for unread in client.acting_as(bob_id).notifications.watch_unread():  # as in the tour
            assert unread == []
            break
        async with client.acting_as(bob_id).notifications.watch_unread() as updates:
            assert await within(anext(updates)) == []
            await client.notifications.send(
                user_id=bob_id, type="announcement", title="Welcome", description="Live Q&A on Friday"
            )
            assert [n.title for n in await within(anext(updates))] == ["Welcome"]

        course = await client.courses.get(course_id)
        assert course is not None
        assert course.title == "Botox Foundations"
        fillers = [c async for c in client.courses.list(category="fillers")]
        assert all(c.category == "fillers" for c in fillers)


async def within(value: Awaitable[T], seconds: float = 30) -> T:
    """``value``, or a test failure instead of a hang when a live update never comes."""
    return await asyncio.wait_for(value, seconds)
