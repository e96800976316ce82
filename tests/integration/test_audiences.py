"""What each audience sees and may do, as real signed-in callers (verified JWTs from the dev token route).

Audiences: anonymous, a signed-in learner without access to the course, an enrolled
learner, the course's editor (its instructor) and an admin. Every refused call is
followed by a check that it wrote nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from doctrina_sdk import (
    AuthenticationError,
    ConflictError,
    Doctrina,
    FunctionCall,
    LocalBackend,
    PermissionDeniedError,
    ValidationError,
)
from doctrina_sdk.types import (
    CourseId,
    CourseModuleId,
    InstructorApplicationId,
    LessonId,
    LiveSessionId,
    ResourceId,
    UserId,
)

pytestmark = pytest.mark.integration

RECORDING = "https://video.example/recording.mp4"
LESSON_VIDEO = "https://video.example/lesson-1.mp4"
HANDOUT = "https://files.example/restricted-handout.pdf"
LICENCE = "RN-4711-CA"
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
    course: CourseId
    module: CourseModuleId
    learner_email: str
    admin_email: str
    application: InstructorApplicationId

    def all(self) -> dict[str, Doctrina]:
        return {name: getattr(self, name) for name in AUDIENCES}


def verified_user(
    backend: LocalBackend, service: Doctrina, name: str, address: str | None = None, **roles: bool
) -> tuple[Doctrina, UserId]:
    address = address or email(name)
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
        admin_email, learner_email = email("admin"), email("learner")
        admin, _ = verified_user(backend, service, "admin", admin_email, is_admin=True)
        learner, learner_id = verified_user(backend, service, "learner", learner_email)
        outsider, _ = verified_user(backend, service, "outsider")
        course = editor.courses.create(title="Lip fillers", description="Hands-on", category="fillers")
        service.course_enrollments.grant(user_id=learner_id, course_id=course.id)
        lesson, quiz, handout = published_curriculum(editor, course.id)
        application = outsider.instructor_applications.submit(
            license_number=LICENCE,
            license_state="CA",
            license_expiry=(datetime.now(timezone.utc) + timedelta(days=400)).date(),
            insurance_provider="MedPro",
            documents=["https://files.example/licence.pdf"],
        )
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
            course=course.id,
            module=editor.lessons.get(lesson).module_id,  # type: ignore[union-attr]
            learner_email=learner_email,
            admin_email=admin_email,
            application=application.id,
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


# ---------------------------------------------------------------- every public function's return shape

# Fields that only some audiences may see, wherever they appear in a return value.
SENSITIVE = {
    "content",
    "correctOption",
    "explanation",
    "recordingUrl",
    "url",
    "email",
    "phone",
    "licenseNumber",
    "licenseState",
    "licenseExpiry",
    "insuranceProvider",
    "documents",
}

# Every public function whose return validator can carry a SENSITIVE field, and where its
# projection per audience is asserted. "writer": a mutation returning what its caller just wrote
# (only a caller allowed to write it gets an answer: the authorization matrix in tests/convex).
# "public": the field is public by design. A new function returning such a field fails
# `test_every_public_function_returning_a_sensitive_field_has_its_projection_asserted` until it
# is listed here.
RECORDING_TEST = "test_a_course_sessions_recording_only_for_those_who_may_learn_the_course"
PROJECTIONS: dict[str, str] = {
    **dict.fromkeys(
        [
            "courseDiscussions:create",
            "courseDiscussions:update",
            "courseReviews:create",
            "courseReviews:update",
            "instructorApplications:approve",
            "instructorApplications:reject",
            "instructorApplications:submit",
            "lessons:create",
            "lessons:reorder",
            "lessons:update",
            "liveSessions:cancel",
            "liveSessions:complete",
            "liveSessions:schedule",
            "liveSessions:start",
            "liveSessions:update",
            "quizQuestions:create",
            "quizQuestions:reorder",
            "quizQuestions:update",
            "resources:create",
            "resources:update",
            "users:create",
            "users:ensureCurrentUser",
            "users:setRoles",
            "users:update",
        ],
        "writer",
    ),
    "quizAttempts:submit": "writer (the graded attempt reveals the key to its taker only)",
    "resources:recordDownload": "writer (only a caller who may open the resource records a download)",
    "courseReviews:getMine": "public (reviews are public)",
    "courseReviews:listByCourse": "public (reviews are public)",
    "courseDiscussions:get": "tests/convex/courseDiscussions.test.ts (course learners, editor, admin)",
    "courseDiscussions:listThreads": "tests/convex/courseDiscussions.test.ts",
    "courseDiscussions:listReplies": "tests/convex/courseDiscussions.test.ts",
    "favorites:listMine": "tests/convex/favorites.test.ts (the caller's own rows)",
    "liveSessions:get": RECORDING_TEST,
    "liveSessions:listByInstructor": RECORDING_TEST,
    "lessons:get": "test_lesson_content_only_for_those_who_may_learn",
    "quizQuestions:listForEditing": "test_quiz_questions_never_carry_the_answer_key_for_learners",
    "resources:get": "test_a_restricted_resource_only_for_those_who_may_learn",
    "users:get": "test_a_users_email_and_phone_only_for_themself_and_admins",
    # A certificate keeps the licence it was issued with: its holder, admins and the service read it;
    # the course's instructor reads it in the course's CE records (accreditors ask for the licence);
    # public verification (`certificates:verify`) never shows it.
    "certificates:get": "tests/convex/certificates.test.ts (the holder and admins; others are refused)",
    "certificates:listMine": "tests/convex/certificates.test.ts (the caller's own rows)",
    "certificates:listByCourse": "tests/convex/compliance.test.ts (course instructor, admins, service)",
    "certificates:revoke": "writer (admins only)",
    "certificates:setExpiry": "writer (admins only)",
    "instructorApplications:listExpiring": "tests/convex/compliance.test.ts (admins and the service)",
    "reports:ceTranscript": "tests/convex/reports.test.ts (admins and the service)",
    "reports:courseRoster": "tests/convex/reports.test.ts (course instructor, admins, service)",
}


def call(client: Doctrina, path: str, args: dict[str, object]) -> object:
    return client._request(FunctionCall("query", path, args), cast_to=object)


def values_of(value: object, field: str) -> list[object]:
    """Every value of ``field`` anywhere in ``value``."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == field] + [
            x for v in value.values() for x in values_of(v, field)
        ]
    if isinstance(value, list):
        return [x for v in value for x in values_of(v, field)]
    return []


