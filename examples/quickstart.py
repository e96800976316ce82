"""The main Doctrina journey on the embedded local backend (`make demo`).

Starts a backend with its data in .doctrina/demo, fills it with the small demo
catalogue (`doctrina_sdk.lib.demo_data`), then: users and roles, instructor vetting,
the course wizard, a purchase, learning to completion, the certificate and a review.
Prints what happened; the backend stops when the script ends.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from doctrina_sdk import Doctrina, LocalBackend
from doctrina_sdk.lib.demo_data import seed
from doctrina_sdk.types import Course, User

DATA_DIR = Path(__file__).resolve().parent.parent / ".doctrina" / "demo"


def main() -> None:
    # A fresh database each run, so the demo's emails and course are always new.
    shutil.rmtree(DATA_DIR, ignore_errors=True)
    with LocalBackend.start(data_dir=DATA_DIR) as backend:
        print(f"Local backend at {backend.url} (data in {DATA_DIR})\n")
        service = backend.client()
        catalogue = seed(service, size="small")
        made = ", ".join(f"{count} {kind}" for kind, count in sorted(catalogue.created.items()))
        print(f"Demo catalogue (seed {catalogue.seed}): {made}\n")
        jane = onboard_instructor(service)
        course = build_course(service, jane)
        learn(service, backend.client(anonymous=True), course)
    print("\nDone: the backend has stopped.")


def onboard_instructor(service: Doctrina) -> User:
    jane = service.users.create(first_name="Jane", last_name="Doe", email="jane@clinic.example")
    as_jane = service.acting_as(jane.id)
    app = as_jane.instructor_applications.submit(
        license_number="RN123456",
        license_state="CA",
        license_expiry=date(2028, 1, 31),
        insurance_provider="MedPro",
        documents=["https://files.example/license.pdf"],
    )
    service.instructor_applications.approve(app.id)
    stored = service.users.get(jane.id)
    assert stored is not None
    print("Created user, read back through the SDK:")
    print(f"  {stored.first_name} {stored.last_name} <{stored.email}>  id={stored.id}")
    print(f"  created {stored.created_at:%Y-%m-%d %H:%M} UTC, instructor={stored.is_instructor}")
    print(f"  application {app.id}: {app.status} -> approved\n")
    return stored


def build_course(service: Doctrina, jane: User) -> Course:
    as_jane = service.acting_as(jane.id)
    course = as_jane.courses.create(
        title="Botox Foundations",
        description="Safe neurotoxin practice",
        category="botox",
        level="beginner",
        price=49900,
        tags=["neurotoxins", "anatomy"],
        certificate_enabled=True,
    )
    module = as_jane.course_modules.create(course_id=course.id, title="Anatomy")
    as_jane.lessons.create(
        module_id=module.id,
        title="Facial muscles",
        type="video",
        content="https://video.example/1",
        duration=12,
    )
    quiz = as_jane.lessons.create(module_id=module.id, title="Check yourself", type="quiz", content="")
    as_jane.quiz_questions.create(
        lesson_id=quiz.id,
        question="Which muscle raises the brow?",
        options=["Frontalis", "Procerus", "Masseter"],
        correct_option=0,
        explanation="The frontalis elevates the brow.",
    )
    published = as_jane.courses.publish(course.id)
    price = (published.price or 0) / 100
    print(
        f"Course '{published.title}': {published.lesson_count} lessons, ${price:.2f}, {published.visibility}"
    )
    return published


def learn(service: Doctrina, anon: Doctrina, course: Course) -> None:
    bob = service.users.create(first_name="Bob", last_name="Lee", email="bob@clinic.example")
    as_bob = service.acting_as(bob.id)
    checkout = as_bob.purchases.create_checkout(course_id=course.id)
    service.purchases.complete(checkout.id, stripe_checkout_session_id="cs_demo_1")
    print(
        f"{bob.first_name} bought it ({checkout.amount / 100:.2f} {checkout.currency}); "
        f"access: {as_bob.purchases.has_access(course.id)}"
    )

    full = as_bob.courses.get_with_curriculum(course.id)
    assert full is not None
    for lesson in (lesson for module in full.modules for lesson in module.lessons):
        if lesson.type == "quiz":
            attempt = as_bob.quiz_questions.submit_attempt(lesson_id=lesson.id, answers=[0])
            print(f"  quiz '{lesson.title}': score {attempt.score}%, passed={attempt.passed}")
        else:
            as_bob.lesson_progress.complete(lesson_id=lesson.id, time_spent=720)
            print(f"  completed '{lesson.title}'")
    progress = as_bob.lesson_progress.course_progress(course.id)
    print(f"Progress: {progress.completed_lessons}/{progress.total_lessons} lessons ({progress.percent}%)")

    cert = as_bob.certificates.list()[0]
    check = anon.certificates.verify(cert.verification_code)
    assert check is not None
    print(
        f"Certificate {cert.verification_code}: {check.status} for {check.user_name}, "
        f"'{check.course_name}', issued {check.issue_date:%Y-%m-%d}"
    )

    as_bob.course_reviews.create(course_id=course.id, rating=5, content="Clear and practical")
    rated = anon.courses.get(course.id)
    assert rated is not None
    print(f"Review posted: the course is now rated {rated.rating} from {rated.review_count} review(s)")


if __name__ == "__main__":
    main()
