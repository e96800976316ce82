"""The generated models: wire names, Convex values both ways, tolerance for server additions, strict args."""

from __future__ import annotations

import importlib
import importlib.util
import json
import shutil
import sys
from datetime import date, datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import pydantic
import pytest
from codegen_support import ROOT, load_generator

from convex import ConvexInt64
from doctrina_sdk import types
from doctrina_sdk.types import (
    Course,
    CourseWithCurriculum,
    CurriculumModule,
    FavoriteWithResource,
    InstructorApplication,
    QuizAttemptResult,
    User,
)
from doctrina_sdk.types._args.certificates import CertificatesSetExpiryArgs
from doctrina_sdk.types._args.courses import CoursesCreateArgs, CoursesUnpublishArgs
from doctrina_sdk.types._args.instructor_applications import InstructorApplicationsSubmitArgs
from doctrina_sdk.types._args.live_sessions import LiveSessionsScheduleArgs
from doctrina_sdk.types._args.users import UsersCreateArgs, UsersListAdminsArgs

MS_2026 = 1_767_225_600_000.0  # 2026-01-01T00:00:00Z
JAN_2026 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def user_wire(**changes: Any) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "_id": "u1",
        "_creationTime": MS_2026 + 0.5,
        "firstName": "Jane",
        "lastName": "Doe",
        "email": "jane@clinic.example",
        "isInstructor": False,
        "isAdmin": True,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-02T03:04:05.678Z",
    }
    return {**wire, **changes}


def course_wire(**changes: Any) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "_id": "c1",
        "_creationTime": MS_2026,
        "title": "Botox Foundations",
        "description": "Safe practice",
        "instructorId": "u1",
        "price": 49900.0,
        "rating": 4.5,
        "createdAt": MS_2026,
        "updatedAt": MS_2026,
        "category": "botox",
        "tags": ["anatomy"],
        "visibility": "public",
        "certificateEnabled": True,
        "discussionEnabled": False,
        "lessonCount": 2.0,
        "studentCount": 0.0,
    }
    return {**wire, **changes}


# ---------------------------------------------------------------- read models


def test_snake_case_attributes_and_system_fields() -> None:
    user = User.model_validate(user_wire())
    assert (user.id, user.first_name, user.is_admin, user.is_instructor) == ("u1", "Jane", True, False)
    assert user.creation_time == JAN_2026 + timedelta(microseconds=500)
    assert user.phone is None


def test_populate_by_python_name() -> None:
    user = User(
        id="u1",
        creation_time=JAN_2026,
        first_name="Jane",
        last_name="Doe",
        email="j@example.com",
        is_instructor=False,
        is_admin=False,
    )
    assert user.to_wire()["firstName"] == "Jane"


def test_round_trip_keeps_the_wire_form() -> None:
    wire = user_wire(lastLogin="2026-03-04T05:06:07.089Z")
    assert User.model_validate(wire).to_wire() == wire
    course = course_wire(publishedAt=MS_2026 + 1000)
    assert Course.model_validate(course).to_wire() == course


def test_unix_ms_fields_become_aware_datetimes() -> None:
    course = Course.model_validate(course_wire(publishedAt=MS_2026 + 1500))
    assert course.created_at == JAN_2026
    assert course.published_at == JAN_2026 + timedelta(milliseconds=1500)
    assert course.created_at.tzinfo is not None
    assert course.to_wire()["publishedAt"] == MS_2026 + 1500


def test_iso_string_fields_become_aware_datetimes() -> None:
    user = User.model_validate(user_wire(lastLogin="2024-05-06T07:08:09"))  # legacy, no offset: UTC
    assert user.last_login == datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert user.updated_at == datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    assert user.to_wire()["lastLogin"] == "2024-05-06T07:08:09.000Z"


def test_iso_date_field_becomes_date() -> None:
    app = InstructorApplication.model_validate(
        {
            "_id": "a1",
            "_creationTime": MS_2026,
            "userId": "u1",
            "status": "pending",
            "licenseNumber": "RN1",
            "licenseState": "CA",
            "licenseExpiry": "2028-01-31",
            "insuranceProvider": "MedPro",
            "documents": [],
            "submittedAt": MS_2026,
        }
    )
    assert app.license_expiry == date(2028, 1, 31)
    assert app.to_wire()["licenseExpiry"] == "2028-01-31"


def test_integral_numbers_read_as_ints() -> None:
    course = Course.model_validate(course_wire())
    assert course.price == 49900
    assert isinstance(course.price, int)
    assert course.rating == 4.5
    assert isinstance(course.rating, float)
    assert course.to_wire()["price"] == 49900.0
    assert isinstance(course.to_wire()["price"], float)


def test_python_dump_keeps_python_values() -> None:
    dumped = Course.model_validate(course_wire()).model_dump()
    assert dumped["created_at"] == JAN_2026
    assert "createdAt" not in dumped


def test_unknown_server_fields_are_kept() -> None:
    user = User.model_validate(user_wire(loyaltyTier="gold"))
    assert user.model_extra == {"loyaltyTier": "gold"}
    assert user.to_wire()["loyaltyTier"] == "gold"


