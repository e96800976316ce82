"""sdk-tour part 2, "Completion that a CE certificate can stand on", "CE credits and learner
licences" and "Reports for admins, instructors and notebooks", every call as written, on the
real local backend, sync and then async (a second course and learner); then each new function
called by real signed-in callers (verified JWTs).

The backend is shared by the whole session, so emails and licence numbers carry a per-run suffix.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from doctrina_sdk import (
    AsyncDoctrina,
    AuthenticationError,
    Doctrina,
    InvalidStateError,
    LocalBackend,
    PermissionDeniedError,
)
from doctrina_sdk.types import CourseId, LessonId, UserId

pytestmark = pytest.mark.integration

STATEMENT = "Doctrina Academy designates this activity for a maximum of 2.0 credits."


@dataclass
class Tour:
    course_id: CourseId
    quiz_id: LessonId
    jane_id: UserId
    bob_id: UserId
    license_number: str


def run_tour(backend: LocalBackend) -> Tour:
    run = uuid.uuid4().hex[:8]
    service = backend.client()
    anon = backend.client(anonymous=True)
    jane = service.users.create(first_name="Jane", last_name="Doe", email=f"jane.{run}@clinic.example")
    as_jane = service.acting_as(jane.id)
    app = as_jane.instructor_applications.submit(
        license_number="MD123456",
        license_state="CA",
        license_expiry=date.today() + timedelta(days=400),
        insurance_provider="MedPro",
        documents=["https://files.example/license.pdf"],
    )
    service.instructor_applications.approve(app.id)

    # ---------------------------------------------------------------- CE credits and learner licences
    course = as_jane.courses.create(title="Botox Foundations", description="...", category="botox",
        certificate_enabled=True, ce_credit_hours=2.0, ce_credit_type="CME",
        ce_accreditation_statement=STATEMENT)  # fmt: skip
    as_jane.courses.update(course.id, price=49900)
    module = as_jane.course_modules.create(course_id=course.id, title="Anatomy")
    video = as_jane.lessons.create(
        module_id=module.id, title="Facial muscles", type="video", content="https://video.example/1"
    )
    quiz = as_jane.lessons.create(module_id=module.id, title="Check yourself", type="quiz", content="")
    as_jane.quiz_questions.create(
        lesson_id=quiz.id,
        question="Which muscle raises the brow?",
        options=["Frontalis", "Procerus"],
        correct_option=0,
    )
    as_jane.courses.publish(course.id)

    bob = service.users.create(first_name="Bob", last_name="Lee", email=f"bob.{run}@clinic.example")
    as_bob = service.acting_as(bob.id)
    checkout = as_bob.purchases.create_checkout(course_id=course.id)
    service.purchases.complete(checkout.id, stripe_checkout_session_id=f"cs_part2_{run}")
    license_number = f"RN{run}".upper()
    as_bob.users.update(
        bob.id, license_number=license_number, license_state="CA", profession="registered_nurse"
    )

    # ------------------------------------------------- completion a CE certificate can stand on
    as_bob.lesson_progress.complete(lesson_id=video.id, time_spent=720)
    # A quiz lesson is completed only by a passing attempt.
    with pytest.raises(InvalidStateError):
        as_bob.lesson_progress.complete(lesson_id=quiz.id)
    assert as_bob.certificates.list() == []
    attempt = as_bob.quiz_attempts.submit(lesson_id=quiz.id, answers=[0])  # the way to complete it
    assert attempt.passed

    cert = as_bob.certificates.list()[0]
    assert (cert.ce_credit_hours, cert.ce_credit_type, cert.license_number) == (2.0, "CME", license_number)
    # Verification also shows the credits, never the licence number.
    check = anon.certificates.verify(cert.verification_code)
    assert check is not None
    assert (check.ce_credit_hours, check.ce_credit_type) == (2.0, "CME")
    assert check.ce_accreditation_statement == STATEMENT
    assert license_number not in check.model_dump_json()

    # Certificates keep what they were issued with, even when the course or the user changes.
    as_jane.courses.update(course.id, title="Botox Foundations II", ce_credit_hours=4.0)
    as_bob.users.update(bob.id, first_name="Robert", license_number="RN000")
    kept = as_bob.certificates.get(cert.id)
    assert kept is not None
    assert (kept.course_name, kept.user_name, kept.ce_credit_hours, kept.license_number) == (
        "Botox Foundations", "Bob Lee", 2.0, license_number)  # fmt: skip

    # ------------------------------------------------- reports for admins, instructors, notebooks
    roster = service.reports.course_roster(course_id=course.id)
    df = roster.to_dataframe()
    assert list(df["user_id"]) == [bob.id]
    row = df.iloc[0]
    assert (row["percent"], row["quiz_score"], row["certificate_status"], row["ce_credit_hours"]) == (
        100, 100, "valid", 2.0)  # fmt: skip
    ce = service.reports.ce_transcript(license_number=license_number)
    assert [(r.course_name, r.ce_credit_hours, r.ce_credit_type) for r in ce] == [
        ("Botox Foundations", 2.0, "CME")
    ]
    sales = service.reports.revenue(since=date(2026, 1, 1))
    mine = [r for r in sales if r.course_id == course.id]
    assert [(r.purchases, r.refunds, r.net_cents) for r in mine] == [(1, 0, 49900)]
    assert not sales.to_dataframe().empty
    assert service.reports.quiz_item_stats(quiz.id).items[0].correct == 1
    assert [c.id for c in service.certificates.list_by_course(course.id)] == [cert.id]
    return Tour(course.id, quiz.id, jane.id, bob.id, license_number)


def test_tour_part2_compliance(backend: LocalBackend) -> None:
    tour = run_tour(backend)
    asyncio.run(async_tour(backend, tour))
    asyncio.run(async_reports(backend, tour))


async def async_tour(backend: LocalBackend, tour: Tour) -> None:
    """The completion and CE sections again, every call through AsyncDoctrina."""
    run = uuid.uuid4().hex[:8]
    async with (
        AsyncDoctrina(url=backend.url, admin_key=backend.admin_key) as service,
        AsyncDoctrina(url=backend.url) as anon,
    ):
        as_jane = service.acting_as(tour.jane_id)
        course = await as_jane.courses.create(title="Botox Foundations", description="...", category="botox",
            certificate_enabled=True, ce_credit_hours=2.0, ce_credit_type="CME",
            ce_accreditation_statement=STATEMENT)  # fmt: skip
        module = await as_jane.course_modules.create(course_id=course.id, title="Anatomy")
        video = await as_jane.lessons.create(
            module_id=module.id, title="Facial muscles", type="video", content="https://video.example/1"
        )
        quiz = await as_jane.lessons.create(
            module_id=module.id, title="Check yourself", type="quiz", content=""
        )
        await as_jane.quiz_questions.create(
            lesson_id=quiz.id,
            question="Which muscle raises the brow?",
            options=["Frontalis", "Procerus"],
            correct_option=0,
        )
        await as_jane.courses.publish(course.id)

        bob = await service.users.create(
            first_name="Bob", last_name="Lee", email=f"bob.async.{run}@clinic.example"
        )
        as_bob = service.acting_as(bob.id)
        await as_bob.course_enrollments.enroll_free(course_id=course.id)
        license_number = f"RN{run}A".upper()
        await as_bob.users.update(
            bob.id, license_number=license_number, license_state="CA", profession="registered_nurse"
        )
        await as_bob.lesson_progress.complete(lesson_id=video.id)
        with pytest.raises(InvalidStateError):
            await as_bob.lesson_progress.complete(lesson_id=quiz.id)
        assert await as_bob.certificates.list() == []
        attempt = await as_bob.quiz_attempts.submit(lesson_id=quiz.id, answers=[0])
        assert attempt.passed

        cert = (await as_bob.certificates.list())[0]
        assert (cert.ce_credit_hours, cert.ce_credit_type, cert.license_number) == (
            2.0,
            "CME",
            license_number,
        )
        check = await anon.certificates.verify(cert.verification_code)
        assert check is not None
        assert (check.ce_credit_hours, check.ce_credit_type) == (2.0, "CME")
        assert license_number not in check.model_dump_json()


async def async_reports(backend: LocalBackend, tour: Tour) -> None:
    async with AsyncDoctrina(url=backend.url, admin_key=backend.admin_key) as service:
        with pytest.raises(InvalidStateError):
            await service.acting_as(tour.bob_id).lesson_progress.complete(lesson_id=tour.quiz_id)
        roster = await service.reports.course_roster(course_id=tour.course_id).to_dataframe()
        assert list(roster["completed_lessons"]) == [2]
        ce = [r async for r in service.reports.ce_transcript(license_number=tour.license_number)]
        assert [r.ce_credit_hours for r in ce] == [2.0]
        sales = await service.reports.revenue(since=date(2026, 1, 1)).to_list()
        assert tour.course_id in {r.course_id for r in sales}
        stats = await service.reports.quiz_item_stats(tour.quiz_id)
        assert stats.attempts == 1


# ---------------------------------------------------------------- real signed-in callers


def signed_in(backend: LocalBackend, service: Doctrina, name: str, **roles: bool) -> tuple[Doctrina, UserId]:
    """A client with a development JWT for a new user (given ``roles``), linked through its verified email."""
    address = f"{name}-{uuid.uuid4().hex[:12]}@clinic.example"
    user = service.users.create(first_name=name.title(), last_name="Tester", email=address)
    if roles:
        service.users.set_roles(user.id, **roles)
    token = backend.dev_token(f"sub-{uuid.uuid4().hex}", claims={"email": address, "email_verified": True})
    client = Doctrina(url=backend.url, auth_token=token)
    assert client.users.ensure_current().id == user.id
    return client, user.id


def owner_client(backend: LocalBackend, service: Doctrina, user_id: UserId) -> Doctrina:
    """The tour's instructor, signed in with a development JWT carrying their verified email."""
    user = service.users.get(user_id)
    assert user is not None
    claims = {"email": user.email, "email_verified": True}
    owner = Doctrina(url=backend.url, auth_token=backend.dev_token(f"sub-{uuid.uuid4().hex}", claims=claims))
    assert owner.users.ensure_current().id == user_id
    return owner


