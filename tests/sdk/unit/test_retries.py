"""Which failures are retried, with what pause, and what every retry sends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
import respx
from unit_support import ADMIN_KEY, URL, failed, ok

import doctrina_sdk as sdk
from doctrina_sdk import FunctionCall
from doctrina_sdk._base_client import AsyncAPIClient, SyncAPIClient
from doctrina_sdk._retry import backoff, retry_after

CREATE = FunctionCall("mutation", "users:create", {"email": "a@example.com"}, idempotent=True)
UPDATE = FunctionCall("mutation", "users:update", {"id": "u1", "firstName": "A"})
GET = FunctionCall("query", "users:get", {"id": "u1"})
SEND = FunctionCall("action", "emails:send", {"to": "a@example.com"})


def client(**options: object) -> SyncAPIClient:
    return SyncAPIClient(url=URL, admin_key=ADMIN_KEY, **options)  # type: ignore[arg-type]


def sent_args(route: respx.Route) -> list[dict[str, object]]:
    return [json.loads(call.request.content)["args"] for call in route.calls]


def lost_response(request: httpx.Request) -> httpx.Response:
    # The server got the request; the answer never arrived.
    raise httpx.ReadError("connection reset", request=request)


def test_lost_response_to_idempotent_mutation_is_retried_with_the_same_key(
    mock: respx.MockRouter, sleeps: list[float]
) -> None:
    route = mock.post("/api/mutation").mock(side_effect=[lost_response, ok({"_id": "u1"})])
    assert client()._request(CREATE, cast_to=dict) == {"_id": "u1"}
    first, second = sent_args(route)
    assert isinstance(first["idempotencyKey"], str)
    assert len(first["idempotencyKey"]) == 36
    assert first == second
    assert [c.request.headers["Doctrina-Retry-Count"] for c in route.calls] == ["0", "1"]
    assert len(sleeps) == 1


def test_each_call_gets_its_own_key_and_a_given_key_is_kept(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(return_value=ok(None))
    c = client()
    c._request(CREATE, cast_to=object)
    c._request(CREATE, cast_to=object)
    c._request(
        FunctionCall("mutation", "users:create", {"idempotencyKey": "mine"}, idempotent=True), cast_to=object
    )
    keys = [args["idempotencyKey"] for args in sent_args(route)]
    assert keys[0] != keys[1]
    assert keys[2] == "mine"


def test_non_idempotent_calls_carry_no_key(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(return_value=ok(None))
    client()._request(UPDATE, cast_to=object)
    assert "idempotencyKey" not in sent_args(route)[0]


def test_function_error_is_never_retried(mock: respx.MockRouter, sleeps: list[float]) -> None:
    for kind, call in (("query", GET), ("mutation", CREATE)):
        route = mock.post(f"/api/{kind}").mock(return_value=failed({"code": "CONFLICT", "message": "dup"}))
        with pytest.raises(sdk.ConflictError):
            client()._request(call, cast_to=object)
        assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("status", [429, 503])
def test_mutations_are_retried_when_rejected_before_running(
    mock: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = mock.post("/api/mutation").mock(side_effect=[httpx.Response(status), ok(1.0)])
    assert client()._request(UPDATE, cast_to=float) == 1.0
    assert route.call_count == 2


@pytest.mark.parametrize("status", [500, 502, 504])
def test_unknown_outcome_of_non_idempotent_mutation_is_not_retried(
    mock: respx.MockRouter, sleeps: list[float], status: int
) -> None:
    route = mock.post("/api/mutation").mock(return_value=httpx.Response(status))
    with pytest.raises(sdk.InternalServerError):
        client()._request(UPDATE, cast_to=object)
    assert route.call_count == 1


def test_lost_response_to_non_idempotent_mutation_is_not_retried(mock: respx.MockRouter) -> None:
    route = mock.post("/api/mutation").mock(side_effect=lost_response)
    with pytest.raises(sdk.APIConnectionError) as info:
        client()._request(UPDATE, cast_to=object)
    assert info.value.request_sent is True
    assert route.call_count == 1


def test_500_on_idempotent_mutation_is_retried(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post("/api/mutation").mock(side_effect=[httpx.Response(500), ok(None)])
    client()._request(CREATE, cast_to=object)
    assert route.call_count == 2


def test_refused_connection_is_retried_even_for_mutations(
    mock: respx.MockRouter, sleeps: list[float]
) -> None:
    # No connection was made, so the mutation cannot have run.
    route = mock.post("/api/mutation").mock(side_effect=[httpx.ConnectError("refused"), ok(None)])
    client()._request(UPDATE, cast_to=object)
    assert route.call_count == 2


def test_actions_are_never_retried(mock: respx.MockRouter, sleeps: list[float]) -> None:
    for failure in (httpx.Response(503), httpx.Response(429), httpx.ConnectError("refused")):
        route = mock.post("/api/action").mock(side_effect=[failure, ok(None)])
        route.reset()
        with pytest.raises(sdk.DoctrinaError):
            client()._request(SEND, cast_to=object)
        assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500), httpx.Response(502), httpx.Response(429), httpx.ReadTimeout("slow")],
    ids=["500", "502", "429", "timeout"],
)
def test_queries_are_retried_on_transient_failures(
    mock: respx.MockRouter, sleeps: list[float], failure: object
) -> None:
    route = mock.post("/api/query").mock(side_effect=[failure, lost_response, ok("done")])
    assert client()._request(GET, cast_to=str) == "done"
    assert route.call_count == 3
    assert [c.request.headers["Doctrina-Retry-Count"] for c in route.calls] == ["0", "1", "2"]


def test_max_retries_bounds_the_attempts(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post("/api/query").mock(return_value=httpx.Response(503))
    with pytest.raises(sdk.InternalServerError):
        client(max_retries=3)._request(GET, cast_to=object)
    assert route.call_count == 4
    route.reset()
    with pytest.raises(sdk.InternalServerError):
        client().with_options(max_retries=0)._request(GET, cast_to=object)
    assert route.call_count == 1


def test_4xx_other_than_429_is_not_retried(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post("/api/query").mock(return_value=httpx.Response(400, json={"code": "BadJsonBody"}))
    with pytest.raises(sdk.BadRequestError):
        client()._request(GET, cast_to=object)
    assert route.call_count == 1


def test_retry_after_seconds_is_honoured(mock: respx.MockRouter, sleeps: list[float]) -> None:
    mock.post("/api/query").mock(side_effect=[httpx.Response(429, headers={"Retry-After": "3"}), ok(None)])
    client()._request(GET, cast_to=object)
    assert sleeps == [3.0]


def test_retry_after_http_date_is_honoured(mock: respx.MockRouter, sleeps: list[float]) -> None:
    when = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=5), usegmt=True)
    mock.post("/api/query").mock(side_effect=[httpx.Response(503, headers={"Retry-After": when}), ok(None)])
    client()._request(GET, cast_to=object)
    assert len(sleeps) == 1
    assert 3.5 < sleeps[0] <= 5.0


def test_retry_after_is_capped() -> None:
    error = sdk.RateLimitError("slow down", status_code=429, headers={"retry-after": "86400"})
    assert retry_after(error) == 60.0
    error = sdk.RateLimitError("slow down", status_code=429, headers={"retry-after": "soon"})
    assert retry_after(error) is None


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    for attempt, nominal in ((1, 0.5), (2, 1.0), (3, 2.0), (10, 8.0)):
        for _ in range(50):
            assert nominal * 0.75 <= backoff(attempt) <= nominal


def test_deadline_stops_retries_that_would_outlast_it(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post("/api/query").mock(return_value=httpx.Response(429, headers={"Retry-After": "30"}))
    with pytest.raises(sdk.RateLimitError):
        client(deadline=10.0)._request(GET, cast_to=object)
    assert route.call_count == 1
    assert sleeps == []


async def test_async_client_retries_with_the_same_key(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post("/api/mutation").mock(side_effect=[lost_response, httpx.Response(503), ok("u1")])
    async with AsyncAPIClient(url=URL, admin_key=ADMIN_KEY) as c:
        assert await c._request(CREATE, cast_to=str) == "u1"
    keys = {args["idempotencyKey"] for args in sent_args(route)}
    assert route.call_count == 3
    assert len(keys) == 1
    assert len(sleeps) == 2


async def test_async_client_never_retries_actions(mock: respx.MockRouter, sleeps: list[float]) -> None:
    route = mock.post("/api/action").mock(return_value=httpx.Response(503))
    async with AsyncAPIClient(url=URL, admin_key=ADMIN_KEY) as c:
        with pytest.raises(sdk.InternalServerError):
            await c._request(SEND, cast_to=object)
    assert route.call_count == 1
