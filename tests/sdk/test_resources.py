"""Every resource method: the function it calls, the wire arguments, and the typed result.

Each case below is run through `Doctrina` and `AsyncDoctrina` against respx. The
response is a sample built from the function's own `returns` validator (exported
from convex/), so the parsed result is checked against what the server declares.
"""

from __future__ import annotations

import builtins
import importlib
import json
import pkgutil
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import httpx
import pytest
import respx
from codegen_support import ROOT, load_generator

from doctrina_sdk import (
    AsyncCursorPage,
    AsyncDoctrina,
    Doctrina,
    SyncCursorPage,
    ValidationError,
    resources,
    types,
)
from doctrina_sdk.types import _args
from doctrina_sdk.types._base import ArgsModel

URL = "http://deployment.test"
ADMIN_KEY = "doctrina-local|0123456789abcdef-admin-secret"
JAN_2026 = datetime(2026, 1, 1, tzinfo=timezone.utc)
MS_2026 = 1_767_225_600_000.0


@dataclass
class Case:
    target: str  # "courses.create"
    path: str  # "courses:create"
    wire: dict[str, Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.target


def case(target: str, path: str, wire: dict[str, Any], *args: Any, **kwargs: Any) -> Case:
    return Case(target, path, wire, args, kwargs)


class _CurrentMinute:
    """Equals a Unix-ms time on a whole minute within the last two minutes (what `list_upcoming` sends)."""

    def __eq__(self, other: object) -> bool:
        now = time.time() * 1000
        return isinstance(other, float) and other % 60_000 == 0 and now - 120_000 < other <= now

    def __repr__(self) -> str:
        return "<the current minute>"


CURRENT_MINUTE = _CurrentMinute()

SCHEDULE = {"title": "Demo", "description": "Q&A", "duration": 60, "max_participants": 12}
SCHEDULE_WIRE = {"title": "Demo", "description": "Q&A", "duration": 60.0, "maxParticipants": 12.0}
RESOURCE = {"title": "Chart", "description": "D", "type": "pdf", "url": "https://f.example/c.pdf"}
APPLICATION = {
    "license_number": "RN1",
    "license_state": "CA",
    "insurance_provider": "MedPro",
    "documents": [],
}
APPLICATION_WIRE = {
    "licenseNumber": "RN1",
    "licenseState": "CA",
    "insuranceProvider": "MedPro",
    "documents": [],
}

CASES = [
    # users
    case(
        "users.create",
        "users:create",
        {"firstName": "Jane", "lastName": "Doe", "email": "j@x.example"},
        first_name="Jane",
        last_name="Doe",
        email="j@x.example",
    ),
    case("users.get", "users:get", {"id": "u1"}, "u1"),
    case("users.get_by_email", "users:getByEmail", {"email": "j@x.example"}, "j@x.example"),
    case("users.get_public_profile", "users:getPublicProfile", {"id": "u1"}, "u1"),
    case("users.ensure_current", "users:ensureCurrentUser", {}),
    case("users.me", "users:me", {}),
    case(
        "users.update",
        "users:update",
        {"id": "u1", "firstName": "J", "phone": ""},
        "u1",
        first_name="J",
        phone="",
    ),
    case("users.set_roles", "users:setRoles", {"id": "u1", "isAdmin": True}, "u1", is_admin=True),
    case("users.list_instructors", "users:listInstructors", {}),
    case("users.list_admins", "users:listAdmins", {}, page_size=5),
    # instructor applications
    case(
        "instructor_applications.submit",
        "instructorApplications:submit",
        {**APPLICATION_WIRE, "licenseExpiry": "2028-01-31"},
        **APPLICATION,
        license_expiry=date(2028, 1, 31),
    ),
    case("instructor_applications.approve", "instructorApplications:approve", {"id": "a1"}, "a1"),
    case(
        "instructor_applications.reject",
        "instructorApplications:reject",
        {"id": "a1", "reason": "No"},
        "a1",
        reason="No",
    ),
    case("instructor_applications.get", "instructorApplications:get", {"id": "a1"}, "a1"),
    case("instructor_applications.list_mine", "instructorApplications:listMine", {}),
    case(
        "instructor_applications.list_by_status",
        "instructorApplications:listByStatus",
        {"status": "pending"},
        "pending",
    ),
    # courses
    case(
        "courses.create",
        "courses:create",
        {
            "title": "T",
            "description": "D",
            "category": "botox",
            "level": "beginner",
            "price": 49900.0,
            "tags": ["x"],
            "certificateEnabled": True,
        },
        title="T",
        description="D",
        category="botox",
        level="beginner",
        price=49900,
        tags=["x"],
        certificate_enabled=True,
    ),
    case(
        "courses.update",
        "courses:update",
        {"id": "c1", "title": "T2", "whatYouWillLearn": ["a"]},
        "c1",
        title="T2",
        what_you_will_learn=["a"],
    ),
    case("courses.publish", "courses:publish", {"id": "c1"}, "c1"),
    case(
        "courses.unpublish",
        "courses:unpublish",
        {"id": "c1", "visibility": "draft"},
        "c1",
        visibility="draft",
    ),
    case("courses.archive", "courses:archive", {"id": "c1"}, "c1"),
    case("courses.remove", "courses:remove", {"id": "c1"}, "c1"),
    case("courses.purge", "courses:purge", {"id": "c1"}, "c1"),
    case("courses.roll_up_students", "courses:rollUpStudents", {"id": "c1"}, "c1"),
    case("courses.get", "courses:get", {"id": "c1"}, "c1"),
    case("courses.get_with_curriculum", "courses:getWithCurriculum", {"id": "c1"}, "c1"),
    case("courses.list", "courses:list", {"category": "botox"}, category="botox"),
    case("courses.list_by_instructor", "courses:listByInstructor", {"instructorId": "u1"}, "u1"),
    case("courses.list_by_tag", "courses:listByTag", {"tag": "anatomy"}, "anatomy"),
    case("courses.list_featured", "courses:listFeatured", {"limit": 5.0}, limit=5),
    case(
        "courses.search",
        "courses:search",
        {"query": "botox", "level": "advanced", "limit": 3.0},
        "botox",
        level="advanced",
        limit=3,
    ),
    # curriculum
    case(
        "course_modules.create",
        "courseModules:create",
        {"courseId": "c1", "title": "Anatomy"},
        course_id="c1",
        title="Anatomy",
    ),
    case(
        "course_modules.update", "courseModules:update", {"id": "m1", "description": ""}, "m1", description=""
    ),
    case("course_modules.remove", "courseModules:remove", {"id": "m1"}, "m1"),
    case("course_modules.purge", "courseModules:purge", {"id": "m1"}, "m1"),
    case(
        "course_modules.reorder",
        "courseModules:reorder",
        {"courseId": "c1", "moduleIds": ["m2", "m1"]},
        "c1",
        module_ids=["m2", "m1"],
    ),
    case("course_modules.list_by_course", "courseModules:listByCourse", {"courseId": "c1"}, "c1"),
    case(
        "lessons.create",
        "lessons:create",
        {"moduleId": "m1", "title": "L", "type": "video", "content": "https://v.example/1", "duration": 12.0},
        module_id="m1",
        title="L",
        type="video",
        content="https://v.example/1",
        duration=12,
    ),
    case("lessons.update", "lessons:update", {"id": "l1", "passingScore": 80.0}, "l1", passing_score=80),
    case("lessons.remove", "lessons:remove", {"id": "l1"}, "l1"),
    case("lessons.purge", "lessons:purge", {"id": "l1"}, "l1"),
    case(
        "lessons.reorder",
        "lessons:reorder",
        {"moduleId": "m1", "lessonIds": ["l2", "l1"]},
        "m1",
        lesson_ids=["l2", "l1"],
    ),
    case("lessons.get", "lessons:get", {"id": "l1"}, "l1"),
    case("lessons.list_by_module", "lessons:listByModule", {"moduleId": "m1"}, "m1"),
    case(
        "quiz_questions.create",
        "quizQuestions:create",
        {"lessonId": "l1", "question": "Q", "options": ["a", "b"], "correctOption": 0.0, "explanation": "E"},
        lesson_id="l1",
        question="Q",
        options=["a", "b"],
        correct_option=0,
        explanation="E",
    ),
    case(
        "quiz_questions.update",
        "quizQuestions:update",
        {"id": "q1", "options": ["a", "b", "c"]},
        "q1",
        options=["a", "b", "c"],
    ),
    case("quiz_questions.remove", "quizQuestions:remove", {"id": "q1"}, "q1"),
    case(
        "quiz_questions.reorder",
        "quizQuestions:reorder",
        {"lessonId": "l1", "questionIds": ["q2", "q1"]},
        "l1",
        question_ids=["q2", "q1"],
    ),
    case("quiz_questions.list_for_lesson", "quizQuestions:listForLesson", {"lessonId": "l1"}, "l1"),
    case("quiz_questions.list_for_editing", "quizQuestions:listForEditing", {"lessonId": "l1"}, "l1"),
    case(
        "quiz_questions.submit_attempt",
        "quizAttempts:submit",
        {"lessonId": "l1", "answers": [0.0]},
        lesson_id="l1",
        answers=[0],
    ),
    case(
        "quiz_attempts.submit",
        "quizAttempts:submit",
        {"lessonId": "l1", "answers": [1.0, 0.0]},
        lesson_id="l1",
        answers=[1, 0],
    ),
    case(
        "quiz_attempts.list_mine", "quizAttempts:listMine", {"lessonId": "l1", "limit": 10.0}, "l1", limit=10
    ),
    # commerce and learning
    case("purchases.create_checkout", "purchases:createCheckout", {"courseId": "c1"}, "c1"),
    case(
        "purchases.complete",
        "purchases:complete",
        {"id": "p1", "stripeCheckoutSessionId": "cs_1"},
        "p1",
        stripe_checkout_session_id="cs_1",
    ),
    case("purchases.expire", "purchases:expire", {"id": "p1"}, "p1"),
    case("purchases.refund", "purchases:refund", {"id": "p1", "reason": "asked"}, "p1", reason="asked"),
    case("purchases.expire_stale", "purchases:expireStale", {"batchSize": 10.0}, batch_size=10),
    case("purchases.has_access", "purchases:hasAccess", {"courseId": "c1"}, "c1"),
    case("purchases.get", "purchases:get", {"id": "p1"}, "p1"),
    case("purchases.list_mine", "purchases:listMine", {"status": "complete"}, status="complete"),
    case("course_enrollments.enroll_free", "courseEnrollments:enrollFree", {"courseId": "c1"}, "c1"),
    case(
        "course_enrollments.grant",
        "courseEnrollments:grant",
        {"userId": "u1", "courseId": "c1"},
        user_id="u1",
        course_id="c1",
    ),
    case(
        "course_enrollments.revoke", "courseEnrollments:revoke", {"id": "e1", "reason": "r"}, "e1", reason="r"
    ),
    case("course_enrollments.get", "courseEnrollments:get", {"id": "e1"}, "e1"),
    case("course_enrollments.list_mine", "courseEnrollments:listMine", {"status": "active"}, status="active"),
    case(
        "course_enrollments.list_by_course",
        "courseEnrollments:listByCourse",
        {"courseId": "c1", "status": "completed"},
        "c1",
        status="completed",
    ),
    case(
        "lesson_progress.complete",
        "lessonProgress:complete",
        {"lessonId": "l1", "timeSpent": 720.0},
        "l1",
        time_spent=720,
    ),
    case(
        "lesson_progress.record_time",
        "lessonProgress:recordTime",
        {"lessonId": "l1", "seconds": 30.0},
        "l1",
        seconds=30,
    ),
    case("lesson_progress.course_progress", "lessonProgress:courseProgress", {"courseId": "c1"}, "c1"),
    case("certificates.list", "certificates:listMine", {}),
    case("certificates.get", "certificates:get", {"id": "cert1"}, "cert1"),
    case("certificates.verify", "certificates:verify", {"verificationCode": "ABC-123"}, "ABC-123"),
    case(
        "certificates.revoke",
        "certificates:revoke",
        {"id": "cert1", "reason": "fraud"},
        "cert1",
        reason="fraud",
    ),
    case(
        "certificates.set_expiry",
        "certificates:setExpiry",
        {"id": "cert1", "expiryDate": None},
        "cert1",
        expiry_date=None,
    ),
    case("certificates.expire", "certificates:expire", {"id": "ce1"}, "ce1"),
    case("certificates.expire_due", "certificates:expireDue", {"batchSize": 100.0}, batch_size=100),
    case(
        "course_reviews.create",
        "courseReviews:create",
        {"courseId": "c1", "rating": 5.0, "content": "Great"},
        course_id="c1",
        rating=5,
        content="Great",
    ),
    case("course_reviews.update", "courseReviews:update", {"id": "r1", "rating": 4.0}, "r1", rating=4),
    case("course_reviews.remove", "courseReviews:remove", {"id": "r1"}, "r1"),
    case("course_reviews.list_by_course", "courseReviews:listByCourse", {"courseId": "c1"}, "c1"),
    case("course_reviews.get_mine", "courseReviews:getMine", {"courseId": "c1"}, "c1"),
    # community, resources, notifications
    case(
        "resources.create",
        "resources:create",
        {
            "title": "Chart",
            "description": "D",
            "type": "pdf",
            "url": "https://f.example/c.pdf",
            "difficulty": "beginner",
            "categories": ["injection-techniques"],
        },
        **RESOURCE,
        difficulty="beginner",
        categories=["injection-techniques"],
    ),
    case("resources.update", "resources:update", {"id": "r1", "featured": True}, "r1", featured=True),
    case("resources.remove", "resources:remove", {"id": "r1"}, "r1"),
    case("resources.purge_dependents", "resources:purgeDependents", {"resourceId": "r1"}, "r1"),
    case("resources.get", "resources:get", {"id": "r1"}, "r1"),
    case("resources.list", "resources:list", {}),
    case("resources.list_by_course", "resources:listByCourse", {"courseId": "c1"}, "c1"),
    case("resources.list_by_category", "resources:listByCategory", {"category": "x"}, "x"),
    case("resources.list_featured", "resources:listFeatured", {"limit": 3.0}, limit=3),
    case("resources.list_mine", "resources:listMine", {}),
    case(
        "resources.search", "resources:search", {"query": "dilution", "type": "pdf"}, "dilution", type="pdf"
    ),
    case("resources.record_download", "resources:recordDownload", {"id": "r1"}, "r1"),
    case("favorites.toggle", "favorites:toggle", {"resourceId": "r1"}, resource_id="r1"),
    case("favorites.is_favorite", "favorites:isFavorite", {"resourceId": "r1"}, "r1"),
    case("favorites.list_mine", "favorites:listMine", {}),
    case("wishlist.add", "wishlist:add", {"courseId": "c1"}, "c1"),
    case("wishlist.remove", "wishlist:remove", {"courseId": "c1"}, "c1"),
    case("wishlist.contains", "wishlist:contains", {"courseId": "c1"}, "c1"),
    case("wishlist.list_mine", "wishlist:listMine", {}),
    case(
        "course_discussions.create",
        "courseDiscussions:create",
        {"courseId": "c1", "content": "Hello", "title": "Hi"},
        course_id="c1",
        content="Hello",
        title="Hi",
    ),
    case(
        "course_discussions.update",
        "courseDiscussions:update",
        {"id": "d1", "content": "x"},
        "d1",
        content="x",
    ),
    case("course_discussions.remove", "courseDiscussions:remove", {"id": "d1"}, "d1"),
    case("course_discussions.get", "courseDiscussions:get", {"id": "d1"}, "d1"),
    case("course_discussions.list_threads", "courseDiscussions:listThreads", {"courseId": "c1"}, "c1"),
    case("course_discussions.list_replies", "courseDiscussions:listReplies", {"parentId": "d1"}, "d1"),
    case(
        "live_sessions.schedule",
        "liveSessions:schedule",
        {**SCHEDULE_WIRE, "scheduledFor": MS_2026},
        **SCHEDULE,
        scheduled_for=JAN_2026,
    ),
    case("live_sessions.update", "liveSessions:update", {"id": "s1", "title": "New"}, "s1", title="New"),
    case("live_sessions.start", "liveSessions:start", {"id": "s1"}, "s1"),
    case(
        "live_sessions.complete",
        "liveSessions:complete",
        {"id": "s1", "recordingUrl": "https://r.example"},
        "s1",
        recording_url="https://r.example",
    ),
    case("live_sessions.cancel", "liveSessions:cancel", {"id": "s1", "reason": "ill"}, "s1", reason="ill"),
    case("live_sessions.get", "liveSessions:get", {"id": "s1"}, "s1"),
    case("live_sessions.list_upcoming", "liveSessions:listUpcoming", {"after": CURRENT_MINUTE}),
    case("live_sessions.list_live", "liveSessions:listLive", {}),
    case("live_sessions.list_by_instructor", "liveSessions:listByInstructor", {"instructorId": "u1"}, "u1"),
    case("live_sessions.join", "sessionParticipants:join", {"sessionId": "s1"}, "s1"),
    case("live_sessions.leave", "sessionParticipants:leave", {"sessionId": "s1"}, "s1"),
    case("live_sessions.participants", "sessionParticipants:listBySession", {"sessionId": "s1"}, "s1"),
    case("session_participants.join", "sessionParticipants:join", {"sessionId": "s1"}, "s1"),
    case("session_participants.leave", "sessionParticipants:leave", {"sessionId": "s1"}, "s1"),
    case(
        "session_participants.list_by_session", "sessionParticipants:listBySession", {"sessionId": "s1"}, "s1"
    ),
    case("session_participants.list_mine", "sessionParticipants:listMine", {}),
    case("notifications.list", "notifications:list", {"unreadOnly": True}, unread_only=True),
    case("notifications.list_unread", "notifications:listUnread", {}),
    case("notifications.unread_count", "notifications:unreadCount", {}),
    case("notifications.mark_read", "notifications:markRead", {"id": "n1"}, "n1"),
    case("notifications.mark_all_read", "notifications:markAllRead", {}),
    case(
        "notifications.mark_all_read_batch",
        "notifications:markAllReadBatch",
        {"userId": "u1", "before": MS_2026},
        user_id="u1",
        before=JAN_2026,
    ),
    case(
        "notifications.send",
        "notifications:send",
        {"userId": "u1", "type": "announcement", "title": "T", "description": "D"},
        user_id="u1",
        type="announcement",
        title="T",
        description="D",
    ),
    case("notifications.archive_old", "notifications:archiveOld", {"cutoff": MS_2026}, cutoff=JAN_2026),
    # system
    case(
        "migrations.users_role_to_booleans",
        "migrations:usersRoleToBooleans",
        {"batchSize": 10.0},
        batch_size=10,
    ),
    case(
        "migrations.recount_counters",
        "migrations:recountCounters",
        {"table": "courses", "repair": False},
        "courses",
        repair=False,
    ),
    case("idempotency_keys.cleanup", "idempotencyKeys:cleanup", {"batchSize": 5.0}, batch_size=5),
]


# ---------------------------------------------------------------- the functions and their declared results


def args_models() -> dict[str, type[ArgsModel]]:
    found: dict[str, type[ArgsModel]] = {}
    for info in pkgutil.iter_modules(_args.__path__):
        module = importlib.import_module(f"{_args.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, ArgsModel) and "convex_path" in vars(value):
                found[value.convex_path] = value
    return found


ARGS = args_models()


@pytest.fixture(scope="module")
def returns() -> dict[str, Any]:
    """Each function's `returns` validator, exported from convex/ as the generator sees it."""
    spec = load_generator().export_spec(ROOT / "convex")
    return {f["path"]: f["returns"] for f in spec["functions"]}


def sample(validator: dict[str, Any] | None, key: str = "") -> Any:
    """A value the server could return for ``validator`` (Convex JSON; only required fields)."""
    if validator is None:
        return None
    kind = validator["type"]
    if kind == "object":
        return {k: sample(f["fieldType"], k) for k, f in validator["value"].items() if not f["optional"]}
    if kind == "union":
        return sample(next(m for m in validator["value"] if m["type"] != "null"), key)
    if kind == "array":
        return [sample(validator["value"], key)]
    if kind == "string":
        return "2028-01-31" if key.endswith("Expiry") else "2026-01-01T00:00:00.000Z"
    values = {"number": 1.0, "boolean": True, "null": None, "any": {"k": 1.0}, "record": {}}
    if kind in values:
        return values[kind]
    if kind == "id":
        return f"{validator['tableName']}_1"
    if kind == "literal":
        return validator["value"]
    return {"$integer": "AQAAAAAAAAA="}  # bigint


def conforms(value: Any, declared: str) -> bool:
    """Whether ``value`` is what `convex_returns` (e.g. ``"Course | None"``, ``"Page[User]"``) declares."""
    if " | " in declared:
        return any(conforms(value, part) for part in declared.split(" | "))
    generic = re.fullmatch(r"(list|Page)\[(.*)\]", declared)
    if generic:
        return isinstance(value, list) and all(conforms(item, generic[2]) for item in value)
    if declared == "None":
        return value is None
    if declared == "Any":
        return True
    if declared == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    expected = getattr(types, declared, None) or getattr(builtins, declared)
    return isinstance(value, expected)


# ---------------------------------------------------------------- running a case


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=URL, assert_all_called=False) as router:
        yield router


def resolve(client: Any, target: str) -> Any:
    resource, method = target.split(".")
    return getattr(getattr(client, resource), method)


def route_for(mock: respx.MockRouter, path: str, value: Any) -> respx.Route:
    kind = ARGS[path].convex_kind
    body = {"status": "success", "value": value, "logLines": []}
    return mock.post(f"/api/{kind}").mock(return_value=httpx.Response(200, json=body))


def check_request(route: respx.Route, c: Case) -> None:
    assert route.call_count == 1
    sent = json.loads(route.calls[0].request.content)
    assert sent["path"] == c.path
    args = dict(sent["args"])
    model = ARGS[c.path]
    assert ("idempotencyKey" in args) == model.convex_idempotent
    assert ("paginationOpts" in args) == model.convex_paginated
    if model.convex_paginated:
        assert args.pop("paginationOpts")["numItems"] == c.kwargs.get("page_size", 100)
    args.pop("idempotencyKey", None)
    assert args == c.wire


@pytest.mark.parametrize("c", CASES, ids=str)
def test_sync_method(c: Case, mock: respx.MockRouter, returns: dict[str, Any]) -> None:
    route = route_for(mock, c.path, sample(returns[c.path]))
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        result = resolve(client, c.target)(*c.args, **c.kwargs)
        if isinstance(result, SyncCursorPage):
            result = list(result)
    check_request(route, c)
    assert conforms(result, ARGS[c.path].convex_returns), (result, ARGS[c.path].convex_returns)


@pytest.mark.parametrize("c", CASES, ids=str)
async def test_async_method(c: Case, mock: respx.MockRouter, returns: dict[str, Any]) -> None:
    route = route_for(mock, c.path, sample(returns[c.path]))
    async with AsyncDoctrina(url=URL, admin_key=ADMIN_KEY) as client:
        call = resolve(client, c.target)(*c.args, **c.kwargs)
        result = [item async for item in call] if isinstance(call, AsyncCursorPage) else await call
    check_request(route, c)
    assert conforms(result, ARGS[c.path].convex_returns), (result, ARGS[c.path].convex_returns)


def resource_class(client_type: type[Any], name: str) -> type[Any]:
    """The resource class behind ``client.<name>`` (from the mixin's annotation, no client needed)."""
    annotation = getattr(client_type, name).func.__annotations__["return"]
    resource: type[Any] = getattr(resources, annotation)
    return resource


@pytest.mark.parametrize("c", CASES, ids=str)
def test_docstring_names_the_function(c: Case) -> None:
    resource, method = c.target.split(".")
    for client_type in (Doctrina, AsyncDoctrina):
        assert f"Calls `{c.path}`" in getattr(resource_class(client_type, resource), method).__doc__


def test_every_function_has_a_method() -> None:
    bulk = {"users:createMany"}  # `users.create_many`: tests/sdk/test_resources_bulk.py
    assert set(ARGS) == {c.path for c in CASES} | bulk


def test_sync_and_async_resources_have_the_same_methods() -> None:
    for name in {c.target.split(".")[0] for c in CASES}:
        sync_methods = {m for m in dir(resource_class(Doctrina, name)) if not m.startswith("_")}
        async_methods = {m for m in dir(resource_class(AsyncDoctrina, name)) if not m.startswith("_")}
        assert sync_methods == async_methods, name


# ---------------------------------------------------------------- local validation


INVALID = [
    ("users.create", (), {"first_name": "J", "last_name": 3, "email": "e"}, "last_name"),
    ("courses.create", (), {"title": "T", "description": "D", "category": "c", "price": "cheap"}, "price"),
    ("courses.unpublish", ("c1",), {"visibility": "public"}, "visibility"),
    ("instructor_applications.submit", (), {**APPLICATION, "license_expiry": "31/01/2028"}, "license_expiry"),
    ("live_sessions.schedule", (), {**SCHEDULE, "scheduled_for": datetime(2030, 1, 1)}, "scheduled_for"),
    (
        "quiz_questions.create",
        (),
        {"lesson_id": "l1", "question": "Q", "options": "ab", "correct_option": 0},
        "options",
    ),
    ("lessons.create", (), {"module_id": "m1", "title": "L", "type": "podcast", "content": ""}, "type"),
]


@pytest.mark.parametrize(("target", "args", "kwargs", "field"), INVALID, ids=[t for t, *_ in INVALID])
def test_invalid_arguments_raise_before_sending(
    target: str, args: tuple[Any, ...], kwargs: dict[str, Any], field: str, mock: respx.MockRouter
) -> None:
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client, pytest.raises(ValidationError) as caught:
        resolve(client, target)(*args, **kwargs)
    assert caught.value.data["field"] == field
    assert field in caught.value.message
    assert caught.value.code == "VALIDATION"
    assert mock.calls.call_count == 0


async def test_async_invalid_arguments_raise_before_sending(mock: respx.MockRouter) -> None:
    async with AsyncDoctrina(url=URL, admin_key=ADMIN_KEY) as client:
        with pytest.raises(ValidationError):
            await client.courses.unpublish("c1", visibility="public")  # type: ignore[arg-type]
    assert mock.calls.call_count == 0


# ---------------------------------------------------------------- live queries


def test_watch_unread_subscribes_to_list_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []

    def fake_watch(self: Any, call: Any, *, cast_to: Any) -> Iterator[Any]:
        seen.append((call, cast_to))
        return iter([[]])

    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        monkeypatch.setattr(type(client), "_watch", fake_watch)
        assert next(iter(client.notifications.watch_unread())) == []
    call, cast_to = seen[0]
    assert (call.kind, call.path, call.args) == ("query", "notifications:listUnread", {})
    assert cast_to == list[types.Notification]


async def test_async_watch_unread_is_an_async_iterator(monkeypatch: pytest.MonkeyPatch) -> None:
    async def values() -> AsyncIterator[list[Any]]:
        yield []

    def fake_watch(self: Any, call: Any, *, cast_to: Any) -> AsyncIterator[Any]:
        return values()

    async with AsyncDoctrina(url=URL, admin_key=ADMIN_KEY) as client:
        monkeypatch.setattr(type(client), "_watch", fake_watch)
        async for unread in client.acting_as("u1").notifications.watch_unread():
            assert unread == []