PAGE = {"numItems": 50, "cursor": None}
EDITOR_OR_ADMIN = {"anonymous": False, "outsider": False, "learner": False, "editor": True, "admin": True}
ADMIN_ONLY = {"anonymous": False, "outsider": False, "learner": False, "editor": False, "admin": True}


@dataclass
class Case:
    """A query, its arguments from the fixture, a field, the value that field must (or must not) show."""

    path: str
    args: Callable[[Audiences], dict[str, object]]
    field: str
    secret: Callable[[Audiences], object]
    sees: dict[str, bool]


CASES = [
    Case(
        "courses:getWithCurriculum", lambda a: {"id": a.course}, "content", lambda a: LESSON_VIDEO, MAY_LEARN
    ),
    Case(
        "lessons:listByModule", lambda a: {"moduleId": a.module}, "content", lambda a: LESSON_VIDEO, MAY_LEARN
    ),
    Case(
        "resources:listByCourse",
        lambda a: {"courseId": a.course, "paginationOpts": PAGE},
        "url",
        lambda a: HANDOUT,
        MAY_LEARN,
    ),
    Case(
        "resources:list",
        lambda a: {"paginationOpts": PAGE},
        "url",
        lambda a: HANDOUT,
        dict.fromkeys(AUDIENCES, False),
    ),
    Case(
        "resources:listByCategory",
        lambda a: {"category": "injection", "paginationOpts": PAGE},
        "url",
        lambda a: HANDOUT,
        dict.fromkeys(AUDIENCES, False),
    ),
    Case("resources:listFeatured", lambda a: {}, "url", lambda a: HANDOUT, dict.fromkeys(AUDIENCES, False)),
    Case(
        "resources:search",
        lambda a: {"query": "handout"},
        "url",
        lambda a: HANDOUT,
        dict.fromkeys(AUDIENCES, False),
    ),
    Case(
        "resources:listMine",
        lambda a: {"paginationOpts": PAGE},
        "url",
        lambda a: HANDOUT,
        {**dict.fromkeys(AUDIENCES, False), "editor": True},
    ),
    Case(
        "liveSessions:listLive",
        lambda a: {"paginationOpts": PAGE},
        "recordingUrl",
        lambda a: RECORDING,
        dict.fromkeys(AUDIENCES, False),
    ),
    Case(
        "liveSessions:listUpcoming",
        lambda a: {"paginationOpts": PAGE, "after": 0},
        "recordingUrl",
        lambda a: RECORDING,
        dict.fromkeys(AUDIENCES, False),
    ),
    Case(
        "users:getByEmail",
        lambda a: {"email": a.learner_email},
        "email",
        lambda a: a.learner_email,
        ADMIN_ONLY,
    ),
    Case(
        "users:listAdmins", lambda a: {"paginationOpts": PAGE}, "email", lambda a: a.admin_email, ADMIN_ONLY
    ),
    Case(
        "users:me",
        lambda a: {},
        "email",
        lambda a: a.learner_email,
        {**dict.fromkeys(AUDIENCES, False), "learner": True},
    ),
    Case(
        "instructorApplications:get",
        lambda a: {"id": a.application},
        "licenseNumber",
        lambda a: LICENCE,
        {**ADMIN_ONLY, "outsider": True},
    ),
    Case(
        "instructorApplications:listMine",
        lambda a: {"paginationOpts": PAGE},
        "licenseNumber",
        lambda a: LICENCE,
        {**dict.fromkeys(AUDIENCES, False), "outsider": True},
    ),
    Case(
        "instructorApplications:listByStatus",
        lambda a: {"status": "pending", "paginationOpts": PAGE},
        "licenseNumber",
        lambda a: LICENCE,
        ADMIN_ONLY,
    ),
]


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.path)
def test_each_audience_sees_a_sensitive_field_only_where_it_may(
    audiences: Audiences, case: Case, audience: str
) -> None:
    client = audiences.all()[audience]
    try:
        value = call(client, case.path, case.args(audiences))
    except (AuthenticationError, PermissionDeniedError):
        assert not case.sees[audience], f"{audience} was refused {case.path}"
        return
    assert (case.secret(audiences) in values_of(value, case.field)) == case.sees[audience], value


