"""Every resource method: the function it calls, the wire arguments, and the typed result.

The cases are built from what convex/ exports, not restated by hand: one per
generated method (found by its "Calls `path`" docstring), passing every declared
argument with a sample value of its validator and expecting its wire form. Each runs
through `Doctrina` and `AsyncDoctrina` against respx; the response is a sample of
the function's `returns` validator, so the typed result is checked too.
"""

from __future__ import annotations

import builtins
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import httpx
import pytest
import respx
from codegen_support import ROOT, load_generator, load_sdk_generator

from doctrina_sdk import (
    AsyncCursorPage,
    AsyncDoctrina,
    Doctrina,
    SyncCursorPage,
    ValidationError,
    resources,
    types,
)
from doctrina_sdk.resources import ResourcesMixin

gen_models = load_generator()
gen_sdk = load_sdk_generator()
CLIENT_ARGS = gen_models.CLIENT_ARGS

URL = "http://deployment.test"
ADMIN_KEY = "doctrina-local|0123456789abcdef-admin-secret"
JAN_2026 = datetime(2026, 1, 1, tzinfo=timezone.utc)
MS_2026 = 1_767_225_600_000.0


SCHEDULE = {"title": "Demo", "description": "Q&A", "duration": 60, "max_participants": 12}
APPLICATION = {
    "license_number": "RN1",
    "license_state": "CA",
    "insurance_provider": "MedPro",
    "documents": [],
}


# ---------------------------------------------------------------- the cases, from the exported validators

SPEC = gen_models.export_spec(ROOT / "convex")
FUNCTIONS = {f["path"]: f for f in SPEC["functions"]}
ISO_2026 = "2026-01-01T00:00:00.000Z"


@dataclass
class Case:
    target: str  # "courses.create"
    path: str  # "courses:create"
    wire: dict[str, Any]  # every declared argument, as the server receives it
    kwargs: dict[str, Any] = field(default_factory=dict)  # the same, as the method takes them

    def __str__(self) -> str:
        return self.target


def arg_sample(validator: dict[str, Any], key: str) -> tuple[Any, Any]:
    """A Python value for an argument of ``validator``, and its wire form."""
    kind = validator["type"]
    for vtype, pattern, pytype in gen_models.TIME_RULES:
        if kind == vtype and re.search(pattern, key):
            return {
                "Timestamp": (JAN_2026, MS_2026),
                "IsoDatetime": (JAN_2026, ISO_2026),
                "IsoDate": (date(2028, 1, 31), "2028-01-31"),
            }[pytype]
    if kind == "union":
        return arg_sample(next(m for m in validator["value"] if m["type"] != "null"), key)
    if kind == "array":
        python, wire = arg_sample(validator["value"], gen_models.singular(key))
        return [python], [wire]
    if kind == "object":
        fields = {k: arg_sample(f["fieldType"], k) for k, f in validator["value"].items()}
        python = {gen_models.snake(k): p for k, (p, _) in fields.items()}
        return python, {k: w for k, (_, w) in fields.items()}
    simple = {"string": "text", "number": 2, "boolean": True, "record": {}, "any": {"k": 1.0}}
    if kind in simple:
        return simple[kind], simple[kind]
    if kind == "id":
        return f"{validator['tableName']}_1", f"{validator['tableName']}_1"
    if kind == "literal":
        return validator["value"], validator["value"]
    raise AssertionError(f"{key}: no sample for {validator}")


def generated_methods() -> dict[str, list[str]]:
    """Each function's generated methods (``"courses.create"``), found from the docstrings."""
    found: dict[str, list[str]] = {}
    for name in dir(ResourcesMixin):
        if name.startswith("_"):
            continue
        resource = resource_class(Doctrina, name)
        for method in (m for m in dir(resource) if not m.startswith("_")):
            function = generated_definition(resource, method)
            if function is None:
                continue  # only in lib/ (another signature): tested on its own
            path = re.search(r"Calls `([^`]+)`", function.__doc__)[1]
            found.setdefault(path, []).append(f"{name}.{method}")
    return found


def generated_definition(resource: type[Any], method: str) -> Any:
    """``method`` as generated in resources/, also under a lib/ override; None if only lib/ has it."""
    for cls in resource.__mro__:
        if cls.__module__.startswith("doctrina_sdk.resources.") and method in cls.__dict__:
            return cls.__dict__[method]
    return None


