"""Backend error codes and HTTP statuses map onto one hierarchy."""

from __future__ import annotations

import pytest
import respx
from unit_support import ADMIN_KEY, URL, failed

import doctrina_sdk as sdk
from doctrina_sdk import FunctionCall
from doctrina_sdk._base_client import SyncAPIClient
from doctrina_sdk._exceptions import function_error, status_error

CODES = [
    ("VALIDATION", sdk.ValidationError, sdk.FunctionValidationError),
    ("UNAUTHENTICATED", sdk.AuthenticationError, sdk.FunctionAuthenticationError),
    ("FORBIDDEN", sdk.PermissionDeniedError, sdk.FunctionPermissionDeniedError),
    ("NOT_FOUND", sdk.NotFoundError, sdk.FunctionNotFoundError),
    ("CONFLICT", sdk.ConflictError, sdk.FunctionConflictError),
    ("LIMIT", sdk.LimitExceededError, sdk.LimitExceededError),
    ("INVALID_STATE", sdk.InvalidStateError, sdk.InvalidStateError),
]


@pytest.mark.parametrize(("code", "category", "raised"), CODES)
def test_function_error_codes(code: str, category: type, raised: type) -> None:
    error = function_error(
        "[Request ID: abc123] Server Error\nUncaught ConvexError: {...}",
        error_data={"code": code, "message": "Course not found", "id": "c1"},
        function_path="courses:get",
        log_lines=["[LOG] 'hi'"],
    )
    assert type(error) is raised
    assert isinstance(error, category)
    assert isinstance(error, sdk.FunctionError)
    assert not isinstance(error, sdk.APIStatusError)
    assert (error.code, error.message, error.request_id) == (code, "Course not found", "abc123")
    assert error.data == {"code": code, "message": "Course not found", "id": "c1"}
    assert error.function_path == "courses:get"
    assert error.log_lines == ["[LOG] 'hi'"]


def test_plain_function_error() -> None:
    error = function_error(
        "[Request ID: r9] Server Error\nUncaught Error: boom", error_data=None, function_path="x:y"
    )
    assert type(error) is sdk.FunctionError
    assert error.code is None
    assert error.request_id == "r9"
    assert "boom" in error.message


def test_unknown_code_is_a_plain_function_error() -> None:
    error = function_error("e", error_data={"code": "SOMETHING_NEW", "message": "m"}, function_path="x:y")
    assert type(error) is sdk.FunctionError
    assert error.code == "SOMETHING_NEW"


def test_server_argument_validation_is_a_validation_error() -> None:
    error = function_error(
        "[Request ID: r] Server Error\nArgumentValidationError: Value does not match validator.",
        error_data=None,
        function_path="users:get",
    )
    assert isinstance(error, sdk.ValidationError)
    assert error.code == "VALIDATION"


STATUSES = [
    (400, sdk.BadRequestError, None),
    (401, sdk.HTTPAuthenticationError, sdk.AuthenticationError),
    (403, sdk.HTTPPermissionDeniedError, sdk.PermissionDeniedError),
    (404, sdk.HTTPNotFoundError, sdk.NotFoundError),
    (409, sdk.HTTPConflictError, sdk.ConflictError),
    (429, sdk.RateLimitError, None),
    (500, sdk.InternalServerError, None),
    (503, sdk.InternalServerError, None),
    (418, sdk.APIStatusError, None),
]


@pytest.mark.parametrize(("status", "raised", "category"), STATUSES)
def test_http_statuses(status: int, raised: type, category: type | None) -> None:
    error = status_error(
        status, headers={}, body={"code": "SomeCode", "message": "went wrong"}, function_path="a:b"
    )
    assert type(error) is raised
    assert isinstance(error, sdk.APIStatusError)
    assert not isinstance(error, sdk.FunctionError)
    if category is not None:
        assert isinstance(error, category)
    assert (error.status_code, error.code, error.message) == (status, "SomeCode", "went wrong")


def test_status_error_with_a_text_body() -> None:
    error = status_error(502, headers={}, body="Bad gateway\n", function_path=None)
    assert error.message == "Bad gateway"
    assert error.code is None


def test_one_except_catches_both_origins() -> None:
    http_404 = status_error(404, headers={}, body={}, function_path=None)
    function_404 = function_error("m", error_data={"code": "NOT_FOUND", "message": "m"}, function_path="p")
    for error in (http_404, function_404):
        with pytest.raises(sdk.NotFoundError):
            raise error


def test_every_error_is_a_doctrina_error() -> None:
    for name in sdk.__all__:
        value = getattr(sdk, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, sdk.DoctrinaError), name


def test_str_and_repr() -> None:
    error = function_error("m", error_data={"code": "FORBIDDEN", "message": "No"}, function_path="c:d")
    assert str(error) == "[FORBIDDEN] No (c:d)"
    assert repr(error) == "FunctionPermissionDeniedError(code='FORBIDDEN', message='No', function_path='c:d')"
    http = status_error(401, headers={}, body={"code": "BadAdminKey", "message": "bad"}, function_path="c:d")
    assert repr(http).endswith("status_code=401)")


def test_401_from_the_server_surfaces_as_authentication_error(mock: respx.MockRouter) -> None:
    mock.post("/api/query").respond(401, json={"code": "BadAdminKey", "message": "The admin key is invalid"})
    client = SyncAPIClient(url=URL, admin_key=ADMIN_KEY)
    with pytest.raises(sdk.AuthenticationError) as info:
        client._request(FunctionCall("query", "users:get", {"id": "u1"}), cast_to=object)
    assert info.value.code == "BadAdminKey"
    assert info.value.status_code == 401
    assert ADMIN_KEY not in str(info.value)
    assert ADMIN_KEY not in repr(info.value)


def test_function_error_response_is_raised_with_its_details(mock: respx.MockRouter) -> None:
    mock.post("/api/mutation").mock(
        return_value=failed({"code": "FORBIDDEN", "message": "Only instructors may do this"})
    )
    client = SyncAPIClient(url=URL, admin_key=ADMIN_KEY)
    with pytest.raises(sdk.PermissionDeniedError) as info:
        client._request(FunctionCall("mutation", "courses:create", {}), cast_to=object)
    error = info.value
    assert (error.code, error.message, error.request_id) == (
        "FORBIDDEN",
        "Only instructors may do this",
        "req-1",
    )
    assert error.log_lines == ["[LOG] 'about to fail'"]