def sensitive_fields(validator: object) -> set[str]:
    """The SENSITIVE field names a (function spec) validator can return."""
    if not isinstance(validator, dict):
        return set()
    kind, inner = validator.get("type"), validator.get("value")
    if kind == "object" and isinstance(inner, dict):
        own = {name for name in inner if name in SENSITIVE}
        return own.union(
            *(sensitive_fields(f.get("fieldType")) for f in inner.values() if isinstance(f, dict))
        )
    if kind == "array":
        return sensitive_fields(inner)
    if kind == "union" and isinstance(inner, list):
        return set().union(*(sensitive_fields(member) for member in inner))
    if kind == "record":
        return sensitive_fields((validator.get("values") or {}).get("fieldType"))
    return set()


def test_every_public_function_returning_a_sensitive_field_has_its_projection_asserted(
    backend: LocalBackend,
) -> None:
    with backend.client() as service:
        spec = call(service, "_system/cli/modules:apiSpec", {})
    assert isinstance(spec, list)
    assert len(spec) > 50
    covered = set(PROJECTIONS) | {case.path for case in CASES}
    missing = sorted(
        fn["identifier"].replace(".js:", ":")
        for fn in spec
        if fn["visibility"]["kind"] == "public"
        and sensitive_fields(fn["returns"])
        and fn["identifier"].replace(".js:", ":") not in covered
    )
    assert missing == [], "public functions returning sensitive fields with no projection test: add them"
    # Entries naming a test of this module name one that exists.
    named = {where for where in PROJECTIONS.values() if where.startswith("test_")}
    assert {name for name in named if name not in globals()} == set()
