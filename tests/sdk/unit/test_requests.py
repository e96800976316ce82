"""What the client sends, what it returns, and what it keeps to itself."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import httpx
import pydantic
import pytest
import respx
from unit_support import ADMIN_KEY, TOKEN, URL, failed, ok

import doctrina_sdk as sdk
from doctrina_sdk import FunctionCall
from doctrina_sdk._base_client import AsyncAPIClient, SyncAPIClient
from doctrina_sdk._logs import redact, setup_logging


class Widget(pydantic.BaseModel):
    id: str = pydantic.Field(alias="_id")
    name: str
    size: int


class Widgets:
    """A resource shaped like the generated ones, for testing the client alone."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client

    def create(self, *, name: str, size: int) -> Widget:
        """Calls `widgets:create`."""
        call = FunctionCall("mutation", "widgets:create", {"name": name, "size": size}, idempotent=True)
        return self._client._request(call, cast_to=Widget)

    def get(self, id: str) -> Widget | None:
        """Calls `widgets:get`."""
        result: Widget | None = self._client._request(
            FunctionCall("query", "widgets:get", {"id": id}), cast_to=Widget | None
        )
        return result


def body(route: respx.Route, index: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[index].request.content)  # type: ignore[no-any-return]


def test_request_shape_and_typed_result(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(return_value=ok({"_id": "w1", "name": "bolt", "size": 3.0}))
    widget = Widgets(SyncAPIClient(url=URL, admin_key=ADMIN_KEY)).create(name="bolt", size=3)
    assert widget == Widget(_id="w1", name="bolt", size=3)
    sent = body(route)
    assert sent["path"] == "widgets:create"
    assert sent["format"] == "convex_encoded_json"
    assert sent["args"]["name"] == "bolt"
    assert sent["args"]["size"] == 3.0  # a Python int goes out as a Convex Float64
    request = route.calls[0].request
    assert request.headers["Convex-Client"] == "doctrina-python-0.1.0"
    assert request.headers["Content-Type"] == "application/json"


def test_get_returns_none(mock: respx.MockRouter) -> None:
    mock.post("/api/query").mock(return_value=ok(None))
    assert Widgets(SyncAPIClient(url=URL, admin_key=ADMIN_KEY)).get("w1") is None


def test_convex_values_round_trip(mock: respx.MockRouter) -> None:
    from convex import ConvexInt64

    route = mock.post("/api/query").mock(
        return_value=ok({"n": {"$integer": "AQAAAAAAAAA="}, "b": {"$bytes": "AAE="}, "f": 1.5})
    )
    client = SyncAPIClient(url=URL)
    call = FunctionCall("query", "values:echo", {"n": ConvexInt64(1), "b": b"\x00\x01", "inf": float("inf")})
    assert client._request(call, cast_to=object) == {"n": ConvexInt64(1), "b": b"\x00\x01", "f": 1.5}
    assert body(route)["args"] == {
        "n": {"$integer": "AQAAAAAAAAA="},
        "b": {"$bytes": "AAE="},
        "inf": {"$float": "AAAAAAAA8H8="},
    }


def authorization(route: respx.Route) -> str | None:
    return route.calls[-1].request.headers.get("Authorization")


def identity_subject(header: str) -> str:
    encoded = header.rsplit(":", 1)[1]
    return str(json.loads(base64.b64decode(encoded))["subject"])


def test_callers(mock: respx.MockRouter) -> None:
    route = mock.post("/api/query").mock(return_value=ok(None))
    call = FunctionCall("query", "users:me", {})
    service = SyncAPIClient(url=URL, admin_key=ADMIN_KEY)

    service._request(call, cast_to=object)
    header = authorization(route)
    assert header is not None
    assert header.startswith(f"Convex {ADMIN_KEY}:")
    assert identity_subject(header) == "service"

    service.acting_as("user42")._request(call, cast_to=object)
    header = authorization(route)
    assert header is not None
    assert identity_subject(header) == "user42"

    # The parent is unchanged.
    service._request(call, cast_to=object)
    assert identity_subject(authorization(route) or "") == "service"

    SyncAPIClient(url=URL, auth_token=TOKEN)._request(call, cast_to=object)
    assert authorization(route) == f"Bearer {TOKEN}"

    SyncAPIClient(url=URL)._request(call, cast_to=object)
    assert authorization(route) is None


def test_acting_as_needs_a_service_client() -> None:
    with pytest.raises(sdk.ConfigurationError):
        SyncAPIClient(url=URL, auth_token=TOKEN).acting_as("u1")


def test_derived_clients_share_connections_and_leave_them_open(mock: respx.MockRouter) -> None:
    mock.post("/api/query").mock(return_value=ok(1.0))
    with SyncAPIClient(url=URL, admin_key=ADMIN_KEY) as service:
        quick = service.with_options(timeout=1.5, max_retries=0)
        assert (quick.max_retries, quick.timeout.read) == (0, 1.5)
        assert (service.max_retries, service.timeout.read, service.timeout.connect) == (2, 60.0, 5.0)
        as_user = service.acting_as("u1")
        as_user.close()
        quick.close()
        assert service._request(FunctionCall("query", "a:b", {}), cast_to=float) == 1.0
    with pytest.raises(RuntimeError):  # the pool is closed with the client that opened it
        service._request(FunctionCall("query", "a:b", {}), cast_to=float)


def test_local_validation_sends_nothing(mock: respx.MockRouter) -> None:
    route = mock.route().mock(return_value=ok(None))
    service = sdk.Doctrina(url=URL, admin_key=ADMIN_KEY)
    with pytest.raises(sdk.ValidationError) as info:
        service.users.create(first_name=1, last_name="Doe", email="jane@example.com")  # type: ignore[arg-type]
    with pytest.raises(sdk.ValidationError):
        service.users.get(None)  # type: ignore[arg-type]
    assert route.call_count == 0
    assert info.value.code == "VALIDATION"
    assert info.value.function_path == "users:create"
    assert not isinstance(info.value, sdk.FunctionError)


def test_unencodable_arguments_send_nothing(mock: respx.MockRouter) -> None:
    route = mock.post("/api/query").mock(return_value=ok(None))
    client = SyncAPIClient(url=URL)
    for args in ({"when": object()}, {"$bad": 1}, {"big": 2**60}):
        with pytest.raises(sdk.ValidationError):
            client._request(FunctionCall("query", "a:b", args), cast_to=object)
    assert route.call_count == 0


def test_result_not_matching_the_model(mock: respx.MockRouter) -> None:
    mock.post("/api/query").mock(return_value=ok({"_id": "w1", "name": "bolt"}))
    with pytest.raises(sdk.ResponseValidationError, match="Widget"):
        Widgets(SyncAPIClient(url=URL)).get("w1")


def test_unexpected_body(mock: respx.MockRouter) -> None:
    mock.post("/api/query").mock(return_value=httpx.Response(200, text="<html>proxy</html>"))
    with pytest.raises(sdk.ResponseValidationError):
        SyncAPIClient(url=URL)._request(FunctionCall("query", "a:b", {}), cast_to=object)


def test_client_repr_hides_credentials() -> None:
    for client in (SyncAPIClient(url=URL, admin_key=ADMIN_KEY), SyncAPIClient(url=URL, auth_token=TOKEN)):
        shown = f"{client!r} {client} {client._credentials!r} {vars(client)}"
        assert ADMIN_KEY not in shown
        assert TOKEN not in shown


def test_debug_logs_calls_and_function_output_without_secrets(
    mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DOCTRINA_LOG", "debug")
    setup_logging()
    mock.post("/api/query").mock(return_value=ok(1.0, log_lines=["[LOG] 'loading widgets'"]))
    mock.post("/api/mutation").mock(
        side_effect=[httpx.Response(503), failed({"code": "LIMIT", "message": "Too many widgets"})]
    )
    monkeypatch.setattr("doctrina_sdk._retry._sleep", lambda seconds: None)
    client = SyncAPIClient(url=URL, admin_key=ADMIN_KEY)
    with caplog.at_level(logging.DEBUG, logger="doctrina_sdk"):
        client._request(FunctionCall("query", "widgets:list", {}), cast_to=float)
        with pytest.raises(sdk.LimitExceededError):
            client._request(
                FunctionCall("mutation", "widgets:add", {"note": f"Convex {ADMIN_KEY}"}), cast_to=object
            )
        logging.getLogger("doctrina_sdk").debug("header was Convex %s", ADMIN_KEY)
    text = caplog.text
    assert "query widgets:list ok in" in text
    assert "(retries=0)" in text
    assert "'loading widgets'" in text
    assert "retrying mutation widgets:add" in text
    assert "mutation widgets:add failed in" in text
    assert "(retries=1)" in text
    assert "Too many widgets" in text
    assert "'about to fail'" in text
    assert ADMIN_KEY not in text
    assert "Convex <redacted>" in text


async def test_async_client(mock: respx.MockRouter) -> None:
    route = mock.post("/api/query").mock(return_value=ok({"_id": "w1", "name": "bolt", "size": 1.0}))
    async with AsyncAPIClient(url=URL, admin_key=ADMIN_KEY) as client:
        widget = await client.acting_as("u7")._request(
            FunctionCall("query", "widgets:get", {}), cast_to=Widget
        )
        assert widget.name == "bolt"
        assert identity_subject(authorization(route) or "") == "u7"
        mock.post("/api/mutation").mock(return_value=failed({"code": "NOT_FOUND", "message": "gone"}))
        with pytest.raises(sdk.NotFoundError):
            await client._request(FunctionCall("mutation", "widgets:remove", {}), cast_to=object)


def test_unknown_transport() -> None:
    with pytest.raises(sdk.ConfigurationError):
        SyncAPIClient(url=URL, transport="carrier-pigeon")  # type: ignore[arg-type]


def test_doctrina_from_the_environment(mock: respx.MockRouter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCTRINA_URL", URL)
    monkeypatch.setenv("DOCTRINA_ADMIN_KEY", ADMIN_KEY)
    route = mock.post("/api/query").mock(return_value=ok(None))
    with sdk.Doctrina() as service:
        assert service.users.get_by_email("nobody@example.com") is None
        as_user = service.acting_as("u1")
        assert isinstance(as_user, sdk.Doctrina)
        assert as_user.users is not service.users
        assert as_user.users._client is as_user
    assert identity_subject(authorization(route) or "") == "service"
    assert body(route)["path"] == "users:getByEmail"


def test_doctrina_without_a_url() -> None:
    with pytest.raises(sdk.ConfigurationError, match="DOCTRINA_URL"):
        sdk.Doctrina()


async def test_async_doctrina(mock: respx.MockRouter) -> None:
    mock.post("/api/query").mock(return_value=ok(None))
    async with sdk.AsyncDoctrina(url=URL, auth_token=TOKEN) as client:
        assert await client.users.get("u1") is None
        assert isinstance(client.with_options(max_retries=0), sdk.AsyncDoctrina)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Convex abc|123", "Authorization: Convex <redacted>"),
        ("bearer eyJ.x.y failed", "bearer <redacted> failed"),
        (
            "node main.js --functions /repo/convex --exit-with-parent",
            "node main.js --functions /repo/convex --exit-with-parent",
        ),
    ],
)
def test_redaction_hides_credentials_not_paths(text: str, expected: str) -> None:
    assert redact(text) == expected