def resource_class(client_type: type[Any], name: str) -> type[Any]:
    """The resource class behind ``client.<name>`` (from the mixin's annotation, no client needed)."""
    annotation = getattr(client_type, name).func.__annotations__["return"]
    resource: type[Any] = getattr(resources, annotation)
    return resource


def cases() -> list[Case]:
    found = []
    for path, targets in sorted(generated_methods().items()):
        declared = FUNCTIONS[path]["args"].get("value", {})
        samples = {k: arg_sample(f["fieldType"], k) for k, f in declared.items() if k not in CLIENT_ARGS}
        kwargs = {gen_models.snake(k): python for k, (python, _) in samples.items()}
        wire = {k: w for k, (_, w) in samples.items()}
        found += [Case(target, path, wire, kwargs) for target in targets]
    return found


CASES = cases()


# ---------------------------------------------------------------- what the functions declare


RESULT_TYPES = gen_models.Generator(SPEC)


def declared_result(path: str) -> str:
    """The result type ``path`` declares, as the SDK names it (``"Course | None"``, ``"Page[User]"``)."""
    return str(RESULT_TYPES.result_type(FUNCTIONS[path]["returns"], path))


def declared_args(path: str) -> set[str]:
    return set(FUNCTIONS[path]["args"].get("value", {}))


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
    kind = FUNCTIONS[path]["kind"]
    body = {"status": "success", "value": value, "logLines": []}
    return mock.post(f"/api/{kind}").mock(return_value=httpx.Response(200, json=body))


def check_request(route: respx.Route, c: Case) -> None:
    assert route.call_count == 1
    sent = json.loads(route.calls[0].request.content)
    assert sent["path"] == c.path
    args = dict(sent["args"])
    declared = declared_args(c.path)
    assert ("idempotencyKey" in args) == ("idempotencyKey" in declared)
    assert ("paginationOpts" in args) == ("paginationOpts" in declared)
    if "paginationOpts" in declared:
        assert args.pop("paginationOpts")["numItems"] == c.kwargs.get("page_size", 100)
    args.pop("idempotencyKey", None)
    assert args == c.wire


@pytest.mark.parametrize("c", CASES, ids=str)
def test_sync_method(c: Case, mock: respx.MockRouter) -> None:
    route = route_for(mock, c.path, sample(FUNCTIONS[c.path]["returns"]))
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        result = resolve(client, c.target)(**c.kwargs)
        if isinstance(result, SyncCursorPage):
            result = list(result)
    check_request(route, c)
    assert conforms(result, declared_result(c.path)), (result, declared_result(c.path))


@pytest.mark.parametrize("c", CASES, ids=str)
async def test_async_method(c: Case, mock: respx.MockRouter) -> None:
    route = route_for(mock, c.path, sample(FUNCTIONS[c.path]["returns"]))
    async with AsyncDoctrina(url=URL, admin_key=ADMIN_KEY) as client:
        call = resolve(client, c.target)(**c.kwargs)
        result = [item async for item in call] if isinstance(call, AsyncCursorPage) else await call
    check_request(route, c)
    assert conforms(result, declared_result(c.path)), (result, declared_result(c.path))


@pytest.mark.parametrize("c", CASES, ids=str)
def test_docstring_names_the_function(c: Case) -> None:
    resource, method = c.target.split(".")
    for client_type in (Doctrina, AsyncDoctrina):
        assert f"Calls `{c.path}`" in getattr(resource_class(client_type, resource), method).__doc__


def test_every_function_has_a_method() -> None:
    # `users.create_many` is hand-written (lib/users.py): tests/sdk/test_resources_bulk.py
    assert set(FUNCTIONS) == {c.path for c in CASES} | gen_sdk.HAND_WRITTEN


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


def test_list_upcoming_sends_the_current_minute_by_default(mock: respx.MockRouter) -> None:
    path = "liveSessions:listUpcoming"
    route = route_for(mock, path, sample(FUNCTIONS[path]["returns"]))
    before = time.time() * 1000
    with Doctrina(url=URL, admin_key=ADMIN_KEY) as client:
        list(client.live_sessions.list_upcoming())
    after = json.loads(route.calls[0].request.content)["args"]["after"]
    assert after % 60_000 == 0
    assert before - 60_000 < after <= before