Call = Callable[[Doctrina], Any]


def new_functions(tour: Tour) -> dict[str, tuple[Call, set[str]]]:
    """Each new public function, called as one caller would, with who may call it."""
    in_30_days = date.today() + timedelta(days=30)
    owner_or_admin = {"owner_instructor", "admin"}
    return {
        "reports.course_roster": (
            lambda c: c.reports.course_roster(course_id=tour.course_id).to_list(),
            owner_or_admin,
        ),
        "reports.quiz_item_stats": (lambda c: c.reports.quiz_item_stats(tour.quiz_id), owner_or_admin),
        "certificates.list_by_course": (
            lambda c: c.certificates.list_by_course(tour.course_id).to_list(),
            owner_or_admin,
        ),
        "reports.ce_transcript": (
            lambda c: c.reports.ce_transcript(license_number=tour.license_number).to_list(),
            {"admin"},
        ),
        "reports.revenue": (lambda c: c.reports.revenue(since=date(2026, 1, 1)).to_list(), {"admin"}),
        "instructor_applications.list_expiring": (
            lambda c: c.instructor_applications.list_expiring(before=in_30_days).to_list(),
            {"admin"},
        ),
    }


def test_new_functions_for_real_signed_in_callers(backend: LocalBackend) -> None:
    service = backend.client()
    tour = run_tour(backend)
    callers: dict[str, Doctrina] = {
        "anonymous": backend.client(anonymous=True),
        "student": signed_in(backend, service, "student")[0],
        "other_instructor": signed_in(backend, service, "teacher", is_instructor=True)[0],
        "owner_instructor": owner_client(backend, service, tour.jane_id),
        "admin": signed_in(backend, service, "admin", is_admin=True)[0],
    }
    for function, (call, allowed) in new_functions(tour).items():
        for who, client in callers.items():
            if who in allowed:
                call(client)
                continue
            expected = AuthenticationError if who == "anonymous" else PermissionDeniedError
            try:
                call(client)
            except expected:
                continue
            pytest.fail(f"{function} should refuse {who}")