def test_missing_required_field_fails() -> None:
    wire = user_wire()
    del wire["email"]
    with pytest.raises(pydantic.ValidationError):
        User.model_validate(wire)


def test_shapes_extend_their_table_models() -> None:
    module = {"_id": "m1", "_creationTime": MS_2026, "courseId": "c1", "title": "Anatomy", "order": 0.0}
    module |= {"createdAt": MS_2026, "updatedAt": MS_2026, "lessons": []}
    full = CourseWithCurriculum.model_validate(course_wire(canLearn=False, modules=[module]))
    assert isinstance(full, Course)
    assert isinstance(full.modules[0], CurriculumModule)
    assert full.modules[0].title == "Anatomy"
    assert full.can_learn is False
    assert issubclass(QuizAttemptResult, types.QuizAttempt)


def test_nullable_field_accepts_null_and_sends_it_back() -> None:
    favorite = {
        "_id": "f1",
        "_creationTime": MS_2026,
        "userId": "u1",
        "resourceId": "r1",
        "createdAt": MS_2026,
    }
    parsed = FavoriteWithResource.model_validate({**favorite, "resource": None})
    assert parsed.resource is None
    assert parsed.to_wire()["resource"] is None


def test_every_model_is_exported() -> None:
    for name in (
        "User",
        "Course",
        "WishlistItem",
        "LessonProgress",
        "CourseWithCurriculum",
        "UserId",
        "Level",
    ):
        assert name in types.__all__
        assert hasattr(types, name)


# ---------------------------------------------------------------- args models


def test_args_wire_form_omits_absent_optionals() -> None:
    args = CoursesCreateArgs(title="T", description="D", category="botox", price=100, tags=["a"])
    assert args.to_wire() == {
        "title": "T",
        "description": "D",
        "category": "botox",
        "price": 100.0,
        "tags": ["a"],
    }
    assert CoursesCreateArgs.convex_idempotent
    assert CoursesCreateArgs.convex_path == "courses:create"
    assert CoursesCreateArgs.convex_returns == "Course"
    assert UsersListAdminsArgs.convex_paginated
    assert UsersListAdminsArgs.convex_returns == "Page[User]"
    assert "idempotency_key" not in CoursesCreateArgs.model_fields


