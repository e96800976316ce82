"""Bad requests get their documented error, and the server keeps serving everyone else:
each bad request runs next to a healthy call that must still succeed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from ._rawws import RawWebSocket
from ._server import BackendProcess

HEALTHY = {"path": "protocol:echo", "args": {"value": "healthy"}}


def alongside_healthy_call(server: BackendProcess, bad: Callable[[], Any]) -> Any:
    """Runs `bad` while another client makes a normal query; returns what `bad` returned."""
    with ThreadPoolExecutor(2) as pool, httpx.Client(base_url=server.url, timeout=30) as healthy:
        outcome = pool.submit(bad)
        response = pool.submit(healthy.post, "/api/query", json=HEALTHY).result()
        assert response.status_code == 200
        assert response.json()["status"] == "success"
        return outcome.result()


def post(server: BackendProcess, path: str, **kwargs: Any) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        return client.post(path, **kwargs)


OVERSIZED = b'{"path":"protocol:echo","args":{"value":"' + b"x" * (16 * 1024 * 1024 + 2000) + b'"}}'
QUERY, MUTATION = "/api/query", "/api/mutation"
MALFORMED = {
    "malformed JSON": (QUERY, {"content": b"{not json"}, 400, "BadJsonBody"),
    "body not an object": (QUERY, {"json": [1]}, 400, "BadJsonBody"),
    "no path": (QUERY, {"json": {"args": {}}}, 400, "BadJsonBody"),
    "bad path": (QUERY, {"json": {"path": "a:b:c", "args": {}}}, 400, "BadConvexFunctionIdentifier"),
    "bad args": (MUTATION, {"json": {"path": "counter:increment", "args": 3}}, 400, "InvalidUdfArgs"),
    "wrong format": (QUERY, {"json": {**HEALTHY, "format": "protobuf"}}, 400, "BadFormat"),
    "oversized body": (QUERY, {"content": OVERSIZED}, 413, "PayloadTooLarge"),
    "unknown route": ("/api/nowhere", {"json": {}}, 404, "NotFound"),
    "bad Convex-Client": (QUERY, {"json": HEALTHY, "headers": {"Convex-Client": "x"}}, 400, "InvalidVersion"),
    "bad auth scheme": (
        QUERY,
        {"json": HEALTHY, "headers": {"Authorization": "Basic abc"}},
        400,
        "InvalidAdminKey",
    ),
}


@pytest.mark.parametrize(
    ("path", "request_kwargs", "status", "code"), MALFORMED.values(), ids=MALFORMED.keys()
)
def test_malformed_requests(
    server: BackendProcess, path: str, request_kwargs: dict[str, Any], status: int, code: str
) -> None:
    response = alongside_healthy_call(server, lambda: post(server, path, **request_kwargs))
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str)


FAILING = {
    "unknown function": (QUERY, "nothing:here", "Could not find public function"),
    "internal function": (QUERY, "protocol:internalRead", "Could not find public function"),
    "wrong function kind": (QUERY, "protocol:failPlainly", "defined as"),
    "function throws": (MUTATION, "protocol:failPlainly", "boom"),
    "argument validation": (QUERY, "counter:get", "ArgumentValidationError"),
}


@pytest.mark.parametrize(("endpoint", "path", "message"), FAILING.values(), ids=list(FAILING))
def test_function_failures_are_http_200(
    server: BackendProcess, endpoint: str, path: str, message: str
) -> None:
    response = alongside_healthy_call(server, lambda: post(server, endpoint, json={"path": path, "args": {}}))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "error"
    assert message in body["errorMessage"]


def connected_socket(server: BackendProcess) -> RawWebSocket:
    ws = RawWebSocket(server.url)
    session = str(uuid.uuid4())
    ws.send(
        {"type": "Connect", "sessionId": session, "connectionCount": 0, "lastCloseReason": "InitialConnect"}
    )
    return ws


def add_query(base: int, query_id: int, udf_path: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    change = {"type": "Add", "queryId": query_id, "udfPath": udf_path, "args": [args or {}]}
    return {"type": "ModifyQuerySet", "baseVersion": base, "newVersion": base + 1, "modifications": [change]}


VIOLATIONS = {
    "not JSON": "{{{",
    "unknown type": {"type": "Nonsense"},
    "missing fields": {"type": "Mutation", "udfPath": "counter:increment"},
    "query set baseVersion mismatch": add_query(4, 1, "protocol:whoami"),
    "identity baseVersion mismatch": {"type": "Authenticate", "baseVersion": 9, "tokenType": "None"},
}


@pytest.mark.parametrize("message", VIOLATIONS.values(), ids=list(VIOLATIONS))
def test_sync_protocol_violations_end_only_that_connection(
    server: BackendProcess, counter: dict[str, str], message: Any
) -> None:
    watcher = connected_socket(server)
    watcher.send(add_query(0, 1, "counter:get", counter))
    watcher.receive_until("Transition")

    def misbehave() -> tuple[dict[str, Any], dict[str, Any] | None]:
        bad = connected_socket(server)
        bad.send(message)
        fatal = bad.receive_until("FatalError")
        after = bad.receive()
        bad.close()
        return fatal, after

    fatal, after = alongside_healthy_call(server, misbehave)
    assert isinstance(fatal["error"], str)
    assert after is None, "the connection must be closed after a FatalError"
    post(server, "/api/mutation", json={"path": "counter:increment", "args": counter})
    update = watcher.receive_until("Transition")
    assert update["modifications"][0]["queryId"] == 1
    watcher.close()


def test_bad_token_over_sync_is_an_auth_error(server: BackendProcess) -> None:
    def authenticate() -> dict[str, Any]:
        ws = connected_socket(server)
        ws.send({"type": "Authenticate", "baseVersion": 0, "tokenType": "User", "value": "bad.token.here"})
        error = ws.receive_until("AuthError")
        assert ws.receive() is None
        ws.close()
        return error

    error = alongside_healthy_call(server, authenticate)
    assert error["baseVersion"] == 0
    assert error["authUpdateAttempted"] is True


def test_a_looping_function_does_not_hold_up_others(server: BackendProcess) -> None:
    with ThreadPoolExecutor(1) as pool, httpx.Client(base_url=server.url, timeout=30) as healthy:
        looping = pool.submit(post, server, QUERY, json={"path": "errors:loop", "args": {}})
        for _ in range(5):
            began = time.monotonic()
            assert healthy.post(QUERY, json=HEALTHY).json()["status"] == "success"
            assert time.monotonic() - began < 0.5
        outcome = looping.result().json()
    assert outcome["status"] == "error"
