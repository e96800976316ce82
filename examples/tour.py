"""The SDK tour as a script: every area of the API once, on a throwaway local backend.

Run: python examples/tour.py
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, datetime, timedelta, timezone

from doctrina_sdk import AsyncDoctrina, Doctrina, LocalBackend, PermissionDeniedError
from doctrina_sdk.types import Course, User


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir, LocalBackend.start(data_dir=data_dir) as backend:
        service, anon = backend.client(), backend.client(anonymous=True)
        jane = service.users.create(first_name="Jane", last_name="Doe", email="jane@clinic.example")
        bob = service.users.create(first_name="Bob", last_name="Lee", email="bob@clinic.example")
        course = teach(service, jane)
        study(service, anon, course, bob)
        community(service, jane, bob)
        errors(service.acting_as(bob.id))
        asyncio.run(live(backend, bob, course))


def teach(service: Doctrina, jane: User) -> Course:
    as_jane = service.acting_as(jane.id)
    application = as_jane.instructor_applications.submit(
        license_number="RN123456",
        license_state="CA",
        license_expiry=date(2028, 1, 31),
        insurance_provider="MedPro",
        documents=["https://files.example/license.pdf"],
    )
    service.instructor_applications.approve(application.id)
    course = as_jane.courses.create(
        title="Botox Foundations",
        description="Safe neurotoxin practice",
        category="botox",
        price=49900,
        certificate_enabled=True,
    )
    anatomy = as_jane.course_modules.create(course_id=course.id, title="Anatomy")
    as_jane.lessons.create(
        module_id=anatomy.id, title="Facial muscles", type="video", content="https://v.example/1"
    )
    published = as_jane.courses.publish(course.id)
    print(f"[courses] {published.title} is {published.visibility}")
    return published


def study(service: Doctrina, anon: Doctrina, course: Course, bob: User) -> None:
    as_bob = service.acting_as(bob.id)
    checkout = as_bob.purchases.create_checkout(course_id=course.id)
    service.purchases.complete(checkout.id, stripe_checkout_session_id="cs_tour_1")
    for module in as_bob.course_modules.list_by_course(course.id):
        for lesson in as_bob.lessons.list_by_module(module.id):
            as_bob.lesson_progress.complete(lesson_id=lesson.id, time_spent=600)
    print(f"[learning] progress {as_bob.lesson_progress.course_progress(course.id).percent}%")
    cert = as_bob.certificates.list()[0]
    check = anon.certificates.verify(cert.verification_code)
    print(f"[certificates] {cert.verification_code}: {check.status if check else 'unknown'}")
    as_bob.course_reviews.create(course_id=course.id, rating=5, content="Clear and practical")
    for c in anon.courses.list(category="botox"):
        print(f"[catalog] {c.title}: rating {c.rating}, {c.student_count} student(s)")


def community(service: Doctrina, jane: User, bob: User) -> None:
    as_jane, as_bob = service.acting_as(jane.id), service.acting_as(bob.id)
    session = as_jane.live_sessions.schedule(
        title="Live injection demo",
        description="Q&A",
        max_participants=12,
        duration=60,
        scheduled_for=datetime.now(timezone.utc) + timedelta(days=3),
    )
    as_bob.live_sessions.join(session.id)
    names = [p.user_id for p in as_jane.live_sessions.participants(session.id)]
    print(f"[live sessions] {session.title} on {session.scheduled_for:%Y-%m-%d}: participants {names}")
    guide = as_jane.resources.create(
        title="Dilution chart",
        description="Units per vial",
        type="pdf",
        url="https://files.example/chart.pdf",
        difficulty="beginner",
        categories=["injection-techniques"],
    )
    print(f"[favorites] toggled: {as_bob.favorites.toggle(resource_id=guide.id)}")
    for n in as_bob.notifications.list(unread_only=True):
        print(f"[notifications] {n.created_at:%H:%M:%S} {n.type}: {n.title}")
        as_bob.notifications.mark_read(n.id)


def errors(as_bob: Doctrina) -> None:
    try:
        as_bob.courses.create(title="Mine", description="x", category="botox")
    except PermissionDeniedError as e:
        print(f"[errors] {type(e).__name__} {e.code}: {e.message}")


async def live(backend: LocalBackend, bob: User, course: Course) -> None:
    async with AsyncDoctrina(url=backend.url, admin_key=backend.admin_key) as client:
        fetched = await client.courses.get(course.id)
        print(f"[async] {fetched.title if fetched else None}")
        async with client.acting_as(bob.id).notifications.watch_unread() as updates:
            async for unread in updates:
                print(f"[live] bob has {len(unread)} unread notification(s)")
                if unread:
                    break
                await client.notifications.send(
                    user_id=bob.id, type="announcement", title="Hi", description="Welcome"
                )


if __name__ == "__main__":
    main()
