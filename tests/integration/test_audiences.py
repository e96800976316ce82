"""What each audience sees and may do, as real signed-in callers (verified JWTs from the dev token route).

Audiences: anonymous, a signed-in learner without access to the course, an enrolled
learner, the course's editor (its instructor) and an admin. Every refused call is
followed by a check that it wrote nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from doctrina_sdk import (
    AuthenticationError,
    ConflictError,
    Doctrina,
    LocalBackend,
    PermissionDeniedError,
    ValidationError,
)
from doctrina_sdk.types import CourseId, LessonId, LiveSessionId, ResourceId, UserId

pytestmark = pytest.mark.integration

RECORDING = "https://video.example/recording.mp4"
LESSON_VIDEO = "https://video.example/lesson-1.mp4"
HANDOUT = "https://files.example/restricted-handout.pdf"
AUDIENCES = ("anonymous", "outsider", "learner", "editor", "admin")
# Who may learn the course: its content, answers-free quizzes, restricted resources, recordings.
MAY_LEARN = {"anonymous": False, "outsider": False, "learner": True, "editor": True, "admin": True}


def email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:12]}@clinic.example"


def signed_in(backend: LocalBackend, address: str, **claims: object) -> Doctrina:
    """A client holding a development JWT whose subject is new and whose email is ``address``."""
    token = backend.dev_token(f"sub-{uuid.uuid4().hex}", claims={"email": address, **claims})
    return Doctrina(url=backend.url, auth_token=token)


@dataclass
class Audiences:
    anonymous: Doctrina
    outsider: Doctrina
    learner: Doctrina
    editor: Doctrina
    admin: Doctrina
    editor_id: UserId
    learner_id: UserId
    course_session: LiveSessionId
    open_session: LiveSessionId
    lesson: LessonId
    quiz: LessonId
    handout: ResourceId

    def all(self) -> dict[str, Doctrina]:
        return {name: getattr(self, name) for name in AUDIENCES}


def verified_user(
    backend: LocalBackend, service: Doctrina, name: str, **roles: bool
) -> tuple[Doctrina, UserId]:
    address = email(name)
    user = service.users.create(first_name=name.title(), last_name="Tester", email=address)
    if roles:
        service.users.set_roles(user.id, **roles)
    client = signed_in(backend, address, email_verified=True)
    assert client.users.ensure_current().id == user.id
    return client, user.id


def published_curriculum(editor: Doctrina, course_id: CourseId) -> tuple[LessonId, LessonId, ResourceId]:
    """A video lesson, a quiz lesson with one question and a restricted resource; the course published."""
    module = editor.course_modules.create(course_id=course_id, title="Anatomy")
    lesson = editor.lessons.create(
        module_id=module.id, title="Danger zones", type="video", content=LESSON_VIDEO
    )
    quiz = editor.lessons.create(module_id=module.id, title="Check", type="quiz", content="Quiz")
    editor.quiz_questions.create(
        lesson_id=quiz.id, question="Which artery?", options=["Facial", "Radial"], correct_option=0
    )
    handout = editor.resources.create(
        title="Handout",
        description="Injection map",
        type="pdf",
        url=HANDOUT,
        difficulty="beginner",
        course_id=course_id,
        restricted=True,
    )
    editor.courses.publish(course_id)
    return lesson.id, quiz.id, handout.id


def completed_session(editor: Doctrina, course_id: object | None) -> LiveSessionId:
    session = editor.live_sessions.schedule(
        title="Filler complications",
        description="Live Q&A",
        scheduled_for=datetime.now(timezone.utc) + timedelta(days=3),
        duration=60,
        max_participants=20,
        is_recorded=True,
        course_id=course_id,  # type: ignore[arg-type]
    )
    editor.live_sessions.start(session.id)
    return editor.live_sessions.complete(session.id, recording_url=RECORDING).id


@pytest.fixture(scope="module")
def audiences(backend: LocalBackend) -> Iterator[Audiences]:
    with backend.client() as service:
        editor, editor_id = verified_user(backend, service, "editor", is_instructor=True)
        admin, _ = verified_user(backend, service, "admin", is_admin=True)
        learner, learner_id = verified_user(backend, service, "learner")
        outsider, _ = verified_user(backend, service, "outsider")
        course = editor.courses.create(title="Lip fillers", description="Hands-on", category="fillers")
        service.course_enrollments.grant(user_id=learner_id, course_id=course.id)
        lesson, quiz, handout = published_curriculum(editor, course.id)
        found = Audiences(
            anonymous=Doctrina(url=backend.url),
            outsider=outsider,
            learner=learner,
            editor=editor,
            admin=admin,
            editor_id=editor_id,
            learner_id=learner_id,
            course_session=completed_session(editor, course.id),
            open_session=completed_session(editor, None),
            lesson=lesson,
            quiz=quiz,
            handout=handout,
        )
        yield found
        for client in found.all().values():
            client.close()


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_course_sessions_recording_only_for_those_who_may_learn_the_course(
    audiences: Audiences, audience: str
) -> None:
    client = audiences.all()[audience]
    session = client.live_sessions.get(audiences.course_session)
    assert session is not None
    assert session.title == "Filler complications"
    expected = RECORDING if MAY_LEARN[audience] else None
    assert session.recording_url == expected
    listed = {s.id: s for s in client.live_sessions.list_by_instructor(audiences.editor_id)}
    assert listed[audiences.course_session].recording_url == expected
    # A session open to everyone shows its recording to everyone.
    assert listed[audiences.open_session].recording_url == RECORDING


@pytest.mark.parametrize("audience", AUDIENCES)
def test_lesson_content_only_for_those_who_may_learn(audiences: Audiences, audience: str) -> None:
    lesson = audiences.all()[audience].lessons.get(audiences.lesson)
    assert lesson is not None  # the outline of a public course is for everyone
    assert lesson.title == "Danger zones"
    assert lesson.content == (LESSON_VIDEO if MAY_LEARN[audience] else None)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_quiz_questions_never_carry_the_answer_key_for_learners(audiences: Audiences, audience: str) -> None:
    client = audiences.all()[audience]
    if not MAY_LEARN[audience]:
        refused = AuthenticationError if audience == "anonymous" else PermissionDeniedError
        with pytest.raises(refused):
            client.quiz_questions.list_for_lesson(audiences.quiz)
        return
    [question] = client.quiz_questions.list_for_lesson(audiences.quiz)
    assert question.options == ["Facial", "Radial"]
    assert not {"correct_option", "explanation"} & set(question.model_dump())
    if audience in ("editor", "admin"):
        [full] = client.quiz_questions.list_for_editing(audiences.quiz)
        assert full.correct_option == 0


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_restricted_resource_only_for_those_who_may_learn(audiences: Audiences, audience: str) -> None:
    client = audiences.all()[audience]
    if MAY_LEARN[audience]:
        resource = client.resources.get(audiences.handout)
        assert resource is not None
        assert resource.url == HANDOUT
    else:
        refused = AuthenticationError if audience == "anonymous" else PermissionDeniedError
        with pytest.raises(refused):
            client.resources.get(audiences.handout)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_a_users_email_and_phone_only_for_themself_and_admins(audiences: Audiences, audience: str) -> None:
    client = audiences.all()[audience]
    profile = client.users.get_public_profile(audiences.learner_id)
    assert profile is not None
    assert not {"email", "phone", "external_id"} & set(profile.model_dump())
    if audience in ("learner", "admin"):
        user = client.users.get(audiences.learner_id)
        assert user is not None
        assert user.email.startswith("learner-")
    else:
        refused = AuthenticationError if audience == "anonymous" else PermissionDeniedError
        with pytest.raises(refused):
            client.users.get(audiences.learner_id)


def test_an_unverified_email_never_claims_an_existing_account(backend: LocalBackend) -> None:
    with backend.client() as service:
        address = email("victim")
        victim = service.users.create(first_name="Vic", last_name="Tim", email=address)
        service.users.set_roles(victim.id, is_admin=True)
        for claims in ({}, {"email_verified": False}):
            with signed_in(backend, address.upper(), **claims) as attacker, pytest.raises(ConflictError):
                attacker.users.ensure_current()
        after = service.users.get(victim.id)
        assert after is not None
        assert after.external_id is None
        assert after.last_login is None
        with signed_in(backend, address, email_verified=True) as owner:
            assert owner.users.ensure_current().id == victim.id
        # The service acting as the user needs no token at all.
        assert service.acting_as(victim.id).users.ensure_current().id == victim.id


@pytest.mark.parametrize(
    "bad", ["nul\x00@clinic.example", "line@clinic.example\r\nBcc: x@y.example", "x@clinic"]
)
def test_a_token_with_a_malformed_email_creates_nothing(backend: LocalBackend, bad: str) -> None:
    with signed_in(backend, bad, email_verified=True) as client, pytest.raises(ValidationError):
        client.users.ensure_current()
    with backend.client() as service:
        assert service.users.get_by_email(bad) is None