def test_args_datetime_and_date_go_out_as_convex_values() -> None:
    schedule = LiveSessionsScheduleArgs(
        title="Demo",
        description="Q&A",
        scheduled_for=datetime(2026, 1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        duration=60,
        max_participants=12,
    )
    assert schedule.to_wire()["scheduledFor"] == MS_2026
    submit = InstructorApplicationsSubmitArgs(
        license_number="RN1",
        license_state="CA",
        license_expiry=date(2028, 1, 31),
        insurance_provider="MedPro",
        documents=[],
    )
    assert submit.to_wire()["licenseExpiry"] == "2028-01-31"


def test_explicit_null_only_for_nullable_args() -> None:
    cleared = CertificatesSetExpiryArgs(id="cert1", expiry_date=None)
    assert cleared.to_wire() == {"id": "cert1", "expiryDate": None}
    later = CertificatesSetExpiryArgs(id="cert1", expiry_date=JAN_2026)
    assert later.to_wire()["expiryDate"] == "2026-01-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("model", "args"),
    [
        (UsersCreateArgs, {"first_name": "J", "last_name": "D", "email": "e", "nickname": "x"}),
        (UsersCreateArgs, {"first_name": "J", "last_name": "D"}),
        (UsersCreateArgs, {"first_name": 1, "last_name": "D", "email": "e"}),
        (CoursesUnpublishArgs, {"id": "c1", "visibility": "public"}),
        (CoursesCreateArgs, {"title": "T", "description": "D", "category": "c", "price": "cheap"}),
        (
            LiveSessionsScheduleArgs,
            {
                "title": "T",
                "description": "D",
                "duration": 1,
                "max_participants": 1,
                "scheduled_for": datetime(2030, 1, 1),
            },
        ),
        (
            InstructorApplicationsSubmitArgs,
            {
                "license_number": "1",
                "license_state": "CA",
                "documents": [],
                "insurance_provider": "x",
                "license_expiry": "31/01/2028",
            },
        ),
        (CertificatesSetExpiryArgs, {"id": "cert1"}),
    ],
    ids=[
        "unknown",
        "missing",
        "type",
        "literal",
        "number",
        "naive-datetime",
        "date-format",
        "nullable-required",
    ],
)
def test_args_models_reject_bad_input(model: type[pydantic.BaseModel], args: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        model.model_validate(args)


def test_args_errors_name_python_arguments() -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        UsersCreateArgs.model_validate({"last_name": "D", "email": "e"})
    assert caught.value.errors()[0]["loc"] == ("first_name",)


# ---------------------------------------------------------------- generated from a spec with everything


def field(validator: dict[str, Any], optional: bool = False) -> dict[str, Any]:
    return {"fieldType": validator, "optional": optional}


def obj(**fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "value": fields}


STRING, NUMBER, BIGINT, NULL = {"type": "string"}, {"type": "number"}, {"type": "bigint"}, {"type": "null"}
KIND = {"type": "union", "value": [{"type": "literal", "value": "a"}, {"type": "literal", "value": "b"}]}
PART = obj(name=field(STRING), qty=field(BIGINT))
GADGET = obj(
    count=field(BIGINT),
    kind=field(KIND),
    size=field({"type": "union", "value": [NUMBER, STRING]}),
    seenAt=field(NUMBER),
    warrantyExpiry=field(STRING, optional=True),
    parentId=field({"type": "id", "tableName": "gadgets"}, optional=True),
    labels=field({"type": "record", "keys": STRING, "values": field(NUMBER)}),
    parts=field({"type": "array", "value": PART}),
    note=field({"type": "union", "value": [STRING, {"type": "null"}]}),
    meta=field({"type": "any"}, optional=True),
)
GADGET_DOC = obj(
    _id=field({"type": "id", "tableName": "gadgets"}), _creationTime=field(NUMBER), **GADGET["value"]
)
SPEC: dict[str, Any] = {
    "tables": [{"name": "gadgets", "document": GADGET, "indexes": []}],
    "enums": {"gadgetKind": KIND},
    "shapes": {
        "GadgetSummary": obj(
            total=field(BIGINT), gadget=field({"type": "union", "value": [GADGET_DOC, NULL]})
        )
    },
    "functions": [
        {
            "module": "gadgets",
            "name": "create",
            "path": "gadgets:create",
            "kind": "mutation",
            "visibility": "public",
            "args": obj(
                count=field(BIGINT),
                parts=field({"type": "array", "value": PART}),
                note=field({"type": "union", "value": [STRING, {"type": "null"}]}, optional=True),
                idempotencyKey=field(STRING, optional=True),
            ),
            "returns": GADGET_DOC,
        }
    ],
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The models of SPEC, generated into a package of their own and imported."""
    gen_models = load_generator()
    root = tmp_path_factory.mktemp("generated")
    package = root / "gadget_models"
    (root / "spec.json").write_text(json.dumps(SPEC))
    assert gen_models.main(["--spec", str(root / "spec.json"), "--out", str(package)]) == 0
    shutil.copy(ROOT / "src/doctrina_sdk/types/_base.py", package / "_base.py")
    sys.path.insert(0, str(root))
    try:
        return importlib.import_module("gadget_models")
    finally:
        sys.path.remove(str(root))


def gadget_wire() -> dict[str, Any]:
    return {
        "_id": "g1",
        "_creationTime": MS_2026,
        "count": ConvexInt64(2**40),
        "kind": "a",
        "size": "XL",
        "seenAt": MS_2026,
        "labels": {"x": 1.5},
        "parts": [{"name": "bolt", "qty": ConvexInt64(3)}],
        "note": None,
    }


def test_generated_int64_record_nested_and_unions(generated: ModuleType) -> None:
    gadget = generated.Gadget.model_validate(gadget_wire())
    assert gadget.count == 2**40
    assert isinstance(gadget.count, int)
    assert gadget.parts[0].qty == 3
    assert type(gadget.parts[0]).__name__ == "GadgetPart"
    assert gadget.size == "XL"
    assert gadget.labels == {"x": 1.5}
    assert gadget.seen_at == JAN_2026
    wire = gadget.to_wire()
    assert wire["count"] == ConvexInt64(2**40)
    assert wire["parts"][0]["qty"] == ConvexInt64(3)
    assert wire["note"] is None
    assert "warrantyExpiry" not in wire


def test_generated_int64_accepts_json_form(generated: ModuleType) -> None:
    gadget = generated.Gadget.model_validate({**gadget_wire(), "count": {"$integer": "AgAAAAAAAAA="}})
    assert gadget.count == 2


def test_generated_enum_alias_and_ids(generated: ModuleType) -> None:
    assert generated.GadgetKind.__args__ == ("a", "b")
    assert generated.GadgetId("g1") == "g1"
    with pytest.raises(pydantic.ValidationError):
        generated.Gadget.model_validate({**gadget_wire(), "kind": "c"})


def test_generated_shape_and_args(generated: ModuleType) -> None:
    summary = generated.GadgetSummary.model_validate({"total": ConvexInt64(1), "gadget": gadget_wire()})
    assert isinstance(summary.gadget, generated.Gadget)
    args_module = importlib.import_module("gadget_models._args.gadgets")
    create = args_module.GadgetsCreateArgs
    assert create.convex_idempotent
    assert create.convex_returns == "Gadget"
    wire = create(count=5, parts=[{"name": "nut", "qty": 1}], note=None).to_wire()
    assert wire == {"count": ConvexInt64(5), "parts": [{"name": "nut", "qty": ConvexInt64(1)}], "note": None}
    assert create(count=5, parts=[]).to_wire() == {"count": ConvexInt64(5), "parts": []}
    with pytest.raises(pydantic.ValidationError):
        create(count=2**63, parts=[])
    with pytest.raises(pydantic.ValidationError):
        create(count=1, parts=[{"name": "nut", "qty": 1, "colour": "red"}])
