"""Timeouts end a call within the configured time, as `APITimeoutError`.

A loopback socket that accepts connections and never answers stands in for a
server that hangs.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

import doctrina_sdk as sdk
from doctrina_sdk import FunctionCall
from doctrina_sdk._base_client import AsyncAPIClient, SyncAPIClient

CALL = FunctionCall("query", "users:get", {"id": "u1"})


@pytest.fixture
def silent_server() -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    listener.close()


def test_read_timeout(silent_server: str) -> None:
    client = SyncAPIClient(url=silent_server, timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(sdk.APITimeoutError) as info:
        client._request(CALL, cast_to=object)
    assert 0.25 < time.monotonic() - started < 1.5
    assert info.value.request_sent is True
    assert isinstance(info.value, sdk.APIConnectionError)


def test_per_call_timeout_via_with_options(silent_server: str) -> None:
    client = SyncAPIClient(url=silent_server, max_retries=0)
    started = time.monotonic()
    with pytest.raises(sdk.APITimeoutError):
        client.with_options(timeout=httpx.Timeout(0.2, connect=1.0))._request(CALL, cast_to=object)
    assert time.monotonic() - started < 1.5


def test_deadline_bounds_a_query_with_retries(silent_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("doctrina_sdk._retry.backoff", lambda attempt: 0.05)
    client = SyncAPIClient(url=silent_server, timeout=0.4, max_retries=10, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(sdk.APITimeoutError):
        client._request(CALL, cast_to=object)
    assert 0.9 < time.monotonic() - started < 2.0


async def test_async_read_timeout(silent_server: str) -> None:
    client = AsyncAPIClient(url=silent_server, timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(sdk.APITimeoutError):
        await client._request(CALL, cast_to=object)
    assert time.monotonic() - started < 1.5
    await client.close()


def test_refused_connection_is_a_connection_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    client = SyncAPIClient(url=f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(sdk.APIConnectionError) as info:
        client._request(CALL, cast_to=object)
    assert info.value.request_sent is False
